package dev.lem.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.lem.campaign.CampaignManifest;
import dev.lem.campaign.CampaignState;
import dev.lem.campaign.ManifestExperiment;
import dev.lem.campaign.ManifestStore;
import dev.lem.campaign.ManifestUnit;
import dev.lem.campaign.SlurmSubmission;
import dev.lem.campaign.UnitLedger;
import dev.lem.campaign.UnitStatus;
import dev.lem.campaign.slurm.SlurmClient;
import dev.lem.campaign.slurm.SlurmJob;
import dev.lem.env.Placement;
import dev.lem.result.ExperimentResult;
import dev.lem.result.ProcessResult;
import dev.lem.results.ResultsRepository;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Campaigns on a real Slurm cluster — the one-node cluster {@code .ci/slurm-test.sh} installs and starts (Debian's
 * slurmctld, slurmd and munge), and which it runs this test against with {@code LEM_SLURM_TEST=1}. Elsewhere the
 * test is skipped, saying so. Nothing here is mocked: {@code lem campaign submit --slurm} calls sbatch, the array's
 * tasks run {@code lem campaign worker} under slurmd, the aggregation job runs after them, scancel stops a task.
 */
@Timeout(value = 540, unit = TimeUnit.SECONDS)
class SlurmClusterTest {
    private static final long WAIT_S = 240;
    private static SlurmClient slurm;

    @TempDir
    Path dir;

    private static final String SKIPPED = "SlurmClusterTest skipped: it needs a Slurm cluster; .ci/slurm-test.sh "
            + "(root, Debian) installs and starts a one-node one, runs this test with LEM_SLURM_TEST=1, and stops it";

    /** Each test is reported skipped, with the reason, where there is no cluster; the reason is also printed. */
    @BeforeEach
    void clusterOrSkip() {
        if (!"1".equals(System.getenv("LEM_SLURM_TEST"))) {
            System.out.println(SKIPPED);
        }
        assumeTrue("1".equals(System.getenv("LEM_SLURM_TEST")), SKIPPED);
    }

    @BeforeAll
    static void cluster() {
        if (!"1".equals(System.getenv("LEM_SLURM_TEST"))) {
            return;
        }
        slurm = SlurmClient.fromEnvironment();
        assertThat(slurm.find("sbatch")).as("LEM_SLURM_TEST=1 but sbatch is not on the PATH").isPresent();
        assertThat(slurm.find("squeue")).as("LEM_SLURM_TEST=1 but squeue is not on the PATH").isPresent();
    }

