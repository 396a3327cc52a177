package dev.lem.cli;

import dev.lem.LemException;
import dev.lem.flops.ArchitectureFlops;
import dev.lem.flops.MemoryTraffic;
import dev.lem.model.LocatedModel;
import dev.lem.model.ModelArchitecture;
import dev.lem.model.ModelLocator;
import dev.lem.model.ParameterCount;
import dev.lem.model.SafetensorsCheckpoint;
import dev.lem.model.TensorDtype;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code lem model inspect}: a model's architecture, exact parameter count (and the safetensors
 * headers' count when weights are present), weight bytes per dtype, KV-cache bytes per token, and
 * FLOPs per token for prefill and decode at a given context. Reads only config.json and file headers.
 */
@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = "Show a model's architecture, parameter count, memory per dtype, KV cache per token and "
                + "FLOPs per token for prefill and decode.")
public final class ModelInspectCommand implements Callable<Integer> {
    /** The context used when {@code --context} is not given (capped at the model's maximum). */
    public static final int DEFAULT_CONTEXT = 1024;
    private static final JsonMapper JSON = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

    @Parameters(index = "0", paramLabel = "MODEL",
            description = "A local model folder, a Hugging Face id in the local HF cache (org/name[@revision]), "
                    + "or synthetic:<preset>.")
    String model;

    @Option(names = "--context", paramLabel = "N",
            description = "Context length for FLOPs per token and KV-cache size (default: " + DEFAULT_CONTEXT
                    + ", or the model's maximum if smaller).")
    Integer context;

    @Option(names = "--dtype", paramLabel = "TYPE",
            description = "fp32, fp16 or bf16: the dtype of the KV cache (default: the checkpoint's torch_dtype).")
    String dtype;

    @Option(names = "--json", description = "Print JSON instead of text.")
    boolean json;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private final ModelLocator locator;

    /** Finds models with {@link ModelLocator#standard()}. */
    public ModelInspectCommand() {
        this(ModelLocator.standard());
    }

    /**
     * Finds models with {@code locator} (tests use a temporary HF cache).
     *
     * @param locator where model names are looked up
     */
    public ModelInspectCommand(ModelLocator locator) {
        this.locator = locator;
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try {
            Map<String, Object> report = inspect(locator, model, Optional.ofNullable(context), Optional.ofNullable(dtype));
            out.print(json ? JSON.writeValueAsString(report) + "\n" : text(report));
            out.flush();
            return 0;
        } catch (BadInput e) {
            err.println("lem: " + e.getMessage());
            err.flush();
            return LemCommand.EXIT_BAD_INPUT;
        } catch (LemException e) {
            err.println("lem: " + e.getMessage());
            err.flush();
            return LemCommand.EXIT_FAILED;
        }
    }

    /** An argument the user must fix. */
    static final class BadInput extends LemException {
        private static final long serialVersionUID = 1L;

        BadInput(String message) {
            super(message);
        }
    }

