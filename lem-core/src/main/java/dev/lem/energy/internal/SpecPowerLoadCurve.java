package dev.lem.energy.internal;

/**
 * How a server's power rises with its load, from published SPECpower_ssj2008 results: the share of the dynamic power
 * (full-load power minus active-idle power) drawn at each load level, as the median over 619 results (single-node
 * servers with hardware available 2004–2022, Intel and AMD).
 *
 * <pre>
 *   load    0%    10%    20%    30%    40%    50%    60%    70%    80%    90%   100%
 *   share   0    0.156  0.233  0.312  0.386  0.473  0.552  0.653  0.773  0.896  1
 * </pre>
 *
 * Per result, share(u) = (P(u) − P(active idle)) ÷ (P(100%) − P(active idle)) from its average wall power at each
 * target load; the median is taken per level. The curve is non-linear: a step at the first load level (a package
 * leaving its deep idle states draws power before it does much work) and a steeper rise near full load (higher
 * clocks and voltages). Between levels it is interpolated linearly.
 *
 * <p>Source: the results as compiled by Green Coding's {@code spec-power-model} (github.com/green-coding-solutions/
 * spec-power-model, {@code data/spec_data_cleaned_unmelted.csv} at commit {@code 9739f29}), which scraped them from
 * spec.org. LEM ships none of that data, only these eleven derived figures;
 * {@code tools/SpecPowerLoadCurve.java} recomputes them from the file. Each era's median (hardware of 2004–11,
 * 2012–15, 2016–19, 2020–22) stays within 0.09 of it at every level (2012–15 servers rise most slowly: 0.131 at 10 %,
 * 0.387 at 50 %), and none of the era curves estimated the RAPL sweeps of {@code CpuEstimateAccuracyTest} better than
 * the median of all results (docs/energy.md gives the figures).
 *
 * <p>SPECpower measures wall power, so the idle and full-load levels come from elsewhere ({@link CpuPowerModel}); only
 * the curve's shape is used, applied to the cores' activity.
 */
final class SpecPowerLoadCurve {
    /** The dynamic-power share at 0, 10, …, 100 % load. */
    static final double[] SHARE_AT_TENTHS = {0, 0.156, 0.233, 0.312, 0.386, 0.473, 0.552, 0.653, 0.773, 0.896, 1};

    private SpecPowerLoadCurve() {
    }

    /**
     * The share of the dynamic power drawn at a load.
     *
     * @param load the load, 0..1 (clamped)
     * @return the share, 0..1, rising with the load
     */
    static double share(double load) {
        double x = Math.max(0, Math.min(1, load)) * 10;
        int i = Math.min(9, (int) Math.floor(x));
        double t = x - i;
        return SHARE_AT_TENTHS[i] + (SHARE_AT_TENTHS[i + 1] - SHARE_AT_TENTHS[i]) * t;
    }
}
