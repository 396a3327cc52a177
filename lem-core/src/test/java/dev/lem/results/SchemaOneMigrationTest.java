package dev.lem.results;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.lem.Metric;
import dev.lem.config.WarmupMode;
import dev.lem.result.ExperimentResult;
import dev.lem.result.ProcessResult;
import dev.lem.result.RunSetup;
import dev.lem.stats.Estimate;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * Result files written by LEM before this version (results schema 1: a quick-start-like run on the djl backend,
 * kept under src/test/resources/dev/lem/results/schema-1) are read, migrated and re-aggregated.
 */
class SchemaOneMigrationTest {
    static final String ID = "20261205T115658Z-fwtjco";

    @TempDir
    Path dir;

    @BeforeEach
    void copyFixture() throws IOException, URISyntaxException {
        Path src = Path.of(SchemaOneMigrationTest.class.getResource("/dev/lem/results/schema-1").toURI());
        try (Stream<Path> files = Files.walk(src)) {
            for (Path f : files.toList()) {
                Path to = dir.resolve(src.relativize(f).toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(to);
                } else {
                    Files.copy(f, to);
                }
            }
        }
    }

    @Test
    void anAggregatedFileOfSchemaOneReadsWithItsFiguresIntact() throws IOException {
        Path file = dir.resolve("aggregated").resolve(ID + ".json");
        JsonNode old = ResultsJson.mapper().readTree(Files.readString(file)).path("summary").path("metrics")
                .path("output_tokens_per_s");
        ExperimentResult r = new ResultsRepository(dir).readAggregated(ID).orElseThrow();
        Estimate e = r.summary().get(Metric.OUTPUT_TOKENS_PER_S);
        assertThat(e.mean()).isEqualTo(old.path("estimate").path("mean").asDouble());
        assertThat(e.ciLow()).contains(old.path("estimate").path("ci_low").asDouble());
        assertThat(e.ciHigh()).contains(old.path("estimate").path("ci_high").asDouble());
        assertThat(e.method()).isEqualTo("t_delta");
        assertThat(e.unit()).isEqualTo("tokens/s");
        assertThat(e.basis()).isEqualTo("measured (System.nanoTime timestamps)");
        assertThat(r.config().carbon().intensityGPerKwh()).as("intensity_gper_kwh of schema 1").contains(56.0);
        assertThat(r.config().name()).contains("schema one");
        RunSetup setup = r.processes().get(0);
        assertThat(setup.warmup().orElseThrow().mode()).isEqualTo(WarmupMode.FIXED);
        assertThat(r.summary().whyUnavailable(Metric.MFU)).isPresent();
        assertThat(ResultsJson.write(r)).contains("\"schema_version\" : " + ResultsJson.SCHEMA_VERSION);
    }

    @Test
    void rawFilesOfSchemaOneAggregateAgainToTheSameFigures() {
        ResultsRepository repo = new ResultsRepository(dir);
        ExperimentResult before = repo.readAggregated(ID).orElseThrow();
        List<ProcessResult> raw = repo.readProcessResults(ID);
        assertThat(raw).hasSize(2).allSatisfy(p -> assertThat(p.requests()).hasSize(2));
        ExperimentResult again = repo.aggregate(ID);
        for (Metric m : List.of(Metric.OUTPUT_TOKENS_PER_S, Metric.TTFT_MEAN_MS, Metric.ENERGY_PER_OUTPUT_TOKEN_J,
                Metric.CARBON_G, Metric.GOODPUT_REQUESTS_PER_S, Metric.FLOPS_PER_OUTPUT_TOKEN)) {
            assertThat(again.summary().get(m).mean()).as(m.key())
                    .isCloseTo(before.summary().get(m).mean(), within(1e-9 * Math.abs(before.summary().get(m).mean())));
        }
        assertThat(repo.readAggregated(ID).orElseThrow().schemaVersion()).isEqualTo(ResultsJson.SCHEMA_VERSION);
    }
}
