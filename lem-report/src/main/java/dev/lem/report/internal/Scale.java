package dev.lem.report.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Maps values to positions along one axis, linearly or logarithmically, and chooses "nice" ticks (1, 2, 2.5, 5
 * times a power of ten; on a log axis the powers of ten, with 2 and 5 between them when the range is short).
 * Immutable.
 */
public final class Scale {
    /** How values map to positions. */
    public enum Kind { LINEAR, LOG }

    private final Kind kind;
    private final double min;
    private final double max;
    private final double from;
    private final double to;

    /**
     * @param kind linear or log
     * @param min  the value at {@code from}
     * @param max  the value at {@code to}; greater than {@code min}
     * @param from position of {@code min}
     * @param to   position of {@code max} (smaller than {@code from} for a y axis, which grows downwards)
     */
    public Scale(Kind kind, double min, double max, double from, double to) {
        if (!(max > min) || !Double.isFinite(min) || !Double.isFinite(max)) {
            throw new IllegalArgumentException("scale needs finite min < max, got " + min + ", " + max);
        }
        if (kind == Kind.LOG && min <= 0) {
            throw new IllegalArgumentException("a log scale needs min > 0, got " + min);
        }
        this.kind = kind;
        this.min = min;
        this.max = max;
        this.from = from;
        this.to = to;
    }

    /**
     * A scale that shows every value in {@code [lo, hi]} with a margin of 5% of the range on each side (linear) or
     * snapped to whole decades when that adds little (log). A zero range becomes ±10% around the value (or 0..1).
     *
     * @param includeZero start a linear scale of positive values at 0 (bars, power) instead of near the data
     */
    public static Scale fit(Kind kind, double lo, double hi, double from, double to, boolean includeZero) {
        if (!Double.isFinite(lo) || !Double.isFinite(hi)) {
            lo = 0;
            hi = 1;
        }
        if (kind == Kind.LOG) {
            if (lo <= 0) {
                throw new IllegalArgumentException("a log scale needs positive values, got " + lo);
            }
            if (hi <= lo) {
                return new Scale(kind, lo / 2, hi * 2, from, to);
            }
            double a = Math.log10(lo);
            double b = Math.log10(hi);
            double pad = (b - a) * 0.05;
            return new Scale(kind, Math.pow(10, a - pad), Math.pow(10, b + pad), from, to);
        }
        if (includeZero) {
            lo = Math.min(lo, 0);
            hi = Math.max(hi, 0);
        }
        if (hi <= lo) {
            double d = lo == 0 ? 1 : Math.abs(lo) * 0.1;
            return new Scale(kind, lo - d, hi + d, from, to);
        }
        double pad = (hi - lo) * 0.05;
        double a = includeZero && lo >= 0 ? 0 : lo - pad;
        double b = includeZero && hi <= 0 ? 0 : hi + pad;
        return new Scale(kind, a, b, from, to);
    }

    public Kind kind() {
        return kind;
    }

    public double min() {
        return min;
    }

    public double max() {
        return max;
    }

    public double from() {
        return from;
    }

    public double to() {
        return to;
    }

    /** The position of {@code v} (values outside the domain map outside [from, to]). */
    public double pos(double v) {
        double f = kind == Kind.LOG ? (Math.log(v) - Math.log(min)) / (Math.log(max) - Math.log(min))
                : (v - min) / (max - min);
        return from + f * (to - from);
    }

    /** Whether {@code v} can be placed on this scale (finite; positive on a log scale). */
    public boolean accepts(double v) {
        return Double.isFinite(v) && (kind == Kind.LINEAR || v > 0);
    }

    /** The position of {@code v}, clamped to the axis (for interval ends reaching past it). */
    public double clampedPos(double v) {
        if (!accepts(v)) {
            return kind == Kind.LOG && v <= 0 ? from : pos(min);
        }
        double p = pos(Math.max(min, Math.min(max, v)));
        return p;
    }

