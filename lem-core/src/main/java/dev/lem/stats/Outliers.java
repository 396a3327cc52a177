package dev.lem.stats;

import java.util.ArrayList;
import java.util.List;

/**
 * Flags outlying cycles by the median absolute deviation; flagged values are reported, never dropped.
 *
 * <p>Rule (Iglewicz &amp; Hoaglin's modified z-score): value xᵢ is flagged when
 * |xᵢ − median| &gt; {@value #THRESHOLD} · σ̂, with σ̂ = {@value #MAD_TO_SIGMA} · MAD (the consistent
 * estimate of σ for normal data; MAD = median |xⱼ − median|). When more than half the values are equal
 * the MAD is 0; then σ̂ = {@value #MEAN_AD_TO_SIGMA} · mean |xⱼ − median| (√(π/2), consistent for normal
 * data). When that is 0 too, every value equals the median and none is flagged. In a large normal
 * sample about 5·10⁻⁴ of the values are flagged (P(|Z| &gt; 3.5)); in small samples more, as the MAD is noisy.
 */
public final class Outliers {
    /** Flag values whose modified z-score exceeds this. */
    public static final double THRESHOLD = 3.5;
    /** MAD × this estimates σ of normal data (1 / Φ⁻¹(0.75)). */
    public static final double MAD_TO_SIGMA = 1.4826;
    /** Mean absolute deviation × this estimates σ of normal data (√(π/2)). */
    public static final double MEAN_AD_TO_SIGMA = 1.253314;

    private Outliers() {
    }

    /**
     * 0-based positions of the flagged values, ascending.
     *
     * @param values the values
     * @return the positions, ascending; empty when none is flagged
     * @throws IllegalArgumentException when there are no values or one is NaN or infinite
     */
    public static List<Integer> flag(double[] values) {
        CycleSample.of(values);
        double median = Percentiles.of(values, 0.5);
        double sigma = MAD_TO_SIGMA * mad(values, median);
        if (sigma == 0) {
            double sum = 0;
            for (double v : values) {
                sum += Math.abs(v - median);
            }
            sigma = MEAN_AD_TO_SIGMA * sum / values.length;
        }
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < values.length && sigma > 0; i++) {
            if (Math.abs(values[i] - median) > THRESHOLD * sigma) {
                out.add(i);
            }
        }
        return List.copyOf(out);
    }

    /** MAD: median |xᵢ − median| (unscaled). */
    static double mad(double[] values, double median) {
        double[] dev = new double[values.length];
        for (int i = 0; i < dev.length; i++) {
            dev[i] = Math.abs(values[i] - median);
        }
        return Percentiles.of(dev, 0.5);
    }
}
