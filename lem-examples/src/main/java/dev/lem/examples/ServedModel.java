package dev.lem.examples;

import dev.lem.Experiment;
import dev.lem.result.ExperimentResult;
import dev.lem.Metric;
import dev.lem.workload.Prompts;
import dev.lem.workload.Traffic;

/**
 * Measures a model served by vLLM (or, with backend "openai", any OpenAI-compatible server) in a closed
 * loop at 16 concurrent requests. The local meters measure the benchmark window when the server runs on
 * this machine.
 *
 * <pre>
 * java -cp "lem-examples/target/classes:lem-cli/target/lem-cli.jar" dev.lem.examples.ServedModel \
 *     http://localhost:8000 Qwen/Qwen2.5-0.5B-Instruct
 * </pre>
 */
public final class ServedModel {
    private ServedModel() {
    }

    /**
     * Measures a model served by a vLLM, TensorRT-LLM or OpenAI-compatible server and prints the summary.
     *
     * @param args the server URL, the served model name, and optionally the backend ({@code vllm} by default)
     */
    public static void main(String[] args) {
        if (args.length < 2) {
            System.err.println("usage: ServedModel <server-url> <model-name> [backend: vllm|trtllm|openai]");
            System.exit(2);
        }
        ExperimentResult r = Experiment.builder()
                .backend(args.length > 2 ? args[2] : "vllm")
                .model(args[1])
                .server(args[0])
                .traffic(Traffic.closedLoop(16))
                .prompts(Prompts.builtIn().limit(64))
                .maxOutputTokens(128)
                .cycles(3)
                .measure();
        for (Metric m : new Metric[] {Metric.OUTPUT_TOKENS_PER_S, Metric.TTFT_P99_MS, Metric.TPOT_MEAN_MS,
                Metric.ENERGY_PER_OUTPUT_TOKEN_J}) {
            System.out.println(m.key() + ": " + r.summary().find(m).map(Object::toString)
                    .orElseGet(() -> "not available (" + r.summary().whyUnavailable(m).orElse("") + ")"));
        }
    }
}
