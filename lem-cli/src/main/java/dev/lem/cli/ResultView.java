package dev.lem.cli;

import dev.lem.result.Completeness;
import dev.lem.result.CycleResult;
import dev.lem.result.ExperimentResult;
import dev.lem.Metric;
import dev.lem.spi.PluginStatus;
import dev.lem.result.RunSetup;
import dev.lem.energy.DomainEnergy;
import dev.lem.stats.Estimate;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** Human-readable views of results. */
final class ResultView {
    private static final List<Metric> HEADLINE = List.of(Metric.OUTPUT_TOKENS_PER_S, Metric.REQUESTS_PER_S,
            Metric.TTFT_MEAN_MS, Metric.TTFT_P99_MS, Metric.ITL_MEAN_MS, Metric.TPOT_MEAN_MS, Metric.E2E_MEAN_MS,
            Metric.ENERGY_PER_OUTPUT_TOKEN_J, Metric.ENERGY_PER_OUTPUT_TOKEN_ADJUSTED_J,
            Metric.PREFILL_ENERGY_PER_PROMPT_TOKEN_J, Metric.DECODE_ENERGY_PER_OUTPUT_TOKEN_J, Metric.ENERGY_J,
            Metric.ENERGY_GPU_J, Metric.ENERGY_CPU_J, Metric.ENERGY_DRAM_J, Metric.ENERGY_RAM_J,
            Metric.ENERGY_MEASURED_J, Metric.ENERGY_NOT_USED_J,
            Metric.AVERAGE_POWER_W, Metric.CARBON_PER_1K_OUTPUT_TOKENS_G, Metric.FLOPS_PER_OUTPUT_TOKEN,
            Metric.ACHIEVED_TFLOPS, Metric.FLOPS_PER_JOULE, Metric.MFU, Metric.PEAK_RSS_MB);
    /** Shown when present; listed as not available only when configured (an SLO, a perplexity text). */
    private static final List<Metric> WHEN_CONFIGURED = List.of(Metric.ENERGY_PER_GOOD_REQUEST_J,
            Metric.GOOD_REQUESTS_PER_KJ, Metric.ENERGY_PER_REQUEST_P50_J, Metric.ENERGY_PER_REQUEST_P90_J,
            Metric.ENERGY_PER_REQUEST_P99_J, Metric.PERPLEXITY);

    private ResultView() {
    }

