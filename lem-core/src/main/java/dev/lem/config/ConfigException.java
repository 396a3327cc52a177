package dev.lem.config;

import dev.lem.LemException;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A configuration is invalid. Carries every problem found (not just the first), one line each, e.g.
 * <pre>
 * Invalid configuration (2 problems):
 *   batching.batch_size: 0 is below the minimum 1
 *   decodng: unknown key; did you mean "decoding"?
 * </pre>
 */
public class ConfigException extends LemException {
    private static final long serialVersionUID = 1L;
    private final transient List<ConfigProblem> problems;

    /**
     * An exception listing every problem.
     *
     * @param problems the problems found
     */
    public ConfigException(List<ConfigProblem> problems) {
        super(format(problems));
        this.problems = List.copyOf(problems);
    }

    /**
     * An exception with one problem.
     *
     * @param path the dotted path of the offending value, or the file
     * @param message what is wrong and how to fix it
     */
    public ConfigException(String path, String message) {
        this(List.of(new ConfigProblem(path, message)));
    }

    /** {@return every problem found} */
    public List<ConfigProblem> problems() {
        return problems;
    }

    private static String format(List<ConfigProblem> problems) {
        if (problems.size() == 1) {
            return "Invalid configuration: " + problems.get(0);
        }
        return "Invalid configuration (" + problems.size() + " problems):\n"
                + problems.stream().map(p -> "  " + p).collect(Collectors.joining("\n"));
    }
}
