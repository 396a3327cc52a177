import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.IntPredicate;

/**
 * Recomputes the load curve of LEM's CPU estimate ({@code dev.lem.energy.internal.SpecPowerLoadCurve}) from published
 * SPECpower_ssj2008 results: per result, the share of its dynamic power drawn at 10 %, 20 %, ..., 100 % load,
 * (P(u) − P(active idle)) ÷ (P(100%) − P(active idle)); then the median per level, over all results and per era of
 * hardware availability.
 *
 * <p>Input: {@code data/spec_data_cleaned_unmelted.csv} of github.com/green-coding-solutions/spec-power-model (commit
 * 9739f29 was used; LEM does not ship it). Run with the JDK alone, no build:
 * <pre>
 *   java tools/SpecPowerLoadCurve.java path/to/spec_data_cleaned_unmelted.csv
 * </pre>
 */
public class SpecPowerLoadCurve {
    record Result(int year, double[] share) {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: java tools/SpecPowerLoadCurve.java spec_data_cleaned_unmelted.csv");
            System.exit(2);
        }
        List<String> lines = Files.readAllLines(Path.of(args[0]), StandardCharsets.UTF_8);
        List<String> head = parse(lines.get(0));
        int idleColumn = column(head, "ActiveIdle");
        int yearColumn = column(head, "Hardware_Availability_Year");
        int[] levelColumns = new int[10];
        for (int k = 1; k <= 10; k++) {
            levelColumns[k - 1] = column(head, (k * 10) + "_AvgPower");
        }
        List<Result> results = new ArrayList<>();
        int skipped = 0;
        for (String line : lines.subList(1, lines.size())) {
            List<String> f = parse(line);
            try {
                double idle = Double.parseDouble(f.get(idleColumn));
                double full = Double.parseDouble(f.get(levelColumns[9]));
                if (!(full > idle)) {
                    skipped++;
                    continue;
                }
                double[] share = new double[11];
                for (int k = 1; k <= 10; k++) {
                    share[k] = (Double.parseDouble(f.get(levelColumns[k - 1])) - idle) / (full - idle);
                }
                results.add(new Result((int) Double.parseDouble(f.get(yearColumn)), share));
            } catch (RuntimeException e) {
                skipped++;
            }
        }
        System.out.printf(Locale.ROOT, "%d results (%d skipped: missing or inconsistent figures)%n", results.size(),
                skipped);
        print("all", results, y -> true);
        print("2004-2011", results, y -> y <= 2011);
        print("2012-2015", results, y -> y >= 2012 && y <= 2015);
        print("2016-2019", results, y -> y >= 2016 && y <= 2019);
        print("2020-", results, y -> y >= 2020);
    }

    static void print(String label, List<Result> results, IntPredicate years) {
        List<Result> chosen = results.stream().filter(r -> years.test(r.year())).toList();
        StringBuilder s = new StringBuilder(String.format(Locale.ROOT, "%-10s %4d results:", label, chosen.size()));
        for (int k = 0; k <= 10; k++) {
            int level = k;
            double[] v = chosen.stream().mapToDouble(r -> r.share()[level]).sorted().toArray();
            s.append(String.format(Locale.ROOT, " %.3f", median(v)));
        }
        System.out.println(s);
    }

    static double median(double[] sorted) {
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    static int column(List<String> head, String name) {
        int i = head.indexOf(name);
        if (i < 0) {
            throw new IllegalArgumentException("no column " + name + " in the header: " + head);
        }
        return i;
    }

    /** One CSV line: fields separated by commas, double-quoted where they hold commas ("" is a quote). */
    static List<String> parse(String line) {
        List<String> out = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quoted) {
                if (c == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
                    field.append('"');
                    i++;
                } else if (c == '"') {
                    quoted = false;
                } else {
                    field.append(c);
                }
            } else if (c == '"') {
                quoted = true;
            } else if (c == ',') {
                out.add(field.toString());
                field.setLength(0);
            } else {
                field.append(c);
            }
        }
        out.add(field.toString());
        return out;
    }
}
