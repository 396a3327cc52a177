package dev.lem.energy.internal;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Thermal design power (TDP, W) by CPU model, from {@code cpu_power.csv} (CodeCarbon's table of 4,903
 * models, compiled from Intel ARK and AMD product pages), and the matcher that finds an OS brand string
 * such as {@code "Intel(R) Xeon(R) CPU E5-2690 v4 @ 2.60GHz"} in it.
 *
 * <p><b>Matching.</b> Both the brand string and every table name are normalised: lower case; trademark
 * marks, parenthesised text, {@code @ 2.60GHz}, {@code "64-Core"}, {@code "CPU"}, {@code "Processor"} and
 * integrated-graphics suffixes ({@code "with Radeon Graphics"}) removed; split into tokens at spaces and
 * hyphens. Then, in order:
 * <ol>
 *   <li><b>exact</b>: the token lists are equal;</li>
 *   <li><b>model number</b>: the brand's model-number token (the token with the most digits, e.g.
 *       {@code 2690}, {@code 8700k}, {@code 7763}) must appear in the candidate; candidates of another
 *       vendor are excluded; the score is shared tokens minus the candidate's tokens the brand lacks
 *       (so {@code E5-2690 v4} beats {@code E5-2690 v3} and {@code E5-2690}); the best score wins. When
 *       several candidates tie with different TDPs the result is <b>ambiguous</b>;</li>
 *   <li>a brand without a model number (e.g. {@code "AMD EPYC"}, as some virtual machines report) is
 *       <b>ambiguous</b> when table names contain all its tokens (a family), else <b>not found</b>.</li>
 * </ol>
 * Never a guess between different TDPs: an ambiguous or missing model is reported as such, with the
 * candidates, and the caller falls back to a documented per-thread figure.
 */
final class CpuPowerTable {
    /** One table row. */
    record Entry(String name, double tdpWatts) {
    }

    /** How a brand string was matched. */
    enum Kind { EXACT, MODEL_NUMBER, AMBIGUOUS, NOT_FOUND }

    /**
     * The outcome of a lookup.
     *
     * @param query      the brand string looked up
     * @param kind       how it matched
     * @param entry      the row used, for EXACT and MODEL_NUMBER
     * @param candidates the tied or family rows for AMBIGUOUS (up to all of them)
     */
    record Match(String query, Kind kind, Optional<Entry> entry, List<Entry> candidates) {
        /** The TDP, when a single model matched. */
        Optional<Double> tdpWatts() {
            return entry.map(Entry::tdpWatts);
        }

        /** One sentence for the result's notes. */
        String describe() {
            return switch (kind) {
                case EXACT -> "\"" + query + "\" is \"" + entry.orElseThrow().name() + "\" in cpu_power.csv";
                case MODEL_NUMBER -> "\"" + query + "\" matched \"" + entry.orElseThrow().name()
                        + "\" in cpu_power.csv by model number";
                case AMBIGUOUS -> {
                    double lo = candidates.stream().mapToDouble(Entry::tdpWatts).min().orElse(0);
                    double hi = candidates.stream().mapToDouble(Entry::tdpWatts).max().orElse(0);
                    yield "\"" + query + "\" is ambiguous in cpu_power.csv: " + candidates.size() + " models match (e.g. "
                            + candidates.stream().limit(3).map(Entry::name).collect(Collectors.joining(", "))
                            + ") with TDPs from " + fmt(lo) + " to " + fmt(hi) + " W";
                }
                case NOT_FOUND -> "\"" + query + "\" is not in cpu_power.csv";
            };
        }
    }

    static final String RESOURCE = "cpu_power.csv";
    private static final Set<String> STOP = Set.of("cpu", "processor", "processors", "apu", "soc", "oem", "only",
            "genuine", "(r)", "(tm)");
    private static final Set<String> VENDORS = Set.of("amd", "intel", "apple", "arm", "ampere", "qualcomm");
    private static final Pattern MARKS = Pattern.compile("\\((r|tm|c)\\)|[®™©]");
    private static final Pattern PARENS = Pattern.compile("\\([^)]*\\)");
    private static final Pattern CLOCK = Pattern.compile("@.*$|\\b\\d+(\\.\\d+)?\\s*[gm]hz\\b");
    private static final Pattern CORES = Pattern.compile("\\b[a-z0-9]+-core\\b");
    private static final Pattern GRAPHICS = Pattern.compile("\\s(with|w/)\\s.*$|\\s(radeon|integrated)\\s.*graphics.*$");
    private static final Pattern SPLIT = Pattern.compile("[\\s\\-,/]+");

