package dev.lem.cli;

import static dev.lem.cli.CliTestSupport.lem;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.lem.Metric;
import dev.lem.result.ExperimentResult;
import dev.lem.results.ResultsRepository;
import dev.lem.spi.WeightFormat;
import dev.lem.stats.Estimate;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The "done when": configs/quality-campaign.yaml — two weight formats (fp32, bf16) x two adapters (none, a
 * synthetic rank-16 LoRA) on a synthetic model — run small (fewer prompts, tokens and cycles, a shorter text) gives a
 * result set whose report data has, per experiment, energy per output token with its interval across cycles and
 * perplexity with its interval across windows, the weights' format and the adapter as used.
 */
@Timeout(600)
class QualityCampaignTest {
    @TempDir
    Path dir;

    /** The example file, made smaller; each replacement must hit, so a changed example fails here, not silently. */
    private Path smallCampaign() throws IOException {
        String yaml = Files.readString(Path.of("..", "configs", "quality-campaign.yaml"));
        Map<String, String> smaller = Map.of(
                "options: {num_hidden_layers: 4}", "options: {num_hidden_layers: 2}",
                "prompts: {source: builtin, limit: 4}", "prompts: {source: builtin, limit: 2}",
                "max_output_tokens: 8", "max_output_tokens: 4",
                "energy: {idle_baseline_s: 1}", "energy: {idle_baseline_s: 0}",
                "max_tokens: 512, window: 128, stride: 64", "max_tokens: 192, window: 64, stride: 32",
                "cycles: 3", "cycles: 2");
        for (var e : smaller.entrySet()) {
            assertThat(yaml).as("configs/quality-campaign.yaml still has " + e.getKey()).contains(e.getKey());
            yaml = yaml.replace(e.getKey(), e.getValue());
        }
        Path f = dir.resolve("quality-campaign.yaml");
        Files.writeString(f, yaml);
        return f;
    }

    @Test
    void twoWeightFormatsByTwoAdaptersGiveEnergyPerTokenAgainstPerplexityWithIntervals() throws IOException {
        Path results = dir.resolve("results");
        CliTestSupport.Run run = lem("campaign", "run", smallCampaign().toString(), "--results-dir",
                results.toString(), "--quiet");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("4 experiment(s) x 2 cycle(s)").contains("perplexity [95% CI over windows]");
        Path campaigns = results.resolve("campaigns");
        String id;
        try (Stream<Path> s = Files.list(campaigns)) {
            id = s.map(p -> p.getFileName().toString()).findFirst().orElseThrow();
        }
        ResultsRepository repo = new ResultsRepository(results);
        List<ExperimentResult> rs = repo.experimentIds().stream().map(repo::current).toList();
        assertThat(rs).extracting(r -> r.config().name().orElse("")).containsExactlyInAnyOrder(
                "precision=fp32 adapter.path=none",
                "precision=fp32 adapter.path=synthetic:r=16",
                "precision=bf16 adapter.path=none",
                "precision=bf16 adapter.path=synthetic:r=16");
        Map<String, Double> bytes = new HashMap<>();
        for (ExperimentResult r : rs) {
            String name = r.config().name().orElseThrow();
            Estimate energy = r.summary().find(Metric.ENERGY_PER_OUTPUT_TOKEN_J).orElseThrow();
            assertThat(energy.interval()).as(name + ": energy per token, interval across cycles").isPresent();
            assertThat(energy.n()).isEqualTo(2);
            Estimate ppl = r.summary().find(Metric.PERPLEXITY).orElseThrow();
            assertThat(ppl.interval()).as(name + ": perplexity, interval across windows").isPresent();
            assertThat(ppl.interval().get().low()).isLessThan(ppl.mean());
            assertThat(ppl.interval().get().high()).isGreaterThan(ppl.mean());
            assertThat(ppl.n()).as("192 tokens, window 64, stride 32: 5 windows").isEqualTo(5);
            // its own energy window, outside the cycles'
            assertThat(r.processes().get(0).quality().orElseThrow().measurement().orElseThrow().energy())
                    .isPresent();
            WeightFormat w = r.model().orElseThrow().weights().orElseThrow();
            assertThat(w.dtype()).isEqualTo(name.contains("bf16") ? "bf16" : "fp32");
            assertThat(r.model().orElseThrow().adapter().isPresent()).isEqualTo(name.contains("synthetic"));
            r.model().orElseThrow().adapter().ifPresent(a -> assertThat(a.rank()).isEqualTo(16));
            bytes.put(name, w.bytesPerForwardPass().orElseThrow());
        }
        assertThat(bytes.get("precision=bf16 adapter.path=none")
                / bytes.get("precision=fp32 adapter.path=none"))
                .as("bf16 product matrices read half the bytes (the embedding rows and norms stay float32)")
                .isCloseTo(0.5, within(0.01));

        // the report of the campaign: the energy-and-quality table and the energy/perplexity front
        Path html = dir.resolve("report.html");
        CliTestSupport.Run report = lem("report", id, "--results-dir", results.toString(), "-o", html.toString());
        assertThat(report.exitCode()).as(report.err()).isZero();
        String page = Files.readString(html);
        assertThat(page).contains("Energy and quality").contains("Energy per output token against perplexity")
                .doesNotContain("No experiment has both perplexity");
        // the campaign's table: both figures with their intervals in every row
        List<String> csv = Files.readAllLines(campaigns.resolve(id).resolve("experiments.csv"));
        List<String> header = List.of(csv.get(0).split(",", -1));
        for (String col : List.of("energy_per_output_token_j_ci_low", "perplexity_mean", "perplexity_ci_low",
                "perplexity_ci_high")) {
            int i = header.indexOf(col);
            assertThat(i).as(col).isNotNegative();
            assertThat(csv.subList(1, csv.size())).hasSize(4).allSatisfy(row -> assertThat(row.split(",", -1)[i])
                    .as(col).isNotEmpty());
        }
    }
}
