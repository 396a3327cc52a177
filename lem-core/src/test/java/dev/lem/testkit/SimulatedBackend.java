package dev.lem.testkit;

import dev.lem.config.ExperimentConfig;
import dev.lem.config.Option;
import dev.lem.config.OptionValues;
import dev.lem.spi.BackendSettings;
import dev.lem.spi.BackendCapabilities;
import dev.lem.spi.Completion;
import dev.lem.spi.FinishReason;
import dev.lem.spi.GenerationListener;
import dev.lem.spi.GenerationRequest;
import dev.lem.spi.InferenceBackend;
import dev.lem.spi.ModelInfo;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.locks.LockSupport;

/**
 * A backend for tests that does no inference but keeps real time: it sleeps for prefill and for every
 * decode step and reports events exactly as the contract says. Tokens are whitespace-separated words.
 *
 * <p>Options (all optional, see {@link #OPTIONS}): {@code load_ms} (20), {@code prefill_us_per_token} (50),
 * {@code decode_ms_per_step} (2), {@code chunk_size} (1 token per event), {@code eos_after} (stop after this
 * many tokens unless ignore_eos), {@code fail_marker} (requests whose prompt contains it fail),
 * {@code fail_batches} (throw from generate).
 */
public final class SimulatedBackend implements InferenceBackend {
    static final Option<Double> LOAD_MS = Option.number("load_ms").defaultValue(20.0).min(0).unit("ms")
            .describe("simulated model load time");
    static final Option<Double> PREFILL_US_PER_TOKEN = Option.number("prefill_us_per_token").defaultValue(50.0)
            .min(0).unit("us").describe("simulated prefill time per prompt token");
    static final Option<Double> DECODE_MS_PER_STEP = Option.number("decode_ms_per_step").defaultValue(2.0).min(0)
            .unit("ms").describe("simulated time of one decode step");
    static final Option<Integer> CHUNK_SIZE = Option.integer("chunk_size").defaultValue(1).min(1)
            .describe("tokens per streamed event");
    static final Option<Integer> EOS_AFTER = Option.integer("eos_after").min(1)
            .describe("stop after this many tokens unless decoding.ignore_eos");
    static final Option<String> FAIL_MARKER = Option.text("fail_marker")
            .describe("requests whose prompt contains it fail");
    static final Option<Boolean> FAIL_BATCHES = Option.bool("fail_batches").defaultValue(false)
            .describe("throw from generate");
    static final List<Option<?>> OPTIONS = List.of(LOAD_MS, PREFILL_US_PER_TOKEN, DECODE_MS_PER_STEP, CHUNK_SIZE,
            EOS_AFTER, FAIL_MARKER, FAIL_BATCHES);

    private final BackendSettings config;
    private final long loadNanos;
    private final long prefillNanosPerToken;
    private final long decodeNanosPerStep;
    private final int chunkSize;
    private final int eosAfter;
    private final String failMarker;
    private final boolean failBatches;
    private volatile boolean loaded;
    private volatile boolean closed;

    public SimulatedBackend(BackendSettings config) {
        this.config = config;
        OptionValues o = config.options();
        this.loadNanos = (long) (o.get(LOAD_MS) * 1e6);
        this.prefillNanosPerToken = (long) (o.get(PREFILL_US_PER_TOKEN) * 1e3);
        this.decodeNanosPerStep = (long) (o.get(DECODE_MS_PER_STEP) * 1e6);
        this.chunkSize = o.get(CHUNK_SIZE);
        this.eosAfter = o.find(EOS_AFTER).orElse(Integer.MAX_VALUE);
        this.failMarker = o.find(FAIL_MARKER).orElse("");
        this.failBatches = o.get(FAIL_BATCHES);
    }

    /** A simulated backend with default timings, for a configuration made in code. */
    public static SimulatedBackend of(ExperimentConfig config) {
        return new SimulatedBackend(BackendSettings.of(config, new SimulatedBackendProvider()));
    }

    @Override
    public ModelInfo load() {
        sleep(loadNanos);
        loaded = true;
        return new ModelInfo(config.model(), "simulated", "memory", Optional.empty(), "none", true,
                Optional.empty(), Map.of("note", "no model: timing simulated"));
    }

    @Override
    public BackendCapabilities capabilities() {
        return new BackendCapabilities(true, true, false, true, true);
    }

    @Override
    public Optional<Integer> countTokens(String text) {
        return Optional.of(words(text));
    }

    private static int words(String text) {
        String t = text.strip();
        return t.isEmpty() ? 0 : t.split("\\s+").length;
    }

    @Override
    public void generate(List<GenerationRequest> batch, GenerationListener listener) {
        if (!loaded || closed) {
            throw new IllegalStateException("generate() before load() or after close()");
        }
        long start = System.nanoTime();
        for (GenerationRequest r : batch) {
            listener.requestStarted(r.id(), start);
        }
        if (failBatches) {
            throw new dev.lem.spi.BackendException("simulated batch failure (options.fail_batches)");
        }
        List<GenerationRequest> active = new ArrayList<>();
        for (GenerationRequest r : batch) {
            if (!failMarker.isEmpty() && r.prompt().contains(failMarker)) {
                listener.requestFailed(r.id(), System.nanoTime(), "simulated failure: prompt contains \"" + failMarker + "\"");
            } else {
                active.add(r);
            }
        }
        int longest = active.stream().mapToInt(r -> Math.min(words(r.prompt()), config.maxInputTokens())).max().orElse(0);
        listener.phaseStarted("prefill", System.nanoTime());
        sleep(prefillNanosPerToken * longest * Math.max(1, active.size()));
        listener.phaseEnded("prefill", System.nanoTime());
        int[] produced = new int[active.size()];
        int[] pending = new int[active.size()];
        boolean[] done = new boolean[active.size()];
        int remaining = active.size();
        listener.phaseStarted("decode", System.nanoTime());
        for (int step = 1; remaining > 0; step++) {
            if (step > 1) {
                sleep(decodeNanosPerStep);
            }
            long now = System.nanoTime();
            for (int i = 0; i < active.size(); i++) {
                if (done[i]) {
                    continue;
                }
                GenerationRequest r = active.get(i);
                produced[i]++;
                pending[i]++;
                boolean eos = !r.decoding().ignoreEos() && produced[i] >= Math.max(eosAfter, r.minOutputTokens());
                boolean last = eos || produced[i] >= r.maxOutputTokens();
                if (pending[i] >= chunkSize || last) {
                    listener.tokens(r.id(), now, pending[i], null, null);
                    pending[i] = 0;
                }
                if (last) {
                    done[i] = true;
                    remaining--;
                    listener.requestCompleted(r.id(), now, new Completion(Math.min(words(r.prompt()),
                            config.maxInputTokens()), produced[i], eos ? FinishReason.STOP : FinishReason.LENGTH,
                            "backend"));
                }
            }
        }
        listener.phaseEnded("decode", System.nanoTime());
        int padded = 0;
        for (GenerationRequest r : active) {
            padded += longest - Math.min(words(r.prompt()), config.maxInputTokens());
        }
        listener.count("tokens.padding", padded);
    }

    private static void sleep(long nanos) {
        long deadline = System.nanoTime() + nanos;
        while (true) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return;
            }
            LockSupport.parkNanos(left);
        }
    }

    @Override
    public void unload() {
        loaded = false;
    }

    @Override
    public void close() {
        closed = true;
    }
}
