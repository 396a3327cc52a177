package dev.lem.cli;

import dev.lem.Campaign;
import dev.lem.Metric;
import dev.lem.campaign.BaselineComparison;
import dev.lem.campaign.CampaignManifest;
import dev.lem.campaign.CampaignPlanner;
import dev.lem.campaign.CampaignResult;
import dev.lem.campaign.CampaignState;
import dev.lem.campaign.ManifestExperiment;
import dev.lem.campaign.ManifestStore;
import dev.lem.campaign.ManifestUnit;
import dev.lem.campaign.UnitStatus;
import dev.lem.env.EnvironmentCapture;
import dev.lem.result.ExperimentResult;
import dev.lem.stats.Estimate;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** Campaigns as text: the grid preview, the status of a manifest, the summary of a finished run. */
final class CampaignView {
    private static final List<Metric> COLUMNS = List.of(Metric.ENERGY_PER_OUTPUT_TOKEN_J, Metric.OUTPUT_TOKENS_PER_S,
            Metric.TTFT_MEAN_MS);

    private CampaignView() {
    }

    /** {@code lem campaign grid}. */
    static String plan(Campaign c) {
        CampaignPlanner.Plan p = c.plan();
        StringBuilder sb = new StringBuilder();
        sb.append("Campaign ").append(p.settings().name().orElse("(unnamed)")).append(": ")
                .append(p.experiments().size()).append(" experiment(s) x ").append(p.settings().cycles())
                .append(" cycle(s) = ").append(p.units()).append(" units, ").append(p.settings().structure())
                .append(" order").append(p.settings().structure().toString().equals("shuffled")
                        ? " (seed " + p.settings().seed() + ")" : "").append('\n');
        sb.append("results: ").append(p.resultsDir()).append("\n\n");
        Table t = new Table("#", "label", "backend", "model", "from");
        int i = 1;
        for (CampaignPlanner.PlannedExperiment e : p.experiments()) {
            t.row(i++, e.label(), e.config().backend(), e.config().model(), e.source().equals("grid") ? "grid"
                    : java.nio.file.Path.of(e.source()).getFileName());
        }
        sb.append(t);
        if (!p.skipped().isEmpty()) {
            sb.append("\nSkipped (").append(p.skipped().size()).append("):\n");
            p.skipped().forEach(s -> sb.append("  ").append(s.invalid() ? "invalid: " : "duplicate: ").append(s)
                    .append('\n'));
        }
        if (!p.notes().isEmpty()) {
            sb.append("\nNotes:\n");
            p.notes().forEach(n -> sb.append("  ").append(n).append('\n'));
        }
        List<String> warnings = p.experiments().stream().flatMap(e -> e.warnings().stream()
                .map(w -> e.label() + ": " + w)).distinct().toList();
        if (!warnings.isEmpty()) {
            sb.append("\nWarnings:\n");
            warnings.forEach(w -> sb.append("  ").append(w).append('\n'));
        }
        return sb.toString();
    }

    /** The state in one phrase, naming a process that died without recording it. */
    static String state(CampaignManifest m) {
        if (m.state() == CampaignState.RUNNING) {
            boolean alive = m.host().equals(EnvironmentCapture.hostName())
                    && ProcessHandle.of(m.pid()).map(ProcessHandle::isAlive).orElse(false);
            return alive ? "running (pid " + m.pid() + ")" : "stopped without recording it (pid " + m.pid() + " on "
                    + m.host() + " is gone): resume it";
        }
        return m.state() + m.stateReason().map(r -> ": " + r).orElse("");
    }

