package dev.lem.campaign;

import dev.lem.config.ExperimentConfig;
import java.util.Map;
import java.util.Objects;

/**
 * One experiment of a campaign, as its manifest stores it: the configuration is stored whole, so a resume runs
 * exactly what was planned even if the files it came from changed.
 *
 * @param index        position in the campaign (0-based)
 * @param experimentId the experiment's id (its results are under {@code raw/<id>} and {@code aggregated/<id>.json})
 * @param label        a short unique name, e.g. {@code backend=djl batching.batch_size=4}
 * @param varied       the grid values that made it (empty for an explicitly listed config)
 * @param source       where it came from: {@code grid} or the config file
 * @param config       its validated configuration
 */
public record ManifestExperiment(int index, String experimentId, String label, Map<String, Object> varied,
        String source, ExperimentConfig config) {
    /**
     * Checks that the id and label are set and copies {@code varied}, keeping its order.
     *
     * @param index position in the campaign (0-based)
     * @param experimentId the experiment's id
     * @param label a short unique name
     * @param varied the grid values that made it
     * @param source where it came from: {@code grid} or the config file
     * @param config its validated configuration
     */
    public ManifestExperiment {
        Objects.requireNonNull(experimentId, "experimentId");
        Objects.requireNonNull(label, "label");
        varied = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(varied));
    }

    @Override
    public String toString() {
        return "experiment " + (index + 1) + " " + label + " (" + experimentId + ")";
    }
}
