package dev.lem.config;

import dev.lem.config.internal.RecordBinder;
import dev.lem.config.internal.RecordBinder.Leaf;
import dev.lem.config.internal.RecordBinder.Node;
import dev.lem.config.internal.RecordBinder.Section;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Every configuration key LEM knows, read once from the {@link Key} annotations on
 * {@link ExperimentConfig} and its section records — which are the only place a key is declared. Help,
 * {@code lem config keys}, docs/configuration.md, validation and "did you mean" suggestions are generated
 * from it. Thread-safe (immutable after class initialisation).
 */
public final class ConfigSchema {
    private static final Section ROOT = RecordBinder.describe(ExperimentConfig.class);
    private static final Map<String, Parameter> PARAMETERS = new LinkedHashMap<>();
    private static final Map<String, Section> SECTIONS = new LinkedHashMap<>();

    static {
        collect(ROOT);
    }

    private ConfigSchema() {
    }

    private static void collect(Section s) {
        for (Node n : s.children()) {
            if (n instanceof Leaf l) {
                PARAMETERS.put(l.path(), l.parameter());
            } else {
                SECTIONS.put(n.path(), (Section) n);
                collect((Section) n);
            }
        }
    }

    /** The declared tree, for binding (package-private: the resolver and the record use it). */
    static Section declared() {
        return ROOT;
    }

    /** The section declared by a record type (each section record is used once), if any. */
    static Optional<Section> sectionOf(Class<?> type) {
        return SECTIONS.values().stream().filter(x -> x.type() == type).findFirst();
    }

    /** {@return every key, in declaration (documentation) order} */
    public static List<Parameter> parameters() {
        return List.copyOf(PARAMETERS.values());
    }

    /**
     * The key at this exact dotted path.
     *
     * @param path the dotted path
     * @return the key; empty when there is none at that path
     */
    public static Optional<Parameter> find(String path) {
        return Optional.ofNullable(PARAMETERS.get(path));
    }

    /** {@return every section path (e.g. {@code batching}, {@code prompts.synthetic}) with its description} */
    public static Map<String, String> sections() {
        Map<String, String> out = new LinkedHashMap<>();
        SECTIONS.forEach((p, s) -> out.put(p, s.doc()));
        return out;
    }

    /**
     * The {@link ValueType#MAP} key that owns a sub-key path like {@code options.foo}, if any.
     *
     * @param path the sub-key path
     * @return the map key that owns it; empty when none does
     */
    public static Optional<Parameter> mapOwner(String path) {
        for (Parameter p : PARAMETERS.values()) {
            if (p.type() == ValueType.MAP && path.startsWith(p.path() + ".") && path.length() > p.path().length() + 1) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    /**
     * True when {@code prefix} is a section (a proper prefix of some key path), e.g. {@code batching}.
     *
     * @param prefix the dotted prefix
     * @return whether it is a section
     */
    public static boolean isSection(String prefix) {
        return SECTIONS.containsKey(prefix);
    }

    /** {@return top-level section and key names, sorted} */
    public static Set<String> topLevelNames() {
        Set<String> names = new TreeSet<>();
        for (String k : PARAMETERS.keySet()) {
            int dot = k.indexOf('.');
            names.add(dot < 0 ? k : k.substring(0, dot));
        }
        return names;
    }

    /**
     * The keys set explicitly in {@code config} that have no effect on a backend of this kind, each with
     * a message naming the key and the backend (e.g. {@code batching.batch_size} on vllm).
     *
     * @param config the configuration
     * @param backend       the backend's name, for the message
     * @param inProcess     the backend runs the model in this JVM
     * @return the messages, one per key; empty when every key set applies
     */
    public static List<String> inapplicableKeys(ExperimentConfig config, String backend, boolean inProcess) {
        boolean managed = !inProcess && config.server().managed();
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, Object> e : config.toValues().entrySet()) {
            String path = e.getKey();
            Optional<Parameter> p = find(path).or(() -> mapOwner(path));
            if (p.isEmpty() || !config.isExplicit(path) || p.get().path().equals("options")) {
                continue;
            }
            BackendScope scope = p.get().appliesTo();
            if (!scope.applies(inProcess, managed)) {
                out.add(path + " has no effect on backend " + backend + ": it applies to " + scope.display()
                        + (scope == BackendScope.MANAGED_SERVER && !inProcess ? " (set server.managed: true)" : ""));
            }
        }
        return out;
    }

    /**
     * The closest known path to an unknown one, for "did you mean" messages: by edit distance over the
     * whole path and over its last segment; a last segment that is exactly some key's last segment (e.g.
     * {@code batch_size} for {@code batching.batch_size}) always finds that key.
     *
     * @param unknownPath the unknown dotted path
     * @return the closest known path; empty when none is close enough
     */
    public static Optional<String> suggest(String unknownPath) {
        return suggest(unknownPath, PARAMETERS.keySet(), true);
    }

    /**
     * The closest of {@code known} to {@code unknown} (dotted names), if any is close enough.
     *
     * @param unknown the unknown dotted name
     * @param known the known dotted names
     * @param withSections also suggest the sections the known paths lie in
     * @return the closest known name or section; empty when none is close enough
     */
    public static Optional<String> suggest(String unknown, java.util.Collection<String> known, boolean withSections) {
        List<String> candidates = new ArrayList<>(known);
        if (withSections) {
            for (String k : known) {
                String[] parts = k.split("\\.");
                StringBuilder prefix = new StringBuilder();
                for (int i = 0; i < parts.length - 1; i++) {
                    prefix.append(i == 0 ? "" : ".").append(parts[i]);
                    candidates.add(prefix.toString());
                }
            }
        }
        String lastUnknown = unknown.substring(unknown.lastIndexOf('.') + 1);
        List<String> sameLast = known.stream().filter(k -> k.substring(k.lastIndexOf('.') + 1).equals(lastUnknown)
                && !k.equals(unknown)).sorted().toList();
        if (sameLast.size() == 1) {
            return Optional.of(sameLast.get(0));
        }
        return candidates.stream().distinct()
                .map(c -> Map.entry(c, Math.min(distance(c, unknown), lastSegmentDistance(c, unknown, lastUnknown))))
                .filter(e -> e.getValue() <= Math.max(2, unknown.length() / 3))
                .min(Comparator.comparingInt((Map.Entry<String, Integer> e) -> e.getValue())
                        .thenComparing(Map.Entry::getKey))
                .map(Map.Entry::getKey);
    }

    private static int lastSegmentDistance(String candidate, String unknownPath, String lastUnknown) {
        String last = candidate.substring(candidate.lastIndexOf('.') + 1);
        int penalty = sameParent(candidate, unknownPath) ? 0 : 3;
        if (lastUnknown.length() >= 3 && (last.contains(lastUnknown) || lastUnknown.contains(last))) {
            return 1 + penalty;
        }
        return distance(last, lastUnknown) + penalty;
    }

    private static boolean sameParent(String a, String b) {
        int ia = a.lastIndexOf('.');
        int ib = b.lastIndexOf('.');
        return (ia < 0 ? "" : a.substring(0, ia)).equals(ib < 0 ? "" : b.substring(0, ib));
    }

    /**
     * Levenshtein edit distance between two strings (for "did you mean" suggestions).
     *
     * @param a one string
     * @param b the other string
     * @return the number of single-character insertions, deletions and substitutions that turn one into the other
     */
    public static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
