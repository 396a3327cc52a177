package dev.lem.spi;

import dev.lem.model.ModelArchitecture;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What was loaded.
 *
 * @param id               the model as named in the config
 * @param source           where it came from: {@code "local"}, {@code "hf-cache"}, {@code "synthetic"},
 *                         {@code "server"}
 * @param location         folder, cache snapshot or server URL
 * @param architecture     the architecture, when known (always for in-process models)
 * @param dtype            the data type computations run in, e.g. {@code "fp32"}
 * @param syntheticWeights true when the weights are seeded random numbers, not a trained checkpoint
 * @param parameterCount   exact parameter count when known
 * @param details          anything else worth recording (revision, tokenizer, server version)
 * @param engineSettings   the engine settings it runs with, typed, each with where its value came from (empty
 *                         for backends that record none, and in results written before LEM recorded them)
 * @param weights          the weights' data type and quantisation as used, and the bytes one forward pass reads
 *                         (empty for backends that record none, and in results written before LEM recorded it)
 * @param adapter          the LoRA adapter applied, when there is one
 */
public record ModelInfo(
        String id,
        String source,
        String location,
        Optional<ModelArchitecture> architecture,
        String dtype,
        boolean syntheticWeights,
        Optional<Long> parameterCount,
        Map<String, String> details,
        List<EngineSetting> engineSettings,
        Optional<WeightFormat> weights,
        Optional<AdapterInfo> adapter) {

    /**
     * Checks that the text and {@code Optional} components are set and copies the map and list; a {@code null} list
     * of engine settings becomes empty.
     *
     * @param id the model as named in the config
     * @param source where it came from
     * @param location folder, cache snapshot or server URL
     * @param architecture the architecture, when known
     * @param dtype the data type computations run in
     * @param syntheticWeights true when the weights are seeded random numbers
     * @param parameterCount exact parameter count when known
     * @param details anything else worth recording
     * @param engineSettings the engine settings it runs with
     * @param weights the weights' data type and quantisation as used; {@code null} means not recorded
     * @param adapter the LoRA adapter applied; {@code null} means none
     */
    public ModelInfo {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(location, "location");
        Objects.requireNonNull(architecture, "architecture");
        Objects.requireNonNull(dtype, "dtype");
        Objects.requireNonNull(parameterCount, "parameterCount");
        details = Map.copyOf(details);
        engineSettings = engineSettings == null ? List.of() : List.copyOf(engineSettings);
        weights = weights == null ? Optional.empty() : weights;
        adapter = adapter == null ? Optional.empty() : adapter;
    }

    /**
     * What was loaded, with no weight format or adapter recorded.
     *
     * @param id the model as named in the config
     * @param source where it came from
     * @param location folder, cache snapshot or server URL
     * @param architecture the architecture, when known
     * @param dtype the data type computations run in
     * @param syntheticWeights true when the weights are seeded random numbers
     * @param parameterCount exact parameter count when known
     * @param details anything else worth recording
     * @param engineSettings the engine settings it runs with
     */
    public ModelInfo(String id, String source, String location, Optional<ModelArchitecture> architecture, String dtype,
            boolean syntheticWeights, Optional<Long> parameterCount, Map<String, String> details,
            List<EngineSetting> engineSettings) {
        this(id, source, location, architecture, dtype, syntheticWeights, parameterCount, details, engineSettings,
                Optional.empty(), Optional.empty());
    }

    /**
     * What was loaded, with no engine settings recorded.
     *
     * @param id the model as named in the config
     * @param source where it came from
     * @param location folder, cache snapshot or server URL
     * @param architecture the architecture, when known
     * @param dtype the data type computations run in
     * @param syntheticWeights true when the weights are seeded random numbers
     * @param parameterCount exact parameter count when known
     * @param details anything else worth recording
     */
    public ModelInfo(String id, String source, String location, Optional<ModelArchitecture> architecture, String dtype,
            boolean syntheticWeights, Optional<Long> parameterCount, Map<String, String> details) {
        this(id, source, location, architecture, dtype, syntheticWeights, parameterCount, details, List.of(),
                Optional.empty(), Optional.empty());
    }

    /**
     * The same, with these engine settings.
     *
     * @param settings the engine settings
     * @return a copy with these engine settings
     */
    public ModelInfo withEngineSettings(List<EngineSetting> settings) {
        return new ModelInfo(id, source, location, architecture, dtype, syntheticWeights, parameterCount, details,
                settings, weights, adapter);
    }

    /**
     * The same, with this weight format.
     *
     * @param format the weights' data type and quantisation as used
     * @return a copy with this weight format
     */
    public ModelInfo withWeights(WeightFormat format) {
        return new ModelInfo(id, source, location, architecture, dtype, syntheticWeights, parameterCount, details,
                engineSettings, Optional.of(format), adapter);
    }

    /**
     * The same, with this adapter.
     *
     * @param info the LoRA adapter applied
     * @return a copy with this adapter
     */
    public ModelInfo withAdapter(AdapterInfo info) {
        return new ModelInfo(id, source, location, architecture, dtype, syntheticWeights, parameterCount, details,
                engineSettings, weights, Optional.of(info));
    }

    /**
     * The engine setting of that name, when recorded.
     *
     * @param name the setting's name
     * @return the setting; empty when not recorded
     */
    public Optional<EngineSetting> engineSetting(String name) {
        return engineSettings.stream().filter(s -> s.name().equals(name)).findFirst();
    }
}
