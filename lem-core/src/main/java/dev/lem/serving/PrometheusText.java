package dev.lem.serving;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A parser of the Prometheus text exposition format (what vLLM, SGLang and Triton serve at
 * {@code /metrics}): {@code name{label="value",...} value [timestamp]} lines; {@code #} lines (HELP, TYPE)
 * and malformed lines are skipped. Immutable.
 */
public final class PrometheusText {

    /**
     * One sample.
     *
     * @param name   metric name, e.g. {@code vllm:num_requests_running}
     * @param labels label name to value
     * @param value  the value ({@code NaN} and infinities allowed)
     */
    public record Sample(String name, Map<String, String> labels, double value) {
        /**
         * Copies the labels.
         *
         * @param name metric name
         * @param labels label name to value
         * @param value the value
         */
        public Sample {
            labels = Map.copyOf(labels);
        }
    }

    private final List<Sample> samples;

    private PrometheusText(List<Sample> samples) {
        this.samples = List.copyOf(samples);
    }

    /**
     * Parses a scrape.
     *
     * @param text the scrape, in the Prometheus text format
     * @return the samples
     */
    public static PrometheusText parse(String text) {
        List<Sample> out = new ArrayList<>();
        for (String raw : text.split("\n")) {
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            Sample s = parseLine(line);
            if (s != null) {
                out.add(s);
            }
        }
        return new PrometheusText(out);
    }

    private static @Nullable Sample parseLine(String line) {
        int brace = line.indexOf('{');
        int space = line.indexOf(' ');
        String name;
        Map<String, String> labels = new LinkedHashMap<>();
        String rest;
        if (brace >= 0 && (space < 0 || brace < space)) {
            name = line.substring(0, brace);
            int i = brace + 1;
            while (i < line.length() && line.charAt(i) != '}') {
                int eq = line.indexOf('=', i);
                if (eq < 0 || eq + 1 >= line.length() || line.charAt(eq + 1) != '"') {
                    return null;
                }
                String key = line.substring(i, eq).strip();
                StringBuilder v = new StringBuilder();
                int j = eq + 2;
                for (; j < line.length() && line.charAt(j) != '"'; j++) {
                    char c = line.charAt(j);
                    if (c == '\\' && j + 1 < line.length()) {
                        char n = line.charAt(++j);
                        v.append(n == 'n' ? '\n' : n);
                    } else {
                        v.append(c);
                    }
                }
                if (j >= line.length()) {
                    return null;
                }
                labels.put(key, v.toString());
                i = j + 1;
                while (i < line.length() && (line.charAt(i) == ',' || line.charAt(i) == ' ')) {
                    i++;
                }
            }
            if (i >= line.length()) {
                return null;
            }
            rest = line.substring(i + 1).strip();
        } else if (space > 0) {
            name = line.substring(0, space);
            rest = line.substring(space + 1).strip();
        } else {
            return null;
        }
        String[] parts = rest.split("\\s+");
        if (parts.length == 0 || parts[0].isEmpty()) {
            return null;
        }
        try {
            return new Sample(name, labels, parseValue(parts[0]));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static double parseValue(String s) {
        return switch (s) {
            case "+Inf", "Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            case "NaN" -> Double.NaN;
            default -> Double.parseDouble(s);
        };
    }

    /** {@return every sample, in order} */
    public List<Sample> samples() {
        return samples;
    }

    /**
     * The sum over every label set of the metric named {@code name}; empty when it is absent.
     *
     * @param name the metric's name
     * @return the sum; empty when the metric is absent
     */
    public Optional<Double> sum(String name) {
        double total = 0;
        boolean found = false;
        for (Sample s : samples) {
            if (s.name().equals(name)) {
                total += s.value();
                found = true;
            }
        }
        return found ? Optional.of(total) : Optional.empty();
    }

    /**
     * The sum over the label sets of the metric named {@code name} that carry every label of {@code labels} with
     * its value (e.g. Triton's {@code request_type="active"}); empty when none does.
     *
     * @param name the metric's name
     * @param labels labels a sample must carry, name to value
     * @return the sum; empty when no sample matches
     */
    public Optional<Double> sum(String name, Map<String, String> labels) {
        double total = 0;
        boolean found = false;
        for (Sample s : samples) {
            if (s.name().equals(name) && s.labels().entrySet().containsAll(labels.entrySet())) {
                total += s.value();
                found = true;
            }
        }
        return found ? Optional.of(total) : Optional.empty();
    }

    /**
     * The first of these names that is present, summed over label sets (for renamed metrics).
     *
     * @param names the metric's names, in the order to try
     * @return the sum; empty when every name is absent
     */
    public Optional<Double> sumFirst(String... names) {
        for (String n : names) {
            Optional<Double> v = sum(n);
            if (v.isPresent()) {
                return v;
            }
        }
        return Optional.empty();
    }

    /**
     * The mean over label sets (for gauges that are fractions, e.g. cache usage per engine).
     *
     * @param names the metric's names, in the order to try
     * @return the mean of the first name present; empty when every name is absent
     */
    public Optional<Double> mean(String... names) {
        for (String n : names) {
            double total = 0;
            int count = 0;
            for (Sample s : samples) {
                if (s.name().equals(n)) {
                    total += s.value();
                    count++;
                }
            }
            if (count > 0) {
                return Optional.of(total / count);
            }
        }
        return Optional.empty();
    }
}
