package dev.lem.result;

import java.util.Objects;

/**
 * A cycle's energy apportioned between prefill and decode, for engines that do not meter their phases apart (served
 * models): each phase gets the share of the cycle's energy that the engine's own phase time (or token work) has of
 * the whole. An estimate: the engine's phase times are per request and overlap under batching (or per iteration,
 * with iterations that mix the phases), so the split says how the engine spent its time, not what each phase drew;
 * {@link #basis()} says which figures it rests on.
 *
 * <p>Two kinds of phase time: per request ({@link #PREFILL_TIME_COUNTER}, {@link #DECODE_TIME_COUNTER}; vLLM's
 * request prefill and decode times, split with {@link #byPhaseTime}) and per engine iteration
 * ({@link #PREFILL_ITERATION_TIME_COUNTER}, {@link #DECODE_ITERATION_TIME_COUNTER}; TensorRT-LLM's iteration
 * latencies by what each iteration computed, split with {@link #byIterationTime}).
 *
 * @param prefillSeconds the engine's prefill time over the cycle's window, s (summed over requests, or over
 *                       iterations for an iteration-time split)
 * @param decodeSeconds  the engine's decode time over the cycle's window, s (summed over requests, or over
 *                       iterations for an iteration-time split)
 * @param prefillJoules  the cycle's energy × prefill share, J
 * @param decodeJoules   the cycle's energy × decode share, J
 * @param basis          how the split was obtained, e.g. {@code apportioned by engine phase time (vLLM ...)}
 */
public record PhaseSplit(double prefillSeconds, double decodeSeconds, double prefillJoules, double decodeJoules,
        String basis) {
    /** Counter (cumulative engine prefill time, s) a backend reports through {@code InferenceBackend.engineCounters}. */
    public static final String PREFILL_TIME_COUNTER = "engine.prefill_time_s";
    /** Counter (cumulative engine decode time, s) a backend reports through {@code InferenceBackend.engineCounters}. */
    public static final String DECODE_TIME_COUNTER = "engine.decode_time_s";
    /**
     * Counter (cumulative engine iteration time spent on prefill, s: the latencies of iterations that ran only
     * context requests, plus the prefill share of mixed iterations) a backend reports through
     * {@code InferenceBackend.engineCounters}; reported together with {@link #DECODE_ITERATION_TIME_COUNTER}.
     */
    public static final String PREFILL_ITERATION_TIME_COUNTER = "engine.prefill_iteration_time_s";
    /**
     * Counter (cumulative engine iteration time spent on decode, s: the latencies of iterations that ran only
     * generation requests, plus the decode share of mixed iterations) a backend reports through
     * {@code InferenceBackend.engineCounters}; reported together with {@link #PREFILL_ITERATION_TIME_COUNTER}.
     */
    public static final String DECODE_ITERATION_TIME_COUNTER = "engine.decode_iteration_time_s";

    /**
     * Checks the basis is set.
     *
     * @param prefillSeconds the engine's prefill time, s
     * @param decodeSeconds the engine's decode time, s
     * @param prefillJoules the prefill share of the energy, J
     * @param decodeJoules the decode share of the energy, J
     * @param basis how the split was obtained
     */
    public PhaseSplit {
        Objects.requireNonNull(basis, "basis");
    }

    /**
     * Splits {@code joules} by the engine's phase times.
     *
     * @param joules the cycle's energy, J
     * @param prefillSeconds the engine's prefill time, s
     * @param decodeSeconds the engine's decode time, s
     * @param source where the phase times come from, for the basis
     * @return the split
     * @throws IllegalArgumentException when the times are negative or both zero
     */
    public static PhaseSplit byPhaseTime(double joules, double prefillSeconds, double decodeSeconds, String source) {
        return split(joules, prefillSeconds, decodeSeconds,
                "apportioned by engine phase time (" + source + "): energy x phase time / (prefill + decode time)");
    }

    /**
     * Splits {@code joules} by the engine's iteration time spent on each phase (iterations that ran only context
     * requests count as prefill, only generation requests as decode, and mixed iterations are divided between
     * the phases by the backend, e.g. by token work).
     *
     * @param joules the cycle's energy, J
     * @param prefillSeconds the engine's iteration time spent on prefill, s
     * @param decodeSeconds the engine's iteration time spent on decode, s
     * @param source where the iteration times come from and how mixed iterations were divided, for the basis
     * @return the split
     * @throws IllegalArgumentException when the times are negative or both zero
     */
    public static PhaseSplit byIterationTime(double joules, double prefillSeconds, double decodeSeconds,
            String source) {
        return split(joules, prefillSeconds, decodeSeconds, "apportioned by engine iteration time (" + source
                + "): energy x phase iteration time / (prefill + decode iteration time)");
    }

    private static PhaseSplit split(double joules, double prefillSeconds, double decodeSeconds, String basis) {
        if (prefillSeconds < 0 || decodeSeconds < 0 || prefillSeconds + decodeSeconds <= 0) {
            throw new IllegalArgumentException("phase times must be >= 0 and not both 0: prefill " + prefillSeconds
                    + " s, decode " + decodeSeconds + " s");
        }
        double share = prefillSeconds / (prefillSeconds + decodeSeconds);
        return new PhaseSplit(prefillSeconds, decodeSeconds, joules * share, joules * (1 - share), basis);
    }
}