    /** {@code lem campaign status}. */
    static String status(CampaignManifest m) {
        StringBuilder sb = new StringBuilder();
        long done = m.count(UnitStatus.DONE);
        long failed = m.count(UnitStatus.FAILED);
        long left = m.units().size() - done - failed;
        sb.append("Campaign ").append(m.displayName()).append(" (").append(m.campaignId()).append(")\n");
        sb.append("  state: ").append(state(m)).append('\n');
        sb.append(String.format(Locale.ROOT, "  units: %d of %d done (%.0f%%), %d failed, %d to run%n", done,
                m.units().size(), 100.0 * done / Math.max(1, m.units().size()), failed, left));
        List<Double> durations = m.units().stream().filter(u -> u.status() == UnitStatus.DONE)
                .map(ManifestUnit::durationS).flatMap(Optional::stream).toList();
        double waits = m.units().stream().filter(u -> u.status() == UnitStatus.DONE).mapToDouble(
                ManifestUnit::gapWaitedS).average().orElse(0);
        if (!durations.isEmpty() && left > 0) {
            double mean = durations.stream().mapToDouble(Double::doubleValue).average().orElse(0);
            sb.append("  time left: about ").append(ProgressDisplay.human(Duration.ofMillis(Math.round(1000 * left
                    * (mean + waits))))).append(String.format(Locale.ROOT, " (%.1f s per unit, %.1f s of gaps)%n",
                            mean, waits));
        }
        sb.append("  results: ").append(m.resultsDir()).append('\n');
        sb.append("  manifest: ").append(new ManifestStore(java.nio.file.Path.of(m.resultsDir()))
                .manifestFile(m.campaignId())).append("\n\n");
        Table t = new Table("#", "experiment", "id", "done", "failed", "to run", "attempts", "throttled");
        for (ManifestExperiment e : m.experiments()) {
            List<ManifestUnit> us = m.units().stream().filter(u -> u.experiment() == e.index()).toList();
            t.row(e.index() + 1, e.label(), e.experimentId(), count(us, UnitStatus.DONE), count(us, UnitStatus.FAILED),
                    us.size() - count(us, UnitStatus.DONE) - count(us, UnitStatus.FAILED),
                    us.stream().mapToInt(ManifestUnit::attempts).sum(),
                    us.stream().filter(u -> !u.throttle().isEmpty()).count());
        }
        sb.append(t);
        List<ManifestUnit> bad = m.units().stream().filter(u -> u.status() == UnitStatus.FAILED).toList();
        if (!bad.isEmpty()) {
            sb.append("\nFailed units:\n");
            bad.forEach(u -> sb.append("  ").append(m.experiments().get(u.experiment()).label()).append(", cycle ")
                    .append(u.cycle() + 1).append(": ").append(u.failure().orElse("")).append('\n'));
        }
        if (m.state() != CampaignState.COMPLETE && left + failed > 0) {
            sb.append("\nResume: lem campaign resume ").append(m.campaignId()).append(" --results-dir ")
                    .append(m.resultsDir()).append('\n');
        }
        return sb.toString();
    }

    private static long count(List<ManifestUnit> us, UnitStatus s) {
        return us.stream().filter(u -> u.status() == s).count();
    }

    /** Prints the summary of a campaign run and returns the exit code (0 only when complete). */
    static int finish(CampaignResult r, PrintWriter out, PrintWriter err) {
        out.print(summary(r));
        out.flush();
        if (!r.isComplete()) {
            err.println("lem: campaign " + r.id() + " " + state(r.manifest()) + "; `lem campaign resume " + r.id()
                    + " --results-dir " + r.manifest().resultsDir() + "` runs the units not done");
            err.flush();
        }
        return CampaignCommand.exitCode(r);
    }

