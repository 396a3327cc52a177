package dev.lem.cli;

import static dev.lem.cli.CliTestSupport.lem;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lem.results.ResultsRepository;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Failed requests, unreadable files and partial experiments as the CLI shows them (issue 17). */
class PartialResultsCommandTest {
    @TempDir
    Path dir;

    private Path results() {
        return dir.resolve("results");
    }

    /** A simulated run of {@code cycles} cycles over 8 prompts, of which {@code failing} carry the fail marker. */
    private Path config(int cycles, int failing) throws IOException {
        String prompts = IntStream.range(0, 8).mapToObj(i -> i < failing ? "prompt " + i + " FAIL-ME" : "prompt " + i)
                .collect(Collectors.joining("\n", "", "\n"));
        Path promptFile = Files.writeString(dir.resolve("prompts.txt"), prompts);
        return Files.writeString(dir.resolve("exp.yaml"), """
                backend: simulated
                cycles: %d
                max_output_tokens: 2
                prompts: {source: file, path: %s, limit: 8}
                warmup: {mode: fixed, runs: 0}
                energy: {idle_baseline_s: 0}
                options: {fail_marker: FAIL-ME, decode_ms_per_step: 0.2, load_ms: 0}
                results_dir: %s
                """.formatted(cycles, promptFile, results()));
    }

    private String onlyId() throws IOException {
        return new ResultsRepository(results()).experimentIds().get(0);
    }

    @Test
    void aFailureRateAboveTheThresholdFailsTheRunAndEveryCycleShowsItsFailures() throws IOException {
        Path p = config(2, 2);
        CliTestSupport.Run r = lem("run", p.toString(), "--quiet");
        assertThat(r.exitCode()).as(r.err()).isEqualTo(LemCommand.EXIT_FAILED);
        assertThat(r.err()).contains("4 of 16 requests failed (25.0%), above stats.max_failure_rate (5.0%)");
        assertThat(r.out()).contains("STATUS: failed");
        // the per-cycle table: requests / ok / failed (rate) / ... / commonest reason
        assertThat(r.out()).containsPattern("(?m)^1\\s+8\\s+6\\s+2 \\(25%\\).*simulated failure: prompt contains");
        assertThat(r.out()).containsPattern("(?m)^2\\s+8\\s+6\\s+2 \\(25%\\)");
        assertThat(r.out()).contains("cycle 1: 2 of 8 requests failed (25.0%); commonest: simulated failure");

        CliTestSupport.Run lenient = lem("run", p.toString(), "--quiet", "--set", "stats.max_failure_rate=0.5");
        assertThat(lenient.exitCode()).as(lenient.err()).isZero();
        assertThat(lenient.out()).doesNotContain("STATUS:").contains("Warnings:",
                "cycle 2: 2 of 8 requests failed (25.0%)");
    }

    @Test
    void aNullFileBlocksOnlyItsOwnExperimentInListShowExportAndAggregate() throws IOException {
        assertThat(lem("run", config(1, 0).toString(), "--quiet").exitCode()).isZero();
        String good = onlyId();
        String bad = "20260101T000000Z-bad000";
        Path badSetup = Files.createDirectories(results().resolve("raw").resolve(bad)).resolve("setup_0.json");
        Files.writeString(badSetup, "null");

        CliTestSupport.Run list = lem("results", "list", "--results-dir", results().toString());
        assertThat(list.exitCode()).as(list.err()).isZero();
        assertThat(list.out()).contains(good, "1 of 1", "complete").contains(bad, "unreadable");
        assertThat(list.err()).contains(badSetup + " is not a valid LEM result file: it holds null, not a JSON object");

        CliTestSupport.Run export = lem("results", "export", "--csv", "--results-dir", results().toString());
        assertThat(export.exitCode()).isZero();
        assertThat(export.out()).contains(good).doesNotContain(bad);
        assertThat(export.err()).contains("lem: warning: skipped " + bad + ": " + badSetup);

        CliTestSupport.Run show = lem("results", "show", bad, "--results-dir", results().toString());
        assertThat(show.exitCode()).isEqualTo(LemCommand.EXIT_FAILED);
        assertThat(show.err()).contains(badSetup.toString()).doesNotContain("Exception", "\tat ");
        assertThat(lem("results", "show", good, "--results-dir", results().toString()).exitCode()).isZero();

        CliTestSupport.Run all = lem("aggregate", "--all", "--results-dir", results().toString());
        assertThat(all.exitCode()).isEqualTo(LemCommand.EXIT_FAILED);
        assertThat(all.out()).contains(good + ": 1 cycle(s), complete");
        assertThat(all.err()).contains("lem: " + bad + ": ");
    }

    @Test
    void aCorruptCycleFileCanBeSkippedAndListAndShowAgreeOnWhatIsLeft() throws IOException {
        assertThat(lem("run", config(3, 0).toString(), "--quiet").exitCode()).isZero();
        String id = onlyId();
        ResultsRepository repo = new ResultsRepository(results());
        Path corrupt = repo.cycleDirectory(id, 1).resolve("process_0.json");
        Files.writeString(corrupt, "{\"schema_version\": 2, \"cycle\": ");
        Files.delete(repo.aggregatedFile(id));

        CliTestSupport.Run blocked = lem("aggregate", id, "--results-dir", results().toString());
        assertThat(blocked.exitCode()).isEqualTo(LemCommand.EXIT_FAILED);
        assertThat(blocked.err()).contains(corrupt.toString(), "lem aggregate " + id + " --skip-corrupt");

        CliTestSupport.Run skipped = lem("aggregate", id, "--skip-corrupt", "--results-dir", results().toString());
        assertThat(skipped.exitCode()).as(skipped.err()).isZero();
        assertThat(skipped.out()).contains(id + ": 2 cycle(s), incomplete: 2 of the 3 cycles run have readable "
                + "results; missing: cycle 2");
        assertThat(skipped.err()).contains("left out, unreadable: " + corrupt);

        CliTestSupport.Run list = lem("results", "list", "--results-dir", results().toString());
        assertThat(list.out()).contains(id, "2 of 3", "incomplete");
        CliTestSupport.Run show = lem("results", "show", id, "--results-dir", results().toString());
        assertThat(show.exitCode()).isZero();
        assertThat(show.out()).contains("STATUS: incomplete", "2 cycle(s) in the summary x 8 prompts");
    }
}
