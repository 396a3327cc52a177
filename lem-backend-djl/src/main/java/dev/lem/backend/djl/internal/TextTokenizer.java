package dev.lem.backend.djl.internal;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import dev.lem.spi.BackendException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * Text to token ids and back, through Hugging Face's {@code tokenizers} library (DJL's binding).
 * For real models it reads the model's {@code tokenizer.json}; for synthetic models it is GPT-2's
 * byte-level BPE shipped with this module, with ids mapped into the model's vocabulary (see
 * {@link #synthetic}).
 */
final class TextTokenizer implements AutoCloseable {
    /** GPT-2's vocabulary size, the range of the built-in tokenizer's ids. */
    static final int GPT2_VOCAB = 50257;
    static final String BUILTIN_RESOURCE = "/dev/lem/backend/djl/tokenizers/gpt2/tokenizer.json";
    private static final Map<String, String> OPTIONS = Map.of(
            "addSpecialTokens", "true", "truncation", "false", "padding", "false");

    private final HuggingFaceTokenizer hf;
    private final String description;
    private final int modelVocab;
    private final boolean mapped;
    private final Optional<Integer> bos;

    private TextTokenizer(HuggingFaceTokenizer hf, String description, int modelVocab, boolean mapped,
            Optional<Integer> bos) {
        this.hf = hf;
        this.description = description;
        this.modelVocab = modelVocab;
        this.mapped = mapped;
        this.bos = bos;
    }

    /** The tokenizer of a model folder ({@code tokenizer.json}). */
    static TextTokenizer fromFolder(Path folder, int modelVocab) {
        Path file = folder.resolve("tokenizer.json");
        if (!java.nio.file.Files.isRegularFile(file)) {
            throw new BackendException("No tokenizer.json in " + folder + ": the djl backend needs the fast"
                    + " (Rust) tokenizer file of the model; download it with the model, or convert a"
                    + " slow tokenizer with transformers' AutoTokenizer(...).save_pretrained()");
        }
        try {
            return new TextTokenizer(HuggingFaceTokenizer.newInstance(file, OPTIONS), file.toString(), modelVocab,
                    false, Optional.empty());
        } catch (IOException | RuntimeException e) {
            throw new BackendException("Cannot load the tokenizer " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * GPT-2's tokenizer for a synthetic model of {@code modelVocab} entries. A GPT-2 id {@code t} becomes
     * {@code t mod modelVocab} (the identity when the vocabulary has at least 50,257 entries); a model id
     * {@code o} is shown as the GPT-2 token {@code o mod 50257}. When {@code bos} is present it is put in
     * front of every prompt, as Llama-family tokenizers do.
     */
    static TextTokenizer synthetic(int modelVocab, Optional<Integer> bos) {
        try (InputStream in = TextTokenizer.class.getResourceAsStream(BUILTIN_RESOURCE)) {
            if (in == null) {
                throw new BackendException("The built-in GPT-2 tokenizer is missing from the classpath ("
                        + BUILTIN_RESOURCE + "): the lem-backend-djl jar is damaged");
            }
            return new TextTokenizer(HuggingFaceTokenizer.newInstance(in, OPTIONS),
                    "GPT-2 byte-level BPE (built in), ids mapped into a " + modelVocab + "-token vocabulary",
                    modelVocab, true, bos);
        } catch (IOException | RuntimeException e) {
            if (e instanceof BackendException be) {
                throw be;
            }
            throw new BackendException("Cannot load the built-in GPT-2 tokenizer: " + e.getMessage(), e);
        }
    }

    /** Token ids of a text, special tokens included as the tokenizer's post-processor adds them. */
    int[] encode(String text) {
        long[] ids = hf.encode(text, true, false).getIds();
        int extra = bos.isPresent() ? 1 : 0;
        int[] out = new int[ids.length + extra];
        bos.ifPresent(b -> out[0] = b);
        for (int i = 0; i < ids.length; i++) {
            out[i + extra] = mapped ? (int) (ids[i] % modelVocab) : (int) ids[i];
        }
        return out;
    }

    /** The text of {@code ids[from, to)}, special tokens skipped. */
    String decode(int[] ids, int from, int to) {
        long[] l = new long[to - from];
        for (int i = from; i < to; i++) {
            l[i - from] = mapped ? ids[i] % GPT2_VOCAB : ids[i];
        }
        return hf.decode(l, true);
    }

    String description() {
        return description;
    }

    @Override
    public void close() {
        hf.close();
    }
}