    /** The summary: one row per experiment with its headline figures and intervals, comparisons, warnings. */
    static String summary(CampaignResult r) {
        CampaignManifest m = r.manifest();
        StringBuilder sb = new StringBuilder();
        sb.append("Campaign ").append(m.displayName()).append(" (").append(m.campaignId()).append("): ")
                .append(state(m)).append('\n');
        sb.append("  ").append(m.count(UnitStatus.DONE)).append(" of ").append(m.units().size())
                .append(" units done").append(m.count(UnitStatus.FAILED) > 0 ? ", " + m.count(UnitStatus.FAILED)
                        + " failed" : "").append("; ").append(m.experiments().size()).append(" experiment(s) x ")
                .append(m.settings().cycles()).append(" cycle(s), ").append(m.settings().structure()).append(" order\n\n");
        boolean ppl = r.experiments().stream().anyMatch(y -> y.summary().find(Metric.PERPLEXITY).isPresent());
        List<String> heads = new java.util.ArrayList<>(List.of("experiment", "status", "cycles",
                "energy/token J [95% CI]", "tokens/s [95% CI]", "TTFT ms [95% CI]", "method", "basis"));
        if (ppl) {
            heads.add("perplexity [95% CI over windows]");
        }
        Table t = new Table(heads.toArray(String[]::new));
        for (ManifestExperiment e : m.experiments()) {
            Optional<ExperimentResult> x = r.experiments().stream().filter(y -> y.id().equals(e.experimentId()))
                    .findFirst();
            if (x.isEmpty()) {
                List<String> empty = new java.util.ArrayList<>(List.of(e.label(), "no results", "", "", "", "", "",
                        ""));
                if (ppl) {
                    empty.add("");
                }
                t.row(empty.toArray());
                continue;
            }
            ExperimentResult er = x.get();
            List<String> cells = new java.util.ArrayList<>(List.of(e.label(), er.status().name().toLowerCase(
                    Locale.ROOT), Integer.toString(er.summary().cycles())));
            for (Metric metric : COLUMNS) {
                cells.add(er.summary().find(metric).map(CampaignView::withInterval).orElse("n/a"));
            }
            cells.add(er.summary().find(Metric.ENERGY_PER_OUTPUT_TOKEN_J).map(Estimate::method).orElse(""));
            cells.add(er.summary().find(Metric.ENERGY_PER_OUTPUT_TOKEN_J).map(Estimate::basis).orElse(""));
            if (ppl) {
                cells.add(er.summary().find(Metric.PERPLEXITY).map(CampaignView::withInterval).orElse("n/a"));
            }
            t.row(cells.toArray());
        }
        sb.append(t);
        long throttled = m.units().stream().filter(u -> !u.throttle().isEmpty()).count();
        if (throttled > 0) {
            sb.append("\nThrottled units (").append(throttled).append("):\n");
            m.units().stream().filter(u -> !u.throttle().isEmpty()).forEach(u -> sb.append("  ")
                    .append(m.experiments().get(u.experiment()).label()).append(", cycle ").append(u.cycle() + 1)
                    .append(": ").append(String.join(", ", u.throttle())).append('\n'));
        }
        if (!r.comparisons().isEmpty()) {
            sb.append("\nAgainst the baseline ").append(r.comparisons().get(0).baseline()).append(":\n");
            for (BaselineComparison c : r.comparisons()) {
                sb.append("  ").append(c.describe()).append('\n');
            }
        }
        if (!r.warnings().isEmpty()) {
            sb.append("\nWarnings:\n");
            r.warnings().forEach(w -> sb.append("  ").append(w).append('\n'));
        }
        if (!m.skipped().isEmpty()) {
            sb.append("\nNot run (").append(m.skipped().size()).append(" grid combination(s); see `lem campaign "
                    + "status`): ").append(m.skipped().stream().filter(s -> s.invalid()).count()).append(" invalid, ")
                    .append(m.skipped().stream().filter(s -> !s.invalid()).count())
                    .append(" duplicate(s) where a key has no effect\n");
        }
        ManifestStore store = new ManifestStore(java.nio.file.Path.of(m.resultsDir()));
        sb.append("\nManifest: ").append(store.manifestFile(m.campaignId())).append('\n');
        sb.append("Tables: ").append(store.folder(m.campaignId()).resolve("experiments.csv")).append(", ")
                .append(store.folder(m.campaignId()).resolve("units.csv")).append('\n');
        return sb.toString();
    }

    private static String withInterval(Estimate e) {
        return ResultView.num(e.mean()) + e.ciLow().map(lo -> " [" + ResultView.num(lo) + ", "
                + ResultView.num(e.ciHigh().orElseThrow()) + "]").orElse("");
    }
}
