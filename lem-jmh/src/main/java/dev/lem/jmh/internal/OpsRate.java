package dev.lem.jmh.internal;

import java.util.Collection;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;

/**
 * The rate at which an iteration ran operations, over all its threads, from JMH's own per-thread primary
 * results, in operations per second: the figure that turns average power (W) into energy per operation (J/op).
 *
 * <ul>
 *   <li>throughput: each thread's score is ops per output time unit; the rate is their sum;</li>
 *   <li>average time, sample time, single shot: each thread's score is time per op (the mean of the samples in
 *       sample mode; the shot's time ÷ batch size in single-shot mode); a thread runs 1 / score ops per unit of
 *       time, and threads run side by side, so the rate is Σ 1 / score.</li>
 * </ul>
 * {@code @OperationsPerInvocation} and batch sizes are already in JMH's scores, so "op" means what JMH's score
 * means.
 */
public final class OpsRate {
    private OpsRate() {
    }

    /**
     * Operations per second over the iteration's threads; NaN when a thread's score is not a positive finite
     * number (no operation completed, or no sample was taken).
     */
    public static double opsPerSecond(BenchmarkParams params, IterationResult result) {
        return opsPerSecond(params.getMode(), params.getTimeUnit(), scores(result.getRawPrimaryResults()));
    }

    /** As above, from the scores of each thread, in the benchmark's output time unit. */
    public static double opsPerSecond(org.openjdk.jmh.annotations.Mode mode, TimeUnit unit, double[] threadScores) {
        double secondsPerUnit = unit.toNanos(1) / 1e9;
        if (threadScores.length == 0) {
            return Double.NaN;
        }
        double rate = 0;
        for (double s : threadScores) {
            if (!(s > 0) || Double.isInfinite(s)) {
                return Double.NaN;
            }
            rate += switch (mode) {
                case Throughput -> s / secondsPerUnit;
                case AverageTime, SampleTime, SingleShotTime -> 1 / (s * secondsPerUnit);
                default -> throw new IllegalArgumentException("mode " + mode + " is not a single measurement mode");
            };
        }
        return rate;
    }

    private static double[] scores(Collection<? extends Result> raw) {
        return raw.stream().mapToDouble(Result::getScore).toArray();
    }
}
