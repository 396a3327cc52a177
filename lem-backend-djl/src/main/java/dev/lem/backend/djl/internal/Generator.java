package dev.lem.backend.djl.internal;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import dev.lem.spi.BackendException;
import dev.lem.spi.Completion;
import dev.lem.spi.FinishReason;
import dev.lem.spi.GenerationListener;
import dev.lem.spi.GenerationRequest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.jspecify.annotations.Nullable;

/**
 * Runs one batch to completion: tokenises and left-pads the prompts, prefills them together, then
 * decodes one token per row per step with the KV cache until every row has stopped (end of
 * sequence after its minimum, or its maximum). Reports per-token events, prefill and decode phases,
 * and the counters {@code flops.prefill}, {@code flops.decode} (FLOPs of the matrix products
 * executed, see {@link FlopsCounter}) and {@code tokens.padding} (token slots computed that belong to
 * no request: left padding in the prefill, rows that already finished in later decode steps, and the
 * copy of a lone row decoded as two, see {@link #WIDEN_SINGLE_ROW_ON_CPU}).
 *
 * <p>Each step runs in its own {@link NDScope}, so the only native memory that outlives a step is
 * the batch's KV cache, freed when the batch ends.
 */
final class Generator {
    static final String TOKEN_COUNT_SOURCE = "backend";
    /**
     * On the CPU, when the products are libtorch's (not LEM's decode kernel, {@link DecoderModel#kernelForOneRow()}), a
     * lone request is decoded as two identical rows: PyTorch's CPU GEMM reads a weight matrix about 1.6× faster for
     * two rows than its matrix-vector path does for one (measured on 2 cores), and decoding one token is bound by
     * reading the weights. The copy is padding. LEM's kernel reads the weights at the same rate for one row, so a lone
     * row stays one row with it.
     */
    static final boolean WIDEN_SINGLE_ROW_ON_CPU = true;
    private final DecoderModel model;
    private final TextTokenizer tokenizer;
    private final int[] eos;
    private final int maxInputTokens;

    Generator(DecoderModel model, TextTokenizer tokenizer, int[] eos, int maxInputTokens) {
        this.model = model;
        this.tokenizer = tokenizer;
        this.eos = eos;
        this.maxInputTokens = maxInputTokens;
    }

    /** One request's state in the batch. */
    private final class Row {
        final GenerationRequest request;
        final int[] prompt;
        final SplittableRandom rng;
        final IncrementalText text = new IncrementalText(tokenizer);
        int pad;
        int generated;
        int last;
        boolean done;

        Row(GenerationRequest request, int[] prompt) {
            this.request = request;
            this.prompt = prompt;
            this.rng = new SplittableRandom(request.seed());
        }

        boolean isEos(int id) {
            for (int e : eos) {
                if (e == id) {
                    return true;
                }
            }
            return false;
        }
    }

    /** Prompt tokens of a text as this backend will see them (after truncation). */
    int[] promptTokens(String text) {
        int[] ids = tokenizer.encode(text);
        return ids.length > maxInputTokens ? Arrays.copyOfRange(ids, ids.length - maxInputTokens, ids.length) : ids;
    }

    void generate(List<GenerationRequest> batch, GenerationListener listener) {
        long start = System.nanoTime();
        for (GenerationRequest r : batch) {
            listener.requestStarted(r.id(), start);
        }
        List<Row> rows = new ArrayList<>();
        for (GenerationRequest r : batch) {
            String problem;
            int[] ids = null;
            try {
                ids = r.promptTokenIds() != null ? truncate(r.promptTokenIds()) : promptTokens(r.prompt());
                problem = check(ids, r);
            } catch (RuntimeException e) {
                problem = "the tokenizer failed on the prompt: " + NativeEngine.rootMessage(e);
            }
            if (problem != null) {
                listener.requestFailed(r.id(), System.nanoTime(), problem);
            } else {
                rows.add(new Row(r, ids));
            }
        }
        if (!rows.isEmpty()) {
            run(rows, listener);
        }
    }

    private int[] truncate(List<Integer> ids) {
        int from = Math.max(0, ids.size() - maxInputTokens);
        return ids.subList(from, ids.size()).stream().mapToInt(Integer::intValue).toArray();
    }

    private String check(int[] ids, GenerationRequest r) {
        if (ids.length == 0) {
            return "the prompt has no tokens (empty text and a tokenizer that adds no special token)";
        }
        int vocab = model.arch.vocabSize();
        for (int id : ids) {
            if (id < 0 || id >= vocab) {
                return "prompt token id " + id + " is outside the model's vocabulary [0, " + vocab + ")";
            }
        }
        int context = model.arch.maxPositionEmbeddings();
        if (ids.length + r.maxOutputTokens() > context) {
            return "the prompt (" + ids.length + " tokens) plus max_output_tokens (" + r.maxOutputTokens()
                    + ") exceeds the model's context of " + context + " tokens: lower max_input_tokens or"
                    + " max_output_tokens";
        }
        return null;
    }

