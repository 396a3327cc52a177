package dev.lem.config;

/**
 * Warm-up before the measured cycles ({@code warmup.*}); warm-up is run but never measured.
 *
 * @param mode        fixed or converge
 * @param runs        fixed mode: number of runs
 * @param minRuns     converge mode: fewest runs
 * @param maxRuns     converge mode: most runs
 * @param window      converge mode: how many recent latencies the CV is computed over
 * @param cvThreshold converge mode: the CV that counts as warm
 */
public record WarmupConfig(String mode, int runs, int minRuns, int maxRuns, int window, double cvThreshold) {
}
