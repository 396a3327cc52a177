package dev.lem.campaign;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * The adaptive gap: an idle baseline of temperatures and powers taken when the campaign starts, and before each
 * unit a wait until every reading is back within its margin (temperatures: {@code temperature_margin_c} degrees
 * above baseline; powers: {@code power_margin_pct} % above baseline and at least 1 W), up to {@code max_wait_s}.
 * Readings are named like telemetry columns: names ending in {@code temperature_c} are temperatures, names ending in
 * {@code power_w} are powers; others are ignored.
 */
public final class ThermalGap {
    private final AdaptiveGapSettings settings;
    private final Supplier<Map<String, Double>> readings;
    private final Pause pause;
    private final Map<String, Double> baseline;

    private ThermalGap(AdaptiveGapSettings settings, Supplier<Map<String, Double>> readings, Pause pause,
            Map<String, Double> baseline) {
        this.settings = settings;
        this.readings = readings;
        this.pause = pause;
        this.baseline = Map.copyOf(baseline);
    }

    /**
     * Takes the idle baseline: the mean of each reading over {@code baseline_s}, one reading per {@code poll_s}.
     *
     * @param settings the adaptive gap's settings
     * @param readings current temperatures and powers by name (e.g. {@code gpu0.temperature_c}, {@code cpu.power_w})
     * @param pause the clock to wait on
     * @return the gap, with its baseline
     * @throws InterruptedException when the thread is interrupted while taking the baseline
     */
    public static ThermalGap start(AdaptiveGapSettings settings, Supplier<Map<String, Double>> readings, Pause pause)
            throws InterruptedException {
        Map<String, double[]> sums = new TreeMap<>();
        long end = pause.nanoTime() + Math.round(settings.baselineS() * 1e9);
        do {
            relevant(readings.get()).forEach((k, v) -> {
                double[] s = sums.computeIfAbsent(k, x -> new double[2]);
                s[0] += v;
                s[1]++;
            });
            pause.sleep(Duration.ofNanos(Math.round(settings.pollS() * 1e9)));
        } while (pause.nanoTime() < end);
        Map<String, Double> baseline = new LinkedHashMap<>();
        sums.forEach((k, s) -> baseline.put(k, s[0] / s[1]));
        return new ThermalGap(settings, readings, pause, baseline);
    }

    /** {@return the idle baseline by reading name} */
    public Map<String, Double> baseline() {
        return baseline;
    }

    /**
     * The outcome of one wait.
     *
     * @param waitedS how long it waited
     * @param cooled  whether every reading came back within its margin
     * @param note    what happened, e.g. "cooled to within 3 °C / 10 % of idle after 41.2 s" or "still above idle
     *                after the 300 s maximum: gpu0.temperature_c 71.0 (idle 45.0)"
     */
    public record Wait(double waitedS, boolean cooled, String note) {
    }

    /**
     * Waits until every reading is within its margin of the baseline, or the maximum wait has passed.
     *
     * @return the outcome
     * @throws InterruptedException when the thread is interrupted while waiting
     */
    public Wait await() throws InterruptedException {
        long start = pause.nanoTime();
        long max = Math.round(settings.maxWaitS() * 1e9);
        while (true) {
            Map<String, Double> hot = aboveMargin(relevant(readings.get()));
            double waited = (pause.nanoTime() - start) / 1e9;
            if (hot.isEmpty()) {
                return new Wait(waited, true, String.format(Locale.ROOT, "cooled to within %.3g °C / %.3g %% of idle "
                        + "after %.1f s", settings.temperatureMarginC(), settings.powerMarginPct(), waited));
            }
            if (pause.nanoTime() - start >= max) {
                return new Wait(waited, false, String.format(Locale.ROOT, "still above idle after the %.0f s maximum: %s",
                        settings.maxWaitS(), hot.entrySet().stream().map(e -> String.format(Locale.ROOT,
                                "%s %.1f (idle %.1f)", e.getKey(), e.getValue(), baseline.get(e.getKey())))
                                .collect(Collectors.joining(", "))));
            }
            pause.sleep(Duration.ofNanos(Math.min(Math.round(settings.pollS() * 1e9), max - (pause.nanoTime() - start))));
        }
    }

    private Map<String, Double> aboveMargin(Map<String, Double> now) {
        Map<String, Double> hot = new TreeMap<>();
        now.forEach((k, v) -> {
            Double idle = baseline.get(k);
            if (idle == null) {
                return;
            }
            double limit = k.endsWith("temperature_c") ? idle + settings.temperatureMarginC()
                    : Math.max(idle * (1 + settings.powerMarginPct() / 100), idle + 1.0);
            if (v > limit) {
                hot.put(k, v);
            }
        });
        return hot;
    }

    private static Map<String, Double> relevant(Map<String, Double> all) {
        Map<String, Double> out = new TreeMap<>();
        all.forEach((k, v) -> {
            if ((k.endsWith("temperature_c") || k.endsWith("power_w")) && v != null && Double.isFinite(v)) {
                out.put(k, v);
            }
        });
        return out;
    }

    /** {@return the names of the readings the gap watches} */
    public List<String> watched() {
        return List.copyOf(baseline.keySet());
    }
}