    /** The summary table printed after a run and by {@code lem results show}. */
    static String summary(ExperimentResult r, Path resultsRoot) {
        StringBuilder sb = new StringBuilder();
        var c = r.config();
        sb.append("Experiment ").append(r.id()).append(c.name().map(n -> " (" + n + ")").orElse("")).append('\n');
        if (!r.isComplete()) {
            sb.append("  STATUS: ").append(status(r.status(), r.statusReason(), 500)).append('\n');
        }
        sb.append("  model ").append(c.model()).append(" on ").append(c.backend()).append(" (").append(c.device())
                .append(", ").append(c.precision()).append(")");
        r.model().filter(m -> m.syntheticWeights()).ifPresent(m -> sb.append(", synthetic weights"));
        sb.append('\n');
        r.model().flatMap(m -> m.weights()).ifPresent(w -> sb.append("  weights: ").append(w).append('\n'));
        r.model().flatMap(m -> m.adapter()).ifPresent(a -> sb.append("  adapter: ").append(a).append('\n'));
        sb.append("  ").append(r.summary().cycles()).append(" cycle(s) in the summary")
                .append(r.cycles().size() != r.summary().cycles() ? " (" + r.cycles().size() + " recorded)" : "")
                .append(" x ").append(c.prompts().limit())
                .append(" prompts, max ").append(c.maxOutputTokens()).append(" output tokens, batch ")
                .append(c.batching().batchSize()).append("; ").append(r.summary().stopReason()).append('\n');
        r.carbonIntensity().ifPresent(ci -> sb.append("  carbon intensity: ").append(num(ci.gramsPerKwh()))
                .append(" gCO2e/kWh").append(ci.pue() != 1 ? " x PUE " + num(ci.pue()) : "").append(", ")
                .append(ci.basis()).append('\n'));
        r.processes().stream().findFirst().flatMap(RunSetup::warmup).ifPresent(w -> sb.append("  warm-up: ")
                .append(w.runs()).append(" run(s), ").append(w.stopReason()).append('\n'));
        r.model().map(m -> m.engineSettings().stream().filter(e -> e.value() != null || e.reported() != null)
                .toList()).filter(l -> !l.isEmpty()).ifPresent(known -> {
                    sb.append("\nEngine settings (known values; every setting is in the result's JSON):\n");
                    Table e = new Table("setting", "value", "source", "server reports");
                    known.forEach(x -> e.row(x.name(), dev.lem.config.Parameter.display(x.value()),
                            x.source().display(), x.reported() == null ? "" : x.reported()));
                    sb.append(e);
                });
        sb.append('\n');
        Table t = new Table("metric", "unit", "mean", "95% CI", "cv", "n", "basis");
        for (Metric m : java.util.stream.Stream.concat(HEADLINE.stream(), WHEN_CONFIGURED.stream()).toList()) {
            r.summary().find(m).ifPresent(s -> t.row(label(m), s.unit(), num(s.mean()), ci(s),
                    s.cv().map(v -> String.format(Locale.ROOT, "%.1f%%", 100 * v)).orElse(""), s.n(), s.basis()));
        }
        sb.append(t);
        load(r, sb);
        latencyDefinitions(r, sb);
        quality(r, sb);
        if (!r.cycles().isEmpty()) {
            sb.append("\nCycles:\n");
            Table cy = new Table("cycle", "sent", "succeeded", "failed", "output tokens", "duration s", "energy J",
                    "note");
            for (CycleResult x : r.cycles()) {
                String note = r.summary().excludedCycles().containsKey(x.cycle()) ? "left out: every request failed"
                        : x.metrics().failed() > 0 ? String.join("; ", x.commonestFailures(1)) : "";
                cy.row(x.cycle() + 1, x.metrics().requests(), x.metrics().completed(), x.metrics().failed()
                        + (x.metrics().failed() > 0 ? String.format(Locale.ROOT, " (%.0f%%)", 100 * x.failureRate())
                                : ""), x.metrics().outputTokens(), num(x.metrics().durationS()),
                        x.energy().map(e -> num(e.totalJoules())).orElse("n/a"), abbreviate(note, 60));
            }
            sb.append(cy);
            CycleResult last = r.cycles().get(r.cycles().size() - 1);
            last.energy().ifPresent(e -> {
                sb.append("\nEnergy by domain (cycle ").append(last.cycle() + 1).append("):\n");
                Table d = new Table("domain", "method", "joules", "baseline-adjusted J", "idle W", "use");
                for (DomainEnergy de : e.domains()) {
                    d.row(de.domain().id(), de.domain().methodLabel(), num(de.joules()),
                            de.adjustedJoules().map(ResultView::num).orElse("") + (de.belowIdle() ? " (below idle)" : ""),
                            de.idleWatts().map(ResultView::num).orElse(""), de.domain().use().description());
                }
                sb.append(d);
                if (e.notUsedJoules() > 0) {
                    sb.append("  devices not used by the workload are measured and shown, never counted in the "
                            + "energy figures\n");
                }
                e.baselineDisturbed().ifPresent(why -> sb.append("  baseline-adjusted figures are marked: the idle "
                        + "baseline was disturbed (").append(why).append(")\n"));
            });
            List<String> throttled = r.cycles().stream()
                    .filter(x -> x.throttle().map(th -> th.flagged()).orElse(false))
                    .map(x -> String.format(Locale.ROOT, "  cycle %d: thermal %.0f%%, power %.0f%% of samples (%s)",
                            x.cycle() + 1, 100 * x.throttle().get().thermalShare(),
                            100 * x.throttle().get().powerShare(), String.join(", ", x.throttle().get().reasons())))
                    .toList();
            if (!throttled.isEmpty()) {
                sb.append("\nThrottling:\n").append(String.join("\n", throttled)).append('\n');
            }
        }
        List<String> missing = r.summary().unavailable().entrySet().stream()
                .filter(e -> HEADLINE.contains(e.getKey()) || WHEN_CONFIGURED.contains(e.getKey())
                        && configured(r, e.getKey()))
                .map(e -> "  " + e.getKey().key() + ": " + e.getValue()).toList();
        if (!missing.isEmpty()) {
            sb.append("\nNot available:\n").append(String.join("\n", missing)).append('\n');
        }
        List<String> unused = r.processes().stream().findFirst().map(RunSetup::plugins).orElse(List.of()).stream()
                .filter(p -> !p.used()).map(ResultView::plugin).toList();
        if (!unused.isEmpty()) {
            sb.append("\nPlug-ins not used:\n").append(String.join("\n", unused)).append('\n');
        }
        if (!r.warnings().isEmpty()) {
            sb.append("\nWarnings:\n");
            r.warnings().forEach(w -> sb.append("  ").append(w).append('\n'));
        }
        sb.append("\nResults: ").append(resultsRoot.resolve("aggregated").resolve(r.id() + ".json"))
                .append("\n   raw: ").append(resultsRoot.resolve("raw").resolve(r.id())).append('\n');
        return sb.toString();
    }

