package dev.lem.config;

/**
 * How requests are grouped for in-process backends ({@code batching.*}).
 *
 * @param batchSize      requests per batch
 * @param strategy       static, sorted or dynamic
 * @param maxBatchTokens dynamic batching: the most prompt + output tokens per batch
 */
public record BatchingConfig(int batchSize, String strategy, int maxBatchTokens) {
}
