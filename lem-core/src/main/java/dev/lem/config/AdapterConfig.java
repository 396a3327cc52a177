package dev.lem.config;

import java.util.Optional;

/**
 * A LoRA adapter applied to the model ({@code adapter.*}); see docs/quality.md.
 *
 * @param path a PEFT adapter folder (absolute once resolved), {@code synthetic:r=<rank>[,...]}, or {@code none}
 * @param name the adapter's name in requests to a server; empty: derived from the path
 */
public record AdapterConfig(
        @Key(doc = "A LoRA adapter: a PEFT folder (adapter_config.json and adapter_model.safetensors; relative paths "
                + "resolve against the config file), or synthetic:r=<rank>[,alpha=<a>][,targets=<m>+<m>...]"
                + "[,seed=<s>] (seeded random A and B matrices for any model, to measure an adapter's cost without a "
                + "download; djl only), or none. djl: merged into the weights at load, or applied unmerged with "
                + "options.adapter_mode: unmerged; vllm: --enable-lora --lora-modules <name>=<path> for a managed "
                + "server, and the adapter's name as the model of every request.", path = true)
        Optional<String> path,
        @Key(doc = "The adapter's name, sent as the model of each request to a server (a vLLM LoRA module); default: "
                + "the adapter folder's name (synthetic adapters: lora-r<rank>).") Optional<String> name) {

    /** The prefix of a synthetic adapter's specification. */
    public static final String SYNTHETIC = "synthetic:";

    /** {@return no adapter} */
    public static AdapterConfig none() {
        return new AdapterConfig(Optional.empty(), Optional.empty());
    }

    /** {@return the adapter's source (a folder or a synthetic specification); empty for none} */
    public Optional<String> source() {
        return path.map(String::trim).filter(p -> !p.isEmpty() && !p.equals("none"));
    }

    /** {@return whether the adapter is a synthetic one} */
    public boolean synthetic() {
        return source().map(s -> s.startsWith(SYNTHETIC)).orElse(false);
    }

    /**
     * The name requests use: {@link #name()} when given (alone, it names an adapter a server already serves), else
     * the folder's name, else {@code lora-r<rank>} for a synthetic adapter.
     *
     * @return the name; empty when there is no adapter
     */
    public Optional<String> effectiveName() {
        if (name.isPresent() && !name.get().isBlank()) {
            return name.map(String::trim);
        }
        if (source().isEmpty()) {
            return Optional.empty();
        }
        String s = source().get();
        if (synthetic()) {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("r=(\\d+)").matcher(s);
            return Optional.of(m.find() ? "lora-r" + m.group(1) : "lora-synthetic");
        }
        java.nio.file.Path p = java.nio.file.Path.of(s).getFileName();
        return Optional.of(p == null ? s : p.toString());
    }
}
