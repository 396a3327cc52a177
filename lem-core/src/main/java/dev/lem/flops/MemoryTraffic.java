package dev.lem.flops;

import dev.lem.model.ModelArchitecture;
import dev.lem.model.ParameterCount;
import dev.lem.model.TensorDtype;
import java.util.List;

/**
 * Bytes moved between device memory and compute units by inference, for memory-bandwidth
 * utilisation (MBU). The model (see docs/flops.md):
 *
 * <ul>
 * <li>each forward pass streams every weight once ({@link #weightBytesPerPass}); rows that share a
 *     pass (a batch) share that read;</li>
 * <li>each token's keys and values are written to the KV cache once
 *     ({@link #kvCacheBytesPerToken} per token), and each decode step reads every entry before it;</li>
 * <li>activations, logits and the embedding rows looked up are ignored (small next to the weights
 *     during decode).</li>
 * </ul>
 *
 * <p>Decode is memory-bound: at batch 1 the weight read dominates and MBU is the figure to watch;
 * prefill is compute-bound and is better judged by MFU.
 */
public final class MemoryTraffic {
    private MemoryTraffic() {
    }

    /**
     * Bytes moved by one cycle's work.
     *
     * @param forwardPasses passes the estimate assumed (prefill passes + decode steps)
     * @param weightBytes   weights streamed: forwardPasses × {@link #weightBytesPerPass}
     * @param kvCacheBytes  KV-cache entries written and read
     */
    public record Traffic(long forwardPasses, double weightBytes, double kvCacheBytes) {
        /** {@return weightBytes + kvCacheBytes, bytes} */
        public double totalBytes() {
            return weightBytes + kvCacheBytes;
        }
    }

    /**
     * Bytes of K and V that one token adds to the cache: {@code 2 · layers · kvHeads · headDim · bytes}.
     *
     * @param a the model's architecture
     * @param dtype the KV cache's storage type
     * @return bytes per token
     */
    public static long kvCacheBytesPerToken(ModelArchitecture a, TensorDtype dtype) {
        return 2L * a.numLayers() * a.kvDim() * dtype.bytes();
    }

    /**
     * Bytes of weights one forward pass reads: every parameter except those only looked up a row at a
     * time (an untied input embedding, learned positions), times the dtype's size.
     *
     * @param a the model's architecture
     * @param dtype the weights' storage type
     * @return bytes per pass
     */
    public static double weightBytesPerPass(ModelArchitecture a, TensorDtype dtype) {
        ParameterCount p = ParameterCount.of(a);
        return (double) (p.total() - p.lookupOnly()) * dtype.bytes();
    }

    /**
     * Estimated bytes moved by a cycle.
     *
     * @param a the model's architecture
     * @param dtype            storage type of weights and KV cache
     * @param requests         the cycle's requests
     * @param sequencesPerPass sequences that share a forward pass (the batch size; 1 for one request at a
     *                         time). Passes are estimated as ⌈requests / sequencesPerPass⌉ prefills plus
     *                         ⌈Σ (outputTokens − 1) / sequencesPerPass⌉ decode steps — a lower bound when
     *                         batch rows finish at different times, so MBU is a lower bound too.
     * @return the estimated traffic
     */
    public static Traffic cycleTraffic(ModelArchitecture a, TensorDtype dtype, List<FlopsInput.RequestTokens> requests,
            int sequencesPerPass) {
        return cycleTraffic(a, dtype, requests, sequencesPerPass, weightBytesPerPass(a, dtype));
    }

    /**
     * Estimated bytes moved by a cycle, with the weight bytes per forward pass as the backend reported them (an
     * unmerged adapter's matrices included; {@link dev.lem.spi.WeightFormat#bytesPerForwardPass()}).
     *
     * @param a the model's architecture
     * @param dtype            storage type of the KV cache
     * @param requests         the cycle's requests
     * @param sequencesPerPass sequences that share a forward pass (see the method above)
     * @param weightBytesPerPass bytes of weights one forward pass reads
     * @return the estimated traffic
     */
    public static Traffic cycleTraffic(ModelArchitecture a, TensorDtype dtype, List<FlopsInput.RequestTokens> requests,
            int sequencesPerPass, double weightBytesPerPass) {
        if (sequencesPerPass < 1) {
            throw new IllegalArgumentException("sequencesPerPass (" + sequencesPerPass + ") must be >= 1");
        }
        double kvEntries = 0;
        long decodeTokens = 0;
        for (FlopsInput.RequestTokens r : requests) {
            long steps = Math.max(0, r.outputTokens() - 1);
            // prefill writes P entries; decode step i writes 1 and reads the P + i before it
            kvEntries += r.promptTokens() + steps * (double) (r.promptTokens() + 1) + steps * (double) (steps - 1) / 2.0;
            decodeTokens += steps;
        }
        long passes = ceilDiv(requests.size(), sequencesPerPass) + ceilDiv(decodeTokens, sequencesPerPass);
        return new Traffic(passes, passes * weightBytesPerPass, kvEntries * kvCacheBytesPerToken(a, dtype));
    }

    private static long ceilDiv(long x, long y) {
        return (x + y - 1) / y;
    }
}
