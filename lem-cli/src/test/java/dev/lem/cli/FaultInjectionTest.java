package dev.lem.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lem.Metric;
import dev.lem.result.Completeness;
import dev.lem.result.ExperimentResult;
import dev.lem.result.ProcessResult;
import dev.lem.result.RunSetup;
import dev.lem.result.RunStatus;
import dev.lem.results.ResultsJson;
import dev.lem.results.ResultsRepository;
import dev.lem.serving.ScriptedServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fault injection with real {@code lem} processes (child JVMs running {@link LemCommand#main}) and a scripted LLM
 * server: signals at random points, server failures of every kind, unwritable and full results folders, concurrent
 * runs into one folder. For each: the exit code, the message, the files on disk, and that no completed cycle is lost
 * or mislabelled. The outcomes are the table in docs/reliability.md; each test prints its rows.
 *
 * <p>The assertions hold wherever a signal lands (the random points come from a fixed seed, but the machine's load
 * decides which phase each one hits): what is checked is the promise for the phase the files show.
 */
class FaultInjectionTest {
    private static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    private static final List<String> TABLE = new ArrayList<>();

    @TempDir
    Path dir;

    @AfterAll
    static void printTable() {
        System.out.println("fault injection outcomes:\n" + String.join("\n", TABLE));
    }

    /** A {@code lem} child process with its output in files. */
    record Child(Process process, Path outFile, Path errFile) {
        int waitFor() throws InterruptedException {
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("lem did not end within 60 s; stderr: " + err());
            }
            return process.exitValue();
        }

        String out() {
            return read(outFile);
        }

        String err() {
            return read(errFile);
        }

        private static String read(Path p) {
            try {
                return Files.readString(p, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        }

        void signal(String name) throws IOException, InterruptedException {
            if (name.equals("KILL")) {
                process.destroyForcibly();
            } else {
                new ProcessBuilder("kill", "-" + name, String.valueOf(process.pid())).start().waitFor();
            }
        }

        /** Waits until stderr contains {@code text}. */
        void await(String text) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!err().contains(text)) {
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    throw new AssertionError("lem never printed \"" + text + "\"; stderr: " + err());
                }
                Thread.sleep(10);
            }
        }
    }

    private Child lem(String name, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(JAVA, "-Xmx256m", "-XX:TieredStopAtLevel=1", "-cp",
                System.getProperty("java.class.path"), LemCommand.class.getName()));
        cmd.addAll(List.of(args));
        Path out = dir.resolve(name + ".out");
        Path err = dir.resolve(name + ".err");
        return new Child(new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start(),
                out, err);
    }

    /** A simulated-backend run: {@code cycles} cycles of 6 prompts, about 0.3 s each. */
    private Path simulatedConfig(String name, Path results, int cycles) throws IOException {
        return Files.writeString(dir.resolve(name + ".yaml"), """
                backend: simulated
                cycles: %d
                max_output_tokens: 6
                prompts: {limit: 6}
                warmup: {mode: fixed, runs: 1}
                energy: {idle_baseline_s: 0, meters: [simulated], meter_options: {simulated: {cpu_watts: 20}}}
                options: {decode_ms_per_step: 8, load_ms: 0}
                results_dir: %s
                """.formatted(cycles, results));
    }

    /** A run against the scripted server, over the given prompts (their directives script each request). */
    private Path servedConfig(String name, Path results, String url, List<String> prompts, String extra)
            throws IOException {
        Path promptFile = Files.write(dir.resolve(name + "-prompts.txt"), prompts);
        return Files.writeString(dir.resolve(name + ".yaml"), """
                backend: openai
                model: test-model
                server: {url: %s, max_retries: 0, first_token_timeout_s: 1, connect_timeout_s: 2}
                cycles: 3
                max_output_tokens: 4
                prompts: {source: file, path: %s, limit: %d}
                warmup: {mode: fixed, runs: 0}
                energy: {idle_baseline_s: 0}
                results_dir: %s
                %s
                """.formatted(url, promptFile, prompts.size(), results, extra));
    }

    /** Every JSON file under the folder reads as the record its name says (never a torn or invalid file). */
    private static int checkEveryFileReads(Path results) throws IOException {
        if (!Files.isDirectory(results)) {
            return 0;
        }
        List<Path> files;
        try (Stream<Path> s = Files.walk(results)) {
            files = s.filter(f -> f.getFileName().toString().endsWith(".json")
                    && !f.getFileName().toString().startsWith(".")).toList();
        }
        for (Path f : files) {
            String name = f.getFileName().toString();
            String text = Files.readString(f);
            Class<?> type = name.startsWith("setup_") ? RunSetup.class : name.startsWith("process_")
                    ? ProcessResult.class : f.getParent().getFileName().toString().equals("aggregated")
                            ? ExperimentResult.class : null;
            if (type != null) {
                ResultsJson.read(text, type, f.toString()); // throws, naming the file, when it is not valid
            }
        }
        return files.size();
    }

    private static int processFiles(ResultsRepository repo, String id) throws IOException {
        try (Stream<Path> s = Files.walk(repo.rawDirectory(id))) {
            return (int) s.filter(f -> f.getFileName().toString().matches("process_\\d+\\.json")).count();
        }
    }

    private static void row(String scenario, int exit, String outcome) {
        TABLE.add(String.format(Locale.ROOT, "| %s | %d | %s |", scenario, exit, outcome));
    }

    @Test
    void signalsAtRandomPointsNeverLoseOrMislabelACompletedCycle() throws Exception {
        Random random = new Random(17);
        String[] signals = {"INT", "TERM", "KILL"};
        int trials = 12;
        for (int trial = 0; trial < trials; trial++) {
            String sig = signals[trial % 3];
            long delayMs = 300 + random.nextInt(2500);
            Path results = dir.resolve("signals-" + trial);
            Child c = lem("signal-" + trial, "run", simulatedConfig("signal-" + trial, results, 5).toString());
            Thread.sleep(delayMs);
            c.signal(sig);
            int exit = c.waitFor();
            String where = "trial " + trial + " (SIG" + sig + " after " + delayMs + " ms): ";
            assertThat(exit).as(where + c.err()).isIn(0, sig.equals("INT") ? 130 : sig.equals("TERM") ? 143 : 137);
            assertThat(c.err()).as(where + "no stack trace").doesNotContain("\tat ", "Exception in thread");
            checkEveryFileReads(results);
            ResultsRepository repo = new ResultsRepository(results);
            List<String> ids = Files.isDirectory(results.resolve("raw")) ? repo.experimentIds() : List.of();
            if (ids.isEmpty()) {
                assertThat(exit).as(where + "nothing on disk only when stopped before the run began").isNotZero();
                row("SIG" + sig + " before the first setup file", exit, "nothing written; nothing to lose");
                continue;
            }
            String id = ids.get(0);
            RunSetup setup = repo.readSetups(id).get(0);
            int cycles = processFiles(repo, id);
            ExperimentResult again = repo.aggregate(id);
            assertThat(again.cycles()).as(where + "every cycle file is in the aggregate").hasSize(cycles);
            assertThat(again.summary().cycles()).isEqualTo(cycles);
            if (setup.status() == RunStatus.COMPLETE) {
                assertThat(cycles).as(where + "complete means every cycle").isEqualTo(5);
                assertThat(again.status()).isEqualTo(Completeness.COMPLETE);
                row("SIG" + sig + " after the run completed", exit, "complete, 5 of 5 cycles");
                continue;
            }
            assertThat(again.isComplete()).as(where + "never presented as complete").isFalse();
            if (sig.equals("KILL")) {
                assertThat(setup.status()).as(where).isEqualTo(RunStatus.RUNNING);
                assertThat(setup.finishedAt()).isEmpty();
                assertThat(cycles).as(where + "the setup's count lags the files by at most the cycle being written")
                        .isBetween(setup.cyclesRun(), setup.cyclesRun() + 1);
                assertThat(again.status()).isEqualTo(Completeness.INCOMPLETE);
                assertThat(again.statusReason()).contains("no end marker", "after " + setup.cyclesRun() + " of 5 cycles");
                row("SIGKILL during the run", exit, "incomplete (no end marker), " + cycles + " of 5 cycles kept");
            } else {
                assertThat(setup.status()).as(where + c.err()).isEqualTo(RunStatus.INTERRUPTED);
                assertThat(setup.failure()).contains("interrupted by SIG" + sig + " after cycle " + cycles + " of 5");
                assertThat(setup.cyclesRun()).isEqualTo(cycles);
                assertThat(again.status()).isEqualTo(Completeness.INTERRUPTED);
                assertThat(c.err()).as(where + "the interruption is said, not silent")
                        .contains("was interrupted by SIG" + sig + " after cycle " + cycles + " of 5");
                if (cycles > 0) {
                    ExperimentResult kept = repo.readAggregated(id).orElseThrow();
                    assertThat(kept.status()).isEqualTo(Completeness.INTERRUPTED);
                    assertThat(kept.summary().cycles()).as(where + "aggregated at once by the hook").isEqualTo(cycles);
                }
                row("SIG" + sig + " during the run", exit, "interrupted after cycle " + cycles + " of 5"
                        + (cycles > 0 ? ", those cycles aggregated at once" : ", no cycle to aggregate"));
            }
            CliTestSupport.Run list = CliTestSupport.lem("results", "list", "--results-dir", results.toString());
            assertThat(list.out()).contains(id, cycles + " of 5", again.status().name().toLowerCase(Locale.ROOT));
        }
    }

    @Test
    void anExperimentKilledMidRunIsResumedInTheSameIdWithItsCyclesKept() throws Exception {
        Path results = dir.resolve("resume");
        Child c = lem("resume", "run", simulatedConfig("resume", results, 5).toString());
        c.await("cycle 3/5");
        c.signal("KILL");
        assertThat(c.waitFor()).isEqualTo(137);
        ResultsRepository repo = new ResultsRepository(results);
        String id = repo.experimentIds().get(0);
        Map<Integer, String> before = new java.util.TreeMap<>();
        for (ProcessResult p : repo.readProcessResults(id)) {
            before.put(p.cycle(), Files.readString(repo.cycleDirectory(id, p.cycle()).resolve("process_0.json")));
        }
        assertThat(before).isNotEmpty().hasSizeLessThan(5);
        CliTestSupport.Run resume = CliTestSupport.lem("resume", id, "--results-dir", results.toString(), "--quiet");
        assertThat(resume.exitCode()).as(resume.err()).isZero();
        assertThat(resume.out()).contains("Experiment " + id).doesNotContain("STATUS:");
        ExperimentResult r = repo.readAggregated(id).orElseThrow();
        assertThat(r.status()).isEqualTo(Completeness.COMPLETE);
        assertThat(r.cycles()).extracting(cy -> cy.cycle()).containsExactly(0, 1, 2, 3, 4);
        before.forEach((cycle, text) -> assertThat(repo.cycleDirectory(id, cycle).resolve("process_0.json"))
                .as("cycle %d, measured before the kill, is kept as it was", cycle + 1).hasContent(text));
        assertThat(r.processes().get(0).warnings()).anySatisfy(w -> assertThat(w).startsWith("resumed on ")
                .contains("with " + before.size() + " cycle(s) on disk"));
        CliTestSupport.Run again = CliTestSupport.lem("resume", id, "--results-dir", results.toString());
        assertThat(again.exitCode()).isEqualTo(LemCommand.EXIT_FAILED);
        assertThat(again.err()).contains("is complete (5 of 5 cycles): nothing to resume");
        row("SIGKILL, then lem resume <id>", 0, "the " + before.size() + " cycle(s) on disk kept byte for byte, the "
                + (5 - before.size()) + " missing run in the same id; complete");
    }

    @Test
    void aRefusedConnectionFailsTheRunAtOnceNamingTheServer() throws Exception {
        int closedPort;
        try (ScriptedServer s = ScriptedServer.builder().start()) {
            closedPort = s.uri().getPort();
        }
        Path results = dir.resolve("refused");
        String url = "http://127.0.0.1:" + closedPort;
        Child c = lem("refused", "run", servedConfig("refused", results, url, List.of("a", "b"), "").toString());
        int exit = c.waitFor();
        assertThat(exit).isEqualTo(LemCommand.EXIT_FAILED);
        assertThat(c.err()).contains(url).doesNotContain("\tat ");
        checkEveryFileReads(results);
        if (Files.isDirectory(results.resolve("raw"))) {
            ResultsRepository repo = new ResultsRepository(results);
            for (String id : repo.experimentIds()) {
                assertThat(repo.readSetups(id)).allSatisfy(s -> assertThat(s.status()).isEqualTo(RunStatus.FAILED));
            }
        }
        row("server refuses connections", exit, "failed before any cycle; the message names the URL");
    }

    @Test
    void everyFourthRequestFailingFailsTheRunOnTheThresholdAndShowsTheFailuresPerCycle() throws Exception {
        try (ScriptedServer server = ScriptedServer.builder().start()) {
            List<String> prompts = IntStream.range(0, 8).mapToObj(i -> i % 4 == 3 ? "prompt " + i + " FAIL-ME"
                    : "prompt " + i).toList();
            Path results = dir.resolve("http500");
            Child c = lem("http500", "run", "--quiet", servedConfig("http500", results, server.uri().toString(),
                    prompts, "").toString());
            int exit = c.waitFor();
            assertThat(exit).as(c.err()).isEqualTo(LemCommand.EXIT_FAILED);
            assertThat(c.err()).contains("6 of 24 requests failed (25.0%), above stats.max_failure_rate (5.0%)");
            assertThat(c.out()).contains("STATUS: failed", "cycle 1: 2 of 8 requests failed (25.0%); commonest: ")
                    .contains("HTTP 500");
            ResultsRepository repo = new ResultsRepository(results);
            ExperimentResult r = repo.readAggregated(repo.experimentIds().get(0)).orElseThrow();
            assertThat(r.cycles()).hasSize(3).allSatisfy(cy -> assertThat(cy.metrics().failed()).isEqualTo(2));
            assertThat(r.summary().cycles()).isEqualTo(3);
            row("HTTP 500 on every 4th request", exit, "failed: 25% of requests failed (threshold 5%); 3 of 3 cycles "
                    + "kept, failures per cycle shown");
        }
    }

    @Test
    void aServerKilledDuringTheRunKeepsTheLatencyOfTheCyclesBeforeIt() throws Exception {
        ScriptedServer server = ScriptedServer.builder().ttftMs(20).itlMs(10).start();
        List<String> prompts = IntStream.range(0, 6).mapToObj(i -> "prompt " + i).toList();
        Path results = dir.resolve("killed-server");
        Child c = lem("killed-server", "run", servedConfig("killed-server", results, server.uri().toString(), prompts,
                "").toString());
        c.await("cycle 3/3");
        Thread.sleep(60);
        server.close();
        int exit = c.waitFor();
        assertThat(exit).as(c.err()).isEqualTo(LemCommand.EXIT_FAILED);
        checkEveryFileReads(results);
        ResultsRepository repo = new ResultsRepository(results);
        String id = repo.experimentIds().get(0);
        ExperimentResult r = repo.readAggregated(id).orElseThrow();
        assertThat(r.status()).isEqualTo(Completeness.FAILED);
        assertThat(r.cycles()).hasSizeGreaterThanOrEqualTo(2);
        // the first two cycles completed every request: their TTFT (>= the scripted 20 ms) is reported
        assertThat(r.summary().get(Metric.TTFT_MEAN_MS).mean()).isGreaterThanOrEqualTo(20);
        assertThat(r.summary().get(Metric.OUTPUT_TOKENS_PER_S).ciLow()).hasValueSatisfying(
                low -> assertThat(low).as("never a negative throughput").isPositive());
        if (r.cycles().size() == 3 && r.cycles().get(2).failedEntirely()) {
            assertThat(r.summary().excludedCycles()).containsKey(2);
            assertThat(c.err()).contains("Every request of cycle 3 failed");
        }
        assertThat(c.err()).contains("Experiment " + id + " failed: ", repo.aggregatedFile(id).toString());
        row("server killed during cycle 3", exit, "failed; cycles 1-2 kept with their latency; an all-failed cycle "
                + "is left out of the summary");
    }

    @Test
    void aStalledFirstTokenAndMalformedStreamsAreFailuresWithTheirReasons() throws Exception {
        try (ScriptedServer server = ScriptedServer.builder().start()) {
            List<String> prompts = List.of("ok 1", "ok 2", "ok 3", "stalls @ttft=3000", "ok 4", "ok 5", "ok 6",
                    "broken @malformed_after=1", "ok 7", "ok 8");
            Path results = dir.resolve("stall");
            Child c = lem("stall", "run", "--quiet", servedConfig("stall", results, server.uri().toString(), prompts,
                    "stats: {max_failure_rate: 0.25}").toString());
            int exit = c.waitFor();
            assertThat(exit).as(c.err()).isZero();
            ResultsRepository repo = new ResultsRepository(results);
            ExperimentResult r = repo.readAggregated(repo.experimentIds().get(0)).orElseThrow();
            assertThat(r.status()).isEqualTo(Completeness.COMPLETE);
            assertThat(r.cycles()).allSatisfy(cy -> {
                assertThat(cy.metrics().failed()).isEqualTo(2);
                assertThat(cy.failureReasons().keySet()).anySatisfy(k -> assertThat(k).contains("first token"))
                        .anySatisfy(k -> assertThat(k.toLowerCase(Locale.ROOT)).contains("malformed"));
            });
            assertThat(c.out()).contains("Warnings:", "cycle 1: 2 of 10 requests failed (20.0%)");
            row("stalled first token; malformed SSE (20% of requests, threshold 25%)", exit,
                    "complete with a warning per cycle naming both reasons");
        }
    }

    @Test
    void anUnwritableResultsFolderFailsBeforeMeasuringWithTheFix() throws Exception {
        Path results = dir.resolve("read-only");
        Files.createDirectories(results);
        boolean mounted = false;
        if (isRoot()) {
            // root ignores permission bits: a read-only tmpfs is what a root user meets
            mounted = run("mount", "-t", "tmpfs", "-o", "ro,size=64k", "tmpfs", results.toString()) == 0;
            Assumptions.assumeTrue(mounted, "running as root without permission to mount a read-only tmpfs "
                    + "(a container without CAP_SYS_ADMIN): a read-only folder cannot be made here");
        } else {
            results.toFile().setWritable(false, false);
        }
        try {
            Child c = lem("read-only", "run", "--quiet", simulatedConfig("read-only", results, 2).toString());
            int exit = c.waitFor();
            assertThat(exit).isNotZero().isNotEqualTo(LemCommand.EXIT_INTERNAL);
            assertThat(c.err()).contains(results.toString()).containsAnyOf("Read-only file system",
                    "Permission denied", "AccessDenied").doesNotContain("\tat ");
            row("results folder read-only", exit, "refused before measuring; the message names the folder");
        } finally {
            if (mounted) {
                run("umount", results.toString());
            } else {
                results.toFile().setWritable(true, false);
            }
        }
    }

    @Test
    void aFullDiskFailsTheRunKeepingWhatWasWritten() throws Exception {
        Assumptions.assumeTrue(isRoot(), "needs root to mount a size-limited tmpfs");
        Path results = dir.resolve("full");
        Files.createDirectories(results);
        Assumptions.assumeTrue(run("mount", "-t", "tmpfs", "-o", "size=96k", "tmpfs", results.toString()) == 0,
                "running as root without permission to mount a tmpfs (a container without CAP_SYS_ADMIN)");
        try {
            Child c = lem("full", "run", "--quiet", simulatedConfig("full", results, 40).toString());
            int exit = c.waitFor();
            assertThat(exit).as(c.err()).isEqualTo(LemCommand.EXIT_FAILED);
            assertThat(c.err()).contains("No space left on device", results.toString()).doesNotContain("\tat ");
            int files = checkEveryFileReads(results);
            ResultsRepository repo = new ResultsRepository(results);
            String id = repo.experimentIds().get(0);
            int cycles = processFiles(repo, id);
            RunSetup setup = repo.readSetups(id).get(0);
            assertThat(setup.status()).as("the end marker could not be written either, or says failed")
                    .isIn(RunStatus.RUNNING, RunStatus.FAILED);
            assertThat(cycles).isLessThan(40);
            row("disk full (96 KiB tmpfs)", exit, "failed, naming the folder; " + cycles + " cycle file(s) and "
                    + files + " JSON file(s) left, every one valid");
        } finally {
            run("umount", results.toString());
        }
    }

    @Test
    void concurrentRunsIntoOneFolderKeepEveryExperimentApart() throws Exception {
        Path results = dir.resolve("shared");
        List<Child> children = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            children.add(lem("concurrent-" + i, "run", "--quiet", simulatedConfig("concurrent-" + i, results, 2)
                    .toString()));
        }
        for (Child c : children) {
            assertThat(c.waitFor()).as(c.err()).isZero();
        }
        checkEveryFileReads(results);
        ResultsRepository repo = new ResultsRepository(results);
        assertThat(repo.experimentIds()).hasSize(3).doesNotHaveDuplicates();
        for (String id : repo.experimentIds()) {
            ExperimentResult r = repo.readAggregated(id).orElseThrow();
            assertThat(r.status()).isEqualTo(Completeness.COMPLETE);
            assertThat(r.cycles()).hasSize(2);
            assertThat(r.cycles()).allSatisfy(cy -> assertThat(cy.metrics().completed()).isEqualTo(6));
        }
        CliTestSupport.Run list = CliTestSupport.lem("results", "list", "--results-dir", results.toString());
        assertThat(list.out().lines().filter(l -> l.contains("2 of 2") && l.contains("complete"))).hasSize(3);
        row("3 runs at once into one folder", 0, "3 experiments, each complete with its own 2 cycles");
    }

    private static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    private static int run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int code = p.waitFor();
        if (code != 0) {
            System.out.println(String.join(" ", cmd) + ": exit " + code + ": " + out.strip());
        }
        return code;
    }
}
