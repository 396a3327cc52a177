package dev.lem.junit.internal;

import dev.lem.energy.DomainEnergy;
import dev.lem.energy.MeasurementMethod;
import dev.lem.stats.CiMethod;
import dev.lem.stats.CrossCycleStatistics;
import dev.lem.stats.Estimate;
import dev.lem.stats.IntervalSettings;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Judges invocations against a budget. Pure: the extension hands it the windows and acts on the verdict.
 *
 * <p>Order of the checks, so that a test is judged only on a figure that means what the budget says: a domain kind
 * asked for that nothing measures here aborts; a figure within the meter's resolution fails (the test is too short
 * for the meter); an estimated figure aborts unless allowed; a budget per unit with no unit counted fails; then the
 * figure (one invocation) or the upper bound of the interval (a repeated test) is compared with the budget.
 */
public final class BudgetJudge {
    /** Seed of bootstrap intervals (a repeated test of 100 or more repetitions): the same values, the same interval. */
    static final long SEED = 42;

    private BudgetJudge() {
    }

    /** What to do with the test. */
    public sealed interface Verdict {
        /** A one-line account: the figure, the budget, the verdict. */
        String message();
    }

    /** Within budget. */
    public record Pass(String message) implements Verdict {
    }

    /** Over budget, or not judgeable for a reason the test can fix: the test fails with the message. */
    public record Fail(String message) implements Verdict {
    }

    /** Not judgeable here (no such domain, an estimate refused): the test is aborted with the message. */
    public record Abort(String message) implements Verdict {
    }

    /**
     * Judges.
     *
     * @param budget      the budget
     * @param invocations one invocation, or every repetition of a repeated test that passed
     * @param repeated    true for a repeated test judged over its repetitions
     * @param notMeasured why meters that could not run did not (appended to an abort for a missing domain kind)
     */
    public static Verdict judge(Budget budget, List<Invocation> invocations, boolean repeated, String notMeasured) {
        if (invocations.isEmpty()) {
            return new Abort("no repetition passed, so there is no energy figure to judge against the budget of "
                    + budget.describe());
        }
        List<List<DomainEnergy>> selected = new ArrayList<>();
        for (Invocation inv : invocations) {
            List<DomainEnergy> s = inv.energy().domains().stream()
                    .filter(d -> budget.kinds().isEmpty() || budget.kinds().contains(d.domain().kind())).toList();
            Set<String> present = new LinkedHashSet<>();
            s.forEach(d -> present.add(d.domain().kind()));
            List<String> missing = budget.kinds().stream().filter(k -> !present.contains(k)).sorted().toList();
            if (s.isEmpty() || !missing.isEmpty()) {
                return new Abort("no " + (missing.isEmpty() ? "energy domain" : String.join(", ", missing)
                        + " energy domain") + " is measured here, so the budget of " + budget.describe() + " ("
                        + budget.kindsText() + ") cannot be checked" + (notMeasured.isEmpty() ? "" : " (" + notMeasured
                        + ")"));
            }
            for (DomainEnergy d : s) {
                String why = inv.refused().get(d.domain().id());
                if (why != null) {
                    return new Fail("cannot check the budget of " + budget.describe() + ": " + why);
                }
            }
            List<String> estimated = s.stream().filter(d -> d.domain().method() == MeasurementMethod.ESTIMATED)
                    .map(d -> d.domain().id() + " (" + d.domain().meter() + ")").toList();
            if (!estimated.isEmpty() && !budget.allowEstimated()) {
                return new Abort("the energy of " + String.join(", ", estimated) + " is estimated, not measured, and "
                        + "the budget of " + budget.describe() + " refuses estimates (allowEstimated = false)");
            }
            if (!budget.perInvocation() && !(inv.units() > 0)) {
                return new Fail("the budget is per " + budget.per() + ", but the test counted no " + budget.per()
                        + ": declare an EnergyUnits parameter and call add(n) with the " + budget.per() + "s it made");
            }
            selected.add(s);
        }
        double[] joules = selected.stream().mapToDouble(s -> s.stream().mapToDouble(DomainEnergy::joules).sum()).toArray();
        double[] units = invocations.stream().mapToDouble(i -> budget.perInvocation() ? 1 : i.units()).toArray();
        List<DomainEnergy> last = selected.get(selected.size() - 1);
        String basis = Fmt.basis(last);
        if (!repeated) {
            double value = joules[0] / units[0];
            String figure = Fmt.num(value) + " J per " + budget.per() + " (" + (budget.perInvocation() ? ""
                    : Fmt.num(joules[0]) + " J over " + Fmt.num(units[0]) + " " + budget.per() + "s: ")
                    + Fmt.terms(last) + ", over " + Fmt.num(invocations.get(0).energy().durationSeconds()) + " s)";
            return value > budget.joules()
                    ? new Fail("energy budget exceeded: " + figure + " > budget " + budget.describe())
                    : new Pass("within the energy budget: " + figure + " <= budget " + budget.describe());
        }
        IntervalSettings settings = new IntervalSettings(budget.confidence(), 10_000, CiMethod.AUTO);
        Estimate e = budget.perInvocation() ? CrossCycleStatistics.mean(joules, settings, SEED)
                : CrossCycleStatistics.ratioOfSums(joules, units, settings, SEED);
        double upper = e.ciHigh().orElse(e.mean());
        String interval = e.interval().map(i -> String.format(Locale.ROOT, "%s CI [%s, %s] J (%s)", budget.level(),
                Fmt.num(i.low()), Fmt.num(i.high()), i.method())).orElse("no interval (" + (e.n() < 2 ? "one repetition"
                : "every repetition the same") + ")");
        String figure = "mean " + Fmt.num(e.mean()) + " J per " + budget.per() + ", " + interval + " over " + e.n()
                + " repetition" + (e.n() == 1 ? "" : "s") + ", " + basis;
        return upper > budget.joules()
                ? new Fail("energy budget exceeded: the upper bound of the " + budget.level() + " interval, "
                        + Fmt.num(upper) + " J per " + budget.per() + ", is above the budget of " + budget.describe()
                        + " (" + figure + ")")
                : new Pass("within the energy budget: the upper bound of the " + budget.level() + " interval, "
                        + Fmt.num(upper) + " J per " + budget.per() + ", <= budget " + budget.describe() + " (" + figure
                        + ")");
    }
}