    /** What the load generator did, beside what was configured: the achieved send rate, requests in flight, send lag. */
    private static void load(ExperimentResult r, StringBuilder sb) {
        if (r.summary().find(Metric.MAX_IN_FLIGHT).isEmpty()) {
            return;
        }
        var traffic = r.config().traffic();
        StringBuilder configured = new StringBuilder("traffic.pattern ").append(traffic.pattern().toString()
                .toLowerCase(Locale.ROOT));
        if (traffic.pattern().isOpenLoop()) {
            configured.append(", traffic.rate ").append(traffic.rate().map(ResultView::num).orElse("unset"))
                    .append(" requests/s");
        } else {
            configured.append(", traffic.concurrency ").append(traffic.concurrency()).append(" (closed loop; batches "
                    + "of batching.batch_size ").append(r.config().batching().batchSize()).append(" in-process)");
        }
        sb.append("\nLoad (configured: ").append(configured).append("):\n");
        Table t = new Table("metric", "unit", "mean", "95% CI", "n", "definition");
        for (Metric m : LOAD) {
            var e = r.summary().find(m);
            if (e.isPresent()) {
                t.row(label(m), e.get().unit(), num(e.get().mean()), ci(e.get()), e.get().n(), m.description());
            } else {
                t.row(label(m), m.unit(), "n/a", "", "", r.summary().unavailable().getOrDefault(m, "not recorded"));
            }
        }
        sb.append(t);
    }

    private static final List<Metric> LOAD = List.of(Metric.ACHIEVED_REQUEST_RATE_PER_S, Metric.MAX_IN_FLIGHT,
            Metric.MEAN_IN_FLIGHT, Metric.SEND_LAG_P50_MS, Metric.SEND_LAG_P99_MS, Metric.SEND_LAG_MAX_MS);

    /** Which ITL is which: the per-chunk gaps (vLLM's ITL) and the per-token figure (TPOT, GenAI-Perf's ITL). */
    private static void latencyDefinitions(ExperimentResult r, StringBuilder sb) {
        if (r.summary().find(Metric.ITL_MEAN_MS).isEmpty() && r.summary().find(Metric.TPOT_MEAN_MS).isEmpty()) {
            return;
        }
        sb.append("\nLatency definitions (tools name these differently):\n")
                .append("  itl_*   per-chunk gaps: one sample per gap between consecutive token-bearing chunks, pooled "
                        + "over requests\n          (vLLM bench serve's ITL; a chunk of k tokens is one gap)\n")
                .append("  tpot_*  per token: (e2e - ttft) / (output tokens - 1) per request\n          (vLLM's and "
                        + "MLPerf's TPOT = GenAI-Perf's and AIPerf's per-request ITL)\n")
                .append("  ttft_*  dispatch to the first chunk carrying a token; e2e_* dispatch to the last one\n");
    }

    /** Whether the configuration asks for a figure that needs configuring (an SLO, a perplexity text). */
    private static boolean configured(ExperimentResult r, Metric m) {
        if (m == Metric.PERPLEXITY) {
            return r.config().quality().perplexity().enabled();
        }
        if (m == Metric.ENERGY_PER_GOOD_REQUEST_J || m == Metric.GOOD_REQUESTS_PER_KJ) {
            return r.cycles().stream().anyMatch(c -> c.metrics().goodRequests().isPresent());
        }
        return true;
    }

