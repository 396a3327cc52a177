package dev.lem.workload;

import dev.lem.config.BatchingConfig;
import dev.lem.config.BatchingStrategy;
import dev.lem.spi.GenerationRequest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.ToIntFunction;

/**
 * Groups requests into batches for in-process backends.
 * <ul>
 *   <li>{@code static}: in order, {@code batch_size} at a time;</li>
 *   <li>{@code sorted}: by prompt length first, so rows of a batch need less padding;</li>
 *   <li>{@code dynamic}: by prompt length, filling each batch while its padded token count
 *       (rows × (longest prompt + max output tokens)) stays within {@code max_batch_tokens} and its
 *       size within {@code batch_size}. A request too long for the budget gets a batch of its own.</li>
 * </ul>
 */
public final class Batcher {
    private Batcher() {
    }

    /**
     * The requests grouped into batches as {@code batching.strategy} says.
     *
     * @param requests the requests, in order
     * @param config the batching settings
     * @param promptTokens prompt length in tokens of a request (or an estimate)
     * @return the batches, in run order
     */
    public static List<List<GenerationRequest>> batches(List<GenerationRequest> requests, BatchingConfig config,
            ToIntFunction<GenerationRequest> promptTokens) {
        List<GenerationRequest> order = new ArrayList<>(requests);
        if (config.strategy() != BatchingStrategy.STATIC) {
            order.sort(Comparator.comparingInt(promptTokens));
        }
        List<List<GenerationRequest>> out = new ArrayList<>();
        List<GenerationRequest> current = new ArrayList<>();
        int longest = 0;
        for (GenerationRequest r : order) {
            int len = promptTokens.applyAsInt(r);
            boolean full = current.size() >= config.batchSize();
            if (config.strategy() == BatchingStrategy.DYNAMIC && !current.isEmpty()) {
                long padded = (long) (current.size() + 1) * (Math.max(longest, len) + r.maxOutputTokens());
                full |= padded > config.maxBatchTokens();
            }
            if (full) {
                out.add(List.copyOf(current));
                current.clear();
                longest = 0;
            }
            current.add(r);
            longest = Math.max(longest, len);
        }
        if (!current.isEmpty()) {
            out.add(List.copyOf(current));
        }
        return out;
    }
}
