package dev.lem.backend.djl.internal;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.lem.config.AdapterConfig;
import dev.lem.config.ConfigException;
import dev.lem.model.ModelArchitecture;
import dev.lem.spi.AdapterInfo;
import dev.lem.spi.BackendException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A LoRA adapter for the model being loaded: for each adapted matrix W (by its Hugging Face tensor name), the
 * matrices A ({@code [r, in]}) and B ({@code [out, r]}) and the scaling s, so that the adapted map is
 * {@code y = x·Wᵀ + s·(x·Aᵀ)·Bᵀ} — the same function as W + s·B·A, PEFT's {@code merge}. Read from a PEFT folder
 * ({@code adapter_config.json} with {@code r}, {@code lora_alpha}, {@code target_modules}, {@code fan_in_fan_out},
 * {@code use_rslora}, {@code alpha_pattern}; {@code adapter_model.safetensors}) or made from a
 * {@code synthetic:r=<rank>[,alpha=<a>][,targets=<m>+<m>...][,seed=<s>]} specification (seeded random A and B).
 *
 * <p>Scaling: {@code lora_alpha / r}, or {@code lora_alpha / √r} with rank-stabilised LoRA ({@code use_rslora}).
 * GPT-2's Conv1D matrices are stored {@code [in, out]}: their update is (B·A)ᵀ in that layout, which PEFT expresses
 * with {@code fan_in_fan_out: true}; A and B are stored as for a linear layer either way.
 *
 * <p>Not supported, each refused with a message: DoRA ({@code use_dora}), trained biases ({@code bias} other than
 * {@code none}), {@code modules_to_save}, embedding adapters and adapters of the LM head or embeddings.
 */
final class LoraAdapter {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String KEY = "adapter.path";
    private static final Pattern SYNTHETIC_PART = Pattern.compile("([a-z_]+)=([^,]+)");

    /** Reads one float32 matrix into a manager. */
    interface Matrix {
        NDArray load(NDManager manager);
    }

    /**
     * One adapted matrix.
     *
     * @param weight  the base tensor's name, e.g. {@code model.layers.0.self_attn.q_proj.weight}
     * @param module  the module's short name, e.g. {@code q_proj}
     * @param rank    r
     * @param in      inputs of the map
     * @param out     outputs of the map
     * @param scaling s
     * @param a       A, {@code [r, in]}
     * @param b       B, {@code [out, r]}
     */
    record Module(String weight, String module, int rank, long in, long out, double scaling, Matrix a, Matrix b) {
    }

    private final String name;
    private final String source;
    private final double alpha;
    private final boolean rsLora;
    private final Map<String, Module> modules;
    private final Set<String> used = new LinkedHashSet<>();

    private LoraAdapter(String name, String source, double alpha, boolean rsLora, Map<String, Module> modules) {
        this.name = name;
        this.source = source;
        this.alpha = alpha;
        this.rsLora = rsLora;
        this.modules = modules;
    }

    /**
     * The adapter a configuration names, for a model.
     *
     * @param config  the adapter settings (with a source)
     * @param arch    the model's architecture
     * @param weights the model's weights (for their names)
     * @return the adapter
     * @throws BackendException when it cannot be read or does not fit the model
     */
    static LoraAdapter load(AdapterConfig config, ModelArchitecture arch, WeightSource weights) {
        String src = config.source().orElseThrow();
        String name = config.effectiveName().orElseThrow();
        if (config.synthetic()) {
            return synthetic(name, src, arch, weights);
        }
        return peft(name, Path.of(src), arch, weights);
    }

    /** Module names an architecture's decoder layers have, each with its tensor name pattern and shape. */
    private record Target(String module, String weight, long in, long out) {
    }

