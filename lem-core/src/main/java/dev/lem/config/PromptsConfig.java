package dev.lem.config;

import java.util.Optional;

/**
 * Where prompts come from ({@code prompts.*}).
 *
 * @param source    builtin, file, sharegpt or synthetic
 * @param path      prompt file for file and sharegpt sources
 * @param limit     prompts per cycle
 * @param field     JSON field of the prompt in .jsonl files
 * @param shuffle   shuffle (seeded) before taking {@code limit}
 * @param synthetic lengths for synthetic prompts
 */
public record PromptsConfig(String source, Optional<String> path, int limit, String field, boolean shuffle,
        SyntheticPrompts synthetic) {

    /**
     * Synthetic prompt lengths ({@code prompts.synthetic.*}), in tokens.
     *
     * @param inputTokensMean  mean input length
     * @param inputTokensStd   standard deviation of the input length
     * @param outputTokensMean mean output length (default: max_output_tokens)
     * @param outputTokensStd  standard deviation of the output length
     */
    public record SyntheticPrompts(int inputTokensMean, double inputTokensStd, Optional<Integer> outputTokensMean,
            double outputTokensStd) {
    }
}
