package dev.lem.energy;

/**
 * What the energy sampler thread has done and cost since the monitor started.
 *
 * @param intervalNanos   the sampler interval, ns
 * @param ticks           sampler runs so far
 * @param busyNanos       time the sampler spent in its runs, ns: CPU time of the sampler thread when the
 *                        JVM measures thread CPU time ({@code cpuTime} true), else wall time
 * @param cpuTime         true when {@code busyNanos} is thread CPU time
 * @param maxTickNanos    the longest single run, wall time, ns
 * @param lateTicks       runs that came later than a meter's maximum poll interval (a wrap may have been missed)
 */
public record SamplerStats(long intervalNanos, long ticks, long busyNanos, boolean cpuTime, long maxTickNanos,
        long lateTicks) {

    /** {@return the mean cost of one run, ns (0 before the first)} */
    public double meanTickNanos() {
        return ticks == 0 ? 0 : (double) busyNanos / ticks;
    }

    /** {@return the sampler's steady cost as a share of one core: mean run cost ÷ interval (0.001 = 0.1%)} */
    public double shareOfOneCore() {
        return meanTickNanos() / intervalNanos;
    }
}
