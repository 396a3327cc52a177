package dev.lem.results;

import dev.lem.result.ExperimentResult;
import dev.lem.Metric;
import dev.lem.stats.Estimate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Results as CSV, in two shapes. Wide ({@link #toCsv}): one row per experiment, identity and the main settings
 * (with the weights' data type, quantisation and bytes per forward pass, the adapter, and the user's quality scores
 * as {@code name=value} separated by spaces), then for every {@link Metric} its mean, confidence bounds, n, interval method, outlier cycles (space-separated
 * indices) and basis; units are in the column names (the metric keys end in their unit: {@code _j}, {@code _ms},
 * {@code _per_s}, ...). Long, or tidy ({@link #toTidyCsv}): one row per experiment × metric with the same identity
 * columns and then {@code metric, unit, mean, ci_low, ci_high, ci_level, ci_method, n, std, cv, basis,
 * outlier_cycles, unavailable_reason} — what pandas ({@code pd.read_csv}), R ({@code read.csv}) and plotting
 * libraries take without reshaping. In both, absent figures are empty cells, never 0; in the tidy form an
 * unavailable metric has its row, with the reason.
 */
public final class CsvExport {
    private CsvExport() {
    }

    /** {@return the header row's columns} */
    public static List<String> columns() {
        List<String> cols = new ArrayList<>(List.of("id", "name", "created_at", "status", "model", "backend", "precision",
                "device", "batch_size", "max_output_tokens", "prompts", "cycles", "synthetic_weights", "weights_dtype",
                "quantization", "weight_bytes_per_forward_pass", "adapter", "quality_scores"));
        for (Metric m : Metric.values()) {
            cols.add(m.key() + "_mean");
            cols.add(m.key() + "_ci_low");
            cols.add(m.key() + "_ci_high");
            cols.add(m.key() + "_n");
            cols.add(m.key() + "_ci_method");
            cols.add(m.key() + "_outlier_cycles");
            cols.add(m.key() + "_basis");
        }
        return cols;
    }

    /**
     * The CSV text (RFC 4180 quoting).
     *
     * @param results the experiments' results, one row each
     * @return the CSV text, a header row first
     */
    public static String toCsv(List<ExperimentResult> results) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.join(",", columns())).append('\n');
        for (ExperimentResult r : results) {
            sb.append(String.join(",", row(r).stream().map(CsvExport::quote).toList())).append('\n');
        }
        return sb.toString();
    }

    /**
     * One experiment's cells, in the order of {@link #columns()} (unquoted).
     *
     * @param r the experiment's result
     * @return the cells
     */
    public static List<String> row(ExperimentResult r) {
        List<String> row = new ArrayList<>();
        var c = r.config();
        row.add(r.id());
        row.add(c.name().orElse(""));
        row.add(r.createdAt().toString());
        row.add(r.status().name().toLowerCase(java.util.Locale.ROOT));
        row.add(c.model());
        row.add(c.backend());
        row.add(c.precision().toString());
        row.add(c.device());
        row.add(Integer.toString(c.batching().batchSize()));
        row.add(Integer.toString(c.maxOutputTokens()));
        row.add(Integer.toString(c.prompts().limit()));
        row.add(Integer.toString(r.summary().cycles()));
        row.add(r.model().map(m -> Boolean.toString(m.syntheticWeights())).orElse(""));
        var weights = r.model().flatMap(dev.lem.spi.ModelInfo::weights);
        row.add(weights.map(dev.lem.spi.WeightFormat::dtype).orElse(""));
        row.add(weights.map(dev.lem.spi.WeightFormat::quantization).orElse(""));
        row.add(weights.flatMap(dev.lem.spi.WeightFormat::bytesPerForwardPass).map(CsvExport::num).orElse(""));
        row.add(r.model().flatMap(dev.lem.spi.ModelInfo::adapter).map(a -> a.name() + " r=" + a.rank() + " "
                + a.application()).orElse(""));
        row.add(r.qualityScores().stream().map(q -> q.name() + "=" + num(q.value()))
                .collect(java.util.stream.Collectors.joining(" ")));
        for (Metric m : Metric.values()) {
            Optional<Estimate> s = r.summary().find(m);
            row.add(s.map(x -> num(x.mean())).orElse(""));
            row.add(s.flatMap(Estimate::ciLow).map(CsvExport::num).orElse(""));
            row.add(s.flatMap(Estimate::ciHigh).map(CsvExport::num).orElse(""));
            row.add(s.map(x -> Integer.toString(x.n())).orElse(""));
            row.add(s.map(Estimate::method).orElse(""));
            row.add(s.map(x -> x.outlierCycles().stream().map(String::valueOf)
                    .collect(java.util.stream.Collectors.joining(" "))).orElse(""));
            row.add(s.map(Estimate::basis).orElse(""));
        }
        return row;
    }

    /** The identity and setting columns each row of the tidy shape starts with. */
    private static final List<String> IDENTITY = List.of("id", "name", "status", "model", "backend", "precision",
            "device", "batch_size", "max_output_tokens", "prompts", "cycles", "synthetic_weights");

    /** {@return the tidy CSV's columns} */
    public static List<String> tidyColumns() {
        List<String> cols = new ArrayList<>(IDENTITY);
        cols.addAll(List.of("metric", "unit", "mean", "ci_low", "ci_high", "ci_level", "ci_method", "n", "std", "cv",
                "basis", "outlier_cycles", "unavailable_reason"));
        return cols;
    }

    /**
     * The long (tidy) CSV: one row per experiment and {@link Metric}, in metric order (RFC 4180 quoting). A metric
     * the experiment does not have keeps its row, with empty figures and the reason in {@code unavailable_reason}.
     *
     * @param results the experiments, one block of rows each
     * @return the CSV text
     */
    public static String toTidyCsv(List<ExperimentResult> results) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.join(",", tidyColumns())).append('\n');
        for (ExperimentResult r : results) {
            var c = r.config();
            List<String> id = List.of(r.id(), c.name().orElse(""), r.status().name().toLowerCase(java.util.Locale.ROOT),
                    c.model(), c.backend(), c.precision().toString(), c.device(),
                    Integer.toString(c.batching().batchSize()), Integer.toString(c.maxOutputTokens()),
                    Integer.toString(c.prompts().limit()), Integer.toString(r.summary().cycles()),
                    r.model().map(m -> Boolean.toString(m.syntheticWeights())).orElse(""));
            for (Metric m : Metric.values()) {
                List<String> row = new ArrayList<>(id);
                row.add(m.key());
                row.add(m.unit());
                Optional<Estimate> s = r.summary().find(m);
                row.add(s.map(x -> num(x.mean())).orElse(""));
                row.add(s.flatMap(Estimate::ciLow).map(CsvExport::num).orElse(""));
                row.add(s.flatMap(Estimate::ciHigh).map(CsvExport::num).orElse(""));
                row.add(s.filter(x -> x.interval().isPresent()).map(x -> num(x.level())).orElse(""));
                row.add(s.map(Estimate::method).orElse(""));
                row.add(s.map(x -> Integer.toString(x.n())).orElse(""));
                row.add(s.flatMap(Estimate::std).map(CsvExport::num).orElse(""));
                row.add(s.flatMap(Estimate::cv).map(CsvExport::num).orElse(""));
                row.add(s.map(Estimate::basis).orElse(""));
                row.add(s.map(x -> x.outlierCycles().stream().map(String::valueOf)
                        .collect(java.util.stream.Collectors.joining(" "))).orElse(""));
                row.add(s.isPresent() ? "" : r.summary().whyUnavailable(m).orElse(""));
                sb.append(String.join(",", row.stream().map(CsvExport::quote).toList())).append('\n');
            }
        }
        return sb.toString();
    }

    private static String num(double v) {
        return Double.toString(v);
    }

    /**
     * A CSV cell, quoted when it must be (RFC 4180).
     *
     * @param s the cell's text
     * @return the cell, quoted when needed
     */
    public static String quote(String s) {
        if (s.contains(",") || s.contains("\"") || s.contains("\n") || s.contains("\r")) {
            return "\"" + s.replace("\"", "\"\"") + "\"";
        }
        return s;
    }
}
