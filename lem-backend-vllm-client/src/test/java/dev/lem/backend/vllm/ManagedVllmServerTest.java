package dev.lem.backend.vllm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lem.config.ConfigResolver;
import dev.lem.config.DecodingConfig;
import dev.lem.config.ValueSource;
import dev.lem.serving.CountingLog;
import dev.lem.serving.FakeServerScript;
import dev.lem.spi.BackendContext;
import dev.lem.spi.BackendException;
import dev.lem.spi.GenerationRequest;
import dev.lem.spi.InferenceBackend;
import dev.lem.spi.PluginUnavailableException;
import java.net.ConnectException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code server.managed: true} with a stand-in {@code vllm} executable (a scripted server in a child JVM). */
@Timeout(120)
class ManagedVllmServerTest {
    @TempDir
    Path dir;

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private InferenceBackend managed(Path exe, int port, double startupS) {
        var c = ConfigResolver.withDefaults().set("backend", "vllm", ValueSource.BUILDER)
                .set("model", "org/tiny-model", ValueSource.BUILDER)
                .set("server.managed", true, ValueSource.BUILDER)
                .set("server.url", "http://127.0.0.1:" + port, ValueSource.BUILDER)
                .set("server.startup_timeout_s", startupS, ValueSource.BUILDER)
                .set("server.args", List.of("--max-num-seqs", "8"), ValueSource.BUILDER)
                .set("options.executable", exe.toString(), ValueSource.BUILDER).resolve();
        return new VllmBackendProvider().create(BackendContext.of(c, new VllmBackendProvider(), dir.resolve("artifacts"), 0));
    }

    private static boolean listening(int port) {
        try (Socket s = new Socket("127.0.0.1", port)) {
            return true;
        } catch (ConnectException e) {
            return false;
        } catch (Exception e) {
            return false;
        }
    }

    @Test
    void startsWaitsForHealthServesCapturesTheLogAndStops() throws Exception {
        int port = freePort();
        Path exe = FakeServerScript.write(dir, "vllm", "--startup-ms 500");
        InferenceBackend b = managed(exe, port, 60);
        try {
            assertThat(b.load().id()).isEqualTo("org/tiny-model");
            CountingLog log = new CountingLog();
            b.submit(new GenerationRequest("m", "managed hello", null, 3, 0, DecodingConfig.greedyDecoding(true), 1,
                    false), log).get(30, TimeUnit.SECONDS);
            assertThat(log.log().end("m").kind()).isEqualTo("completed");
            assertThat(b.environment().get("server.managed_command"))
                    .contains("serve org/tiny-model --host 127.0.0.1 --port " + port + " --seed 42 --max-num-seqs 8");
            assertThat(FakeServerScript.argv(exe)).containsExactly("serve", "org/tiny-model", "--host", "127.0.0.1",
                    "--port", String.valueOf(port), "--seed", "42", "--max-num-seqs", "8");
        } finally {
            b.close();
        }
        Path logFile = dir.resolve("artifacts").resolve("vllm-server.log");
        assertThat(Files.readString(logFile)).contains("listening on port " + port);
        assertThat(listening(port)).as("the server was stopped").isFalse();
    }

    @Test
    void aServerThatExitsIsReportedWithTheEndOfItsLog() throws Exception {
        Path exe = FakeServerScript.write(dir, "vllm", "--exit-code 3");
        try (InferenceBackend b = managed(exe, freePort(), 60)) {
            assertThatThrownBy(b::load).isInstanceOf(BackendException.class).hasMessageContaining("exited with code 3")
                    .hasMessageContaining("CUDA out of memory (pretend)");
        }
    }

    @Test
    void aServerThatIsNotHealthyInTimeIsStopped() throws Exception {
        int port = freePort();
        Path exe = FakeServerScript.write(dir, "vllm", "--startup-ms 30000");
        try (InferenceBackend b = managed(exe, port, 2)) {
            assertThatThrownBy(b::load).isInstanceOf(BackendException.class).hasMessageContaining("was not healthy")
                    .hasMessageContaining("server.startup_timeout_s");
        }
        assertThat(listening(port)).isFalse();
    }

    @Test
    void aMissingExecutableSaysWhatToInstall() throws Exception {
        try (InferenceBackend b = managed(dir.resolve("no-such-vllm"), freePort(), 5)) {
            assertThatThrownBy(b::load).isInstanceOf(PluginUnavailableException.class)
                    .hasMessageContaining("Cannot start the managed server").hasMessageContaining("options.executable");
        }
    }
}
