package dev.lem.config;

/** Where prompts come from ({@code prompts.source}). */
public enum PromptSource implements Choice {
    /** The prompts shipped with LEM. */
    @Doc("the prompts shipped with LEM")
    BUILTIN,
    /** A text file (one prompt per line) or a JSONL file ({@code prompts.path}). */
    @Doc("a text file (one prompt per line) or .jsonl file at prompts.path")
    FILE,
    /** A ShareGPT JSON file ({@code prompts.path}). */
    @Doc("a ShareGPT JSON file at prompts.path")
    SHAREGPT,
    /** Generated prompts of configured token lengths ({@code prompts.synthetic.*}). */
    @Doc("generated prompts of the lengths in prompts.synthetic")
    SYNTHETIC,
    /** Prompts given in code with {@code Prompts.of(...)}; not allowed in files. */
    @Doc("prompts given in code with Prompts.of(...); not allowed in files")
    INLINE;

    @Override
    public String toString() {
        return Choice.word(this);
    }
}
