package dev.lem.cli;

import dev.lem.Metric;
import dev.lem.config.ConfigSchema;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Locale;
import picocli.CommandLine;

/** Reads a {@link Metric} from its key ({@code energy_per_output_token_j}); an unknown key names the closest ones. */
final class MetricConverter implements CommandLine.ITypeConverter<Metric> {
    @Override
    public Metric convert(String value) {
        return Metric.fromKey(value.trim()).orElseThrow(() -> new CommandLine.TypeConversionException(
                "unknown metric '" + value + "'" + suggestion(value) + " (docs/reports.md lists every metric)"));
    }

    private static String suggestion(String value) {
        String v = value.toLowerCase(Locale.ROOT);
        // first the keys holding most of the words given ("energy_per_token" → energy_per_output_token_j), then the
        // closest by edit distance
        String[] words = v.split("[_\\s]+");
        String[] close = Arrays.stream(Metric.values()).map(Metric::key)
                .sorted(Comparator.comparingLong((String k) -> Arrays.stream(words).filter(w -> !k.contains(w)).count())
                        .thenComparingInt(k -> ConfigSchema.distance(k, v))).limit(3).toArray(String[]::new);
        return ": did you mean " + String.join(", ", close) + "?";
    }
}
