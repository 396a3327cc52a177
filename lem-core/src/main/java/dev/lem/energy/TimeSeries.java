package dev.lem.energy;

import java.util.List;

/**
 * Samples taken by the sampler thread during a window: cumulative energy per domain and telemetry
 * values, each with its {@link System#nanoTime()} offset from the window's start.
 *
 * @param columns column names: {@code t_ms}, then {@code energy_j.<domain>} and telemetry columns
 * @param rows    one row per sample, values in column order; a value that could not be read is NaN
 */
public record TimeSeries(List<String> columns, List<double[]> rows) {
    /**
     * Copies the lists.
     *
     * @param columns column names
     * @param rows one row per sample, values in column order
     */
    public TimeSeries {
        columns = List.copyOf(columns);
        rows = List.copyOf(rows);
    }

    /**
     * Writes the series as CSV text (header row, then one line per sample; NaN written empty).
     *
     * @return the CSV text
     */
    public String toCsv() {
        StringBuilder sb = new StringBuilder(String.join(",", columns)).append('\n');
        for (double[] row : rows) {
            for (int i = 0; i < row.length; i++) {
                if (i > 0) {
                    sb.append(',');
                }
                if (!Double.isNaN(row[i])) {
                    double v = row[i];
                    sb.append(v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v));
                }
            }
            sb.append('\n');
        }
        return sb.toString();
    }
}