    /** Every adaptable matrix of layer {@code l}, by its module's short name (GPT-2's c_proj twice). */
    static List<Target> targets(ModelArchitecture a, WeightSource w, int l) {
        long h = a.hiddenSize();
        long inter = a.intermediateSize();
        List<Target> t = new ArrayList<>();
        if (a.modelType().equals("gpt2")) {
            String p = (w.has("transformer.wte.weight") ? "transformer." : "") + "h." + l + ".";
            t.add(new Target("c_attn", p + "attn.c_attn.weight", h, 3 * h));
            t.add(new Target("c_proj", p + "attn.c_proj.weight", h, h));
            t.add(new Target("c_fc", p + "mlp.c_fc.weight", h, inter));
            t.add(new Target("c_proj", p + "mlp.c_proj.weight", inter, h));
            return t;
        }
        String p = "model.layers." + l + ".";
        t.add(new Target("q_proj", p + "self_attn.q_proj.weight", h, a.qDim()));
        t.add(new Target("k_proj", p + "self_attn.k_proj.weight", h, a.kvDim()));
        t.add(new Target("v_proj", p + "self_attn.v_proj.weight", h, a.kvDim()));
        t.add(new Target("o_proj", p + "self_attn.o_proj.weight", a.qDim(), h));
        t.add(new Target("gate_proj", p + "mlp.gate_proj.weight", h, inter));
        t.add(new Target("up_proj", p + "mlp.up_proj.weight", h, inter));
        t.add(new Target("down_proj", p + "mlp.down_proj.weight", inter, h));
        return t;
    }

    /** PEFT's default targets: q_proj and v_proj for the Llama family, c_attn for GPT-2. */
    static List<String> defaultTargets(ModelArchitecture a) {
        return a.modelType().equals("gpt2") ? List.of("c_attn") : List.of("q_proj", "v_proj");
    }

    /** The parts of a {@code synthetic:} specification, checked; for configuration checks before anything loads. */
    static Map<String, String> parseSynthetic(String spec) {
        String body = spec.trim().substring(AdapterConfig.SYNTHETIC.length());
        Map<String, String> parts = new TreeMap<>();
        for (String part : body.split(",")) {
            if (part.isBlank()) {
                continue;
            }
            var m = SYNTHETIC_PART.matcher(part.trim());
            if (!m.matches()) {
                throw new ConfigException(KEY, "\"" + part.trim() + "\" in \"" + spec + "\" is not key=value; write "
                        + "synthetic:r=8[,alpha=16][,targets=q_proj+v_proj][,seed=1]");
            }
            parts.put(m.group(1), m.group(2).trim());
        }
        for (String k : parts.keySet()) {
            if (!List.of("r", "alpha", "targets", "seed").contains(k)) {
                throw new ConfigException(KEY, "\"" + k + "\" in \"" + spec + "\" is not a setting of a synthetic "
                        + "adapter (r, alpha, targets, seed)");
            }
        }
        if (!parts.containsKey("r")) {
            throw new ConfigException(KEY, "\"" + spec + "\" has no rank: write synthetic:r=<rank>, e.g. synthetic:r=8");
        }
        int r = integer(parts.get("r"), "r", spec);
        if (r < 1 || r > 4096) {
            throw new ConfigException(KEY, "r=" + r + " in \"" + spec + "\" must be between 1 and 4096");
        }
        if (parts.containsKey("alpha")) {
            try {
                double a = Double.parseDouble(parts.get("alpha"));
                if (!(a > 0) || Double.isInfinite(a)) {
                    throw new NumberFormatException();
                }
            } catch (NumberFormatException e) {
                throw new ConfigException(KEY, "alpha=" + parts.get("alpha") + " in \"" + spec + "\" must be a positive "
                        + "number");
            }
        }
        if (parts.containsKey("seed")) {
            try {
                Long.parseLong(parts.get("seed"));
            } catch (NumberFormatException e) {
                throw new ConfigException(KEY, "seed=" + parts.get("seed") + " in \"" + spec + "\" must be an integer");
            }
        }
        return parts;
    }

