package dev.lem.serving;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An engine's version as it reports it ({@code 0.11.1}, {@code 0.10.1.dev12+g1234}, {@code 1.0.0rc4}), compared
 * by its leading release numbers; a pre-release ({@code rc}, {@code dev}, {@code a}, {@code b}) sorts before
 * the release with the same numbers. Immutable.
 *
 * @param text the version as reported
 */
public record EngineVersion(String text) implements Comparable<EngineVersion> {
    private static final Pattern RELEASE = Pattern.compile("v?(\\d+(?:\\.\\d+)*)(.*)");

    /**
     * Checks that the text is set.
     *
     * @param text the version as reported
     */
    public EngineVersion {
        Objects.requireNonNull(text, "text");
    }

    /**
     * A version when {@code text} starts with release numbers ({@code 0.11.1...}), else empty.
     *
     * @param text the text, or {@code null}
     * @return the version; empty when the text does not start with release numbers
     */
    public static Optional<EngineVersion> parse(String text) {
        String t = text == null ? "" : text.strip();
        return RELEASE.matcher(t).matches() ? Optional.of(new EngineVersion(t)) : Optional.empty();
    }

    /**
     * The first version number in a program's output (e.g. {@code vllm --version} prints {@code 0.11.1}, some
     * tools print {@code name 0.11.1}).
     *
     * @param output the program's output, or {@code null}
     * @return the version; empty when the output holds none
     */
    public static Optional<EngineVersion> find(String output) {
        Matcher m = Pattern.compile("(?<![\\w.])v?(\\d+\\.\\d+(?:\\.\\d+)*[\\w.+-]*)").matcher(output == null ? "" : output);
        return m.find() ? Optional.of(new EngineVersion(m.group(1))) : Optional.empty();
    }

    private List<Integer> numbers() {
        Matcher m = RELEASE.matcher(text.strip());
        List<Integer> out = new ArrayList<>();
        if (m.matches()) {
            for (String p : m.group(1).split("\\.")) {
                out.add(p.length() > 9 ? Integer.MAX_VALUE : Integer.parseInt(p));
            }
        }
        return out;
    }

    private boolean preRelease() {
        Matcher m = RELEASE.matcher(text.strip());
        if (!m.matches()) {
            return false;
        }
        String rest = m.group(2).toLowerCase(java.util.Locale.ROOT);
        return rest.matches("^[.-]?(rc|dev|a|b|alpha|beta|pre).*");
    }

    /**
     * Whether this version is at least {@code other} (a pre-release of X counts as older than X).
     *
     * @param other the version to compare with
     * @return whether this version is the same as or newer than {@code other}
     */
    public boolean atLeast(EngineVersion other) {
        return compareTo(other) >= 0;
    }

    @Override
    public int compareTo(EngineVersion o) {
        List<Integer> a = numbers();
        List<Integer> b = o.numbers();
        for (int i = 0; i < Math.max(a.size(), b.size()); i++) {
            int x = i < a.size() ? a.get(i) : 0;
            int y = i < b.size() ? b.get(i) : 0;
            if (x != y) {
                return Integer.compare(x, y);
            }
        }
        return Boolean.compare(!preRelease(), !o.preRelease());
    }

    @Override
    public String toString() {
        return text;
    }
}