    /** Waits until none of the campaign's jobs is pending or running; fails with their logs after {@link #WAIT_S}. */
    private static CampaignManifest awaitJobs(ManifestStore store, String id) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_S);
        while (System.nanoTime() < deadline) {
            CampaignManifest m = store.read(id);
            Optional<List<SlurmJob>> jobs = slurm.jobs(m.slurmJobIds());
            if (jobs.isPresent() && !jobs.get().isEmpty() && jobs.get().stream().noneMatch(SlurmJob::active)) {
                return store.read(id);
            }
            Thread.sleep(500);
        }
        throw new AssertionError("campaign " + id + "'s Slurm jobs did not end within " + WAIT_S + " s: "
                + slurm.jobs(store.read(id).slurmJobIds()) + "\n" + logs(store, id));
    }

    private static String logs(ManifestStore store, String id) throws IOException {
        Path logs = store.slurmFolder(id).resolve("logs");
        if (!Files.isDirectory(logs)) {
            return "(no logs)";
        }
        StringBuilder sb = new StringBuilder();
        try (Stream<Path> s = Files.list(logs)) {
            for (Path f : s.sorted().toList()) {
                sb.append("--- ").append(f).append('\n').append(Files.readString(f));
            }
        }
        return sb.toString();
    }

    private String submitted(Path file, Path results, String... more) throws Exception {
        List<String> args = new java.util.ArrayList<>(List.of("campaign", "submit", file.toString(), "--slurm",
                "--time", "00:10:00"));
        args.addAll(List.of(more));
        CliTestSupport.Run r = CliTestSupport.lem(args.toArray(String[]::new));
        assertThat(r.exitCode()).as(r.err() + r.out()).isZero();
        ManifestStore store = new ManifestStore(results);
        return store.ids().get(0);
    }

    /** Every experiment has exactly one raw result per cycle, each placed on a Slurm task; its aggregate is complete. */
    private static void everyCycleOnceAndAggregated(Path results, CampaignManifest m) {
        ResultsRepository repo = new ResultsRepository(results);
        for (ManifestExperiment e : m.experiments()) {
            List<ProcessResult> raw = repo.readProcessResults(e.experimentId());
            assertThat(raw).extracting(ProcessResult::cycle).as(e.label()).containsExactly(0, 1);
            assertThat(raw).allSatisfy(p -> {
                Placement at = p.placement().orElseThrow();
                assertThat(at.slurmJobId()).isPresent();
                assertThat(at.slurmTask()).hasValueSatisfying(t -> assertThat(t).matches("\\d+_\\d+"));
                assertThat(at.slurmNode()).isPresent();
            });
            ExperimentResult agg = repo.readAggregated(e.experimentId()).orElseThrow();
            assertThat(agg.isComplete()).as(e.label() + ": " + agg.statusReason()).isTrue();
            assertThat(agg.cycles()).hasSize(2);
        }
    }

    @Test
    void aCampaignOfTwoSyntheticModelsRunsEveryUnitOnceOnTheClusterAndIsAggregatedAfterTheArray() throws Exception {
        long t0 = System.nanoTime();
        Path results = dir.resolve("results");
        Path file = Files.writeString(dir.resolve("synthetic.yaml"), """
                name: slurm-synthetic
                base:
                  model: synthetic:SmolLM2-135M
                  backend: djl
                  prompts: {limit: 2}
                  max_output_tokens: 4
                  warmup: {mode: fixed, runs: 1}
                  energy: {idle_baseline_s: 0}
                vary:
                  batching.batch_size: [1, 2]
                cycles: 2
                results_dir: %s
                """.formatted(results));
        String id = submitted(file, results);
        ManifestStore store = new ManifestStore(results);
        CampaignManifest m = awaitJobs(store, id);
        double seconds = (System.nanoTime() - t0) / 1e9;

        assertThat(m.state()).as(logs(store, id)).isEqualTo(CampaignState.COMPLETE);
        SlurmSubmission s = m.slurm().get(0);
        assertThat(s.tasks()).isEqualTo(2);
        assertThat(m.units()).hasSize(4).allSatisfy(u -> {
            assertThat(u.status()).isEqualTo(UnitStatus.DONE);
            assertThat(u.attempts()).isEqualTo(1);
            Placement at = u.placement().orElseThrow();
            assertThat(at.slurmArrayJobId()).hasValue(s.arrayJobId());
            assertThat(at.slurmArrayTaskId()).hasValueSatisfying(t -> assertThat(t).isBetween(0, 1));
            assertThat(UnitLedger.claims(store, id, u.seq())).hasSize(1);
        });
        everyCycleOnceAndAggregated(results, m);
        Path folder = store.folder(id);
        assertThat(folder.resolve("experiments.csv")).isRegularFile();
        assertThat(Files.readAllLines(folder.resolve("units.csv"))).hasSize(5);
        assertThat(Files.readAllLines(folder.resolve("nodes.csv")).get(0)).startsWith("campaign_id,node,domain");
        assertThat(store.slurmFolder(id).resolve("worker-1.sbatch")).isRegularFile();
        try (Stream<Path> l = Files.list(store.slurmFolder(id).resolve("logs"))) {
            assertThat(l.map(p -> p.getFileName().toString()).toList()).contains("worker-" + s.arrayJobId() + "_0.out",
                    "worker-" + s.arrayJobId() + "_1.out", "aggregate-" + s.aggregateJobId().orElseThrow() + ".out");
        }
        CliTestSupport.Run status = CliTestSupport.lem("campaign", "status", id, "--results-dir", results.toString());
        assertThat(status.out()).contains("state: complete", "4 of 4 done", s.arrayJobId() + "_0", "completed",
                "(aggregation)");
        System.out.printf("Slurm: %d units of 2 synthetic experiments on %d tasks, aggregated, in %.1f s%n",
                m.units().size(), s.tasks(), seconds);
    }

    @Test
    void aTaskCancelledMidUnitLosesOnlyThatUnitAndResumeOnSlurmRunsTheRestOnce() throws Exception {
        long t0 = System.nanoTime();
        Path results = dir.resolve("cancelled");
        Path file = Files.writeString(dir.resolve("simulated.yaml"), """
                name: slurm-scancel
                base:
                  backend: simulated
                  max_output_tokens: 4
                  prompts: {limit: 4}
                  warmup: {mode: fixed, runs: 1}
                  energy: {idle_baseline_s: 0, meters: [simulated], meter_options: {simulated: {cpu_watts: 20}}}
                  options: {decode_ms_per_step: 60, load_ms: 300}
                vary:
                  batching.batch_size: [1, 2, 4]
                cycles: 2
                results_dir: %s
                """.formatted(results));
        String id = submitted(file, results, "--max-parallel", "1");
        ManifestStore store = new ManifestStore(results);

        // wait until the one task has finished a unit and runs another, then cancel it (SIGTERM, SIGKILL 5 s later)
        ManifestUnit victim = null;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_S);
        while (victim == null && System.nanoTime() < deadline) {
            CampaignManifest m = store.read(id);
            if (m.count(UnitStatus.DONE) >= 1) {
                victim = m.units().stream().filter(u -> u.status() == UnitStatus.RUNNING).findFirst().orElse(null);
            }
            if (victim == null) {
                Thread.sleep(20);
            }
        }
        assertThat(victim).as("a running unit after a done one, within %d s\n%s", WAIT_S, logs(store, id)).isNotNull();
        String task = victim.placement().orElseThrow().slurmTask().orElseThrow();
        assertThat(slurm.cancel(task)).isTrue();
        CampaignManifest interrupted = awaitJobs(store, id);
        Map<Integer, ManifestUnit> doneBefore = new TreeMap<>(interrupted.units().stream()
                .filter(u -> u.status() == UnitStatus.DONE).collect(Collectors.toMap(ManifestUnit::seq, u -> u)));
        assertThat(interrupted.state()).as(logs(store, id)).isEqualTo(CampaignState.INTERRUPTED);
        assertThat(doneBefore).isNotEmpty().hasSizeLessThan(6);
        ManifestUnit cut = interrupted.units().get(victim.seq());
        assertThat(cut.status()).isIn(UnitStatus.PENDING, UnitStatus.RUNNING); // handed back by its SIGTERM hook
        CliTestSupport.Run status = CliTestSupport.lem("campaign", "status", id, "--results-dir", results.toString());
        assertThat(status.out()).contains(task, "cancelled", "lem campaign resume " + id);

        CliTestSupport.Run resume = CliTestSupport.lem("campaign", "resume", id, "--results-dir", results.toString(),
                "--slurm");
        assertThat(resume.exitCode()).as(resume.err() + resume.out()).isZero();
        assertThat(resume.out()).contains("array job", (6 - doneBefore.size()) + " unit");
        CampaignManifest m = awaitJobs(store, id);
        double seconds = (System.nanoTime() - t0) / 1e9;

        assertThat(m.state()).as(logs(store, id)).isEqualTo(CampaignState.COMPLETE);
        assertThat(m.slurm()).hasSize(2);
        assertThat(m.units()).allSatisfy(u -> assertThat(u.status()).isEqualTo(UnitStatus.DONE));
        // nothing done before the cancel ran again; everything else ran under the resume's array
        doneBefore.forEach((seq, u) -> {
            assertThat(m.units().get(seq)).isEqualTo(u);
            assertThat(UnitLedger.claims(store, id, seq)).hasSize(1);
        });
        String resumedArray = m.slurm().get(1).arrayJobId();
        m.units().stream().filter(u -> !doneBefore.containsKey(u.seq())).forEach(u -> assertThat(u.placement()
                .orElseThrow().slurmArrayJobId()).hasValue(resumedArray));
        ManifestUnit rerun = m.units().get(victim.seq());
        assertThat(rerun.attempts()).isEqualTo(2);
        assertThat(rerun.history()).singleElement().asString().satisfiesAnyOf(
                h -> assertThat(h).contains("interrupted by SIGTERM", task),
                h -> assertThat(h).contains("stopped while it ran", task));
        everyCycleOnceAndAggregated(results, m);
        CampaignSubmitTest.everyFileReads(results);
        System.out.printf("Slurm: task %s cancelled during unit %d after %d unit(s) done (%s); resume --slurm ran the "
                + "other %d; %.1f s in all%n", task, victim.seq() + 1, doneBefore.size(), rerun.history().get(0),
                6 - doneBefore.size(), seconds);
    }
}
