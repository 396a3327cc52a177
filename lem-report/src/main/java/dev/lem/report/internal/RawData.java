package dev.lem.report.internal;

import java.util.List;
import java.util.Map;

/**
 * What a report shows of an experiment's raw files, already thinned for display: the latency distributions and
 * the timeline of the run (phases, power per domain, telemetry). The raw files themselves stay where they are.
 *
 * @param latencies  per latency ({@code ttft}, {@code itl}, {@code tpot}, {@code e2e}): ECDF points in ms and the
 *                   number of samples behind them; a latency without samples is left out
 * @param timeline   the run on one time axis, when any time series or phase was recorded
 * @param phaseSplit time and energy per backend phase (prefill, decode) per cycle and process, where the backend
 *                   reports them
 * @param notes      what was skipped or approximated (unreadable files, reconstructed positions)
 */
public record RawData(Map<String, Cdf> latencies, Timeline timeline, List<PhaseSplit> phaseSplit, List<String> notes) {
    public RawData {
        latencies = Map.copyOf(latencies);
        phaseSplit = List.copyOf(phaseSplit);
        notes = List.copyOf(notes);
    }

    /**
     * One backend phase of one cycle in one process, summed over the cycle (the backend reports totals, not when
     * each phase ran).
     *
     * @param cycle   0-based cycle
     * @param rank    process
     * @param phase   {@code prefill}, {@code decode}, ...
     * @param seconds time in the phase, s (NaN when not reported)
     * @param joules  energy in the phase, J (NaN when not metered)
     */
    public record PhaseSplit(int cycle, int rank, String phase, double seconds, double joules) {
    }

    /**
     * An empirical CDF for display.
     *
     * @param n      samples behind it
     * @param points at most a few hundred (value ms, share ≤ value) points
     */
    public record Cdf(int n, Downsample.Series points) {
    }

    /**
     * A phase of the run on the time axis (seconds from the first process's start).
     *
     * @param name      {@code idle baseline}, {@code model load}, {@code warm-up}, {@code cycle 1}, ...
     * @param kind      {@code baseline}, {@code load}, {@code warmup}, {@code cycle}, {@code excluded}, {@code unload}
     * @param fromS     start, s
     * @param toS       end, s
     * @param placed    true when its start is recorded (cycles); false when placed from durations alone
     * @param meanWatts mean power of the phase per domain (energy ÷ duration), where metered
     */
    public record Phase(String name, String kind, double fromS, double toS, boolean placed,
            Map<String, Double> meanWatts) {
        public Phase {
            meanWatts = Map.copyOf(meanWatts);
        }
    }

    /**
     * One column of the time series over the run, thinned: NaN values in {@code v} break the line (the gaps
     * between cycles).
     *
     * @param column the CSV column ({@code power_w.cpu}, {@code gpu0.temperature_c})
     * @param label  legend text (the domain and how it was obtained, or the telemetry reading)
     * @param unit   unit of the values
     * @param series times (s from the run's start) and values
     */
    public record Line(String column, String label, String unit, Downsample.Series series) {
    }

    /**
     * A stretch of samples with a throttle reason active.
     *
     * @param reason {@code thermal} or {@code power}
     * @param fromS  first sample, s
     * @param toS    last sample, s
     */
    public record Throttle(String reason, double fromS, double toS) {
    }

    /**
     * The run on one time axis.
     *
     * @param phases     baseline, load, warm-up, each cycle, unload
     * @param power      power per energy domain (W), from the meters
     * @param telemetry  telemetry lines grouped by unit ({@code °C}, {@code MHz}, {@code %}, ...)
     * @param throttle   throttled stretches
     * @param throttleRecorded whether any series had a throttle-reason column (else "no throttling" is unknown)
     * @param rawSamples rows in the time-series files
     * @param shownPoints points kept for display, over every line
     */
    public record Timeline(List<Phase> phases, List<Line> power, Map<String, List<Line>> telemetry,
            List<Throttle> throttle, boolean throttleRecorded, long rawSamples, long shownPoints) {
        public Timeline {
            phases = List.copyOf(phases);
            power = List.copyOf(power);
            telemetry = Map.copyOf(telemetry);
            throttle = List.copyOf(throttle);
        }

        /** No phase and no sample. */
        public static Timeline empty() {
            return new Timeline(List.of(), List.of(), Map.of(), List.of(), false, 0, 0);
        }

        public boolean isEmpty() {
            return phases.isEmpty() && power.isEmpty() && telemetry.isEmpty();
        }
    }
}
