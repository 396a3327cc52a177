package dev.lem.examples;

import dev.lem.Comparisons;
import dev.lem.Experiment;
import dev.lem.result.ExperimentResult;
import dev.lem.Metric;
import dev.lem.stats.Comparison;
import dev.lem.workload.Prompts;

/**
 * Does batching save energy per token? Runs the same workload at batch size 1 and 8 and states the
 * difference with a confidence interval from resampling whole cycles.
 *
 * <pre>
 * java -cp "lem-examples/target/classes:lem-cli/target/lem-cli.jar" dev.lem.examples.CompareBatchSizes
 * </pre>
 */
public final class CompareBatchSizes {
    private CompareBatchSizes() {
    }

    /**
     * Runs the comparison and prints the result.
     *
     * @param args not used
     */
    public static void main(String[] args) {
        Experiment.Builder base = Experiment.builder()
                .model(args.length > 0 ? args[0] : "synthetic:SmolLM2-135M")
                .backend("djl")
                .prompts(Prompts.builtIn().limit(8))
                .maxOutputTokens(16)
                .cycles(5)
                .warmupRuns(1)
                .onProgress(m -> System.err.println("lem: " + m));
        ExperimentResult a = base.batchSize(1).measure();
        ExperimentResult b = base.batchSize(8).measure();
        Comparison energy = Comparisons.compare(a, b, Metric.ENERGY_PER_OUTPUT_TOKEN_J);
        System.out.println(energy.describe("batch 1", "batch 8", "energy per output token") + " ["
                + b.summary().find(Metric.ENERGY_PER_OUTPUT_TOKEN_J).orElseThrow().basis() + "]");
        Comparison speed = Comparisons.compare(a, b, Metric.OUTPUT_TOKENS_PER_S);
        System.out.println(speed.describe("batch 1", "batch 8", "output tokens per second"));
    }
}