    /**
     * Everything the command prints, as an ordered tree (what {@code --json} writes).
     *
     * @param locator    where {@code model} is looked up
     * @param model      a local Hugging Face folder, an HF id in the local HF cache, or {@code synthetic:<preset>}
     * @param contextArg the context length in tokens for FLOPs per token and the KV-cache size; empty: the
     *                   model's maximum, at most {@link #DEFAULT_CONTEXT}
     * @param dtypeArg   the KV cache's dtype, {@code fp32}, {@code fp16} or {@code bf16}; empty: the
     *                   checkpoint's {@code torch_dtype}
     * @return the report as nested maps in print order (units in the key names)
     * @throws LemException when the model cannot be found or read, or an argument is invalid
     */
    public static Map<String, Object> inspect(ModelLocator locator, String model, Optional<Integer> contextArg,
            Optional<String> dtypeArg) {
        LocatedModel located = locator.locate(model);
        ModelArchitecture a = located.architecture();
        int context = contextArg.orElse(Math.min(DEFAULT_CONTEXT, a.maxPositionEmbeddings()));
        if (context < 1 || context > a.maxPositionEmbeddings()) {
            throw new BadInput("--context (" + context + ") must be between 1 and the model's max_position_embeddings ("
                    + a.maxPositionEmbeddings() + ")");
        }
        TensorDtype dtype = dtypeArg.map(ModelInspectCommand::parseDtype)
                .orElseGet(() -> TensorDtype.find(a.torchDtype()).filter(ModelInspectCommand::allowed).orElse(TensorDtype.F32));

        Map<String, Object> r = new LinkedHashMap<>();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", located.id());
        m.put("source", located.source().label());
        m.put("location", located.location());
        m.put("revision", located.revision().orElse(null));
        r.put("model", m);
        r.put("architecture", architecture(a));

        ParameterCount p = ParameterCount.of(a);
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("total", p.total());
        params.put("non_embedding", p.nonEmbedding());
        params.put("embedding", p.embedding());
        params.put("position_embedding", p.positionEmbedding());
        params.put("attention", p.attention());
        params.put("mlp", p.mlp());
        params.put("norms", p.norms());
        params.put("lm_head", p.lmHead());
        r.put("parameters", params);
        checkpoint(located, a, r);

        Map<String, Object> weights = new LinkedHashMap<>();
        for (TensorDtype t : List.of(TensorDtype.F32, TensorDtype.BF16, TensorDtype.F16, TensorDtype.F8_E4M3)) {
            weights.put(t == TensorDtype.F8_E4M3 ? "fp8" : t.label(), p.total() * t.bytes());
        }
        r.put("weight_bytes", weights);

        r.put("dtype", dtype.label());
        long kvPerToken = MemoryTraffic.kvCacheBytesPerToken(a, dtype);
        Map<String, Object> kv = new LinkedHashMap<>();
        kv.put("bytes_per_token", kvPerToken);
        kv.put("bytes_at_context", kvPerToken * context);
        r.put("kv_cache", kv);

        Map<String, Object> f = new LinkedHashMap<>();
        f.put("context", context);
        f.put("prefill_per_token", ArchitectureFlops.prefillFlops(a, context) / context);
        f.put("prefill_total", exact(ArchitectureFlops.prefillFlops(a, context)));
        f.put("prefill_masked_attention", exact(ArchitectureFlops.maskedAttentionFlops(a, context)));
        f.put("decode_per_token", exact(ArchitectureFlops.forwardFlops(a, context, 1)));
        f.put("decode_linear", exact(ArchitectureFlops.linearFlopsPerToken(a)));
        f.put("decode_attention", exact(ArchitectureFlops.attentionFlops(a, 1, context + 1L)));
        f.put("decode_lm_head", exact(ArchitectureFlops.lmHeadFlopsPerToken(a)));
        f.put("two_n_per_token", exact(2.0 * p.total()));
        r.put("flops", f);
        return r;
    }

    /** FLOPs of whole passes are whole numbers: written as JSON integers. */
    private static long exact(double flops) {
        return Math.round(flops);
    }

    private static boolean allowed(TensorDtype t) {
        return t == TensorDtype.F32 || t == TensorDtype.F16 || t == TensorDtype.BF16;
    }

    private static TensorDtype parseDtype(String s) {
        return TensorDtype.find(s).filter(ModelInspectCommand::allowed)
                .orElseThrow(() -> new BadInput("--dtype (\"" + s + "\") must be fp32, fp16 or bf16"));
    }

    private static Map<String, Object> architecture(ModelArchitecture a) {
        Map<String, Object> x = new LinkedHashMap<>();
        x.put("model_type", a.modelType());
        x.put("hidden_size", a.hiddenSize());
        x.put("num_layers", a.numLayers());
        x.put("num_attention_heads", a.numAttentionHeads());
        x.put("num_key_value_heads", a.numKeyValueHeads());
        x.put("head_dim", a.headDim());
        x.put("intermediate_size", a.intermediateSize());
        x.put("vocab_size", a.vocabSize());
        x.put("max_position_embeddings", a.maxPositionEmbeddings());
        x.put("tie_word_embeddings", a.tieWordEmbeddings());
        x.put("attention_bias", a.attentionBias());
        x.put("mlp_bias", a.mlpBias());
        x.put("mlp", a.gatedMlp() ? "gated" : "two-matrix");
        x.put("activation", a.activation());
        x.put("norm", a.norm());
        x.put("position_encoding", a.positionEncoding());
        x.put("rope_theta", a.positionEncoding().equals("rope") ? a.ropeTheta() : null);
        x.put("torch_dtype", a.torchDtype());
        return x;
    }

    private static void checkpoint(LocatedModel located, ModelArchitecture a, Map<String, Object> r) {
        Optional<SafetensorsCheckpoint> ck = located.checkpoint();
        if (ck.isEmpty()) {
            r.put("checkpoint", null);
            r.put("checkpoint_reason", located.folder().isEmpty()
                    ? "synthetic preset: seeded random weights, no files"
                    : "no .safetensors files in " + located.location());
            return;
        }
        SafetensorsCheckpoint c = ck.get();
        SafetensorsCheckpoint.ParameterAgreement agreement = c.agreement(a);
        Map<String, Object> x = new LinkedHashMap<>();
        x.put("files", c.files().size());
        x.put("tensors", c.tensors().size());
        x.put("parameters", c.parameterCount());
        x.put("parameters_by_dtype", c.parametersByDtype());
        x.put("data_bytes", c.dataBytes());
        x.put("buffers_excluded", c.buffers().size());
        x.put("agrees_with_architecture", agreement.agrees());
        x.put("agreement", agreement.explanation());
        r.put("checkpoint", x);
    }

