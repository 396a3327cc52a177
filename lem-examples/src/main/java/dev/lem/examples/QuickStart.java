package dev.lem.examples;

import dev.lem.Experiment;
import dev.lem.ExperimentResult;
import dev.lem.Metric;
import dev.lem.MetricSummary;
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
                .onProgress(m -> System.err.println("lem: " + m))
                .measure();
        System.out.println("Experiment " + r.id());
        for (Metric m : List.of(Metric.OUTPUT_TOKENS_PER_S, Metric.TTFT_MEAN_MS, Metric.TPOT_MEAN_MS,
                Metric.ENERGY_PER_OUTPUT_TOKEN_J, Metric.AVERAGE_POWER_W)) {
            r.summary().find(m).ifPresentOrElse(s -> System.out.println(line(s)),
                    () -> System.out.println(m.key() + ": not available (" + r.summary().unavailable().get(m.key()) + ")"));
        }
    }

    static String line(MetricSummary s) {
        var e = s.estimate();
        String ci = e.ciLow().map(lo -> String.format(Locale.ROOT, " [%.4g, %.4g] %s %.0f%% CI", lo,
                e.ciHigh().orElseThrow(), e.method(), 100 * e.level())).orElse(" (" + e.note() + ")");
        return String.format(Locale.ROOT, "%-28s %.4g %s%s, %s", s.metric(), e.mean(), s.unit(), ci, s.basis());
    }
}
