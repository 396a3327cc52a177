package dev.lem.junit.internal;

import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * An energy budget, checked where it is declared.
 *
 * @param joules         J per {@code per}
 * @param per            {@code invocation} or a unit the test counts
 * @param kinds          domain kinds covered ({@code cpu}, {@code gpu}, ...); empty: every domain
 * @param confidence     level of a repeated test's interval
 * @param allowEstimated whether an estimated figure may be judged
 */
public record Budget(double joules, String per, Set<String> kinds, double confidence, boolean allowEstimated) {
    /** The default {@code per}. */
    public static final String INVOCATION = "invocation";

    public Budget {
        Objects.requireNonNull(per, "per");
        kinds = Set.copyOf(kinds);
        if (!(joules > 0) || Double.isInfinite(joules)) {
            throw new IllegalArgumentException("@EnergyBudget joules (" + joules + ") must be a positive number");
        }
        if (per.isBlank()) {
            throw new IllegalArgumentException("@EnergyBudget per (\"" + per + "\") must name a unit, e.g. \"invocation\" "
                    + "or \"token\"");
        }
        if (!(confidence > 0 && confidence < 1)) {
            throw new IllegalArgumentException("@EnergyBudget confidence (" + confidence + ") must be between 0 and 1, "
                    + "e.g. 0.95");
        }
    }

    /** Whether the budget is per invocation (no units counted). */
    public boolean perInvocation() {
        return per.equals(INVOCATION);
    }

    /** e.g. {@code 2.5 J per invocation}. */
    public String describe() {
        return Fmt.num(joules) + " J per " + per;
    }

    /** e.g. {@code cpu, gpu} or {@code every domain}. */
    public String kindsText() {
        return kinds.isEmpty() ? "every domain" : String.join(", ", kinds.stream().sorted().toList());
    }

    /** The percentage of the confidence level, e.g. {@code 95%}. */
    public String level() {
        return Fmt.num(confidence * 100) + "%";
    }

    @Override
    public String toString() {
        return describe() + " (" + kindsText() + String.format(Locale.ROOT, ", %s", allowEstimated ? "estimates allowed"
                : "estimates refused") + ")";
    }
}
