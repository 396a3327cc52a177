package dev.lem.model;

import dev.lem.LemException;
import java.util.Locale;
import java.util.Optional;

/**
 * Element types of tensors, with their size: the safetensors codes ({@code F32}, {@code BF16}, ...) and
 * the names used in configs and on the command line ({@code fp32}, {@code bfloat16}, {@code torch.float16}).
 */
public enum TensorDtype {
    /** 64-bit floating point ({@code fp64}, {@code float64}, {@code double}). */
    F64("fp64", 8, "float64", "double"),
    /** 32-bit floating point ({@code fp32}, {@code float32}, {@code float}). */
    F32("fp32", 4, "float32", "float"),
    /** 16-bit IEEE floating point ({@code fp16}, {@code float16}, {@code half}). */
    F16("fp16", 2, "float16", "half"),
    /** 16-bit bfloat16 floating point ({@code bf16}, {@code bfloat16}). */
    BF16("bf16", 2, "bfloat16"),
    /**
     * 8-bit floating point with a 4-bit exponent and 3-bit mantissa ({@code fp8_e4m3}, {@code float8_e4m3fn},
     * {@code fp8}).
     */
    F8_E4M3("fp8_e4m3", 1, "float8_e4m3fn", "fp8"),
    /** 8-bit floating point with a 5-bit exponent and 2-bit mantissa ({@code fp8_e5m2}, {@code float8_e5m2}). */
    F8_E5M2("fp8_e5m2", 1, "float8_e5m2"),
    /** 64-bit signed integer ({@code int64}, {@code long}). */
    I64("int64", 8, "long"),
    /** 32-bit signed integer ({@code int32}, {@code int}). */
    I32("int32", 4, "int"),
    /** 16-bit signed integer ({@code int16}, {@code short}). */
    I16("int16", 2, "short"),
    /** 8-bit signed integer ({@code int8}). */
    I8("int8", 1),
    /** 8-bit unsigned integer ({@code uint8}). */
    U8("uint8", 1),
    /** Boolean, one byte per element ({@code bool}). */
    BOOL("bool", 1);

    private final String label;
    private final int bytes;
    private final String[] aliases;

    TensorDtype(String label, int bytes, String... aliases) {
        this.label = label;
        this.bytes = bytes;
        this.aliases = aliases;
    }

    /** {@return the short lower-case name: {@code fp32}, {@code bf16}, {@code int8}} */
    public String label() {
        return label;
    }

    /** {@return bytes per element} */
    public int bytes() {
        return bytes;
    }

    /** {@return true for floating-point types} */
    public boolean floatingPoint() {
        return name().startsWith("F") || this == BF16;
    }

    /**
     * The type named {@code name}: a safetensors code ({@code BF16}), a label ({@code bf16}), a torch
     * name with or without {@code torch.} ({@code torch.bfloat16}); case-insensitive.
     *
     * @param name the name, in any case
     * @return the type; empty when no type has that name
     */
    public static Optional<TensorDtype> find(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT);
        if (n.startsWith("torch.")) {
            n = n.substring("torch.".length());
        }
        for (TensorDtype t : values()) {
            if (t.name().toLowerCase(Locale.ROOT).equals(n) || t.label.equals(n)) {
                return Optional.of(t);
            }
            for (String a : t.aliases) {
                if (a.equals(n)) {
                    return Optional.of(t);
                }
            }
        }
        return Optional.empty();
    }

    /**
     * Like {@link #find} but fails with a message naming {@code field} and the accepted names.
     *
     * @param field the configuration field, for the message
     * @param name the name, in any case
     * @return the type
     */
    public static TensorDtype parse(String field, String name) {
        return find(name).orElseThrow(() -> new LemException(field + " (\"" + name
                + "\") is not a known dtype: use fp32, fp16, bf16, fp8 or int8"));
    }
}
