package dev.lem.spi;

import java.util.List;
import java.util.Objects;

/**
 * The LoRA adapter a model ran with, as the backend applied it.
 *
 * @param name        the adapter's name (the model name of requests to a server)
 * @param source      where it came from: a folder, or a {@code synthetic:} specification
 * @param rank        the rank r (the largest, when modules differ)
 * @param alpha       lora_alpha
 * @param scaling     the factor applied to B·A: alpha / r, or alpha / √r with rank-stabilised scaling
 * @param rsLora      rank-stabilised scaling (use_rslora)
 * @param targets     the module names adapted, e.g. {@code q_proj}, {@code v_proj}
 * @param application how it was applied: {@code merged} (into the weights at load), {@code unmerged} (computed beside
 *                    each adapted matrix in every forward pass) or {@code served} (by the server)
 * @param parameters  the adapter's parameters (every A and B), when the backend read them; 0 when unknown
 */
public record AdapterInfo(String name, String source, int rank, double alpha, double scaling, boolean rsLora,
        List<String> targets, String application, long parameters) {

    /**
     * Checks the text components and copies the targets.
     *
     * @param name the adapter's name
     * @param source where it came from
     * @param rank the rank r
     * @param alpha lora_alpha
     * @param scaling the factor applied to B·A
     * @param rsLora rank-stabilised scaling
     * @param targets the module names adapted
     * @param application how it was applied
     * @param parameters the adapter's parameters; 0 when unknown
     */
    public AdapterInfo {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(application, "application");
        targets = targets == null ? List.of() : List.copyOf(targets);
    }

    /** One line, e.g. {@code lora-r8 (synthetic:r=8): r=8, alpha=16, scaling 2, targets q_proj, v_proj, merged}. */
    @Override
    public String toString() {
        return name + " (" + source + "): r=" + rank + ", alpha=" + (alpha == Math.rint(alpha) ? String.valueOf((long) alpha)
                : String.valueOf(alpha)) + ", scaling " + String.format(java.util.Locale.ROOT, "%.4g", scaling)
                + (rsLora ? " (rank-stabilised)" : "") + ", targets " + String.join(", ", targets) + ", " + application
                + (parameters > 0 ? ", " + parameters + " parameters" : "");
    }
}
