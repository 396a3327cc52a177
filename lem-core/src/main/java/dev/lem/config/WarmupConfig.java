package dev.lem.config;

/**
 * Warm-up before the measured cycles ({@code warmup.*}); warm-up is run but never part of a cycle.
 *
 * @param mode        how warm-up decides it is done
 * @param runs        fixed mode: number of runs
 * @param minRuns     converge mode: fewest runs
 * @param maxRuns     converge mode: most runs
 * @param window      converge mode: how many recent latencies the CV is computed over
 * @param cvThreshold converge mode: the CV that counts as warm
 * @param maxS        either mode: warm-up stops after this many seconds (after at least one run)
 */
public record WarmupConfig(
        @Key(doc = "How warm-up decides it is done.", defaultValue = "converge") WarmupMode mode,
        @Key(doc = "fixed mode: warm-up runs (batches or requests).", defaultValue = "2", min = 0, max = 100_000,
                unit = "runs") int runs,
        @Key(doc = "converge mode: fewest warm-up runs.", defaultValue = "2", min = 0, max = 100_000, unit = "runs")
        int minRuns,
        @Key(doc = "converge mode: most warm-up runs.", defaultValue = "20", min = 1, max = 100_000, unit = "runs")
        int maxRuns,
        @Key(doc = "converge mode: how many recent latencies the CV is over.", defaultValue = "5", min = 2, max = 1000,
                unit = "runs") int window,
        @Key(doc = "converge mode: CV (std/mean) that counts as warm.", defaultValue = "0.05", min = 0, max = 10)
        double cvThreshold,
        @Key(doc = "Time cap of warm-up in either mode: no new run starts after this long (at least one run "
                + "always happens); hitting it is recorded and warned about.", defaultValue = "60", min = 0.001,
                max = 86_400, unit = "s") double maxS) {
}
