package dev.lem.result;

import java.util.Objects;

/**
 * A cycle's energy apportioned between prefill and decode, for engines that do not meter their phases apart (served
 * models): each phase gets the share of the cycle's energy that the engine's own phase time (or token work) has of
 * the whole. An estimate: the engine's phase times are per request and overlap under batching, so the split says
 * how the engine spent its time, not what each phase drew; {@link #basis()} says which figures it rests on.
 *
 * @param prefillSeconds the engine's prefill time over the cycle's requests, s (summed over requests)
 * @param decodeSeconds  the engine's decode time over the cycle's requests, s (summed over requests)
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
        if (prefillSeconds < 0 || decodeSeconds < 0 || prefillSeconds + decodeSeconds <= 0) {
            throw new IllegalArgumentException("phase times must be >= 0 and not both 0: prefill " + prefillSeconds
                    + " s, decode " + decodeSeconds + " s");
        }
        double share = prefillSeconds / (prefillSeconds + decodeSeconds);
        return new PhaseSplit(prefillSeconds, decodeSeconds, joules * share, joules * (1 - share),
                "apportioned by engine phase time (" + source + "): energy x phase time / (prefill + decode time)");
    }
}
