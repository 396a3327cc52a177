package dev.lem.spi;

import java.util.Objects;
import java.util.Optional;

/**
 * The data type and quantisation of a model's weights as they were actually used, with how that is known, and the
 * bytes of weights one forward pass reads (the weight traffic of MBU).
 *
 * @param dtype               the weights' storage type as used, e.g. {@code fp32}, {@code fp16}, {@code int4};
 *                            {@code unknown} when nobody reported it
 * @param quantization        the quantisation method, e.g. {@code none}, {@code awq}, {@code gptq}, {@code fp8};
 *                            {@code unknown} when nobody reported it
 * @param basis               how this is known, e.g. {@code "as loaded by the djl backend"}, {@code "set for the
 *                            managed server (options.quantization)"}, {@code "as configured by the user outside LEM;
 *                            not reported by the server"}
 * @param bytesPerForwardPass bytes of weights one forward pass reads (every matrix once; a looked-up embedding
 *                            table counts only its rows), when known
 */
public record WeightFormat(String dtype, String quantization, String basis, Optional<Double> bytesPerForwardPass) {

    /**
     * Checks that every component is set.
     *
     * @param dtype the weights' storage type as used
     * @param quantization the quantisation method
     * @param basis how this is known
     * @param bytesPerForwardPass bytes of weights one forward pass reads, when known
     */
    public WeightFormat {
        Objects.requireNonNull(dtype, "dtype");
        Objects.requireNonNull(quantization, "quantization");
        Objects.requireNonNull(basis, "basis");
        bytesPerForwardPass = bytesPerForwardPass == null ? Optional.empty() : bytesPerForwardPass;
    }

    /** One line, e.g. {@code fp32, not quantised (as loaded by the djl backend); 540.6 MB of weights per pass}. */
    @Override
    public String toString() {
        return dtype + ", " + (quantization.equals("none") ? "not quantised" : "quantisation " + quantization) + " ("
                + basis + ")" + bytesPerForwardPass.map(b -> String.format(java.util.Locale.ROOT,
                        "; %.4g MB of weights per forward pass", b / 1e6)).orElse("");
    }
}
