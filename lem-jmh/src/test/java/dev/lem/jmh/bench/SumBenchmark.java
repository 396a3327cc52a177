package dev.lem.jmh.bench;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * A benchmark for the profiler's tests: a few microseconds of arithmetic per operation, the same every time.
 * Modes, times, threads and forks are set by each test through the Runner API.
 */
@State(Scope.Thread)
public class SumBenchmark {
    private final double[] data = new double[4096];

    @Setup
    public void setUp() {
        for (int i = 0; i < data.length; i++) {
            data[i] = Math.sqrt(i);
        }
    }

    @Benchmark
    public double sum() {
        double s = 0;
        for (double d : data) {
            s += d * 1.000001;
        }
        return s;
    }
}
