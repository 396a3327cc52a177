package dev.lem.spi;

import dev.lem.config.DecodingConfig;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One prompt to complete.
 *
 * @param id              unique within a cycle; every event about this request carries it
 * @param prompt          the prompt text
 * @param promptTokenIds  token ids when the workload already tokenised the prompt, else null
 * @param maxOutputTokens the most tokens to generate (>= 1)
 * @param minOutputTokens tokens to generate before an end-of-sequence token may stop the request
 * @param decoding        sampling settings (greedy or temperature/top-k/top-p, ignore_eos)
 * @param seed            seed for this request's sampling, derived from the experiment seed
 * @param warmup          true for warm-up requests, which are run but excluded from results
 */
public record GenerationRequest(
        String id,
        String prompt,
        @Nullable List<Integer> promptTokenIds,
        int maxOutputTokens,
        int minOutputTokens,
        DecodingConfig decoding,
        long seed,
        boolean warmup) {

    /**
     * Checks the object components and the token limits; copies the prompt's token ids.
     *
     * @param id unique within a cycle
     * @param prompt the prompt text
     * @param promptTokenIds token ids when the workload already tokenised the prompt, else null
     * @param maxOutputTokens the most tokens to generate
     * @param minOutputTokens tokens to generate before an end-of-sequence token may stop the request
     * @param decoding sampling settings
     * @param seed seed for this request's sampling
     * @param warmup true for warm-up requests
     * @throws IllegalArgumentException when {@code maxOutputTokens} is below 1, or {@code minOutputTokens} is
     *                                  negative or above it
     */
    public GenerationRequest {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(prompt, "prompt");
        Objects.requireNonNull(decoding, "decoding");
        if (maxOutputTokens < 1) {
            throw new IllegalArgumentException("maxOutputTokens (" + maxOutputTokens + ") must be >= 1");
        }
        if (minOutputTokens < 0 || minOutputTokens > maxOutputTokens) {
            throw new IllegalArgumentException("minOutputTokens (" + minOutputTokens
                    + ") must be between 0 and maxOutputTokens (" + maxOutputTokens + ")");
        }
        promptTokenIds = promptTokenIds == null ? null : List.copyOf(promptTokenIds);
    }
}
