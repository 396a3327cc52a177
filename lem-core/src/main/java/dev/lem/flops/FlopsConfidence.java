package dev.lem.flops;

import com.fasterxml.jackson.annotation.JsonValue;

/** How a FLOPs figure was obtained, from most to least trustworthy. */
public enum FlopsConfidence {
    /** Counted from the matrix products the backend actually executed. */
    COUNTED,
    /** Analytic formula from the model architecture, including context-dependent attention. */
    ARCHITECTURE,
    /** 2 × parameters per token: the last resort. */
    PARAMETERS;

    /** {@return the label in results files: the name in lower case, e.g. {@code counted}} */
    @JsonValue
    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
