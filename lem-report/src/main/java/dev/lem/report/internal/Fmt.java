package dev.lem.report.internal;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.Locale;

/** Number formatting shared by tables, tooltips and axes. Locale-independent (a dot for decimals). */
public final class Fmt {
    private Fmt() {
    }

    /**
     * Four significant figures, plain notation for magnitudes between 10⁻³ and 10⁷ (so {@code 0.01234},
     * {@code 1234}, {@code 12.5}), else {@code 1.234e+09}. Integers below 10⁶ print as integers.
     */
    public static String sig(double v) {
        return sig(v, 4);
    }

    /** {@code digits} significant figures, formatted as {@link #sig(double)} does. */
    public static String sig(double v, int digits) {
        if (!Double.isFinite(v)) {
            return String.valueOf(v);
        }
        if (v == 0) {
            return "0";
        }
        double a = Math.abs(v);
        if (v == Math.rint(v) && a < 1e6) {
            return Long.toString((long) v);
        }
        if (a >= 1e-3 && a < 1e7) {
            return new BigDecimal(v).round(new MathContext(digits)).stripTrailingZeros().toPlainString();
        }
        return String.format(Locale.ROOT, "%." + (digits - 1) + "e", v);
    }

    /** A fraction as a percentage with one decimal: 0.1234 → {@code 12.3%}. */
    public static String pct(double fraction) {
        return String.format(Locale.ROOT, "%.1f%%", fraction * 100);
    }

    /** A byte count in MB (10⁶) with one decimal. */
    public static String megabytes(long bytes) {
        return String.format(Locale.ROOT, "%.1f MB", bytes / 1e6);
    }
}