    private final List<Entry> entries;
    private final List<List<String>> tokens;

    CpuPowerTable(List<Entry> entries) {
        this.entries = List.copyOf(entries);
        this.tokens = this.entries.stream().map(e -> tokens(e.name())).toList();
    }

    /** The shipped table (read once per call; callers keep the instance). */
    static CpuPowerTable load() {
        List<Entry> rows = new ArrayList<>();
        for (Map<String, String> r : DataFiles.csv(RESOURCE)) {
            try {
                rows.add(new Entry(r.get("Name"), Double.parseDouble(r.get("TDP"))));
            } catch (RuntimeException e) {
                // 4 rows of the shipped table hold malformed TDPs ("27.29.5") and are skipped
            }
        }
        return new CpuPowerTable(rows);
    }

    int size() {
        return entries.size();
    }

    /** Looks up an OS brand string. */
    Match match(String brand) {
        List<String> q = tokens(brand);
        if (q.isEmpty()) {
            return new Match(brand, Kind.NOT_FOUND, Optional.empty(), List.of());
        }
        for (int i = 0; i < entries.size(); i++) {
            if (tokens.get(i).equals(q)) {
                return new Match(brand, Kind.EXACT, Optional.of(entries.get(i)), List.of());
            }
        }
        Optional<String> model = q.stream().filter(t -> digits(t) > 0)
                .max(Comparator.comparingInt(CpuPowerTable::digits).thenComparingInt(String::length));
        Set<String> qs = new LinkedHashSet<>(q);
        Optional<String> vendor = q.stream().filter(VENDORS::contains).findFirst();
        if (model.isEmpty()) {
            List<Entry> family = new ArrayList<>();
            for (int i = 0; i < entries.size(); i++) {
                if (tokens.get(i).containsAll(qs)) {
                    family.add(entries.get(i));
                }
            }
            return family.isEmpty() ? new Match(brand, Kind.NOT_FOUND, Optional.empty(), List.of())
                    : new Match(brand, Kind.AMBIGUOUS, Optional.empty(), family);
        }
        int best = Integer.MIN_VALUE;
        List<Entry> top = new ArrayList<>();
        for (int i = 0; i < entries.size(); i++) {
            List<String> c = tokens.get(i);
            if (!c.contains(model.get()) || otherVendor(c, vendor)) {
                continue;
            }
            int shared = 0;
            int extra = 0;
            for (String t : new LinkedHashSet<>(c)) {
                if (qs.contains(t)) {
                    shared++;
                } else {
                    extra++;
                }
            }
            int score = shared - extra;
            if (score > best) {
                best = score;
                top.clear();
            }
            if (score == best) {
                top.add(entries.get(i));
            }
        }
        if (top.isEmpty()) {
            return new Match(brand, Kind.NOT_FOUND, Optional.empty(), List.of());
        }
        long tdps = top.stream().mapToDouble(Entry::tdpWatts).distinct().count();
        return tdps == 1 ? new Match(brand, Kind.MODEL_NUMBER, Optional.of(top.get(0)), List.of())
                : new Match(brand, Kind.AMBIGUOUS, Optional.empty(), top);
    }

    private static boolean otherVendor(List<String> candidate, Optional<String> vendor) {
        return vendor.isPresent() && candidate.stream().anyMatch(t -> VENDORS.contains(t) && !t.equals(vendor.get()));
    }

    /** The normalised tokens of a brand string or table name. */
    static List<String> tokens(String name) {
        String s = name.toLowerCase(Locale.ROOT);
        s = MARKS.matcher(s).replaceAll(" ");
        s = PARENS.matcher(s).replaceAll(" ");
        s = CLOCK.matcher(s).replaceAll(" ");
        s = CORES.matcher(s).replaceAll(" ");
        s = GRAPHICS.matcher(" " + s).replaceAll(" ");
        s = s.replace(" includes intel optane memory", " ");
        List<String> out = new ArrayList<>();
        for (String t : SPLIT.split(s.trim())) {
            if (!t.isEmpty() && !STOP.contains(t)) {
                out.add(t);
            }
        }
        return out;
    }

    private static int digits(String t) {
        int n = 0;
        for (int i = 0; i < t.length(); i++) {
            n += Character.isDigit(t.charAt(i)) ? 1 : 0;
        }
        return n;
    }

    private static String fmt(double w) {
        return w == Math.rint(w) ? Long.toString((long) w) : Double.toString(w);
    }
}