    private void run(List<Row> rows, GenerationListener listener) {
        int b = rows.size();
        int width = rows.stream().mapToInt(r -> r.prompt.length).max().orElseThrow();
        int maxNew = rows.stream().mapToInt(r -> r.request.maxOutputTokens()).max().orElseThrow();
        int lastPosition = rows.stream().mapToInt(r -> r.prompt.length + r.request.maxOutputTokens()).max().orElseThrow();
        int capacity = width + maxNew - 1;
        long padding = 0;
        long[] ids = new long[b * width];
        long[] positions = new long[b * width];
        boolean padded = false;
        for (int i = 0; i < b; i++) {
            Row r = rows.get(i);
            r.pad = width - r.prompt.length;
            padding += r.pad;
            padded |= r.pad > 0;
            for (int j = 0; j < r.prompt.length; j++) {
                ids[i * width + r.pad + j] = r.prompt[j];
                positions[i * width + r.pad + j] = j;
            }
        }
        float[] mask = new float[b * width * width];
        for (int i = 0; i < b; i++) {
            for (int q = 0; q < width; q++) {
                for (int k = 0; k < width; k++) {
                    boolean visible = k <= q && k >= rows.get(i).pad;
                    mask[(i * width + q) * width + k] = visible ? 0f : DecoderModel.MASK_FP32;
                }
            }
        }
        double prefillFlops = FlopsCounter.forward(model.arch, b, width, width, b);
        double decodeFlops = 0;
        String phase = null;
        try (NDManager batchManager = model.manager.newSubManager()) {
            model.prepare(lastPosition);
            KvCache cache = model.newCache(batchManager, b, capacity);
            phase = "prefill";
            listener.phaseStarted(phase, System.nanoTime());
            // one array for every step's logits: no per-step array on the Java heap
            float[] logits = new float[b * model.arch.vocabSize()];
            step(ids, positions, b, width, width == 1 ? null : mask, cache, 0, b, logits);
            pick(rows, logits, listener);
            listener.phaseEnded(phase, System.nanoTime());
            phase = null;
            int width2 = b;
            if (b == 1 && maxNew > 1 && WIDEN_SINGLE_ROW_ON_CPU && !model.device.isGpu() && !model.kernelForOneRow()) {
                width2 = 2;
                KvCache single = cache;
                cache = single.repeatRows(batchManager, 2);
                single.close();
            }
            long[] next = new long[width2];
            long[] pos = new long[width2];
            for (int s = 1; s < maxNew && rows.stream().anyMatch(r -> !r.done); s++) {
                if (phase == null) {
                    phase = "decode";
                    listener.phaseStarted(phase, System.nanoTime());
                }
                int slot = width + s - 1;
                for (int i = 0; i < width2; i++) {
                    Row r = rows.get(Math.min(i, b - 1));
                    next[i] = r.done ? 0 : r.last;
                    pos[i] = r.done ? 0 : r.prompt.length + s - 1;
                    if (r.done || i >= b) {
                        padding++;
                    }
                }
                float[] stepMask = padded ? decodeMask(rows, slot + 1) : null;
                decodeFlops += FlopsCounter.forward(model.arch, width2, 1, slot + 1L, width2);
                step(next, pos, width2, 1, stepMask, cache, slot, b, logits);
                pick(rows, logits, listener);
            }
            if (phase != null) {
                listener.phaseEnded(phase, System.nanoTime());
                phase = null;
            }
        } catch (RuntimeException e) {
            if (phase != null) {
                listener.phaseEnded(phase, System.nanoTime());
            }
            if (e instanceof BackendException) {
                throw e;
            }
            throw new BackendException("DJL failed while generating a batch of " + b + ": "
                    + NativeEngine.rootMessage(e), e);
        } finally {
            listener.count("flops.prefill", prefillFlops);
            listener.count("flops.decode", decodeFlops);
            listener.count("tokens.padding", padding);
        }
    }

    private static float[] decodeMask(List<Row> rows, int length) {
        float[] m = new float[rows.size() * length];
        for (int i = 0; i < rows.size(); i++) {
            Arrays.fill(m, i * length, i * length + rows.get(i).pad, DecoderModel.MASK_FP32);
        }
        return m;
    }

    /** One forward pass; copies the last position's logits of the first {@code rows} rows into {@code logits}. */
    @SuppressWarnings("try")
    private void step(long[] ids, long[] positions, int b, int t, float @Nullable [] mask, KvCache cache, int start,
            int rows, float[] logits) {
        try (NDScope scope = new NDScope()) {
            model.nextTokenLogits(ids, positions, b, t, mask, cache, start, rows, logits);
        }
    }

    /** Chooses each live row's next token and reports it (and the row's end, when it ends). */
    private void pick(List<Row> rows, float[] logits, GenerationListener listener) {
        int vocab = model.arch.vocabSize();
        int[] chosen = new int[rows.size()];
        for (int i = 0; i < rows.size(); i++) {
            Row r = rows.get(i);
            if (!r.done) {
                boolean blockEos = !r.request.decoding().ignoreEos() && r.generated < r.request.minOutputTokens();
                chosen[i] = Sampler.next(logits, i * vocab, vocab, r.request.decoding(), r.rng,
                        blockEos ? eos : new int[0]);
            }
        }
        long now = System.nanoTime();
        for (int i = 0; i < rows.size(); i++) {
            Row r = rows.get(i);
            if (r.done) {
                continue;
            }
            int id = chosen[i];
            r.last = id;
            r.generated++;
            boolean stop = r.isEos(id) && !r.request.decoding().ignoreEos();
            String piece = r.isEos(id) ? "" : r.text.add(id);
            listener.tokens(r.request.id(), now, 1, List.of(id), piece);
            if (stop || r.generated >= r.request.maxOutputTokens()) {
                r.done = true;
                listener.requestCompleted(r.request.id(), now, new Completion(r.prompt.length, r.generated,
                        stop ? FinishReason.STOP : FinishReason.LENGTH, TOKEN_COUNT_SOURCE));
            }
        }
    }
}
