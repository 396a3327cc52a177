package dev.lem.backend.djl.internal;

import dev.lem.config.ConfigException;
import dev.lem.config.ConfigProblem;
import dev.lem.config.ExperimentConfig;
import dev.lem.model.ModelArchitecture;
import dev.lem.model.SyntheticPresets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalInt;

/**
 * The settings the djl backend takes from an experiment's configuration, checked when the backend
 * is created (before anything is loaded). Backend options ({@code options.*}):
 * <ul>
 *   <li>{@code hidden_size}, {@code num_hidden_layers}, {@code num_attention_heads},
 *       {@code num_key_value_heads}, {@code head_dim}, {@code intermediate_size}, {@code vocab_size},
 *       {@code max_position_embeddings} (integers) and {@code tie_word_embeddings} (boolean): a custom
 *       shape for a {@code synthetic:} model, overriding the preset's values;</li>
 *   <li>{@code weight_seed} (integer, default 0): the seed of synthetic weights;</li>
 *   <li>{@code threads} (integer): PyTorch intra-op threads (process-wide; default: PyTorch's choice,
 *       one per core);</li>
 *   <li>{@code executor} ({@code compiled}, the default, or {@code eager}): how a forward pass runs — a
 *       TorchScript program generated from the architecture and compiled by libtorch at load (one JNI call
 *       per pass), or one DJL operation per step (one JNI call each); see {@link DecoderModel.Executor};</li>
 *   <li>{@code max_block_columns} (integer, default {@value Linear#DEFAULT_MAX_BLOCK_COLUMNS}): matrices
 *       with more inputs are stored as column blocks of at most this many (see {@link Linear}).</li>
 * </ul>
 *
 * @param precision      fp32, fp16 or auto (bf16 is refused)
 * @param maxInputTokens prompts are cut to their last this-many tokens
 */
