package dev.lem.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lem.Experiment;
import dev.lem.result.ExperimentResult;
import dev.lem.Metric;
import dev.lem.stats.Estimate;
import dev.lem.workload.Prompts;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How to guard an energy budget in a JUnit suite: measure a model's energy per output token and fail
 * when the upper bound of its 95% confidence interval exceeds the budget — the bound, not the mean, so a
 * noisy run cannot pass by luck. Here a tiny synthetic Llama on the CPU with a generous budget; in a
 * real project use your model, your prompts and your budget.
 */
class EnergyBudgetTest {
    /** Joules per output token this tiny model must stay under (generous: it uses far less). */
    static final double BUDGET_J_PER_TOKEN = 1.0;

    @TempDir
    Path results;

    @Test
    void tinyModelStaysWithinItsEnergyBudgetPerToken() {
        ExperimentResult r = Experiment.builder()
                .model("synthetic:tiny-llama")
                .backend("djl")
                .option("threads", 1)
                .prompts(Prompts.builtIn().limit(4))
                .maxOutputTokens(8)
                .batchSize(4)
                .cycles(3)
                .warmupRuns(1)
                .idleBaseline(Duration.ZERO)
                .resultsDir(results)
                .measure();

        Optional<Estimate> perToken = r.summary().find(Metric.ENERGY_PER_OUTPUT_TOKEN_J);
        Assumptions.assumeTrue(perToken.isPresent(), () -> "no energy meter can run on this machine: "
                + r.summary().whyUnavailable(Metric.ENERGY_PER_OUTPUT_TOKEN_J).orElse(""));
        Estimate e = perToken.get();
        assertThat(e.n()).isEqualTo(3);
        assertThat(e.ciHigh()).as("a 95% interval over 3 cycles").isPresent();
        assertThat(e.ciHigh().get())
                .as("upper 95%% bound of energy per token (%s) against the budget", e.basis())
                .isLessThan(BUDGET_J_PER_TOKEN);
        assertThat(r.cycles()).allSatisfy(c -> assertThat(c.metrics().outputTokens()).isEqualTo(32));
    }
}
