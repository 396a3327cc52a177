package dev.lem.workload;

import dev.lem.config.PromptSource;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Which prompts an experiment uses: the built-in set, a file, a ShareGPT export, synthetic prompts of
 * given token lengths, or an in-memory list. Immutable; {@link #limit(int)} and {@link #shuffled()}
 * return new instances.
 *
 * <pre>{@code
 * Prompts.builtIn().limit(32)
 * Prompts.fromFile(Path.of("prompts.jsonl")).shuffled().limit(100)
 * Prompts.of("Hello", "Tell me a story")
 * }</pre>
 */
public final class Prompts {
    private final PromptSource source;
    private final Optional<Path> path;
    private final Optional<Integer> limit;
    private final boolean shuffle;
    private final List<String> inline;

    private Prompts(PromptSource source, Optional<Path> path, Optional<Integer> limit, boolean shuffle, List<String> inline) {
        this.source = source;
        this.path = path;
        this.limit = limit;
        this.shuffle = shuffle;
        this.inline = List.copyOf(inline);
    }

    /** {@return LEM's built-in set of 48 varied prompts (questions, instructions, code, summaries, stories)} */
    public static Prompts builtIn() {
        return new Prompts(PromptSource.BUILTIN, Optional.empty(), Optional.empty(), false, List.of());
    }

    /**
     * A text file (one prompt per line) or a .jsonl file (the {@code prompts.field} of each object).
     *
     * @param file the text or .jsonl file
     * @return the prompt source
     */
    public static Prompts fromFile(Path file) {
        return new Prompts(PromptSource.FILE, Optional.of(file), Optional.empty(), false, List.of());
    }

    /**
     * A ShareGPT JSON export (the first human turn of each conversation).
     *
     * @param file the ShareGPT JSON file
     * @return the prompt source
     */
    public static Prompts shareGpt(Path file) {
        return new Prompts(PromptSource.SHAREGPT, Optional.of(file), Optional.empty(), false, List.of());
    }

    /**
     * Generated prompts with the token lengths of {@code prompts.synthetic.*} (set them with
     * {@code Experiment.Builder.set}), sized with the backend's tokenizer where it has one.
     *
     * @return the prompt source
     */
    public static Prompts synthetic() {
        return new Prompts(PromptSource.SYNTHETIC, Optional.empty(), Optional.empty(), false, List.of());
    }

    /**
     * These prompts, from code. An experiment with inline prompts cannot run in worker processes.
     *
     * @param prompts the prompts
     * @return the prompt source
     */
    public static Prompts of(String... prompts) {
        return of(List.of(prompts));
    }

    /**
     * These prompts, from code.
     *
     * @param prompts the prompts
     * @return the prompt source
     */
    public static Prompts of(List<String> prompts) {
        Objects.requireNonNull(prompts, "prompts");
        if (prompts.isEmpty()) {
            throw new IllegalArgumentException("prompts must not be empty");
        }
        return new Prompts(PromptSource.INLINE, Optional.empty(), Optional.of(prompts.size()), false, prompts);
    }

    /**
     * The first {@code n} prompts (after shuffling, when shuffled).
     *
     * @param n the number of prompts; at least 1
     * @return a copy with that limit
     */
    public Prompts limit(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("prompts.limit (" + n + ") must be >= 1");
        }
        return new Prompts(source, path, Optional.of(n), shuffle, inline);
    }

    /**
     * Shuffle (seeded by the experiment's seed) before taking the limit.
     *
     * @return a shuffled copy
     */
    public Prompts shuffled() {
        return new Prompts(source, path, limit, true, inline);
    }

    /** {@return where the prompts come from} */
    public PromptSource source() {
        return source;
    }

    /** {@return the file, for file and sharegpt sources} */
    public Optional<Path> path() {
        return path;
    }

    /** {@return the limit, when set} */
    public Optional<Integer> limit() {
        return limit;
    }

    /** {@return whether to shuffle} */
    public boolean shuffle() {
        return shuffle;
    }

    /** {@return the inline prompts (empty for other sources)} */
    public List<String> inline() {
        return inline;
    }
}
