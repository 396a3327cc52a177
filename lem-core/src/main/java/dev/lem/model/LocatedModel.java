package dev.lem.model;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * A model found by {@link ModelLocator}: where it is and how to read its architecture.
 *
 * @param id       the model as the user named it (e.g. {@code HuggingFaceTB/SmolLM2-135M},
 *                 {@code synthetic:SmolLM2-135M}, {@code /models/llama})
 * @param source   where it was found
 * @param folder   the folder holding {@code config.json} and the weights (absent for synthetic models)
 * @param revision the HF cache snapshot's commit hash, when found in the cache
 */
public record LocatedModel(String id, Source source, Optional<Path> folder, Optional<String> revision) {

    /** Where a model was found. */
    public enum Source {
        /** A local folder the user pointed at. */
        LOCAL("local"),
        /** A snapshot in the Hugging Face hub cache. */
        HF_CACHE("hf-cache"),
        /** A synthetic preset: a real model's shape with seeded random weights. */
        SYNTHETIC("synthetic");

        private final String label;

        Source(String label) {
            this.label = label;
        }

        /** {@return the label {@link dev.lem.spi.ModelInfo#source()} uses: local, hf-cache or synthetic} */
        public String label() {
            return label;
        }
    }

    /**
     * Checks that no component is null.
     *
     * @param id the model as the user named it
     * @param source where it was found
     * @param folder the folder holding {@code config.json} and the weights (absent for synthetic models)
     * @param revision the HF cache snapshot's commit hash, when found in the cache
     */
    public LocatedModel {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(folder, "folder");
        Objects.requireNonNull(revision, "revision");
    }

    /** {@return the synthetic preset's name, for {@code synthetic:<name>} models} */
    public Optional<String> presetName() {
        return source == Source.SYNTHETIC ? Optional.of(id.substring("synthetic:".length())) : Optional.empty();
    }

    /**
     * The architecture: the preset's, or read from the folder's {@code config.json}.
     *
     * @return the architecture
     * @throws dev.lem.LemException when config.json is missing or unreadable
     */
    public ModelArchitecture architecture() {
        return folder.map(HfConfigReader::read)
                .orElseGet(() -> SyntheticPresets.get(presetName().orElseThrow()));
    }

    /** {@return the checkpoint's safetensors headers, when the folder has weights in that format} */
    public Optional<SafetensorsCheckpoint> checkpoint() {
        return folder.flatMap(SafetensorsCheckpoint::find);
    }

    /** {@return where it is, in words: the folder, or {@code synthetic preset <name>}} */
    public String location() {
        return folder.map(Path::toString).orElse("synthetic preset " + presetName().orElse(id));
    }
}
