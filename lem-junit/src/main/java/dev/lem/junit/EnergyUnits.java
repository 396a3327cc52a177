package dev.lem.junit;

import java.util.concurrent.atomic.DoubleAdder;

/**
 * What a test produced, for an {@link EnergyBudget} set per unit ({@code per = "token"}): declare a parameter of this
 * type and add the units as the test makes them; the budget then applies to energy ÷ units. Thread-safe: work the
 * test spreads over threads may add from each.
 *
 * <pre>{@code
 * @Test
 * @EnergyBudget(joules = 0.05, per = "token")
 * void decodesWithinBudget(EnergyUnits tokens) {
 *     tokens.add(model.generate(prompt, 32).outputTokens());
 * }
 * }</pre>
 */
public final class EnergyUnits {
    private final String unit;
    private final DoubleAdder count = new DoubleAdder();

    EnergyUnits(String unit) {
        this.unit = unit;
    }

    /**
     * Adds {@code n} units.
     *
     * @param n how many units (tokens, requests, ...) the test produced
     * @throws IllegalArgumentException when {@code n} is negative, NaN or infinite
     */
    public void add(double n) {
        if (!(n >= 0) || Double.isInfinite(n)) {
            throw new IllegalArgumentException("units (" + n + ") must be a finite number >= 0");
        }
        count.add(n);
    }

    /** {@return the units added so far} */
    public double count() {
        return count.sum();
    }

    /**
     * {@return the unit's name: the budget's {@code per} ({@code token}), else {@code @MeasureEnergy(per = ...)}, else
     * {@code unit}}
     */
    public String unit() {
        return unit;
    }

    @Override
    public String toString() {
        return count() + " " + unit;
    }
}
