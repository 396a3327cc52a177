package dev.lem.cli;

import static dev.lem.cli.CliTestSupport.lem;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.lem.result.CycleEnergy;
import dev.lem.result.CycleResult;
import dev.lem.Experiment;
import dev.lem.result.ExperimentResult;
import dev.lem.Metric;
import dev.lem.result.ProcessResult;
import dev.lem.energy.DomainEnergy;
import dev.lem.results.ResultsRepository;
import dev.lem.workload.Prompts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole path with a backend that lives in test code (real timing, no GPU): builder, measure with two
 * worker processes and three cycles, raw files, aggregation, and the {@code lem results} commands.
 */
class EndToEndTest {
    @TempDir
    Path dir;

    @Test
    void throttledCyclesReachTheWarningsThePrintedSummaryAndResultsShow() throws Exception {
        ExperimentResult r = Experiment.builder().backend("simulated").cycles(2).prompts(Prompts.builtIn().limit(2))
                .maxOutputTokens(4).batchSize(2).warmupRuns(1).idleBaseline(Duration.ofMillis(400)).resultsDir(dir)
                .set("energy.meter_options.simulated.cpu_watts", 30)
                .set("energy.meter_options.simulated.throttle", "sw_power_cap")
                // windows of ~400 ms against a 10 ms sampler: a loaded machine still gets ticks into each of them
                // (with 20 ms steps, an 80 ms cycle sometimes had none and the test failed)
                .option("decode_ms_per_step", 100).set("energy.sampler_interval_ms", 10)
                .set("energy.meters", List.of("simulated")).measure();
        assertThat(r.warnings()).anySatisfy(w -> assertThat(w).startsWith("throttling in 2 of 2 cycles (cycles 1, 2): "
                + "thermal in up to 0% and power in up to 100% of samples (gpu[0]:sw_power_cap)"));
        assertThat(r.warnings()).anySatisfy(w -> assertThat(w).startsWith("the idle baseline was not taken at idle")
                .contains("a device throttled during it (gpu[0]:sw_power_cap"));
        String printed = ResultView.summary(r, dir);
        assertThat(printed).contains("\nThrottling:\n  cycle 1: thermal 0%, power 100% of samples (gpu[0]:sw_power_cap)")
                .contains("  cycle 2: thermal 0%, power 100% of samples");
        CliTestSupport.Run shown = lem("results", "show", r.id(), "--results-dir", dir.toString());
        assertThat(shown.out()).contains("Throttling:").contains("throttling in 2 of 2 cycles");
    }

    @Test
    void twoProcessesThreeCyclesFromBuilderToResultsShow() throws Exception {
        ExperimentResult r = Experiment.builder()
                .backend("simulated")
                .processes(2)
                .cycles(3)
                .prompts(Prompts.builtIn().limit(4))
                .maxOutputTokens(5)
                .batchSize(2)
                .warmupRuns(1)
                .idleBaseline(Duration.ZERO)
                .resultsDir(dir)
                .set("energy.meter_options.simulated.cpu_watts", 30)
                .set("energy.meter_options.simulated.gpu_watts", 100)
                .option("decode_ms_per_step", 3)
                .set("energy.sampler_interval_ms", 10)
                .set("energy.meters", List.of("simulated"))
                .measure();

        ResultsRepository repo = new ResultsRepository(dir);
        Path raw = repo.rawDirectory(r.id());
        for (int c = 0; c < 3; c++) {
            for (int rank = 0; rank < 2; rank++) {
                assertThat(raw.resolve("cycle_" + c).resolve("process_" + rank + ".json")).isRegularFile();
                assertThat(raw.resolve("cycle_" + c).resolve("timeseries_" + rank + ".csv")).isRegularFile();
            }
        }
        assertThat(raw.resolve("setup_0.json")).isRegularFile();
        assertThat(raw.resolve("setup_1.json")).isRegularFile();
        assertThat(repo.aggregatedFile(r.id())).isRegularFile();

        assertThat(r.processes()).hasSize(2);
        assertThat(r.processes().get(0).pid()).isNotEqualTo(r.processes().get(1).pid())
                .isNotEqualTo(ProcessHandle.current().pid());
        assertThat(r.cycles()).hasSize(3);
        List<ProcessResult> prs = repo.readProcessResults(r.id());
        for (CycleResult c : r.cycles()) {
            assertThat(c.processes()).containsExactly(0, 1);
            assertThat(c.metrics().completed()).isEqualTo(8);
            assertThat(c.metrics().outputTokens()).isEqualTo(40);
            CycleEnergy e = c.energy().orElseThrow();
            // the machine-wide CPU domain is counted once (rank 0), each rank's own GPU once
            assertThat(e.domains()).extracting(d -> d.domain().kind()).containsExactly("cpu", "gpu", "gpu");
            double d0 = durationOf(prs, c.cycle(), 0);
            double d1 = durationOf(prs, c.cycle(), 1);
            assertThat(e.joulesByKind().get("cpu")).isCloseTo(30 * d0, within(30 * 0.02 + 0.05));
            assertThat(e.joulesByKind().get("gpu")).isCloseTo(100 * (d0 + d1), within(100 * 0.04 + 0.1));
        }
        assertThat(r.summary().get(Metric.ENERGY_PER_OUTPUT_TOKEN_J).n()).isEqualTo(3);
        assertThat(r.summary().get(Metric.OUTPUT_TOKENS_PER_S).ciLow()).isPresent();

        CliTestSupport.Run show = lem("results", "show", r.id(), "--results-dir", dir.toString());
        assertThat(show.exitCode()).as(show.err()).isZero();
        assertThat(show.out()).contains("Experiment " + r.id(), "output_tokens_per_s", "energy_per_output_token_j",
                "gpu[0]@GPU-sim-1", "cpu.package[0]");
        CliTestSupport.Run rawShow = lem("results", "show", r.id(), "--raw", "--results-dir", dir.toString());
        assertThat(rawShow.out().lines().filter(l -> l.contains("process_"))).hasSize(6);
        CliTestSupport.Run list = lem("results", "list", "--results-dir", dir.toString());
        assertThat(list.out()).contains(r.id()).contains("3 of 3").contains("complete");
        Files.delete(repo.aggregatedFile(r.id()));
        CliTestSupport.Run agg = lem("aggregate", "--all", "--results-dir", dir.toString());
        assertThat(agg.exitCode()).isZero();
        assertThat(repo.readAggregated(r.id()).orElseThrow().summary().get(Metric.ENERGY_J).mean())
                .isCloseTo(r.summary().get(Metric.ENERGY_J).mean(), within(1e-9));
        CliTestSupport.Run csv = lem("results", "export", "--csv", "--results-dir", dir.toString());
        assertThat(csv.out().lines()).hasSize(2);
    }

    private static double durationOf(List<ProcessResult> prs, int cycle, int rank) {
        ProcessResult p = prs.stream().filter(x -> x.cycle() == cycle && x.rank() == rank).findFirst().orElseThrow();
        return p.energy().orElseThrow().durationSeconds();
    }

    static double joules(CycleEnergy e, String id) {
        return e.domains().stream().filter(d -> d.domain().id().equals(id)).mapToDouble(DomainEnergy::joules).sum();
    }
}
