package dev.lem.examples;

import dev.lem.Experiment;
import dev.lem.result.ExperimentResult;
import dev.lem.Metric;
import dev.lem.workload.Prompts;
import java.util.List;
import java.util.Locale;

/**
 * The smallest useful measurement: a synthetic model with SmolLM2-135M's exact shape on the built-in
 * DJL backend and this machine's CPU, three cycles, then the headline figures with their intervals.
 *
 * <pre>
 * ./mvnw -q -pl lem-examples -am package -DskipTests
 * java -cp "lem-examples/target/classes:lem-cli/target/lem-cli.jar" dev.lem.examples.QuickStart
 * </pre>
 */
public final class QuickStart {
    private QuickStart() {
    }

    /**
     * Runs the quick-start experiment and prints its summary.
     *
     * @param args not used
     */
    public static void main(String[] args) {
        ExperimentResult r = Experiment.builder()
                .model(args.length > 0 ? args[0] : "synthetic:SmolLM2-135M")
                .backend("djl")
                .prompts(Prompts.builtIn().limit(8))
                .maxOutputTokens(32)
                .batchSize(8)
                .cycles(3)
                .warmupRuns(1)
                .measure();                          // progress is logged through SLF4J (slf4j-simple here)
        System.out.println("Experiment " + r.id());
        for (Metric m : List.of(Metric.OUTPUT_TOKENS_PER_S, Metric.TTFT_MEAN_MS, Metric.TPOT_MEAN_MS,
                Metric.ENERGY_PER_OUTPUT_TOKEN_J, Metric.AVERAGE_POWER_W)) {
            System.out.printf(Locale.ROOT, "%-28s %s%n", m.key(), r.summary().find(m).map(Object::toString)
                    .orElseGet(() -> "not available (" + r.summary().whyUnavailable(m).orElse("") + ")"));
        }
    }
}
