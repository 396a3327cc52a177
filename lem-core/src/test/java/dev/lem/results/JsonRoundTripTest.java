package dev.lem.results;

import dev.lem.config.CarbonConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lem.Experiment;
import dev.lem.result.ExperimentResult;
import dev.lem.Metric;
import dev.lem.result.ProcessResult;
import dev.lem.result.RunSetup;
import dev.lem.config.ExperimentConfig;
import dev.lem.workload.Prompts;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every public result record survives JSON and back without loss. */
class JsonRoundTripTest {
    @TempDir
    static Path dir;
    static ExperimentResult result;

    @BeforeAll
    static void measure() {
        result = Experiment.builder()
                .backend("simulated")
                .prompts(Prompts.builtIn().limit(6))
                .maxOutputTokens(4)
                .batchSize(3)
                .cycles(3)
                .warmupRuns(1)
                .idleBaseline(Duration.ofMillis(200))
                .resultsDir(dir)
                .carbon(CarbonConfig.country("FRA"))
                .set("carbon.intensity_g_per_kwh", 56.0)
                .set("slo.ttft_ms", 50.0)
                .set("energy.meters", List.of("simulated")) // machine-independent: no RAPL or estimates
                .set("energy.meter_options.simulated.cpu_watts", 40)
                .set("energy.meter_options.simulated.gpu_watts", 150.5)
                .option("decode_ms_per_step", 2)
                .set("energy.sampler_interval_ms", 20)
                .set("name", "round trip")
                .measure();
    }

    @Test
    void theExperimentHasEveryPartPopulated() {
        assertThat(result.cycles()).hasSize(3);
        assertThat(result.processes()).hasSize(1);
        RunSetup s = result.processes().get(0);
        assertThat(s.baseline()).isPresent();
        assertThat(s.load()).isPresent();
        assertThat(s.load().get().energy()).isPresent();
        assertThat(s.warmup()).isPresent();
        assertThat(s.warmup().get().measurement()).hasValueSatisfying(m -> {
            assertThat(m.durationNanos()).isPositive();
            assertThat(m.energy()).isPresent();
        });
        ProcessResult p = new ResultsRepository(dir).readProcessResults(result.id()).get(0);
        assertThat(p.phaseEnergy()).containsKeys("prefill", "decode");
        assertThat(p.timeseriesFile()).contains("timeseries_0.csv");
        assertThat(result.summary().get(Metric.ENERGY_PER_OUTPUT_TOKEN_J).mean()).isPositive();
        assertThat(result.summary().find(Metric.GOODPUT_REQUESTS_PER_S)).isPresent();
        assertThat(result.carbonIntensity()).isPresent();
    }

    @Test
    void experimentResultRoundTrips() {
        String json = ResultsJson.write(result);
        assertThat(json).contains("\"schema_version\" : " + ResultsJson.SCHEMA_VERSION, "\"energy_per_output_token_j\"", "\"method\" : \"measured\"");
        ExperimentResult back = ResultsJson.read(json, ExperimentResult.class, "test");
        assertThat(back).isEqualTo(result);
        assertThat(ResultsJson.write(back)).isEqualTo(json);
    }

    @Test
    void theStoredConfigurationSpellsEachKeyAsItIsDeclared() {
        String json = ResultsJson.write(result);
        assertThat(json).contains("\"intensity_g_per_kwh\" : 56.0").doesNotContain("intensity_gper_kwh");
        String setup = ResultsJson.write(result.processes().get(0));
        assertThat(setup).contains("\"intensity_g_per_kwh\" : 56.0").doesNotContain("gper");
    }

    @Test
    void rawRecordsAndConfigRoundTrip() {
        ResultsRepository repo = new ResultsRepository(dir);
        for (ProcessResult p : repo.readProcessResults(result.id())) {
            assertThat(ResultsJson.read(ResultsJson.write(p), ProcessResult.class, "t")).isEqualTo(p);
        }
        RunSetup s = repo.readSetups(result.id()).get(0);
        assertThat(ResultsJson.read(ResultsJson.write(s), RunSetup.class, "t")).isEqualTo(s);
        ExperimentConfig c = result.config();
        assertThat(ResultsJson.read(ResultsJson.write(c), ExperimentConfig.class, "t")).isEqualTo(c);
        assertThat(repo.readAggregated(result.id())).contains(result);
    }

