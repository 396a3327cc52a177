package dev.lem;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lem.campaign.CampaignManifest;
import dev.lem.campaign.CampaignResult;
import dev.lem.campaign.CampaignState;
import dev.lem.campaign.ManifestExperiment;
import dev.lem.campaign.ManifestStore;
import dev.lem.campaign.ManifestUnit;
import dev.lem.campaign.ScriptedPause;
import dev.lem.campaign.UnitStatus;
import dev.lem.result.Completeness;
import dev.lem.result.ExperimentResult;
import dev.lem.result.Progress;
import dev.lem.result.RunStatus;
import dev.lem.results.ResultsRepository;
import dev.lem.serving.ScriptedServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Campaigns run in this JVM: an in-process backend and a scripted OpenAI-compatible server side by side. */
class CampaignRunTest {
    @TempDir
    Path dir;
    ScriptedServer server;

    @BeforeEach
    void start() throws Exception {
        server = ScriptedServer.builder().ttftMs(1).itlMs(0.5).start();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private Map<String, Object> base() {
        Map<String, Object> b = new LinkedHashMap<>();
        b.put("backend", "simulated");
        b.put("model", "test-model");
        b.put("server", Map.of("url", server.uri().toString(), "max_retries", 0));
        b.put("max_output_tokens", 3);
        b.put("prompts", Map.of("limit", 4));
        b.put("warmup", Map.of("mode", "fixed", "runs", 1));
        b.put("energy", Map.of("idle_baseline_s", 0, "meters", List.of("simulated"), "meter_options",
                Map.of("simulated", Map.of("cpu_watts", 20))));
        b.put("options", Map.of("decode_ms_per_step", 0.5, "load_ms", 0));
        return b;
    }

    private Path results() {
        return dir.resolve("results");
    }

    @Test
    void aTwoBackendByThreeBatchSizeGridRunsEveryUnitOnceAndLoadsEachModelOnce() throws Exception {
        List<Progress> progress = new ArrayList<>();
        ScriptedPause pause = new ScriptedPause(Instant.parse("2026-12-05T12:00:00Z"));
        CampaignResult r = Campaign.builder().base(base()).vary("backend", "simulated", "openai")
                .vary("batching.batch_size", 1, 2, 4).cycles(2).seed(7).name("grid").baseline("backend=openai")
                .set("gaps.between_experiments_s", 2).resultsDir(results()).onProgressUpdate(progress::add).pause(pause).build()
                .run();
        CampaignManifest m = r.manifest();
        assertThat(r.state()).isEqualTo(CampaignState.COMPLETE);
        assertThat(m.experiments()).hasSize(4);
        assertThat(m.units()).hasSize(8).allSatisfy(u -> {
            assertThat(u.status()).isEqualTo(UnitStatus.DONE);
            assertThat(u.attempts()).isEqualTo(1);
            assertThat(u.files()).isNotEmpty().allSatisfy(f -> assertThat(results().resolve(f)).isRegularFile());
        });
        // the three simulated experiments share one backend instance: one load; the openai one loads its own
        assertThat(m.units().stream().filter(ManifestUnit::loadedModel).count()).isEqualTo(2);
        // a switch of experiment is followed by warm-up: in every unit here (each round is a new order of four)
        assertThat(m.units()).allSatisfy(u -> assertThat(u.warmedUp()).isTrue());
        // fixed gap before every unit but the first, recorded per unit; waited on the scripted clock
        assertThat(m.units().get(0).gapWaitedS()).isZero();
        assertThat(m.units().subList(1, 8)).allSatisfy(u -> assertThat(u.gapWaitedS()).isEqualTo(2.0));
        assertThat(pause.slept()).isEqualTo(Duration.ofSeconds(14));
        // each experiment: 2 cycles, aggregated, complete
        assertThat(r.experiments()).hasSize(4).allSatisfy(x -> {
            assertThat(x.status()).isEqualTo(Completeness.COMPLETE);
            assertThat(x.cycles()).hasSize(2);
            assertThat(x.summary().cycles()).isEqualTo(2);
        });
        ExperimentResult batch4 = r.experiment("backend=simulated batching.batch_size=4").orElseThrow();
        assertThat(batch4.config().batching().batchSize()).isEqualTo(4);
        assertThat(batch4.processes().get(0).status()).isEqualTo(RunStatus.COMPLETE);
        assertThat(batch4.processes().get(0).warnings()).anySatisfy(w -> assertThat(w).contains("measured in campaign "
                + m.campaignId()));
        // the served experiment really went to the server: 2 cycles x 4 prompts, and a warm-up request before each
        // of its two units (each follows another experiment)
        assertThat(server.traces()).hasSize(10);
        assertThat(server.traces().stream().filter(t -> t.body.path("max_tokens").asInt() == 3)).hasSize(10);
        // comparisons against the baseline, on the metrics both have
        assertThat(r.comparisons()).isNotEmpty().allSatisfy(c -> assertThat(c.baseline()).isEqualTo("backend=openai"));
        assertThat(r.comparisons()).extracting(c -> c.experiment()).contains("backend=simulated batching.batch_size=1");
        // the manifest on disk is the one returned
        CampaignManifest onDisk = new ManifestStore(results()).read(m.campaignId());
        assertThat(onDisk.units()).isEqualTo(m.units());
        assertThat(onDisk.state()).isEqualTo(CampaignState.COMPLETE);
        // CSV tables for pandas
        Path folder = new ManifestStore(results()).folder(m.campaignId());
        List<String> experimentsCsv = Files.readAllLines(folder.resolve("experiments.csv"));
        assertThat(experimentsCsv).hasSize(5);
        assertThat(experimentsCsv.get(0)).startsWith("campaign_id,experiment_index,label,units_done,units_failed,"
                + "vary.backend,vary.batching.batch_size,id,name,created_at,status,")
                .contains("energy_per_output_token_j_mean", "output_tokens_per_s_ci_low");
        assertThat(experimentsCsv.get(4)).contains(",backend=openai,2,0,openai,,");
        List<String> unitsCsv = Files.readAllLines(folder.resolve("units.csv"));
        assertThat(unitsCsv).hasSize(9);
        assertThat(unitsCsv.subList(1, 9)).allSatisfy(l -> assertThat(l).contains(",done,1,"));
        // progress: one event per unit start and end, the last one 8 of 8
        assertThat(progress).isNotEmpty();
        assertThat(progress.get(progress.size() - 1).done()).isEqualTo(8);
        assertThat(progress.get(progress.size() - 1).total()).isEqualTo(8);
        assertThat(progress.get(progress.size() - 2).eta()).isPresent();
    }

    @Test
    void aUnitThatKeepsFailingIsRetriedThenMarkedFailedAndTheCampaignGoesOn() {
        CampaignResult r = Campaign.builder().base(base()).vary("options.fail_batches", false, true).cycles(2)
                .set("retries", 1).resultsDir(results()).build().run();
        assertThat(r.state()).isEqualTo(CampaignState.FAILED);
        assertThat(r.manifest().stateReason()).contains("2 of 4 units failed after their retries");
        ManifestExperiment failing = r.manifest().experiment("options.fail_batches=true").orElseThrow();
        List<ManifestUnit> units = r.manifest().units().stream().filter(u -> u.experiment() == failing.index()).toList();
        assertThat(units).hasSize(2).allSatisfy(u -> {
            assertThat(u.status()).isEqualTo(UnitStatus.FAILED);
            assertThat(u.attempts()).isEqualTo(2);
            assertThat(u.failure()).hasValueSatisfying(f -> assertThat(f).contains("every request failed")
                    .contains("simulated batch failure"));
            assertThat(u.history()).hasSize(2);
        });
        assertThat(r.manifest().units().stream().filter(u -> u.experiment() != failing.index()))
                .allSatisfy(u -> assertThat(u.status()).isEqualTo(UnitStatus.DONE));
        assertThat(r.warnings()).anySatisfy(w -> assertThat(w).contains("options.fail_batches=true: cycle 1 failed "
                + "after 2 attempt(s)"));
        ExperimentResult bad = r.experiment("options.fail_batches=true").orElseThrow();
        assertThat(bad.isComplete()).isFalse();
        assertThat(bad.status()).isEqualTo(Completeness.FAILED);
        assertThat(r.experiment("options.fail_batches=false").orElseThrow().isComplete()).isTrue();
    }

    @Test
    void forceColdStartLoadsForEveryUnit() {
        CampaignResult r = Campaign.builder().base(base()).vary("batching.batch_size", 1, 2).cycles(2)
                .set("residency.force_cold_start", true).structure(dev.lem.campaign.CampaignStructure.GROUPED)
                .resultsDir(results()).build().run();
        assertThat(r.manifest().units()).allSatisfy(u -> {
            assertThat(u.loadedModel()).isTrue();
            assertThat(u.warmedUp()).isTrue();
        });
        assertThat(r.experiments()).allSatisfy(x -> assertThat(x.processes().get(0).unload()).isPresent());
    }

    @Test
    void groupedOrderWarmsUpOnlyWhenTheExperimentChanges() {
        CampaignResult r = Campaign.builder().base(base()).vary("batching.batch_size", 1, 2).cycles(3)
                .structure(dev.lem.campaign.CampaignStructure.GROUPED).resultsDir(results()).build().run();
        assertThat(r.manifest().units()).extracting(ManifestUnit::warmedUp)
                .containsExactly(true, false, false, true, false, false);
        assertThat(r.manifest().units()).extracting(ManifestUnit::loadedModel)
                .containsExactly(true, false, false, false, false, false);
    }

    @Test
    void aScheduleHoldsEachRoundUntilItsTime() {
        ScriptedPause pause = new ScriptedPause(Instant.parse("2026-12-05T12:00:00Z"));
        CampaignResult r = Campaign.builder().base(base()).vary("batching.batch_size", 1, 2).cycles(2)
                .structure(dev.lem.campaign.CampaignStructure.INTERLEAVED)
                .set("schedule.start_at", List.of("2026-12-05T13:00:00Z", "2026-12-05T15:00:00Z"))
                .resultsDir(results()).pause(pause).build().run();
        List<ManifestUnit> units = r.manifest().units();
        assertThat(units.get(0).startedAt()).contains(Instant.parse("2026-12-05T13:00:00Z"));
        assertThat(units.get(0).gapNote()).hasValueSatisfying(n -> assertThat(n).contains("schedule: round 1 held "
                + "until 2026-12-05T13:00:00Z"));
        assertThat(units.get(1).gapWaitedS()).isZero();
        assertThat(units.get(2).startedAt()).contains(Instant.parse("2026-12-05T15:00:00Z"));
        assertThat(pause.slept()).isEqualTo(Duration.ofHours(3));
    }

    @Test
    void aResumeRunsExactlyTheUnitsNotDoneAndRemovesWhatARunningUnitLeft() throws Exception {
        // a campaign whose process "died" during unit 3: units 1-2 done, unit 3 running with a partial file
        CampaignResult first = Campaign.builder().base(base()).vary("batching.batch_size", 1, 2).cycles(2)
                .structure(dev.lem.campaign.CampaignStructure.INTERLEAVED).resultsDir(results()).build().run();
        ManifestStore store = new ManifestStore(results());
        CampaignManifest done = first.manifest();
        ManifestUnit u3 = done.units().get(2);
        ManifestUnit u4 = done.units().get(3);
        ManifestExperiment e3 = done.experiments().get(u3.experiment());
        ResultsRepository repo = new ResultsRepository(results());
        Path partial = repo.cycleDirectory(e3.experimentId(), u3.cycle()).resolve("process_0.json");
        String before = Files.readString(repo.cycleDirectory(done.experiments().get(0).experimentId(), 0)
                .resolve("process_0.json"));
        CampaignManifest killed = done.withUnit(u3.withStatus(UnitStatus.RUNNING)).withUnit(u4.withStatus(
                UnitStatus.PENDING)).withState(CampaignState.RUNNING, java.util.Optional.empty());
        Files.delete(repo.cycleDirectory(done.experiments().get(u4.experiment()).experimentId(), u4.cycle())
                .resolve("process_0.json"));
        store.write(killed);
        assertThat(partial).isRegularFile();

        CampaignResult resumed = Campaign.resume(results(), done.campaignId());
        assertThat(resumed.state()).isEqualTo(CampaignState.COMPLETE);
        assertThat(resumed.manifest().units()).allSatisfy(u -> assertThat(u.status()).isEqualTo(UnitStatus.DONE));
        assertThat(resumed.manifest().units().get(0)).as("a done unit is not run again").isEqualTo(done.units().get(0));
        assertThat(Files.readString(repo.cycleDirectory(done.experiments().get(0).experimentId(), 0)
                .resolve("process_0.json"))).isEqualTo(before);
        assertThat(resumed.manifest().units().get(2).attempts()).isEqualTo(2);
        assertThat(resumed.manifest().units().get(2).history()).anySatisfy(h -> assertThat(h)
                .contains("its process stopped while it ran; run again from scratch"));
        assertThat(resumed.experiments()).allSatisfy(x -> {
            assertThat(x.isComplete()).isTrue();
            assertThat(x.cycles()).hasSize(2);
        });
        assertThat(resumed.experiments().get(u3.experiment()).processes().get(0).warnings())
                .anySatisfy(w -> assertThat(w).startsWith("resumed on "));
    }

    @Test
    void theAdaptiveGapWaitsForTheScriptedGpuToCoolAndRecordsTheWait() {
        ScriptedPause pause = new ScriptedPause(Instant.parse("2026-12-05T12:00:00Z"));
        double[] hotSince = {Double.NaN};
        // 30 °C above idle at the end of each unit, cooling with a 20 s time constant: back within 3 °C after 47 s
        java.util.function.Supplier<Map<String, Double>> gpu = () -> {
            double since = Double.isNaN(hotSince[0]) ? 1e9 : pause.nanoTime() / 1e9 - hotSince[0];
            return Map.of("gpu0.temperature_c", 40 + 30 * Math.exp(-since / 20));
        };
        CampaignResult r = Campaign.builder().base(base()).vary("batching.batch_size", 1, 2).cycles(1)
                .set("gaps.adaptive.enabled", true).set("gaps.adaptive.poll_s", 1).set("gaps.adaptive.baseline_s", 3)
                .resultsDir(results()).pause(pause).telemetry(gpu)
                .onProgressUpdate(p -> {
                    if (p.current().endsWith(" done")) {
                        hotSince[0] = pause.nanoTime() / 1e9;
                    }
                }).build().run();
        List<ManifestUnit> units = r.manifest().units();
        assertThat(units.get(0).gapWaitedS()).as("cool from the start").isZero();
        assertThat(units.get(1).gapWaitedS()).isEqualTo(47.0);
        assertThat(units.get(1).gapNote()).contains("cooled to within 3.00 °C / 10.0 % of idle after 47.0 s");
        assertThat(pause.slept()).as("3 s of baseline, 47 s of cooling").isEqualTo(Duration.ofSeconds(50));
    }
}
