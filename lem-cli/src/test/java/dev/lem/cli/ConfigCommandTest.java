package dev.lem.cli;

import static dev.lem.cli.CliTestSupport.lem;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Configuration as a newcomer meets it on the command line. */
class ConfigCommandTest {
    @TempDir
    Path dir;

    private Path file(String name, String text) throws IOException {
        return Files.writeString(dir.resolve(name), text);
    }

    @Test
    void overridesAreAppliedBeforeTheFileIsValidatedInRunAndValidateAlike() throws IOException {
        Path prompts = file("prompts.txt", "one\ntwo\n");
        Path p = file("exp.yaml", """
                backend: simulated
                cycles: 0
                prompts: {source: file}
                max_output_tokens: 2
                warmup: {mode: fixed, runs: 0}
                energy: {idle_baseline_s: 0}
                results_dir: %s
                """.formatted(dir.resolve("results")));
        CliTestSupport.Run bad = lem("config", "validate", p.toString());
        assertThat(bad.exitCode()).isEqualTo(LemCommand.EXIT_BAD_INPUT);
        assertThat(bad.err()).contains("cycles: 0 is below the minimum 1",
                "prompts.path: is required when prompts.source is file");
        String[] fixes = {"--set", "cycles=1", "--set", "prompts.path=" + prompts};
        CliTestSupport.Run ok = lem(concat(new String[] {"config", "validate", p.toString()}, fixes));
        assertThat(ok.exitCode()).as(ok.err()).isZero();
        assertThat(ok.out()).contains("exp.yaml is valid");
        CliTestSupport.Run run = lem(concat(new String[] {"run", p.toString(), "--quiet"}, fixes));
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("1 cycle(s) in the summary x 32 prompts");
    }

    @Test
    void aMisplacedOverrideGetsTheSameSuggestionAsInAFile() {
        CliTestSupport.Run r = lem("config", "validate", "--set", "batch_size=4", dir.toString() + "/none.yaml");
        assertThat(r.exitCode()).isEqualTo(LemCommand.EXIT_BAD_INPUT);
        assertThat(r.err()).contains("batch_size: unknown key; did you mean \"batching.batch_size\"?");
    }

    @Test
    void validateNamesKeysThatHaveNoEffectOnTheBackend() throws IOException {
        Path p = file("served.yaml", """
                backend: openai
                server: {url: "http://127.0.0.1:9"}
                batching: {batch_size: 8}
                options: {stream_usag: true}
                """);
        CliTestSupport.Run bad = lem("config", "validate", p.toString());
        assertThat(bad.exitCode()).isEqualTo(LemCommand.EXIT_BAD_INPUT);
        assertThat(bad.err()).contains("options.stream_usag: is not an option of backend openai; did you mean "
                + "\"stream_usage\"?");
        Files.writeString(p, Files.readString(p).replace("stream_usag", "stream_usage"));
        CliTestSupport.Run ok = lem("config", "validate", p.toString());
        assertThat(ok.exitCode()).as(ok.err()).isZero();
        assertThat(ok.err()).contains("lem: warning: batching.batch_size has no effect on backend openai: it applies "
                + "to in-process backends (djl)");
    }

    @Test
    void keysForABackendListItsOptionsAndOnlyTheKeysThatApply() {
        CliTestSupport.Run djl = lem("config", "keys", "--backend", "djl");
        assertThat(djl.exitCode()).isZero();
        assertThat(djl.out()).contains("Keys that apply to backend djl (in-process)", "batching.batch_size",
                "Options of backend djl", "options.threads  (integer in [1, 4096], threads; default unset)",
                "options.executor  (one of: compiled, eager; default compiled)")
                .doesNotContain("server.url");
        CliTestSupport.Run vllm = lem("config", "keys", "--backend", "vllm");
        assertThat(vllm.out()).contains("server.url", "options.return_token_ids", "extra  (mapping")
                .doesNotContain("batching.batch_size");
        CliTestSupport.Run unknown = lem("config", "keys", "--backend", "vlm");
        assertThat(unknown.exitCode()).isEqualTo(LemCommand.EXIT_BAD_INPUT);
        assertThat(unknown.err()).contains("--backend: no backend named \"vlm\"");
    }

    @Test
    void runWithoutAFileSaysItRunsTheDefaults() {
        CliTestSupport.Run r = lem("run", "--quiet", "--set", "backend=simulated", "--set", "cycles=1", "--set",
                "prompts.limit=1", "--set", "max_output_tokens=1", "--set", "warmup.mode=fixed", "--set",
                "warmup.runs=0", "--set", "energy.idle_baseline_s=0", "--set", "results_dir=" + dir.resolve("r"));
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.err()).startsWith("lem: no config file given: running the built-in defaults with your --set "
                + "overrides (synthetic:SmolLM2-135M on simulated, cpu, 1 prompts x 1 cycles)");
    }

    @Test
    void devicesAndForeignExtendsAreRefusedWithoutReadingThem() throws IOException {
        CliTestSupport.Run zero = lem("config", "validate", "/dev/zero");
        assertThat(zero.exitCode()).isEqualTo(LemCommand.EXIT_BAD_INPUT);
        assertThat(zero.err()).contains("/dev/zero: is not a regular file").doesNotContain("OutOfMemoryError");
        Path p = file("evil.yaml", "_extends: /etc/passwd\n");
        CliTestSupport.Run evil = lem("config", "validate", p.toString());
        assertThat(evil.exitCode()).isEqualTo(LemCommand.EXIT_BAD_INPUT);
        assertThat(evil.err()).contains("\"/etc/passwd\" is outside the config's folder").doesNotContain("root:");
    }

    private static String[] concat(String[] a, String[] b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
