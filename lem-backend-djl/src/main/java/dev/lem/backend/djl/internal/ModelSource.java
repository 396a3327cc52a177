package dev.lem.backend.djl.internal;

import dev.lem.LemException;
import dev.lem.config.ConfigException;
import dev.lem.model.LocatedModel;
import dev.lem.model.ModelLocator;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where a model comes from — a local Hugging Face folder, a snapshot in the local Hugging Face cache,
 * or a synthetic preset — as found by lem-core's {@link ModelLocator} (file system only, never a
 * download), with a miss turned into a configuration error on {@code model}.
 *
 * @param id     the model as written in the config
 * @param source {@code local}, {@code hf-cache} or {@code synthetic}
 * @param folder the folder holding {@code config.json} (absent for synthetic models)
 * @param preset the canonical preset name of a synthetic model
 */
record ModelSource(String id, String source, Optional<Path> folder, Optional<String> preset) {

    /** Folder or preset, as recorded in results. */
    String location() {
        return folder.map(Path::toString).orElseGet(() -> "synthetic:" + preset.orElse(id));
    }

    boolean synthetic() {
        return preset.isPresent();
    }

    static ModelSource resolve(String model) {
        return resolve(model, ModelLocator.standard());
    }

    /**
     * @throws ConfigException ({@code model}) when nothing is found, saying where the locator looked
     */
    static ModelSource resolve(String model, ModelLocator locator) {
        LocatedModel m;
        try {
            m = locator.locate(model);
        } catch (LemException e) {
            throw new ConfigException("model", e.getMessage() + (e.getMessage().contains("synthetic:") ? ""
                    : "; or use a synthetic model such as synthetic:SmolLM2-135M"));
        }
        return new ModelSource(model.trim(), m.source().label(), m.folder(), m.presetName());
    }
}
