package dev.lem.workload;

import dev.lem.config.ConfigException;
import dev.lem.config.ConfigResolver;
import dev.lem.config.ExperimentConfig;
import dev.lem.config.ValueSource;
import java.util.ArrayList;
import java.util.List;

/**
 * The points of a {@code traffic.sweep}: one configuration per listed value, each to be run as its own
 * experiment (a latency–throughput curve), with the swept key set to the value and the sweep cleared:
 * <ul>
 *   <li>served backends, closed loop: {@code traffic.concurrency};</li>
 *   <li>served backends, open loop ({@code poisson}, {@code gamma}, {@code constant}): {@code traffic.rate};</li>
 *   <li>in-process backends, which compute batches and ignore concurrency: {@code batching.batch_size}.</li>
 * </ul>
 */
public final class TrafficSweep {
    private TrafficSweep() {
    }

    /**
     * One sweep point.
     *
     * @param key    the key the sweep sets, e.g. {@code traffic.concurrency}
     * @param label  e.g. {@code concurrency=8}, {@code rate=2.5} or {@code batch_size=4}
     * @param value  the swept value
     * @param config the configuration to run
     */
    public record Point(String key, String label, double value, ExperimentConfig config) {
    }

    /**
     * Whether the configuration asks for a sweep.
     *
     * @param config the experiment's configuration
     * @return whether {@code traffic.sweep} lists values
     */
    public static boolean isSweep(ExperimentConfig config) {
        return !config.traffic().sweep().isEmpty();
    }

    /**
     * The sweep's points in the listed order; a single point holding the configuration itself when there
     * is no sweep.
     *
     * @param config the experiment's configuration
     * @param inProcess the backend runs the model in this JVM and computes batches
     * @return the points
     * @throws ConfigException when a value does not suit the swept key (a concurrency or batch size that is
     *                         not a whole number >= 1), or an in-process backend is asked to sweep a traffic
     *                         pattern it does not honour
     */
    public static List<Point> points(ExperimentConfig config, boolean inProcess) {
        List<Double> values = config.traffic().sweep();
        boolean batches = config.traffic().pattern().batches(inProcess);
        if (inProcess && !batches) {
            throw new ConfigException("traffic.sweep", "backend " + config.backend() + " runs the model in this process "
                    + "and computes batches, so traffic." + (config.traffic().pattern().isOpenLoop() ? "rate" : "concurrency")
                    + " has no effect on it; with traffic.pattern auto or batch the sweep runs one experiment per "
                    + "batch size (batching.batch_size)");
        }
        String key = batches ? "batching.batch_size" : config.traffic().pattern().isOpenLoop() ? "traffic.rate"
                : "traffic.concurrency";
        String shortName = key.equals("traffic.concurrency") ? "concurrency" : key.equals("traffic.rate") ? "rate"
                : "batch_size";
        if (values.isEmpty()) {
            double current = batches ? config.batching().batchSize() : key.equals("traffic.rate")
                    ? config.traffic().rate().orElse(Double.NaN) : config.traffic().concurrency();
            return List.of(new Point(key, shortName + "=" + fmt(current), current, config));
        }
        List<Point> out = new ArrayList<>();
        for (double v : values) {
            ConfigResolver r = ConfigResolver.from(config).set("traffic.sweep", List.of(), ValueSource.OVERRIDE);
            if (!key.equals("traffic.rate")) {
                if (v < 1 || v != Math.rint(v)) {
                    throw new ConfigException("traffic.sweep", fmt(v) + " is not a " + (batches ? "batch size" : "concurrency")
                            + ": this sweep sets " + key + " and lists whole numbers >= 1"
                            + (batches ? "" : " (or set traffic.pattern to poisson, gamma or constant to sweep rates)"));
                }
                r.set(key, (int) v, ValueSource.OVERRIDE);
            } else {
                r.set(key, v, ValueSource.OVERRIDE);
            }
            out.add(new Point(key, shortName + "=" + fmt(v), v, r.resolve()));
        }
        return out;
    }

    private static String fmt(double v) {
        return v == Math.rint(v) ? String.valueOf((long) v) : String.valueOf(v);
    }
}
