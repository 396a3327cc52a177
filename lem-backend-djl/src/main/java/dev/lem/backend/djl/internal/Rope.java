package dev.lem.backend.djl.internal;

import dev.lem.model.ModelArchitecture;
import dev.lem.model.RopeScaling;
import dev.lem.spi.BackendException;
import java.util.Optional;

/**
 * Rotary position embedding frequencies, with Llama 3 and linear scaling, computed in double
 * precision. Tables use the Hugging Face "rotate half" layout: for each position p and i < d/2,
 * {@code cos[p][i] = cos[p][i + d/2] = cos(p·f_i)} and the signed sine is {@code -sin(p·f_i)} in the
 * first half and {@code +sin(p·f_i)} in the second, so that
 * {@code rope(x) = x·cos + swapHalves(x)·signedSin}.
 */
final class Rope {
    private Rope() {
    }

    /** The d/2 inverse frequencies f_i = θ^(-2i/d), scaled as the config says. */
    static double[] inverseFrequencies(ModelArchitecture a) {
        int half = a.headDim() / 2;
        double[] f = new double[half];
        for (int i = 0; i < half; i++) {
            f[i] = 1.0 / Math.pow(a.ropeTheta(), (2.0 * i) / a.headDim());
        }
        Optional<RopeScaling> scaling = a.ropeScaling();
        if (scaling.isEmpty()) {
            return f;
        }
        RopeScaling s = scaling.get();
        switch (s.type()) {
            case "default" -> {
                return f;
            }
            case "linear" -> {
                for (int i = 0; i < half; i++) {
                    f[i] /= s.factor();
                }
                return f;
            }
            case "llama3" -> {
                double lowWavelen = s.originalMaxPositionEmbeddings() / s.lowFreqFactor();
                double highWavelen = s.originalMaxPositionEmbeddings() / s.highFreqFactor();
                for (int i = 0; i < half; i++) {
                    double wavelen = 2 * Math.PI / f[i];
                    if (wavelen > lowWavelen) {
                        f[i] /= s.factor();
                    } else if (wavelen >= highWavelen) {
                        double smooth = (s.originalMaxPositionEmbeddings() / wavelen - s.lowFreqFactor())
                                / (s.highFreqFactor() - s.lowFreqFactor());
                        f[i] = (1 - smooth) * f[i] / s.factor() + smooth * f[i];
                    }
                }
                return f;
            }
            default -> throw new BackendException("rope_scaling type \"" + s.type()
                    + "\" is not supported by the djl backend (supported: llama3, linear)");
        }
    }

    /** Fills cos and signed-sin tables of {@code positions × headDim}, row-major. */
    static void tables(double[] inv, int positions, float[] cos, float[] sin) {
        int half = inv.length;
        int d = half * 2;
        for (int p = 0; p < positions; p++) {
            for (int i = 0; i < half; i++) {
                double angle = p * inv[i];
                float c = (float) Math.cos(angle);
                float s = (float) Math.sin(angle);
                cos[p * d + i] = c;
                cos[p * d + half + i] = c;
                sin[p * d + i] = -s;
                sin[p * d + half + i] = s;
            }
        }
    }
}
