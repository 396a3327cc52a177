package dev.lem.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lem.campaign.CampaignManifest;
import dev.lem.campaign.CampaignState;
import dev.lem.campaign.ManifestExperiment;
import dev.lem.campaign.ManifestStore;
import dev.lem.campaign.ManifestUnit;
import dev.lem.campaign.UnitLedger;
import dev.lem.campaign.UnitStatus;
import dev.lem.campaign.slurm.SlurmClient;
import dev.lem.result.ExperimentResult;
import dev.lem.result.ProcessResult;
import dev.lem.results.ResultsJson;
import dev.lem.results.ResultsRepository;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code lem campaign submit --slurm} without a cluster: its errors, the dry run, and the whole flow with a stand-in
 * {@code sbatch} — the workers started as real processes here, two at once, one of them killed with SIGKILL while it
 * runs a unit. The same flow on a real Slurm is {@link SlurmClusterTest}.
 */
class CampaignSubmitTest {
    private static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();

    @TempDir
    Path dir;
    Path bin;

    @BeforeEach
    void standInSlurm() throws IOException {
        bin = Files.createDirectories(dir.resolve("bin"));
        System.setProperty(SlurmClient.BIN_PROPERTY, bin.toString());
    }

    @AfterEach
    void noSlurm() {
        System.clearProperty(SlurmClient.BIN_PROPERTY);
    }

