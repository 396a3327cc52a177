package dev.lem.cli;

import static dev.lem.cli.CliTestSupport.lem;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LemCommandTest {
    @TempDir
    Path dir;

    private Path config(String text) throws IOException {
        Path p = dir.resolve("exp.yaml");
        Files.writeString(p, text);
        return p;
    }

    @Test
    void badConfigsExitWithTwoAndAShortMessageWithoutStackTrace() throws IOException {
        Path p = config("cycles: 0\nbatching: {batch_size: 0}\n");
        CliTestSupport.Run r = lem("run", p.toString());
        assertThat(r.exitCode()).isEqualTo(LemCommand.EXIT_BAD_INPUT);
        assertThat(r.err()).contains("lem: Invalid configuration (2 problems):", "cycles: 0 is below the minimum 1",
                "batching.batch_size: 0 is below the minimum 1").doesNotContain("\tat dev.lem");
        CliTestSupport.Run verbose = lem("--verbose", "run", p.toString());
        assertThat(verbose.err()).contains("\tat dev.lem");
    }

    @Test
    void unknownCommandsAndOptionsExitWithTwo() {
        CliTestSupport.Run r = lem("confg");
        assertThat(r.exitCode()).isEqualTo(LemCommand.EXIT_BAD_INPUT);
        assertThat(r.err()).contains("Unmatched argument", "Did you mean", "config");
        assertThat(lem("run", "--frobnicate").exitCode()).isEqualTo(LemCommand.EXIT_BAD_INPUT);
    }

    @Test
    void everySubcommandHasHelp() {
        CliTestSupport.Run r = lem("run", "--help");
        assertThat(r.exitCode()).isZero();
        assertThat(r.out()).contains("Usage: lem run", "--set", "lem config keys");
        assertThat(lem("results", "show", "--help").out()).contains("Usage: lem results show");
        assertThat(lem("model", "inspect", "--help").exitCode()).isZero();
    }

    @Test
    void aBadResultIdIsExplained() {
        CliTestSupport.Run r = lem("results", "show", "../../etc/passwd", "--results-dir", dir.toString());
        assertThat(r.exitCode()).isEqualTo(LemCommand.EXIT_FAILED);
        assertThat(r.err()).contains("is not an experiment id (expected the form 20261122T231500Z-k3x9qa");
    }

    @Test
    void configValidateAndShowReportProvenance() throws IOException {
        Path p = config("cycles: 3\nbatching: {batch_size: 4}\n");
        CliTestSupport.Run v = lem("config", "validate", p.toString());
        assertThat(v.exitCode()).isZero();
        assertThat(v.out()).contains("is valid (2 values set");
        CliTestSupport.Run s = lem("config", "show", p.toString(), "--set", "seed=7");
        assertThat(s.out().lines().filter(l -> l.startsWith("cycles ")).findFirst().orElseThrow())
                .contains("3").contains("file exp.yaml");
        assertThat(s.out().lines().filter(l -> l.startsWith("seed ")).findFirst().orElseThrow()).contains("override");
        assertThat(s.out().lines().filter(l -> l.startsWith("backend ")).findFirst().orElseThrow()).contains("default");
    }

    @Test
    void configKeysIsGeneratedFromTheSchema() {
        CliTestSupport.Run r = lem("config", "keys");
        assertThat(r.out()).contains("batching.batch_size  (integer in [1, 65536], requests; default 1)",
                "carbon.country", "energy.idle_baseline_s");
    }

    @Test
    void runPrintsTheSummaryAndWhereResultsAre() throws IOException {
        Path p = config("""
                backend: simulated
                cycles: 2
                max_output_tokens: 3
                prompts: {limit: 3}
                warmup: {mode: fixed, runs: 1}
                energy: {idle_baseline_s: 0}
                results_dir: %s
                """.formatted(dir.resolve("results")));
        CliTestSupport.Run r = lem("run", p.toString(), "--quiet");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("output_tokens_per_s", "ttft_mean_ms", "Results: " + dir.resolve("results"));
        assertThat(r.out()).contains("Not available:", "energy_per_output_token_j");
        // the unavailable figures are listed in the order of the metric table, run after run
        List<String> unavailable = r.out().lines().dropWhile(l -> !l.equals("Not available:")).skip(1)
                .takeWhile(l -> l.startsWith("  ")).map(l -> l.trim().substring(0, l.trim().indexOf(':'))).toList();
        assertThat(unavailable).hasSizeGreaterThan(1);
        assertThat(unavailable).isSortedAccordingTo(java.util.Comparator.comparingInt(
                k -> dev.lem.Metric.fromKey(k).orElseThrow().ordinal()));

        CliTestSupport.Run loud = lem("run", p.toString());
        assertThat(loud.exitCode()).as(loud.err()).isZero();
        assertThat(loud.err()).as("cycles are counted from 1").contains("lem: cycle 1/2", "lem: cycle 2/2")
                .doesNotContain("cycle 0");
    }

    @Test
    void aFailingRunKeepsAndShowsWhatWasMeasured() throws IOException {
        Path p = config("""
                backend: simulated
                cycles: 2
                max_output_tokens: 3
                prompts: {limit: 2}
                warmup: {mode: fixed, runs: 0}
                energy: {idle_baseline_s: 0}
                options: {fail_batches: true}
                results_dir: %s
                """.formatted(dir.resolve("results")));
        CliTestSupport.Run r = lem("run", p.toString(), "--quiet");
        assertThat(r.exitCode()).isEqualTo(LemCommand.EXIT_FAILED);
        assertThat(r.err()).contains("failed: Every request of cycle 1 failed (first error: the backend failed the batch:")
                .contains("no cycle completed (what was recorded, failures included, is in " + dir.resolve("results"));
        assertThat(r.out()).contains("Experiment ");
    }

    @Test
    void aSweepRunsOneExperimentPerPointAndComparesThem() throws IOException {
        // the simulated backend runs in process and computes batches: its sweep varies the batch size
        Path p = config("""
                backend: simulated
                traffic: {sweep: [1, 2]}
                cycles: 2
                max_output_tokens: 2
                prompts: {limit: 2}
                warmup: {mode: fixed, runs: 0}
                energy: {idle_baseline_s: 0}
                results_dir: %s
                """.formatted(dir.resolve("results")));
        CliTestSupport.Run r = lem("run", p.toString(), "--quiet");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("Sweep:", "[batch_size=1]", "[batch_size=2]");
        assertThat(lem("results", "list", "--results-dir", dir.resolve("results").toString()).out().lines()
                .filter(l -> l.contains("[batch_size="))).hasSize(2);
        Path bad = config("backend: simulated\ntraffic: {sweep: [1.5]}\n");
        CliTestSupport.Run b = lem("run", bad.toString(), "--quiet");
        assertThat(b.exitCode()).isEqualTo(LemCommand.EXIT_BAD_INPUT);
        assertThat(b.err()).contains("traffic.sweep: 1.5 is not a batch size: this sweep sets batching.batch_size");
        Path closed = config("backend: simulated\ntraffic: {pattern: closed, sweep: [1, 4]}\n");
        CliTestSupport.Run c = lem("run", closed.toString(), "--quiet");
        assertThat(c.exitCode()).isEqualTo(LemCommand.EXIT_BAD_INPUT);
        assertThat(c.err()).contains("traffic.concurrency has no effect on it");
    }
}
