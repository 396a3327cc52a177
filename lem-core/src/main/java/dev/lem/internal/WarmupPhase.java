package dev.lem.internal;

import dev.lem.LemException;
import dev.lem.config.WarmupConfig;
import dev.lem.config.WarmupMode;
import dev.lem.metrics.RequestRecord;
import dev.lem.result.WarmupResult;
import dev.lem.spi.GenerationRequest;
import dev.lem.stats.WarmupConvergence;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * Warm-up before the cycles: a fixed number of runs, or runs until the latency CV converges, either way
 * stopping once {@code warmup.max_s} has passed (after at least one run). Never part of a cycle.
 */
final class WarmupPhase {
    private final WarmupConfig config;
    private final LongSupplier clock;

    WarmupPhase(WarmupConfig config, LongSupplier clock) {
        this.config = config;
        this.clock = clock;
    }

    /** One warm-up run: the requests to send, run to completion; returns their records. */
    interface Run {
        List<RequestRecord> run(List<GenerationRequest> requests) throws InterruptedException;
    }

    /**
     * Warms up.
     *
     * @param requestsOfRun the requests of run {@code r}
     * @param run           runs them
     * @param warn          receives warnings (not converged, time cap reached)
     */
    WarmupResult run(java.util.function.IntFunction<List<GenerationRequest>> requestsOfRun, Run run,
            java.util.function.Consumer<String> warn) throws InterruptedException {
        boolean fixed = config.mode() == WarmupMode.FIXED;
        WarmupConvergence conv = fixed ? null
                : new WarmupConvergence(config.minRuns(), config.maxRuns(), config.window(), config.cvThreshold());
        List<Double> latencies = new ArrayList<>();
        int runs = fixed ? config.runs() : config.maxRuns();
        long start = clock.getAsLong();
        long capNanos = Math.round(config.maxS() * 1e9);
        boolean capped = false;
        for (int r = 0; r < runs; r++) {
            if (r > 0 && clock.getAsLong() - start >= capNanos) {
                capped = true;
                break;
            }
            long t0 = clock.getAsLong();
            List<RequestRecord> recs = run.run(requestsOfRun.apply(r));
            double ms = (clock.getAsLong() - t0) / 1e6;
            if (recs.stream().noneMatch(RequestRecord::ok)) {
                throw new LemException("Warm-up failed: every request failed; first error: "
                        + recs.stream().map(x -> x.error().orElse("")).findFirst().orElse("unknown"));
            }
            latencies.add(ms);
            if (conv != null) {
                conv.add(ms);
                if (conv.done()) {
                    break;
                }
            }
        }
        String cap = String.format(Locale.ROOT, "warmup.max_s (%s s) reached after %d run%s", fmt(config.maxS()),
                latencies.size(), latencies.size() == 1 ? "" : "s");
        if (fixed) {
            if (capped) {
                warn.accept("warm-up stopped early: " + cap + " of " + config.runs());
            }
            return new WarmupResult(WarmupMode.FIXED, latencies.size(), !capped, Optional.empty(), latencies,
                    capped ? cap + " of " + config.runs() : "fixed count of " + config.runs() + " runs", Optional.empty());
        }
        String reason = conv.converged()
                ? String.format(Locale.ROOT, "latency CV %.3f <= %.3f over the last %d runs", conv.lastCv().orElse(0.0),
                        config.cvThreshold(), config.window())
                : capped ? cap + " before the CV fell to " + config.cvThreshold()
                : "max_runs (" + config.maxRuns() + ") reached before the CV fell to " + config.cvThreshold();
        if (!conv.converged()) {
            warn.accept("warm-up did not converge: " + reason);
        }
        return new WarmupResult(WarmupMode.CONVERGE, conv.runs(), conv.converged(), conv.lastCv(), latencies, reason,
                Optional.empty());
    }

    private static String fmt(double v) {
        return v == Math.rint(v) ? String.valueOf((long) v) : String.valueOf(v);
    }
}
