package dev.lem.config;

/**
 * How requests are grouped for in-process backends ({@code batching.*}).
 *
 * @param batchSize      requests per batch
 * @param strategy       how requests are grouped
 * @param maxBatchTokens dynamic batching: the most prompt + output tokens per batch
 */
public record BatchingConfig(
        @Key(doc = "Requests computed together.", defaultValue = "1", min = 1, max = 65_536, unit = "requests",
                appliesTo = BackendScope.IN_PROCESS) int batchSize,
        @Key(doc = "How requests are grouped into batches.", defaultValue = "static",
                appliesTo = BackendScope.IN_PROCESS) BatchingStrategy strategy,
        @Key(doc = "dynamic batching: the most (prompt + output) tokens in one batch.", defaultValue = "4096", min = 1,
                max = 100_000_000, unit = "tokens", appliesTo = BackendScope.IN_PROCESS) int maxBatchTokens) {
}