    /** About {@code target} ticks inside the domain. */
    public List<Double> ticks(int target) {
        List<Double> t = new ArrayList<>();
        if (kind == Kind.LOG) {
            int a = (int) Math.floor(Math.log10(min));
            int b = (int) Math.ceil(Math.log10(max));
            double[] mult = b - a <= 2 ? new double[] {1, 2, 5} : new double[] {1};
            int stride = Math.max(1, (int) Math.ceil((b - a) / (double) Math.max(2, target)));
            for (int e = a; e <= b; e++) {
                if (mult.length == 1 && Math.floorMod(e - a, stride) != 0) {
                    continue;
                }
                for (double m : mult) {
                    double v = m * Math.pow(10, e);
                    if (v >= min * (1 - 1e-9) && v <= max * (1 + 1e-9)) {
                        t.add(v);
                    }
                }
            }
            if (t.size() < 2) {
                // less than a decade between ticks: fall back to linear ticks, which stay readable
                return new Scale(Kind.LINEAR, min, max, from, to).ticks(target);
            }
            return t;
        }
        double step = step((max - min) / Math.max(1, target));
        List<Double> best = linearTicks(step);
        // a narrow range can leave one tick: take smaller nice steps until there are at least three
        for (int i = 0; i < 4 && best.size() < 3; i++) {
            step = smaller(step);
            best = linearTicks(step);
        }
        return best;
    }

    private List<Double> linearTicks(double step) {
        List<Double> t = new ArrayList<>();
        double start = Math.ceil(min / step - 1e-9) * step;
        for (int i = 0; i < 1000; i++) {
            double v = start + i * step;
            if (v > max + step * 1e-9) {
                break;
            }
            t.add(Math.abs(v) < step * 1e-9 ? 0 : v);
        }
        return t;
    }

    /** The next nice step below {@code step}: 10 → 5 → 2.5 → 2 → 1 (times a power of ten). */
    static double smaller(double step) {
        double p = Math.pow(10, Math.floor(Math.log10(step) + 1e-9));
        double f = step / p;
        double next = f > 5 + 1e-9 ? 5 : f > 2.5 + 1e-9 ? 2.5 : f > 2 + 1e-9 ? 2 : f > 1 + 1e-9 ? 1 : 0.5;
        return next * p;
    }

    /** The tick labels of {@link #ticks(int)}, formatted alike (same number of decimals). */
    public List<String> labels(List<Double> ticks) {
        List<String> out = new ArrayList<>();
        if (ticks.isEmpty()) {
            return out;
        }
        double big = ticks.stream().mapToDouble(Math::abs).max().orElse(0);
        if (kind == Kind.LOG || big >= 1e6 || (big < 1e-3 && big > 0)) {
            ticks.forEach(v -> out.add(Fmt.sig(v, 3)));
            return out;
        }
        double step = ticks.size() > 1 ? Math.abs(ticks.get(1) - ticks.get(0)) : Math.abs(ticks.get(0));
        int decimals = step == 0 ? 0 : Math.max(0, (int) Math.ceil(-Math.log10(step) - 1e-9));
        // a step of 2.5 × 10^k needs one more decimal than 10^k
        if (step > 0 && step < 10 && Math.abs(step / Math.pow(10, Math.floor(Math.log10(step))) - 2.5) < 1e-6) {
            decimals++;
        }
        for (double v : ticks) {
            out.add(String.format(Locale.ROOT, "%." + decimals + "f", v));
        }
        return out;
    }

    /** A "nice" step at or above {@code raw}: 1, 2, 2.5 or 5 times a power of ten. */
    static double step(double raw) {
        if (!(raw > 0)) {
            return 1;
        }
        double p = Math.pow(10, Math.floor(Math.log10(raw)));
        double f = raw / p;
        double nice = f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 5 ? 5 : 10;
        return nice * p;
    }
}