    private static int integer(String v, String what, String spec) {
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new ConfigException(KEY, what + "=" + v + " in \"" + spec + "\" must be an integer");
        }
    }

    private static LoraAdapter synthetic(String name, String spec, ModelArchitecture a, WeightSource w) {
        Map<String, String> parts = parseSynthetic(spec);
        int r = Integer.parseInt(parts.get("r"));
        double alpha = parts.containsKey("alpha") ? Double.parseDouble(parts.get("alpha")) : r;
        long seed = parts.containsKey("seed") ? Long.parseLong(parts.get("seed")) : 0;
        List<String> wanted = parts.containsKey("targets") ? List.of(parts.get("targets").split("\\+"))
                : defaultTargets(a);
        Set<String> known = new LinkedHashSet<>();
        targets(a, w, 0).forEach(t -> known.add(t.module()));
        for (String t : wanted) {
            if (!known.contains(t)) {
                throw new BackendException("adapter.path: target \"" + t + "\" of \"" + spec + "\" is not a matrix of "
                        + a.modelType() + " layers (" + String.join(", ", known) + ")");
            }
        }
        SyntheticWeights random = new SyntheticWeights(seed, a);
        Map<String, Module> modules = new LinkedHashMap<>();
        for (int l = 0; l < a.numLayers(); l++) {
            for (Target t : targets(a, w, l)) {
                if (!wanted.contains(t.module())) {
                    continue;
                }
                String base = t.weight().substring(0, t.weight().length() - ".weight".length());
                // A as PEFT initialises it (Kaiming-uniform: bound 1/√in); B with the weights' spread, not PEFT's
                // zeros, so that the adapter changes the function (its cost is the same either way)
                Matrix ma = m -> WeightSource.fill(m, new long[] {r, t.in()}, fb -> fill(random, base + ".lora_A.weight",
                        fb, (float) (1 / Math.sqrt(t.in()))));
                Matrix mb = m -> WeightSource.fill(m, new long[] {t.out(), r}, fb -> fill(random, base
                        + ".lora_B.weight", fb, (float) (SyntheticWeights.STD * Math.sqrt(3))));
                modules.put(t.weight(), new Module(t.weight(), t.module(), r, t.in(), t.out(), alpha / r, ma, mb));
            }
        }
        return new LoraAdapter(name, spec.trim(), alpha, false, modules);
    }

    private static void fill(SyntheticWeights random, String tensor, java.nio.FloatBuffer fb, float bound) {
        float[] row = new float[4096];
        long state = random.seedFor(tensor);
        int n = fb.remaining();
        for (int i = 0; i < n; i += row.length) {
            int m = Math.min(row.length, n - i);
            state = SyntheticWeights.uniform(state, row, m, bound);
            fb.put(row, 0, m);
        }
    }

    private static LoraAdapter peft(String name, Path folder, ModelArchitecture a, WeightSource w) {
        Path configFile = folder.resolve("adapter_config.json");
        Path tensorsFile = folder.resolve("adapter_model.safetensors");
        if (!Files.isDirectory(folder)) {
            throw new BackendException("adapter.path: " + folder + " is not a folder: give a PEFT adapter folder "
                    + "(adapter_config.json and adapter_model.safetensors) or synthetic:r=<rank>");
        }
        if (!Files.isRegularFile(configFile)) {
            throw new BackendException("adapter.path: " + folder + " has no adapter_config.json: it is not a PEFT "
                    + "adapter folder (save one with peft's model.save_pretrained)");
        }
        if (!Files.isRegularFile(tensorsFile)) {
            throw new BackendException("adapter.path: " + folder + " has no adapter_model.safetensors"
                    + (Files.isRegularFile(folder.resolve("adapter_model.bin")) ? " (only adapter_model.bin, which the "
                            + "djl backend does not read: save the adapter with safe_serialization=True)" : ""));
        }
        JsonNode c;
        try {
            c = JSON.readTree(Files.readString(configFile));
        } catch (IOException | JacksonException e) {
            throw new BackendException("adapter.path: cannot read " + configFile + ": " + e.getMessage(), e);
        }
        String type = c.path("peft_type").asString("LORA");
        if (!type.equalsIgnoreCase("LORA")) {
            throw new BackendException("adapter.path: " + configFile + " is a " + type + " adapter; the djl backend "
                    + "applies LoRA adapters only");
        }
        if (c.path("use_dora").asBoolean(false)) {
            throw new BackendException("adapter.path: " + configFile + " is a DoRA adapter (use_dora: true), which the "
                    + "djl backend does not apply; use a plain LoRA adapter, or vllm");
        }
        String bias = c.path("bias").asString("none");
        if (!bias.equals("none")) {
            throw new BackendException("adapter.path: " + configFile + " trains biases (bias: " + bias + "), which the "
                    + "djl backend does not apply; use an adapter saved with bias: none");
        }
        if (c.path("modules_to_save").isArray() && !c.path("modules_to_save").isEmpty()) {
            throw new BackendException("adapter.path: " + configFile + " saves whole modules (modules_to_save: "
                    + c.path("modules_to_save") + "), which the djl backend does not load");
        }
        if (!c.has("r") || !c.path("r").isNumber() || !c.has("lora_alpha")) {
            throw new BackendException("adapter.path: " + configFile + " lacks r or lora_alpha: it is not a LoRA "
                    + "adapter_config.json");
        }
        double alpha = c.path("lora_alpha").asDouble();
        boolean rs = c.path("use_rslora").asBoolean(false);
        Map<String, Double> alphaPattern = new LinkedHashMap<>();
        c.path("alpha_pattern").properties().forEach(e -> alphaPattern.put(e.getKey(), e.getValue().asDouble()));
        Map<String, Target> byWeight = new LinkedHashMap<>();
        for (int l = 0; l < a.numLayers(); l++) {
            targets(a, w, l).forEach(t -> byWeight.put(t.weight(), t));
        }
        Map<String, Safetensors.Tensor> tensors = new LinkedHashMap<>();
        Safetensors.readHeader(tensorsFile).forEach(t -> tensors.put(t.name(), t));
        Map<String, Safetensors.Tensor[]> pairs = new TreeMap<>();
        for (Safetensors.Tensor t : tensors.values()) {
            String n = t.name();
            if (n.contains("lora_embedding_")) {
                throw new BackendException("adapter.path: " + tensorsFile + " adapts an embedding (" + n + "), which the "
                        + "djl backend does not apply");
            }
            var m = Pattern.compile("^(.*)\\.lora_([AB])(\\.[^.]+)?\\.weight$").matcher(n);
            if (!m.matches()) {
                throw new BackendException("adapter.path: " + tensorsFile + " holds \"" + n + "\", which is not a LoRA "
                        + "A or B matrix (biases and saved modules are not applied by the djl backend)");
            }
            pairs.computeIfAbsent(m.group(1), k -> new Safetensors.Tensor[2])[m.group(2).equals("A") ? 0 : 1] = t;
        }
        if (pairs.isEmpty()) {
            throw new BackendException("adapter.path: " + tensorsFile + " holds no LoRA matrices");
        }
        Map<String, Module> modules = new LinkedHashMap<>();
        for (Map.Entry<String, Safetensors.Tensor[]> e : pairs.entrySet()) {
            String module = e.getKey().startsWith("base_model.model.") ? e.getKey().substring("base_model.model.".length())
                    : e.getKey();
            Safetensors.Tensor ta = e.getValue()[0];
            Safetensors.Tensor tb = e.getValue()[1];
            if (ta == null || tb == null) {
                throw new BackendException("adapter.path: " + tensorsFile + " has lora_" + (ta == null ? "B" : "A")
                        + " but not lora_" + (ta == null ? "A" : "B") + " for " + module);
            }
            String weight = module + ".weight";
            if (!byWeight.containsKey(weight) && weight.startsWith("transformer.")) {
                weight = weight.substring("transformer.".length());
            }
            if (!byWeight.containsKey(weight) && byWeight.containsKey("transformer." + weight)) {
                weight = "transformer." + weight;
            }
            Target t = byWeight.get(weight);
            if (t == null) {
                String shortName = module.substring(module.lastIndexOf('.') + 1);
                throw new BackendException("adapter.path: the adapter adapts " + module + ", which is not a matrix of a "
                        + a.modelType() + " decoder layer the djl backend can adapt (" + String.join(", ",
                                new LinkedHashSet<>(targets(a, w, 0).stream().map(Target::module).toList()))
                        + ")" + (shortName.equals("lm_head") || shortName.contains("embed") || shortName.equals("wte")
                                ? "; adapters of the LM head and embeddings are not supported" : "")
                        + ": is it an adapter of another model?");
            }
            long[] sa = ta.shape();
            long[] sb = tb.shape();
            if (sa.length != 2 || sb.length != 2 || sa[1] != t.in() || sb[0] != t.out() || sb[1] != sa[0]) {
                throw new BackendException("adapter.path: " + module + " has lora_A " + java.util.Arrays.toString(sa)
                        + " and lora_B " + java.util.Arrays.toString(sb) + ", but the model's matrix takes " + t.in()
                        + " inputs to " + t.out() + " outputs (expected [r, " + t.in() + "] and [" + t.out()
                        + ", r]): the adapter was trained for another model");
            }
            int r = (int) sa[0];
            double al = alphaFor(module, alphaPattern).orElse(alpha);
            double scaling = rs ? al / Math.sqrt(r) : al / r;
            modules.put(weight, new Module(weight, t.module(), r, t.in(), t.out(), scaling,
                    m -> WeightSource.fill(m, sa, fb -> Safetensors.readFloats(ta, fb)),
                    m -> WeightSource.fill(m, sb, fb -> Safetensors.readFloats(tb, fb))));
        }
        return new LoraAdapter(name, folder.toString(), alpha, rs, modules);
    }

    /** PEFT's pattern rule: a key matches a module when the module's name ends with it, after a dot or whole. */
    private static Optional<Double> alphaFor(String module, Map<String, Double> pattern) {
        for (Map.Entry<String, Double> e : pattern.entrySet()) {
            if (Pattern.compile("(.*\\.)?(" + e.getKey() + ")$").matcher(module).matches()) {
                return Optional.of(e.getValue());
            }
        }
        return Optional.empty();
    }

    /** The adapter's matrix for a base tensor, marking it used; empty when that tensor is not adapted. */
    Optional<Module> module(String weight) {
        Module m = modules.get(weight);
        if (m != null) {
            used.add(weight);
        }
        return Optional.ofNullable(m);
    }

    /** Fails when a matrix of the adapter was never asked for (the model does not load that tensor). */
    void checkAllUsed() {
        List<String> left = modules.keySet().stream().filter(k -> !used.contains(k)).toList();
        if (!left.isEmpty()) {
            throw new BackendException("adapter.path: the model never used the adapter's matrices for " + left
                    + ": the adapter does not fit this model");
        }
    }

    /** {@return every adapted matrix} */
    java.util.Collection<Module> modules() {
        return modules.values();
    }

    /** {@return A and B parameters in total} */
    long parameters() {
        return modules.values().stream().mapToLong(m -> (long) m.rank() * (m.in() + m.out())).sum();
    }

    /** {@return the adapted module names, in the layers' order} */
    List<String> targetNames() {
        return List.copyOf(new LinkedHashSet<>(modules.values().stream().map(Module::module).toList()));
    }

    /** What results record. */
    AdapterInfo info(String application) {
        int rank = modules.values().stream().mapToInt(Module::rank).max().orElse(0);
        double scaling = rsLora ? alpha / Math.sqrt(rank) : alpha / rank;
        return new AdapterInfo(name, source, rank, alpha, scaling, rsLora, targetNames(), application, parameters());
    }

    /** One line for the model's details. */
    String describe(String application) {
        return String.format(Locale.ROOT, "%s", info(application));
    }
}
