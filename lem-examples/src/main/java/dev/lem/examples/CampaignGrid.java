package dev.lem.examples;

import dev.lem.Campaign;
import dev.lem.campaign.CampaignResult;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A campaign in code: the DJL backend on a synthetic model and an OpenAI-compatible server (here LEM's scripted one,
 * started in this JVM), crossed with three batch sizes. The grid is backend-aware — batch size does not apply to a
 * server — so it runs 4 experiments x 3 cycles, shuffled per round, and compares each with the baseline.
 *
 * <pre>
 * java -cp "lem-examples/target/classes:lem-cli/target/lem-cli.jar" dev.lem.examples.CampaignGrid [results-dir]
 * </pre>
 */
public final class CampaignGrid {
    private CampaignGrid() {
    }

    /**
     * Runs the campaign and prints each experiment and each comparison.
     *
     * @param args optionally the results folder (default {@code results})
     * @throws Exception when the scripted server cannot start or the campaign cannot run
     */
    public static void main(String[] args) throws Exception {
        Path results = Path.of(args.length > 0 ? args[0] : "results");
        try (ScriptedOpenAiServer server = new ScriptedOpenAiServer(0, "scripted-model", 30, 10)) {
            CampaignResult r = Campaign.builder()
                    .base(Map.of(
                            "model", "synthetic:SmolLM2-135M",
                            "prompts", Map.of("limit", 8),
                            "max_output_tokens", 16,
                            "warmup", Map.of("mode", "fixed", "runs", 1),
                            "server", Map.of("url", server.uri().toString(), "model_name", "scripted-model")))
                    .vary("backend", "djl", "openai")
                    .vary("batching.batch_size", 1, 4, 8)
                    .cycles(3)
                    .baseline("backend=djl batching.batch_size=1")
                    .resultsDir(results)
                    .build()
                    .run();
            System.out.println(r);
            r.experiments().forEach(e -> System.out.println(e.config().name().orElse(e.id()) + ": "
                    + e.summary().find(dev.lem.Metric.ENERGY_PER_OUTPUT_TOKEN_J).map(Object::toString)
                            .orElse("no energy per token")));
            r.comparisons().forEach(System.out::println);
            List<String> w = r.warnings();
            w.forEach(x -> System.out.println("warning: " + x));
        }
    }
}
