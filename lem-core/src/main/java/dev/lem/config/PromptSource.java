package dev.lem.config;

/** Where prompts come from ({@code prompts.source}). */
public enum PromptSource implements Choice {
    /** The prompts shipped with LEM. */
    BUILTIN("the prompts shipped with LEM"),
    /** A text file (one prompt per line) or a JSONL file ({@code prompts.path}). */
    FILE("a text file (one prompt per line) or .jsonl file at prompts.path"),
    /** A ShareGPT JSON file ({@code prompts.path}). */
    SHAREGPT("a ShareGPT JSON file at prompts.path"),
    /** Generated prompts of configured token lengths ({@code prompts.synthetic.*}). */
    SYNTHETIC("generated prompts of the lengths in prompts.synthetic"),
    /** Prompts given in code with {@code Prompts.of(...)}; not allowed in files. */
    INLINE("prompts given in code with Prompts.of(...); not allowed in files");

    private final String description;

    PromptSource(String description) {
        this.description = description;
    }

    @Override
    public String description() {
        return description;
    }

    @Override
    public String toString() {
        return Choice.word(this);
    }
}
