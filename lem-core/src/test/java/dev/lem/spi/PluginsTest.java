package dev.lem.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lem.Lem;
import dev.lem.spi.PluginReport;
import dev.lem.spi.Availability;
import dev.lem.spi.BackendContext;
import dev.lem.spi.BackendProvider;
import dev.lem.spi.InferenceBackend;
import dev.lem.spi.PluginUnavailableException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PluginsTest {
    @TempDir
    Path dir;

    /** A provider whose constructor throws. */
    public static final class ThrowingProvider implements BackendProvider {
        public ThrowingProvider() {
            throw new IllegalStateException("boom in constructor");
        }

        @Override
        public String name() {
            return "throwing";
        }

        @Override
        public InferenceBackend create(BackendContext context) {
            throw new AssertionError();
        }
    }

    /** A provider whose availability check throws. */
    public static final class BadAvailabilityProvider implements BackendProvider {
        @Override
        public String name() {
            return "bad-availability";
        }

        @Override
        public Availability availability() {
            throw new IllegalStateException("probe crashed");
        }

        @Override
        public InferenceBackend create(BackendContext context) {
            throw new AssertionError();
        }
    }

    /** A provider that cannot run here. */
    public static final class UnavailableProvider implements BackendProvider {
        @Override
        public String name() {
            return "needs-gpu";
        }

        @Override
        public Availability availability() {
            return Availability.unavailable("no GPU on this machine");
        }

        @Override
        public InferenceBackend create(BackendContext context) {
            throw new AssertionError();
        }
    }

    private <T> T withServices(String services, Callable<T> body) throws Exception {
        Path meta = dir.resolve("META-INF/services");
        Files.createDirectories(meta);
        Files.writeString(meta.resolve(BackendProvider.class.getName()), services);
        ClassLoader old = Thread.currentThread().getContextClassLoader();
        try (URLClassLoader cl = new URLClassLoader(new URL[] {dir.toUri().toURL()}, old)) {
            Thread.currentThread().setContextClassLoader(cl);
            return body.call();
        } finally {
            Thread.currentThread().setContextClassLoader(old);
        }
    }

    @Test
    void brokenProvidersAreReportedAndSkippedNotFatal() throws Exception {
        List<PluginReport> reports = withServices(String.join("\n",
                "dev.lem.spi.PluginsTest$ThrowingProvider",
                "dev.lem.internal.DoesNotExist",
                "dev.lem.spi.PluginsTest$BadAvailabilityProvider",
                "dev.lem.spi.PluginsTest$UnavailableProvider"), Lem::plugins);
        assertThat(reports).anySatisfy(r -> {
            assertThat(r.name()).isEqualTo("simulated");
            assertThat(r.available()).isTrue();
        });
        assertThat(reports).filteredOn(r -> !r.available() && r.reason().startsWith("failed to load"))
                .extracting(PluginReport::className)
                .anySatisfy(n -> assertThat(n).contains("ThrowingProvider"))
                .anySatisfy(n -> assertThat(n).contains("DoesNotExist"));
        assertThat(reports).filteredOn(r -> r.name().equals("bad-availability")).singleElement()
                .satisfies(r -> assertThat(r.reason()).isEqualTo("availability check failed: IllegalStateException: probe crashed"));
        assertThat(reports).filteredOn(r -> r.name().equals("needs-gpu")).singleElement()
                .satisfies(r -> assertThat(r.reason()).isEqualTo("no GPU on this machine"));
    }

    @Test
    void backendsAreSelectedByNameAliasOrClassName() {
        assertThat(Plugins.backend("simulated").name()).isEqualTo("simulated");
        assertThat(Plugins.backend("SIM").name()).isEqualTo("simulated");
        assertThat(Plugins.backend("dev.lem.testkit.SimulatedBackendProvider").name()).isEqualTo("simulated");
        assertThat(Plugins.backend("SimulatedBackendProvider").name()).isEqualTo("simulated");
    }

    @Test
    void aMissingBackendNamesTheArtifactToAdd() {
        assertThatThrownBy(() -> Plugins.backend("trtllm"))
                .isInstanceOf(PluginUnavailableException.class)
                .hasMessageStartingWith("Backend \"trtllm\" is not on the classpath: add the Maven artifact "
                        + "dev.lem:lem-backend-trtllm")
                .hasMessageContaining("Backends found: ").hasMessageContaining("simulated");
        assertThatThrownBy(() -> Plugins.backend("nonesuch"))
                .hasMessageStartingWith("Unknown backend \"nonesuch\". Backends found: ");
    }

    @Test
    void anUnavailableBackendSaysWhy() throws Exception {
        Throwable t = withServices("dev.lem.spi.PluginsTest$UnavailableProvider", () -> {
            try {
                Plugins.backend("needs-gpu");
                return null;
            } catch (PluginUnavailableException e) {
                return e;
            }
        });
        assertThat(t).hasMessage("Backend \"needs-gpu\" cannot run here: no GPU on this machine");
    }
}