    /** The text form of {@link #inspect}'s report. */
    @SuppressWarnings("unchecked")
    static String text(Map<String, Object> r) {
        Map<String, Object> m = (Map<String, Object>) r.get("model");
        Map<String, Object> a = (Map<String, Object>) r.get("architecture");
        Map<String, Object> p = (Map<String, Object>) r.get("parameters");
        Map<String, Object> w = (Map<String, Object>) r.get("weight_bytes");
        Map<String, Object> kv = (Map<String, Object>) r.get("kv_cache");
        Map<String, Object> f = (Map<String, Object>) r.get("flops");
        List<String> lines = new ArrayList<>();
        String where = "synthetic".equals(m.get("source")) ? String.valueOf(m.get("location"))
                : m.get("source") + ": " + m.get("location");
        lines.add(line("Model", m.get("id") + " (" + where
                + (m.get("revision") != null ? ", revision " + m.get("revision") : "") + ")"));
        lines.add(line("Architecture", a.get("model_type") + ": " + a.get("num_layers") + " layers, hidden "
                + a.get("hidden_size") + ", " + a.get("num_attention_heads") + " heads / " + a.get("num_key_value_heads")
                + " KV heads of " + a.get("head_dim") + ", " + a.get("mlp") + " MLP " + a.get("intermediate_size") + " ("
                + a.get("activation") + "), vocab " + a.get("vocab_size") + ", max positions "
                + a.get("max_position_embeddings")));
        lines.add(line("", a.get("norm") + ", " + a.get("position_encoding") + " positions"
                + (a.get("rope_theta") != null ? " (theta " + num(a.get("rope_theta")) + ")" : "")
                + ", embeddings " + (Boolean.TRUE.equals(a.get("tie_word_embeddings")) ? "tied" : "untied")
                + ", attention bias " + a.get("attention_bias") + ", mlp bias " + a.get("mlp_bias")
                + ", checkpoint dtype " + a.get("torch_dtype")));
        lines.add(line("Parameters", num(p.get("total")) + " (non-embedding " + num(p.get("non_embedding")) + ")"));
        for (String part : List.of("embedding", "position_embedding", "attention", "mlp", "norms", "lm_head")) {
            lines.add(line("  " + part.replace("position_embedding", "positions"), num(p.get(part))));
        }
        if (r.get("checkpoint") instanceof Map<?, ?> c) {
            lines.add(line("Checkpoint", num(c.get("parameters")) + " parameters in " + c.get("tensors") + " tensors, "
                    + c.get("files") + " file(s), " + bytes(c.get("data_bytes")) + ", by dtype "
                    + c.get("parameters_by_dtype")));
            lines.add(line("", (Boolean.TRUE.equals(c.get("agrees_with_architecture")) ? "agrees: " : "DISAGREES: ")
                    + c.get("agreement")));
        } else {
            lines.add(line("Checkpoint", "none (" + r.get("checkpoint_reason") + ")"));
        }
        lines.add(line("Weights", "fp32 " + bytes(w.get("fp32")) + " | bf16/fp16 " + bytes(w.get("bf16"))
                + " | fp8 " + bytes(w.get("fp8"))));
        lines.add(line("KV cache", r.get("dtype") + ": " + num(kv.get("bytes_per_token")) + " bytes/token, "
                + bytes(kv.get("bytes_at_context")) + " at " + num(f.get("context")) + " tokens"));
        lines.add(line("FLOPs", "matrix products, 2 per multiply-add, at context " + num(f.get("context"))
                + " (docs/flops.md)"));
        lines.add(line("  prefill", num(f.get("prefill_per_token")) + " FLOP/token averaged over a prompt of "
                + num(f.get("context")) + " tokens; " + num(f.get("prefill_total")) + " in all, "
                + num(f.get("prefill_masked_attention")) + " of it masked attention"));
        lines.add(line("  decode", num(f.get("decode_per_token")) + " FLOP/token at position " + num(f.get("context"))
                + " = linear " + num(f.get("decode_linear")) + " + attention " + num(f.get("decode_attention"))
                + " + LM head " + num(f.get("decode_lm_head"))));
        lines.add(line("  2N rule", num(f.get("two_n_per_token")) + " FLOP/token"));
        return String.join("\n", lines) + "\n";
    }

    private static String line(String key, String value) {
        return String.format(Locale.ROOT, "%-14s %s", key, value).stripTrailing();
    }

    private static String num(Object n) {
        return String.format(Locale.ROOT, "%,.0f", ((Number) n).doubleValue());
    }

    private static String bytes(Object n) {
        double b = ((Number) n).doubleValue();
        return b >= 1e9 ? String.format(Locale.ROOT, "%.2f GB", b / 1e9)
                : String.format(Locale.ROOT, "%.2f MB", b / 1e6);
    }
}
