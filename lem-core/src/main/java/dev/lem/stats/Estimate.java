package dev.lem.stats;

import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * A statistic across cycles with its uncertainty: what every metric in a result's summary is. All
 * figures are in {@link #unit()} except {@code cv} (a fraction) and {@code level}. Prints as one readable
 * line, e.g. {@code 0.01234 J/token, 95% CI [0.01180, 0.01290] (t_delta), n=5, estimated: cpu, ram}.
 *
 * @param n             number of cycles (observations)
 * @param mean          the point estimate (the mean; for ratio metrics the ratio of sums)
 * @param std           sample standard deviation (n − 1) of the per-cycle values (for ratio metrics, of
 *                      the per-cycle ratios), absent when n &lt; 2
 * @param cv            coefficient of variation std / |mean| (a fraction), absent when n &lt; 2 or the mean is 0
 * @param interval      the confidence interval, absent when none can be given (one cycle)
 * @param level         confidence level of the interval, e.g. 0.95
 * @param note          why an interval is missing, degenerate or from a fallback method (empty otherwise)
 * @param outlierCycles 0-based positions, in cycle order, of the cycles flagged as outliers by
 *                      {@link Outliers#flag} — flagged only, still included in every figure
 * @param unit          the unit of the figure (empty when the estimate is not about a named metric)
 * @param basis         how the underlying figures were obtained: {@code measured}, {@code integrated},
 *                      {@code estimated}, {@code counted}, or a mix such as {@code "measured: gpu; estimated:
 *                      cpu, ram"} (empty when not known)
 */
public record Estimate(int n, double mean, Optional<Double> std, Optional<Double> cv, Optional<Interval> interval,
        double level, String note, List<Integer> outlierCycles, String unit, String basis) {

    /**
     * Checks that the {@code Optional} and note components are set; a {@code null} outlier list, unit or basis
     * becomes empty.
     *
     * @param n number of cycles (observations)
     * @param mean the point estimate
     * @param std sample standard deviation of the per-cycle values, absent when n &lt; 2
     * @param cv coefficient of variation (a fraction), absent when n &lt; 2 or the mean is 0
     * @param interval the confidence interval, absent when none can be given
     * @param level confidence level of the interval, e.g. 0.95
     * @param note why an interval is missing, degenerate or from a fallback method (empty otherwise)
     * @param outlierCycles 0-based positions of the cycles flagged as outliers
     * @param unit the unit of the figure
     * @param basis how the underlying figures were obtained
     */
    public Estimate {
        Objects.requireNonNull(std, "std");
        Objects.requireNonNull(cv, "cv");
        Objects.requireNonNull(interval, "interval");
        Objects.requireNonNull(note, "note");
        outlierCycles = outlierCycles == null ? List.of() : List.copyOf(outlierCycles);
        unit = unit == null ? "" : unit;
        basis = basis == null ? "" : basis;
    }

    /**
     * An estimate without unit and basis.
     *
     * @param n number of cycles (observations)
     * @param mean the point estimate
     * @param std sample standard deviation of the per-cycle values, absent when n &lt; 2
     * @param cv coefficient of variation (a fraction), absent when n &lt; 2 or the mean is 0
     * @param interval the confidence interval, absent when none can be given
     * @param level confidence level of the interval, e.g. 0.95
     * @param note why an interval is missing, degenerate or from a fallback method (empty otherwise)
     * @param outlierCycles 0-based positions of the cycles flagged as outliers
     */
    public Estimate(int n, double mean, Optional<Double> std, Optional<Double> cv, Optional<Interval> interval,
            double level, String note, List<Integer> outlierCycles) {
        this(n, mean, std, cv, interval, level, note, outlierCycles, "", "");
    }

    /**
     * The same estimate labelled with the unit and basis of the metric it is of.
     *
     * @param unit the unit of the metric
     * @param basis how the metric's figures were obtained
     * @return the labelled copy
     */
    public Estimate describedAs(String unit, String basis) {
        return new Estimate(n, mean, std, cv, interval, level, note, outlierCycles, unit, basis);
    }

    /** {@return the lower bound of the interval, when there is one} */
    public Optional<Double> ciLow() {
        return interval.map(Interval::low);
    }

    /** {@return the upper bound of the interval, when there is one} */
    public Optional<Double> ciHigh() {
        return interval.map(Interval::high);
    }

    /**
     * How the interval was computed: {@code t}, {@code t_delta}, {@code bootstrap_percentile},
     * {@code bootstrap_bca}, or {@code none} (no interval, or a zero-width one when every cycle gave the same value).
     *
     * @return the method's name
     */
    public String method() {
        return interval.map(Interval::method).orElse("none");
    }

    /** {@return half the interval's width, when there is one} */
    public Optional<Double> halfWidth() {
        return interval.map(Interval::halfWidth);
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder(fmt(mean));
        if (!unit.isEmpty()) {
            s.append(' ').append(unit);
        }
        interval.ifPresentOrElse(
                i -> s.append(String.format(Locale.ROOT, ", %s%% CI [%s, %s] (%s)", fmt(level * 100), fmt(i.low()),
                        fmt(i.high()), i.method())),
                () -> s.append(", no interval"));
        s.append(", n=").append(n);
        if (!basis.isEmpty()) {
            s.append(", ").append(basis);
        }
        if (!note.isEmpty() && interval.isEmpty()) {
            s.append(" (").append(note).append(')');
        }
        return s.toString();
    }

    /** Four significant figures, without exponent for ordinary magnitudes. */
    static String fmt(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e6) {
            return String.valueOf((long) v);
        }
        double a = Math.abs(v);
        if (a >= 1e-3 && a < 1e7) {
            return new java.math.BigDecimal(v).round(new java.math.MathContext(4)).stripTrailingZeros()
                    .toPlainString();
        }
        return String.format(Locale.ROOT, "%.3e", v);
    }
}