    @Test
    void newerSchemaVersionsAreRefusedWithAClearMessage() throws IOException {
        Path f = dir.resolve("future.json");
        Files.writeString(f, ResultsJson.write(result).replace("\"schema_version\" : " + ResultsJson.SCHEMA_VERSION, "\"schema_version\" : 7"));
        assertThatThrownBy(() -> ResultsJson.read(Files.readString(f), ExperimentResult.class, f.toString()))
                .isInstanceOf(ResultsException.class)
                .hasMessage(f + " was written by a newer LEM (results schema 7; this LEM reads up to " + ResultsJson.SCHEMA_VERSION + "): upgrade LEM to read it");
        assertThatThrownBy(() -> ResultsJson.read("{not json", ExperimentResult.class, "x.json"))
                .isInstanceOf(ResultsException.class).hasMessageStartingWith("x.json is not a valid LEM result file");
    }

    @Test
    void csvExportHasOneRowWithUnitsInColumnNames() {
        String csv = CsvExport.toCsv(List.of(result));
        String[] lines = csv.split("\n");
        assertThat(lines).hasSize(2);
        List<String> header = List.of(lines[0].split(","));
        assertThat(header).contains("energy_per_output_token_j_mean", "ttft_mean_ms_ci_low", "output_tokens_per_s_mean");
        String[] row = lines[1].split(",", -1);
        assertThat(row).hasSize(header.size());
        assertThat(row[header.indexOf("name")]).isEqualTo("round trip");
        assertThat(Double.parseDouble(row[header.indexOf("energy_j_mean")]))
                .isEqualTo(result.summary().get(Metric.ENERGY_J).mean());
        assertThat(row[header.indexOf("mfu_mean")]).as("absent figures are empty, never 0").isEmpty();
    }

    @Test
    void tidyCsvHasOneRowPerMetricWithItsUnitAndWhyAnAbsentOneIsAbsent() {
        String csv = CsvExport.toTidyCsv(List.of(result));
        String[] lines = csv.split("\n");
        assertThat(lines).hasSize(1 + Metric.values().length);
        List<String> header = List.of(lines[0].split(","));
        assertThat(header).isEqualTo(CsvExport.tidyColumns());
        assertThat(header).startsWith("id", "name", "status").contains("metric", "unit", "mean", "ci_low", "ci_high",
                "ci_method", "basis", "unavailable_reason");
        java.util.Map<String, String[]> byMetric = new java.util.HashMap<>();
        for (int i = 1; i < lines.length; i++) {
            // quoted cells may hold commas: split outside quotes
            String[] row = lines[i].split(",(?=(?:[^\"]*\"[^\"]*\")*[^\"]*$)", -1);
            assertThat(row).hasSize(header.size());
            byMetric.put(row[header.indexOf("metric")], row);
        }
        String[] energy = byMetric.get("energy_j");
        assertThat(Double.parseDouble(energy[header.indexOf("mean")])).isEqualTo(result.summary().get(Metric.ENERGY_J)
                .mean());
        assertThat(energy[header.indexOf("unit")]).isEqualTo("J");
        assertThat(energy[header.indexOf("status")]).isEqualTo("complete");
        assertThat(energy[header.indexOf("unavailable_reason")]).isEmpty();
        String[] mfu = byMetric.get("mfu");
        assertThat(mfu[header.indexOf("mean")]).as("absent figures are empty, never 0").isEmpty();
        assertThat(mfu[header.indexOf("unavailable_reason")]).isNotEmpty();
    }

    @Test
    void everyResultRecordPrintsAsAReadableLine() {
        assertThat(result.toString()).startsWith("ExperimentResult " + result.id() + " \"round trip\": ")
                .contains("on simulated, 3 cycles")
                .contains("output_tokens_per_s: ").contains(" tokens/s, 95% CI [")
                .contains("energy_per_output_token_j: ").contains("J/token");
        assertThat(result.cycles().get(0).toString()).startsWith("cycle 1: 6 of 6 requests, 24 output tokens in ")
                .contains(" J (measured)");
        assertThat(result.processes().get(0).toString()).contains(" rank 0/1 on ").contains("3 cycles (fixed count of 3 cycles)");
        assertThat(result.processes().get(0).warmup().orElseThrow().toString()).startsWith("warm-up: 1 run, fixed count");
        assertThat(result.cycles().get(0).energy().orElseThrow().toString())
                .matches(".* J \\(measured\\), idle-adjusted .* J( \\(baseline disturbed\\))?");
    }
}
