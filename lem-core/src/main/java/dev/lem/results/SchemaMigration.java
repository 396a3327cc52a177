package dev.lem.results;

import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Brings result files of older schema versions to the current one, in place, before they are read. Each step
 * is small and documented here and in CHANGELOG.md:
 * <ul>
 *   <li><b>1 → 2</b>: an estimate's interval became one object ({@code ci_low}, {@code ci_high} and
 *       {@code method} → {@code interval: {low, high, method}}, or {@code null} without one) and carries its
 *       {@code unit} and {@code basis}; a summary's metrics map each key straight to its estimate (the
 *       {@code {metric, unit, basis, estimate}} wrapper is gone); the configuration key
 *       {@code carbon.intensity_gper_kwh} is spelled {@code carbon.intensity_g_per_kwh} (handled where the
 *       configuration is read).</li>
 * </ul>
 */
final class SchemaMigration {
    private SchemaMigration() {
    }

    /** Migrates a document of {@code version} to {@link ResultsJson#SCHEMA_VERSION}. */
    static void migrate(ObjectNode root, int version) {
        if (version < 2) {
            summaryOneToTwo(root.get("summary"));
            root.put("schema_version", 2);
        }
    }

    private static void summaryOneToTwo(JsonNode summary) {
        if (!(summary instanceof ObjectNode s) || !(s.get("metrics") instanceof ObjectNode metrics)) {
            return;
        }
        List<String> keys = new ArrayList<>(metrics.propertyNames());
        for (String key : keys) {
            JsonNode wrapper = metrics.get(key);
            if (!(wrapper instanceof ObjectNode w) || !(w.get("estimate") instanceof ObjectNode e)) {
                continue;
            }
            ObjectNode estimate = e.deepCopy();
            JsonNode low = estimate.remove("ci_low");
            JsonNode high = estimate.remove("ci_high");
            JsonNode method = estimate.remove("method");
            if (low != null && high != null && low.isNumber() && high.isNumber()) {
                ObjectNode interval = estimate.putObject("interval");
                interval.set("low", low);
                interval.set("high", high);
                interval.put("method", method == null ? "none" : method.asString());
            } else {
                estimate.putNull("interval");
            }
            estimate.put("unit", w.path("unit").asString(""));
            estimate.put("basis", w.path("basis").asString(""));
            metrics.set(key, estimate);
        }
    }
}