    /** An sbatch that records its arguments and answers 101, 102, ... */
    private void standInSbatch() throws IOException {
        Path f = bin.resolve("sbatch");
        Files.writeString(f, """
                #!/bin/sh
                d="$(dirname "$0")"
                n=$(( $(cat "$d/next" 2>/dev/null || echo 100) + 1 ))
                echo "$n" > "$d/next"
                echo "$*" >> "$d/calls"
                echo "$n"
                """);
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    private Path campaignFile(Path results, int cycles) throws IOException {
        return Files.writeString(dir.resolve("campaign-" + results.getFileName() + ".yaml"), """
                name: submit-test
                base:
                  backend: simulated
                  max_output_tokens: 4
                  prompts: {limit: 4}
                  warmup: {mode: fixed, runs: 1}
                  energy: {idle_baseline_s: 0, meters: [simulated], meter_options: {simulated: {cpu_watts: 20}}}
                  options: {decode_ms_per_step: 100, load_ms: 300}
                vary:
                  batching.batch_size: [1, 2, 4]
                cycles: %d
                results_dir: %s
                """.formatted(cycles, results));
    }

    private Process worker(String id, Path results, Path log) throws IOException {
        List<String> cmd = List.of(JAVA, "-Xmx256m", "-XX:TieredStopAtLevel=1", "-cp",
                System.getProperty("java.class.path"), LemCommand.class.getName(), "campaign", "worker", id,
                "--results-dir", results.toString());
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    @Test
    void withoutSlurmTheSubmitSaysWhatToInstallAndWritesNothing() throws IOException {
        Path results = dir.resolve("none");
        CliTestSupport.Run r = CliTestSupport.lem("campaign", "submit", campaignFile(results, 2).toString(), "--slurm");
        assertThat(r.exitCode()).isEqualTo(LemCommand.EXIT_FAILED);
        assertThat(r.err()).contains("sbatch not found in " + bin, "apt-get install slurm-client",
                "lem campaign run FILE").doesNotContain("Exception", "\tat ");
        assertThat(results).doesNotExist();
    }

    @Test
    void submitNeedsTheSchedulerNamedAndChecksItsOptions() throws IOException {
        Path file = campaignFile(dir.resolve("r"), 2);
        CliTestSupport.Run r = CliTestSupport.lem("campaign", "submit", file.toString());
        assertThat(r.exitCode()).isEqualTo(LemCommand.EXIT_BAD_INPUT);
        assertThat(r.err()).contains("--slurm", "lem campaign run " + file);
        r = CliTestSupport.lem("campaign", "submit", file.toString(), "--slurm", "--dry-run", "--time", "2 hours",
                "--sbatch-arg=--array=1-9");
        assertThat(r.exitCode()).isEqualTo(LemCommand.EXIT_BAD_INPUT);
        assertThat(r.err()).contains("--time", "\"2 hours\" is not a Slurm time limit", "LEM sets --array itself");
        r = CliTestSupport.lem("campaign", "resume", "c20261205T140000Z-abcdef", "--partition", "gpu");
        assertThat(r.exitCode()).isEqualTo(LemCommand.EXIT_BAD_INPUT);
        assertThat(r.err()).contains("Slurm options were given without --slurm");
    }

    @Test
    void theDryRunPrintsBothScriptsAndTheCommandsAndWritesNothing() throws IOException {
        Path results = dir.resolve("dry");
        CliTestSupport.Run r = CliTestSupport.lem("campaign", "submit", campaignFile(results, 2).toString(), "--slurm",
                "--dry-run", "--partition", "gpu", "--gpus-per-task", "1", "--time", "01:00:00", "--max-parallel",
                "2", "--lem-command", "/shared/lem/bin/lem");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("# Dry run: nothing written, nothing submitted", "sbatch --parsable ",
                "--dependency=afterany:", "#SBATCH --array=0-1", "#SBATCH --gpus-per-task=1",
                "#SBATCH --partition=gpu", "LEM=(/shared/lem/bin/lem)", "campaign worker c", "campaign aggregate c",
                "# 2 workers for 6 units");
        assertThat(results).doesNotExist();
    }

    @Test
    void submittedWorkersRunEveryUnitOnceEvenWhenOneIsKilledMidUnit() throws Exception {
        standInSbatch();
        Path results = dir.resolve("results");
        CliTestSupport.Run submit = CliTestSupport.lem("campaign", "submit", campaignFile(results, 2).toString(),
                "--slurm", "--time", "00:30:00", "--max-parallel", "2");
        assertThat(submit.exitCode()).as(submit.err()).isZero();
        ManifestStore store = new ManifestStore(results);
        String id = store.ids().get(0);
        CampaignManifest submitted = store.read(id);
        assertThat(submitted.state()).isEqualTo(CampaignState.SUBMITTED);
        assertThat(submitted.slurm()).singleElement().satisfies(s -> {
            assertThat(s.arrayJobId()).isEqualTo("101");
            assertThat(s.aggregateJobId()).hasValue("102");
            assertThat(s.tasks()).isEqualTo(2);
            assertThat(s.units()).isEqualTo(6);
        });
        assertThat(submit.out()).contains("array job 101 (2 workers for 6 units), then aggregation job 102");
        List<String> calls = Files.readAllLines(bin.resolve("calls"));
        Path folder = store.folder(id);
        assertThat(calls).containsExactly("--parsable " + folder.resolve("slurm/worker-1.sbatch"),
                "--parsable --dependency=afterany:101 " + folder.resolve("slurm/aggregate-1.sbatch"));
        assertThat(Files.readString(folder.resolve("slurm/worker-1.sbatch"))).contains("#SBATCH --array=0-1",
                "campaign worker " + id);
        // status without squeue says it cannot ask Slurm, and shows the units
        CliTestSupport.Run status = CliTestSupport.lem("campaign", "status", id, "--results-dir", results.toString());
        assertThat(status.out()).contains("submitted to Slurm (array job 101, aggregation job 102",
                "Slurm: cannot ask", "0 of 6 done");

        // two workers at once, as two array tasks would be; one is killed with SIGKILL while it runs a unit
        Process a = worker(id, results, dir.resolve("worker-a.log"));
        Process b = worker(id, results, dir.resolve("worker-b.log"));
        ManifestUnit victim = awaitRunningUnit(store, id, List.of(a.pid(), b.pid()));
        Process killed = victim.placement().orElseThrow().pid() == a.pid() ? a : b;
        Process survivor = killed == a ? b : a;
        killed.destroyForcibly();
        assertThat(killed.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(survivor.waitFor(120, TimeUnit.SECONDS)).as(Files.readString(dir.resolve("worker-a.log"))
                + Files.readString(dir.resolve("worker-b.log"))).isTrue();
        assertThat(survivor.exitValue()).isZero();
        everyFileReads(results);
        CampaignManifest afterWorkers = store.read(id);
        boolean takenOver = afterWorkers.units().get(victim.seq()).status() == UnitStatus.DONE;

        // what the aggregation job does after the array; units left (the killed one, if no worker took it over) are
        // then run by a resume here, through the same claims
        CliTestSupport.Run agg = CliTestSupport.lem("campaign", "aggregate", id, "--results-dir", results.toString());
        assertThat(agg.exitCode()).as(agg.err()).isEqualTo(takenOver ? 0 : LemCommand.EXIT_FAILED);
        if (!takenOver) {
            assertThat(store.read(id).state()).isEqualTo(CampaignState.INTERRUPTED);
            CliTestSupport.Run resume = CliTestSupport.lem("campaign", "resume", id, "--results-dir",
                    results.toString(), "--quiet");
            assertThat(resume.exitCode()).as(resume.err() + resume.out()).isZero();
        }
        CampaignManifest m = store.read(id);
        assertThat(m.state()).isEqualTo(CampaignState.COMPLETE);
        assertThat(m.units()).allSatisfy(u -> {
            assertThat(u.status()).isEqualTo(UnitStatus.DONE);
            assertThat(u.placement()).isPresent();
        });
        ManifestUnit rerun = m.units().get(victim.seq());
        assertThat(rerun.attempts()).isEqualTo(2);
        assertThat(rerun.history()).anySatisfy(h -> assertThat(h).contains("pid " + killed.pid(),
                "stopped while it ran"));
        assertThat(UnitLedger.claims(store, id, victim.seq())).hasSize(2);
        // units done before the kill were not run again: one claim each
        for (ManifestUnit u : m.units()) {
            if (u.seq() != victim.seq()) {
                assertThat(UnitLedger.claims(store, id, u.seq())).as("claims of unit %d", u.seq() + 1).hasSize(1);
            }
        }
        ResultsRepository repo = new ResultsRepository(results);
        for (ManifestExperiment e : m.experiments()) {
            List<ProcessResult> raw = repo.readProcessResults(e.experimentId());
            assertThat(raw).extracting(ProcessResult::cycle).as(e.label()).containsExactly(0, 1);
            assertThat(raw).allSatisfy(p -> assertThat(p.placement()).isPresent());
            ExperimentResult agg2 = repo.readAggregated(e.experimentId()).orElseThrow();
            assertThat(agg2.isComplete()).as(e.label() + ": " + agg2.statusReason()).isTrue();
            assertThat(agg2.cycles()).hasSize(2);
        }
        assertThat(folder.resolve("nodes.csv")).isRegularFile();
        assertThat(Files.readAllLines(folder.resolve("units.csv")).get(0)).endsWith(
                ",node,slurm_task,devices,shared_node_with");
        System.out.println("worker killed with SIGKILL during unit " + (victim.seq() + 1) + ": "
                + (takenOver ? "taken over by the other worker" : "run again by `lem campaign resume`"));
    }

    @Test
    void aWorkerStoppedWithSigtermHandsItsUnitBackAndAResumeHereRunsItOnce() throws Exception {
        standInSbatch();
        Path results = dir.resolve("sigterm");
        CliTestSupport.Run submit = CliTestSupport.lem("campaign", "submit", campaignFile(results, 1).toString(),
                "--slurm");
        assertThat(submit.exitCode()).as(submit.err()).isZero();
        ManifestStore store = new ManifestStore(results);
        String id = store.ids().get(0);
        Process w = worker(id, results, dir.resolve("worker.log"));
        ManifestUnit running = awaitRunningUnit(store, id, List.of(w.pid()));
        w.destroy(); // SIGTERM, as Slurm sends at a time limit, a preemption or scancel
        assertThat(w.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(w.exitValue()).as(Files.readString(dir.resolve("worker.log"))).isEqualTo(143);
        CampaignManifest stopped = store.read(id);
        ManifestUnit back = stopped.units().get(running.seq());
        assertThat(back.status()).isEqualTo(UnitStatus.PENDING);
        assertThat(back.attempts()).isEqualTo(1);
        assertThat(back.history()).singleElement().asString().contains("interrupted by SIGTERM", "pid " + w.pid(),
                "run again from scratch");
        assertThat(Files.readString(dir.resolve("worker.log"))).contains("the unit was handed back");
        // the experiments' end markers are the aggregation's: the stopped worker left its setup running, not ended
        everyFileReads(results);

        CliTestSupport.Run resume = CliTestSupport.lem("campaign", "resume", id, "--results-dir", results.toString(),
                "--quiet");
        assertThat(resume.exitCode()).as(resume.err() + resume.out()).isZero();
        CampaignManifest m = store.read(id);
        assertThat(m.state()).isEqualTo(CampaignState.COMPLETE);
        assertThat(m.units()).allSatisfy(u -> assertThat(u.status()).isEqualTo(UnitStatus.DONE));
        assertThat(m.units().get(running.seq()).attempts()).isEqualTo(2);
        ResultsRepository repo = new ResultsRepository(results);
        for (ManifestExperiment e : m.experiments()) {
            assertThat(repo.readProcessResults(e.experimentId())).extracting(ProcessResult::cycle).containsExactly(0);
            assertThat(repo.readAggregated(e.experimentId()).orElseThrow().isComplete()).isTrue();
        }
    }

    /** Waits until one of these workers records a unit as running, and returns that unit. */
    private static ManifestUnit awaitRunningUnit(ManifestStore store, String id, List<Long> pids)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline) {
            // a unit that started within the last 200 ms: a unit runs for about a second (2 cycles of 4 decode steps of
            // 100 ms, plus warm-up), so the kill that follows lands while it runs even on a loaded machine; one found
            // near its end could finish before the kill (seen in CI with 25 ms steps: the victim had one attempt)
            Instant now = Instant.now();
            Optional<ManifestUnit> u = store.read(id).units().stream().filter(x -> x.status() == UnitStatus.RUNNING)
                    .filter(x -> x.placement().map(p -> pids.contains(p.pid())).orElse(false))
                    .filter(x -> x.startedAt().map(t -> Duration.between(t, now).toMillis() < 200).orElse(false))
                    .findFirst();
            if (u.isPresent()) {
                return u.get();
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no worker recorded a running unit within 120 s");
    }

    static void everyFileReads(Path results) throws IOException {
        List<Path> files = new ArrayList<>();
        try (Stream<Path> s = Files.walk(results)) {
            s.filter(p -> p.toString().endsWith(".json") && !p.getFileName().toString().startsWith("."))
                    .forEach(files::add);
        }
        for (Path f : files) {
            String name = f.getFileName().toString();
            Class<?> type = name.startsWith("setup_") ? dev.lem.result.RunSetup.class
                    : name.startsWith("process_") ? ProcessResult.class : name.equals("manifest.json")
                            ? CampaignManifest.class : f.getParent().getFileName().toString().equals("units")
                                    ? dev.lem.campaign.ClaimedUnit.class : ExperimentResult.class;
            ResultsJson.read(Files.readString(f), type, f.toString());
        }
    }
}
