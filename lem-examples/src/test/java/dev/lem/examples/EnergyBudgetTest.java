package dev.lem.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lem.junit.EnergyBudget;
import dev.lem.junit.EnergyUnits;
import dev.lem.junit.MeasureEnergy;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

/**
 * How to guard an energy budget in a JUnit suite with lem-junit: the model is loaded once, unmeasured; each
 * repetition generates tokens and counts them, and the budget per token applies to the upper bound of the 95%
 * confidence interval over the repetitions — the bound, not the mean, so a noisy run cannot pass by luck. Here a tiny
 * synthetic Llama on the CPU with a generous budget; in a real project use your model, your prompts and your budget.
 *
 * <p>{@code allowEstimated = true}: on a machine without an energy counter (a VM, a laptop without RAPL access) the
 * CPU energy is an estimate (TDP × utilisation), and this example still guards it; a CI on metered hardware would
 * leave it false, so that a budget is only ever judged on measured joules. The energy of every test also lands in
 * the test report (report entries) and in {@code target/lem-results} ({@code lem results list}).
 */
@MeasureEnergy
class EnergyBudgetTest {
    /** Joules per output token this tiny model must stay under (generous: it uses far less). */
    static final double BUDGET_J_PER_TOKEN = 1.0;
    static final int TOKENS = 8;

    static LocalModel model;

    @BeforeAll
    static void load() {
        model = LocalModel.load("synthetic:tiny-llama", 1);
    }

    @AfterAll
    static void unload() {
        model.close();
    }

    @RepeatedTest(3)
    @EnergyBudget(joules = BUDGET_J_PER_TOKEN, per = "token", confidence = 0.95, allowEstimated = true)
    void tinyModelStaysWithinItsEnergyBudgetPerToken(EnergyUnits tokens) {
        for (String prompt : new String[] {"The capital of France is", "Energy is", "One two three", "Hello"}) {
            int generated = model.generate(prompt, TOKENS);
            assertThat(generated).isEqualTo(TOKENS);
            tokens.add(generated);
        }
    }

    @Test
    void onePromptIsMeasuredAndReported() {
        assertThat(model.generate("Measured, not budgeted", TOKENS)).isEqualTo(TOKENS);
    }
}
