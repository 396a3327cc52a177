package dev.lem.stats;

import java.util.Locale;

/**
 * How a confidence interval is computed; {@code stats.ci_method} names one of these or {@code auto}.
 *
 * <p>{@code auto} picks by the number of cycles n, following the coverage study in
 * {@code docs/statistics.md} (CoverageStudyTest): PLACEHOLDER.
 */
public enum CiMethod {
    /** Student t on the standard error (delta method for ratios, Welch for differences). */
    T("t"),
    /** Bootstrap percentile interval, resampling whole cycles. */
    PERCENTILE("percentile"),
    /** Bootstrap bias-corrected and accelerated interval (jackknife acceleration), resampling whole cycles. */
    BCA("bca");

    /** Below this many cycles {@code auto} uses {@link #T}, from it on {@link #BCA}. */
    public static final int AUTO_BCA_FROM_CYCLES = 20;

    private final String configName;

    CiMethod(String configName) {
        this.configName = configName;
    }

    /** The name in {@code stats.ci_method}. */
    public String configName() {
        return configName;
    }

    /** The method {@code auto} uses for n cycles (see the class comment). */
    public static CiMethod auto(int n) {
        return n < AUTO_BCA_FROM_CYCLES ? T : BCA;
    }

    /**
     * The method for a {@code stats.ci_method} value and n cycles.
     *
     * @throws IllegalArgumentException for a value that is not auto, t, percentile or bca
     */
    public static CiMethod resolve(String ciMethod, int n) {
        String v = ciMethod.trim().toLowerCase(Locale.ROOT);
        if (v.equals("auto")) {
            return auto(n);
        }
        for (CiMethod m : values()) {
            if (m.configName.equals(v)) {
                return m;
            }
        }
        throw new IllegalArgumentException("stats.ci_method (\"" + ciMethod + "\") must be auto, t, percentile or bca");
    }
}
