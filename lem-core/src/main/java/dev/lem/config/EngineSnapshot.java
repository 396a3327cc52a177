package dev.lem.config;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A checked-in copy of one inference engine's own argument list for a named version, each argument
 * classified as relevant to energy, latency or throughput or not, with a one-line reason. Parameter coverage
 * ({@link ParameterCoverage}) is computed from it, so the share of an engine's parameter space LEM models is
 * measured, not asserted.
 *
 * <p>File format (UTF-8 text, one argument per line, tab-separated), with a header of {@code #} lines:
 * <pre>
 * # engine: vLLM
 * # version: 0.11.1
 * # source: where the list was taken from (repository, file, commit)
 * max_num_seqs	yes	sequences scheduled per step: the decode batch size
 * served_model_name	no	a name in the API; no effect on the computation
 * </pre>
 * The second column is {@code yes}, {@code no} or {@code group} ({@link EngineArgument.Relevance}).
 *
 * @param engine    the engine's name, e.g. {@code vLLM}
 * @param version   the version the list was taken from
 * @param source    where it was taken from
 * @param arguments every argument, in the engine's order
 */
public record EngineSnapshot(String engine, String version, String source, List<EngineArgument> arguments) {

    /**
     * Checks that the text components are set and that no argument is listed twice; copies the arguments.
     *
     * @param engine the engine's name
     * @param version the version the list was taken from
     * @param source where it was taken from
     * @param arguments every argument, in the engine's order
     * @throws IllegalArgumentException when an argument is listed twice
     */
    public EngineSnapshot {
        Objects.requireNonNull(engine, "engine");
        Objects.requireNonNull(version, "version");
        Objects.requireNonNull(source, "source");
        arguments = List.copyOf(arguments);
        Set<String> seen = new LinkedHashSet<>();
        for (EngineArgument a : arguments) {
            if (!seen.add(a.name())) {
                throw new IllegalArgumentException(engine + " snapshot lists " + a.name() + " twice");
            }
        }
    }

    /**
     * Reads a snapshot from its text.
     *
     * @param text the snapshot's text
     * @param what the file's name, for messages
     * @return the snapshot
     * @throws IllegalArgumentException naming the line when the text is malformed
     */
    public static EngineSnapshot parse(String text, String what) {
        String engine = null;
        String version = null;
        String source = null;
        List<EngineArgument> args = new ArrayList<>();
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty()) {
                continue;
            }
            if (line.startsWith("#")) {
                String h = line.substring(1).strip();
                int colon = h.indexOf(':');
                if (colon > 0) {
                    String key = h.substring(0, colon).strip();
                    String value = h.substring(colon + 1).strip();
                    switch (key) {
                        case "engine" -> engine = value;
                        case "version" -> version = value;
                        case "source" -> source = source == null ? value : source + " " + value;
                        default -> {
                            // other header lines are comments
                        }
                    }
                }
                continue;
            }
            String[] cols = lines[i].split("\t");
            if (cols.length != 3 || cols[0].isBlank() || cols[2].isBlank()) {
                throw new IllegalArgumentException(what + " line " + (i + 1) + ": expected 3 tab-separated columns "
                        + "(argument, yes|no|group, reason), got: " + lines[i]);
            }
            EngineArgument.Relevance r = switch (cols[1].strip()) {
                case "yes" -> EngineArgument.Relevance.RELEVANT;
                case "no" -> EngineArgument.Relevance.NOT_RELEVANT;
                case "group" -> EngineArgument.Relevance.GROUP;
                default -> throw new IllegalArgumentException(what + " line " + (i + 1) + ": \"" + cols[1]
                        + "\" is not yes, no or group");
            };
            args.add(new EngineArgument(cols[0].strip(), r, cols[2].strip()));
        }
        if (engine == null || version == null || source == null) {
            throw new IllegalArgumentException(what + ": the header must name the engine, version and source "
                    + "(# engine: ..., # version: ..., # source: ...)");
        }
        return new EngineSnapshot(engine, version, source, args);
    }

    /**
     * Reads a snapshot shipped as a class-path resource next to {@code owner}.
     *
     * @param owner the class the resource lies next to
     * @param name the resource's name, relative to {@code owner}
     * @return the snapshot
     * @throws IllegalStateException when the resource is missing
     */
    public static EngineSnapshot resource(Class<?> owner, String name) {
        try (InputStream in = owner.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("no resource " + name + " next to " + owner.getName());
            }
            return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), name);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The argument of that name, if listed.
     *
     * @param name the argument's name
     * @return the argument; empty when not listed
     */
    public java.util.Optional<EngineArgument> find(String name) {
        return arguments.stream().filter(a -> a.name().equals(name)).findFirst();
    }
}