record DjlSettings(ModelSource model, String precision, String device, int maxInputTokens,
        Map<String, Object> shape, long weightSeed, OptionalInt threads, DecoderModel.Executor executor,
        int maxBlockColumns) {

    static final List<String> SHAPE_OPTIONS = List.of("hidden_size", "num_hidden_layers", "num_attention_heads",
            "num_key_value_heads", "head_dim", "intermediate_size", "vocab_size", "max_position_embeddings",
            "tie_word_embeddings");
    static final String BF16_REASON = "bf16 is not supported by the djl backend: DJL's PyTorch layer cannot create"
            + " or compute bf16 tensors (a bf16 tensor aborts the JVM). Use precision fp32 (bf16 checkpoints are"
            + " upcast to fp32 at load), fp16 on a GPU, or a serving backend (vllm) for bf16";

    /**
     * Checks the configuration.
     *
     * @throws ConfigException listing every problem, one per line
     */
    static DjlSettings from(ExperimentConfig c) {
        List<ConfigProblem> problems = new ArrayList<>();
        String precision = c.precision().toLowerCase(Locale.ROOT);
        if (precision.equals("bf16")) {
            problems.add(new ConfigProblem("precision", BF16_REASON));
        } else if (!List.of("fp32", "fp16", "auto").contains(precision)) {
            problems.add(new ConfigProblem("precision", "\"" + c.precision() + "\" is not one of fp32, fp16, auto"));
        }
        if (!NativeEngine.validDevice(c.device())) {
            problems.add(new ConfigProblem("device", "\"" + c.device()
                    + "\" is not a device the djl backend knows: use cpu, cuda, cuda:<index> or auto"));
        }
        ModelSource model = null;
        try {
            model = ModelSource.resolve(c.model());
        } catch (ConfigException e) {
            problems.addAll(e.problems());
        }
        Map<String, Object> shape = new LinkedHashMap<>();
        long seed = 0;
        OptionalInt threads = OptionalInt.empty();
        DecoderModel.Executor executor = DecoderModel.Executor.COMPILED;
        int maxBlockColumns = Linear.DEFAULT_MAX_BLOCK_COLUMNS;
        for (Map.Entry<String, Object> e : c.options().entrySet()) {
            String key = e.getKey();
            String path = "options." + key;
            Object v = e.getValue();
            if (key.equals("weight_seed")) {
                Long l = integer(v);
                if (l == null) {
                    problems.add(new ConfigProblem(path, "\"" + v + "\" is not an integer"));
                } else {
                    seed = l;
                }
            } else if (key.equals("threads")) {
                Long l = integer(v);
                if (l == null || l < 1 || l > 4096) {
                    problems.add(new ConfigProblem(path, "\"" + v + "\" is not a thread count between 1 and 4096"));
                } else {
                    threads = OptionalInt.of(l.intValue());
                }
            } else if (key.equals("max_block_columns")) {
                Long l = integer(v);
                if (l == null || l < 16 || l > 1_048_576) {
                    problems.add(new ConfigProblem(path, "\"" + v + "\" is not a block width between 16 and 1048576"
                            + " inputs (default " + Linear.DEFAULT_MAX_BLOCK_COLUMNS + "; a large value keeps every"
                            + " matrix whole)"));
                } else {
                    maxBlockColumns = l.intValue();
                }
            } else if (key.equals("executor")) {
                String name = String.valueOf(v).trim().toLowerCase(Locale.ROOT);
                if (name.equals("compiled")) {
                    executor = DecoderModel.Executor.COMPILED;
                } else if (name.equals("eager")) {
                    executor = DecoderModel.Executor.EAGER;
                } else {
                    problems.add(new ConfigProblem(path, "\"" + v + "\" is not an executor of the djl backend: use compiled"
                            + " (a TorchScript program per model, the default) or eager (one DJL operation per step)"));
                }
            } else if (SHAPE_OPTIONS.contains(key)) {
                if (model != null && !model.synthetic()) {
                    problems.add(new ConfigProblem(path, "only applies to synthetic: models; " + c.model()
                            + " takes its shape from its config.json"));
                } else if (key.equals("tie_word_embeddings")) {
                    Boolean b = bool(v);
                    if (b == null) {
                        problems.add(new ConfigProblem(path, "\"" + v + "\" is not true or false"));
                    } else {
                        shape.put(key, b);
                    }
                } else {
                    Long l = integer(v);
                    if (l == null || l < 1 || l > 1_048_576) {
                        problems.add(new ConfigProblem(path, "\"" + v + "\" is not an integer between 1 and 1048576"));
                    } else {
                        shape.put(key, l.intValue());
                    }
                }
            } else {
                problems.add(new ConfigProblem(path, "unknown option for the djl backend; known: weight_seed, threads, executor,"
                        + " max_block_columns, "
                        + String.join(", ", SHAPE_OPTIONS)));
            }
        }
        DjlSettings s = new DjlSettings(model, precision, c.device(), c.maxInputTokens(), shape, seed, threads,
                executor, maxBlockColumns);
        if (model != null && model.synthetic() && !shape.isEmpty()) {
            try {
                s.syntheticArchitecture();
            } catch (IllegalArgumentException e) {
                problems.add(new ConfigProblem("options", "the custom synthetic shape is invalid: " + e.getMessage()));
            }
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        return s;
    }

    /** The synthetic preset with the shape options applied. */
    ModelArchitecture syntheticArchitecture() {
        ModelArchitecture p = SyntheticPresets.get(model.preset().orElseThrow());
        int hidden = (int) shape.getOrDefault("hidden_size", p.hiddenSize());
        int heads = (int) shape.getOrDefault("num_attention_heads", p.numAttentionHeads());
        int kvHeads = (int) shape.getOrDefault("num_key_value_heads",
                shape.containsKey("num_attention_heads") && p.numKeyValueHeads() == p.numAttentionHeads()
                        ? heads : p.numKeyValueHeads());
        boolean derivedHeadDim = !shape.containsKey("head_dim")
                && (shape.containsKey("hidden_size") || shape.containsKey("num_attention_heads"));
        if (derivedHeadDim && hidden % heads != 0) {
            throw new IllegalArgumentException("hidden_size (" + hidden + ") must be a multiple of num_attention_heads ("
                    + heads + "), or set head_dim");
        }
        int headDim = (int) shape.getOrDefault("head_dim", derivedHeadDim ? hidden / heads : p.headDim());
        boolean gpt2 = p.modelType().equals("gpt2");
        if (gpt2 && headDim * heads != hidden) {
            throw new IllegalArgumentException("GPT-2 needs head_dim × num_attention_heads = hidden_size");
        }
        if (gpt2 && kvHeads != heads) {
            throw new IllegalArgumentException("GPT-2 has no grouped-query attention: num_key_value_heads must equal"
                    + " num_attention_heads");
        }
        int inter = (int) shape.getOrDefault("intermediate_size",
                gpt2 && shape.containsKey("hidden_size") ? 4 * hidden : p.intermediateSize());
        return new ModelArchitecture(p.modelType(), hidden,
                (int) shape.getOrDefault("num_hidden_layers", p.numLayers()), heads, kvHeads, headDim, inter,
                (int) shape.getOrDefault("vocab_size", p.vocabSize()),
                (int) shape.getOrDefault("max_position_embeddings", p.maxPositionEmbeddings()),
                (boolean) shape.getOrDefault("tie_word_embeddings", p.tieWordEmbeddings()) || gpt2,
                p.attentionBias(), p.mlpBias(), p.gatedMlp(), p.activation(), p.norm(), p.normEps(),
                p.positionEncoding(), p.ropeTheta(), p.ropeScaling(), p.bosTokenId(), p.eosTokenIds(), p.torchDtype());
    }

    private static Long integer(Object v) {
        if (v instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())) {
            return n.longValue();
        }
        if (v instanceof String s) {
            try {
                return Long.parseLong(s.trim());
            } catch (NumberFormatException e) {
                return null;
            }
        }
        return null;
    }

    private static Boolean bool(Object v) {
        if (v instanceof Boolean b) {
            return b;
        }
        if (v instanceof String s && (s.equalsIgnoreCase("true") || s.equalsIgnoreCase("false"))) {
            return Boolean.parseBoolean(s);
        }
        return null;
    }
}
