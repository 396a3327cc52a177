package dev.lem.config;

import java.util.Optional;

/**
 * Where prompts come from ({@code prompts.*}).
 *
 * @param source    where prompts come from
 * @param path      prompt file for the file and sharegpt sources (absolute once resolved)
 * @param limit     prompts per cycle
 * @param field     JSON field of the prompt in .jsonl files
 * @param shuffle   shuffle (seeded) before taking {@code limit}
 * @param synthetic lengths for synthetic prompts
 */
public record PromptsConfig(
        @Key(doc = "Where prompts come from.", defaultValue = "builtin") PromptSource source,
        @Key(doc = "Prompt file for source file (text: one prompt per line; .jsonl) or sharegpt (JSON); may be "
                + "absolute.", path = true) Optional<String> path,
        @Key(doc = "How many prompts make one cycle's workload.", defaultValue = "32", min = 1, max = 10_000_000,
                unit = "prompts") int limit,
        @Key(doc = "The JSON field holding the prompt in .jsonl files.", defaultValue = "prompt") String field,
        @Key(doc = "Shuffle prompts (seeded) before taking the first prompts.limit.", defaultValue = "false")
        boolean shuffle,
        @Key(doc = "Token lengths of synthetic prompts (prompts.source: synthetic).") SyntheticPrompts synthetic) {

    /**
     * Synthetic prompt lengths ({@code prompts.synthetic.*}), in tokens.
     *
     * @param inputTokensMean  mean input length
     * @param inputTokensStd   standard deviation of the input length
     * @param outputTokensMean mean output length (default: max_output_tokens)
     * @param outputTokensStd  standard deviation of the output length
     */
    public record SyntheticPrompts(
            @Key(doc = "Synthetic prompts: mean input length.", defaultValue = "128", min = 1, max = 1_048_576,
                    unit = "tokens") int inputTokensMean,
            @Key(doc = "Synthetic prompts: standard deviation of the input length (normal, truncated at 1).",
                    defaultValue = "0.0", min = 0, unit = "tokens") double inputTokensStd,
            @Key(doc = "Synthetic prompts: mean output length (default: max_output_tokens).", min = 1,
                    max = 1_048_576, unit = "tokens") Optional<Integer> outputTokensMean,
            @Key(doc = "Synthetic prompts: standard deviation of the output length.", defaultValue = "0.0", min = 0,
                    unit = "tokens") double outputTokensStd) {
    }
}
