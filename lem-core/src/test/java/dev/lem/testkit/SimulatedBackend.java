package dev.lem.testkit;

import dev.lem.config.ConfigException;
import dev.lem.config.ExperimentConfig;
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
 * <p>Options (all optional): {@code simulated.load_ms} (20), {@code simulated.prefill_us_per_token} (50),
 * {@code simulated.decode_ms_per_step} (2), {@code simulated.chunk_size} (1 token per event),
 * {@code simulated.eos_after} (stop after this many tokens unless ignore_eos), {@code simulated.fail_marker}
 * (requests whose prompt contains it fail), {@code simulated.fail_batches} (throw from generate).
 */
public final class SimulatedBackend implements InferenceBackend {
    private final ExperimentConfig config;
    private final long loadNanos;
    private final long prefillNanosPerToken;
    private final long decodeNanosPerStep;
    private final int chunkSize;
    private final int eosAfter;
    private final String failMarker;
    private final boolean failBatches;
    private volatile boolean loaded;
    private volatile boolean closed;

    public SimulatedBackend(ExperimentConfig config) {
        this.config = config;
        this.loadNanos = (long) (number(config, "simulated.load_ms", 20) * 1e6);
        this.prefillNanosPerToken = (long) (number(config, "simulated.prefill_us_per_token", 50) * 1e3);
        this.decodeNanosPerStep = (long) (number(config, "simulated.decode_ms_per_step", 2) * 1e6);
        this.chunkSize = (int) number(config, "simulated.chunk_size", 1);
        this.eosAfter = (int) number(config, "simulated.eos_after", Integer.MAX_VALUE);
        this.failMarker = config.option("simulated.fail_marker").map(Object::toString).orElse("");
        this.failBatches = config.option("simulated.fail_batches").map(o -> Boolean.parseBoolean(o.toString()))
                .orElse(false);
        if (chunkSize < 1) {
            throw new ConfigException("options.simulated.chunk_size", chunkSize + " must be >= 1");
        }
    }

    private static double number(ExperimentConfig config, String key, double fallback) {
        Optional<Object> v = config.option(key);
        if (v.isEmpty()) {
            return fallback;
        }
        if (v.get() instanceof Number n) {
            return n.doubleValue();
        }
        throw new ConfigException("options." + key, "\"" + v.get() + "\" is not a number");
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
            throw new dev.lem.spi.BackendException("simulated batch failure (options.simulated.fail_batches)");
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