    /** The quality section: perplexity with its method and window energy, and the scores the user attached. */
    private static void quality(ExperimentResult r, StringBuilder sb) {
        var q = r.processes().stream().flatMap(p -> p.quality().stream()).findFirst();
        if (q.isEmpty() && r.qualityScores().isEmpty()) {
            return;
        }
        sb.append("\nQuality:\n");
        q.ifPresent(x -> {
            x.perplexity().ifPresentOrElse(p -> {
                sb.append("  perplexity ").append(num(p.perplexity()));
                r.summary().find(Metric.PERPLEXITY).ifPresent(e -> sb.append(" ").append(ci(e))
                        .append(" (interval across the text's windows)"));
                sb.append(" on ").append(p.dataset()).append(": ").append(p.scoredTokens()).append(" tokens scored by a ")
                        .append(p.window()).append("-token sliding window, stride ").append(p.stride())
                        .append(", token-weighted; ").append(p.scorer()).append('\n');
            }, () -> sb.append("  perplexity not available: ").append(x.perplexityUnavailable().orElse("not measured"))
                    .append('\n'));
            x.measurement().ifPresent(m -> sb.append("  perplexity window (outside the cycles' energy windows): ")
                    .append(m).append(x.joulesPerScoredToken().map(j -> "; " + num(j) + " J per scored token")
                            .orElse("")).append('\n'));
        });
        for (var s : r.qualityScores()) {
            sb.append("  ").append(s).append(" (").append(s.basis()).append(")\n");
        }
    }

    /** One line per sweep point: the headline figures side by side. */
    static String sweep(List<ExperimentResult> results) {
        List<Metric> cols = List.of(Metric.OUTPUT_TOKENS_PER_S, Metric.TTFT_P50_MS, Metric.TTFT_P99_MS,
                Metric.TPOT_MEAN_MS, Metric.E2E_P99_MS, Metric.ENERGY_PER_OUTPUT_TOKEN_J);
        Table t = new Table("point", "id", "output_tokens_per_s", "ttft_p50_ms", "ttft_p99_ms", "tpot_mean_ms",
                "e2e_p99_ms", "energy_per_output_token_j");
        for (ExperimentResult r : results) {
            Object[] row = new Object[2 + cols.size()];
            row[0] = r.config().name().orElse("");
            row[1] = r.id();
            for (int i = 0; i < cols.size(); i++) {
                row[2 + i] = r.summary().find(cols.get(i)).map(s -> num(s.mean())).orElse("n/a");
            }
            t.row(row);
        }
        return "Sweep:\n" + t;
    }

    /** A status as one phrase: {@code complete}, or {@code interrupted: <reason>} cut to {@code max} characters. */
    static String status(Completeness status, String reason, int max) {
        String word = status.name().toLowerCase(Locale.ROOT);
        String s = reason.isEmpty() ? word : reason.startsWith(word) ? reason : word + ": " + reason;
        return abbreviate(s, max);
    }

    static String abbreviate(String s, int max) {
        return s.length() > max ? s.substring(0, max - 3) + "..." : s;
    }

    private static String plugin(PluginStatus p) {
        return "  " + p.kind() + " " + p.name() + ": " + p.reason();
    }

    static String label(Metric m) {
        return m.key();
    }

    static String ci(Estimate e) {
        if (e.ciLow().isEmpty()) {
            return e.note().isEmpty() ? "" : "(" + e.note() + ")";
        }
        return "[" + num(e.ciLow().get()) + ", " + num(e.ciHigh().get()) + "] " + e.method();
    }

    static String num(double v) {
        double a = Math.abs(v);
        if (v == 0) {
            return "0";
        }
        if (a >= 1e6 || a < 1e-3) {
            return String.format(Locale.ROOT, "%.4g", v);
        }
        if (a >= 100) {
            return String.format(Locale.ROOT, "%.1f", v);
        }
        return String.format(Locale.ROOT, "%.4g", v);
    }

    static String metricValue(Estimate s) {
        return num(s.mean()) + " " + s.unit();
    }
}
