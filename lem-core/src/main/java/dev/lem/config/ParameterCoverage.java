package dev.lem.config;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * How much of an engine's energy-relevant parameter space LEM models: the relevant arguments of an
 * {@link EngineSnapshot}, and for each the LEM key that sets it (a backend option declared with
 * {@link Option#engineArgument(String)}, or a core key such as {@code seed}). Computed, not asserted: the
 * share is the number of relevant arguments with a LEM key over the number of relevant arguments.
 *
 * @param snapshot       the engine's argument list for a named version
 * @param modelledBy     engine argument name to the LEM key that sets it ({@code options.max_num_seqs})
 * @param engineDefaults engine argument name to the engine's own default as documented by its option
 * @param since          engine argument name to the first engine version that accepts it, where declared
 */
public record ParameterCoverage(EngineSnapshot snapshot, Map<String, String> modelledBy,
        Map<String, String> engineDefaults, Map<String, String> since) {

    /**
     * Checks that the snapshot is set and copies the maps, sorted by engine argument.
     *
     * @param snapshot the engine's argument list for a named version
     * @param modelledBy engine argument name to the LEM key that sets it
     * @param engineDefaults engine argument name to the engine's own default
     * @param since engine argument name to the first engine version that accepts it
     */
    public ParameterCoverage {
        Objects.requireNonNull(snapshot, "snapshot");
        modelledBy = Collections.unmodifiableMap(new TreeMap<>(modelledBy));
        engineDefaults = Collections.unmodifiableMap(new TreeMap<>(engineDefaults));
        since = Collections.unmodifiableMap(new TreeMap<>(since));
    }

    /**
     * A coverage without documented defaults or versions.
     *
     * @param snapshot the engine's argument list for a named version
     * @param modelledBy engine argument name to the LEM key that sets it
     */
    public ParameterCoverage(EngineSnapshot snapshot, Map<String, String> modelledBy) {
        this(snapshot, modelledBy, Map.of(), Map.of());
    }

    /**
     * The coverage of a backend: its engine options (those with an {@link Option#engineArgument()}) plus the core
     * keys that set engine arguments.
     *
     * @param snapshot the engine's argument list for a named version
     * @param options the backend's options
     * @param coreKeys engine argument to core key, e.g. {@code seed -> seed}
     * @return the coverage
     * @throws IllegalArgumentException when two options claim the same engine argument
     */
    public static ParameterCoverage of(EngineSnapshot snapshot, List<Option<?>> options, Map<String, String> coreKeys) {
        Map<String, String> by = new TreeMap<>(coreKeys);
        Map<String, String> defaults = new TreeMap<>();
        Map<String, String> versions = new TreeMap<>();
        for (Option<?> o : options) {
            o.engineArgument().ifPresent(a -> {
                String before = by.put(a, o.parameter().path());
                if (before != null) {
                    throw new IllegalArgumentException(a + " is set by both " + before + " and " + o.parameter().path());
                }
                if (!o.engineDefaultText().isEmpty()) {
                    defaults.put(a, o.engineDefaultText());
                }
                o.since().ifPresent(v -> versions.put(a, v));
            });
        }
        return new ParameterCoverage(snapshot, by, defaults, versions);
    }

    /** {@return every relevant argument, in the engine's order} */
    public List<EngineArgument> relevant() {
        return snapshot.arguments().stream().filter(EngineArgument::relevant).toList();
    }

    /** {@return the relevant arguments LEM models, in the engine's order} */
    public List<EngineArgument> modelled() {
        return relevant().stream().filter(a -> modelledBy.containsKey(a.name())).toList();
    }

    /** {@return the relevant arguments LEM does not model (they go through {@code extra:}), in the engine's order} */
    public List<EngineArgument> missing() {
        return relevant().stream().filter(a -> !modelledBy.containsKey(a.name())).toList();
    }

    /**
     * LEM keys that claim an engine argument the snapshot does not list as relevant (a typo, an argument
     * the engine does not have, or one classified as irrelevant): each is a declaration to fix.
     *
     * @return the LEM keys, one message each; empty when there are none
     */
    public List<String> mismatches() {
        List<String> out = new ArrayList<>();
        modelledBy.forEach((arg, key) -> {
            var a = snapshot.find(arg);
            if (a.isEmpty()) {
                out.add(key + " claims " + arg + ", which " + snapshot.engine() + " " + snapshot.version()
                        + " does not list");
            } else if (!a.get().relevant()) {
                out.add(key + " claims " + arg + ", which the snapshot classifies as " + a.get().relevance().word());
            }
        });
        return out;
    }

    /** {@return modelled relevant arguments over relevant arguments, in [0, 1]; 1 when nothing is relevant} */
    public double share() {
        int n = relevant().size();
        return n == 0 ? 1.0 : (double) modelled().size() / n;
    }

    /** {@return the share as a percentage with one decimal, e.g. {@code 93.8%}} */
    public String percent() {
        return String.format(java.util.Locale.ROOT, "%.1f%%", 100 * share());
    }

    @Override
    public String toString() {
        return snapshot.engine() + " " + snapshot.version() + ": " + modelled().size() + " of " + relevant().size()
                + " relevant arguments modelled (" + percent() + ")";
    }
}
