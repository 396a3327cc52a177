package dev.lem.workload;

import dev.lem.config.ConfigException;
import dev.lem.config.ConfigResolver;
import dev.lem.config.ExperimentConfig;
import dev.lem.config.ValueSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The points of a {@code traffic.sweep}: one configuration per listed value, with
 * {@code traffic.concurrency} (closed loop) or {@code traffic.rate} (open loop) set to it and the sweep
 * cleared, each to be run as its own experiment (a latency–throughput curve).
 */
public final class TrafficSweep {
    private TrafficSweep() {
    }

    /**
     * One sweep point.
     *
     * @param label  e.g. {@code concurrency=8} or {@code rate=2.5}
     * @param value  the swept value
     * @param config the configuration to run
     */
    public record Point(String label, double value, ExperimentConfig config) {
    }

    /** Whether the configuration asks for a sweep. */
    public static boolean isSweep(ExperimentConfig config) {
        return !config.traffic().sweep().isEmpty();
    }

    /**
     * The sweep's points in the listed order; a single point holding the configuration itself when there
     * is no sweep.
     *
     * @throws ConfigException when a closed-loop value is not a whole number >= 1 or an open-loop rate is not
     *                         positive
     */
    public static List<Point> points(ExperimentConfig config) {
        List<Double> values = config.traffic().sweep();
        String p = config.traffic().pattern().toLowerCase(Locale.ROOT);
        boolean closed = p.equals("closed") || p.equals("auto") || p.equals("batch");
        if (values.isEmpty()) {
            return List.of(new Point(closed ? "concurrency=" + config.traffic().concurrency()
                    : "rate=" + config.traffic().rate().map(TrafficSweep::fmt).orElse("?"),
                    closed ? config.traffic().concurrency() : config.traffic().rate().orElse(Double.NaN), config));
        }
        List<Point> out = new ArrayList<>();
        for (double v : values) {
            ConfigResolver r = ConfigResolver.from(config).set("traffic.sweep", List.of(), ValueSource.OVERRIDE);
            if (closed) {
                if (v < 1 || v != Math.rint(v)) {
                    throw new ConfigException("traffic.sweep", fmt(v) + " is not a concurrency: closed-loop sweeps list "
                            + "whole numbers >= 1 (or set traffic.pattern to poisson, gamma or constant to sweep rates)");
                }
                r.set("traffic.concurrency", (int) v, ValueSource.OVERRIDE);
                out.add(new Point("concurrency=" + (int) v, v, r.resolve()));
            } else {
                if (!(v > 0)) {
                    throw new ConfigException("traffic.sweep", fmt(v) + " is not a rate: open-loop sweeps list "
                            + "requests per second > 0");
                }
                r.set("traffic.rate", v, ValueSource.OVERRIDE);
                out.add(new Point("rate=" + fmt(v), v, r.resolve()));
            }
        }
        return out;
    }

    private static String fmt(double v) {
        return v == Math.rint(v) ? String.valueOf((long) v) : String.valueOf(v);
    }
}
