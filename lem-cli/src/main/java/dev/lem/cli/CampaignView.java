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
import dev.lem.campaign.SlurmSubmission;
import dev.lem.campaign.UnitStatus;
import dev.lem.campaign.slurm.SlurmJob;
import dev.lem.campaign.slurm.SlurmScripts;
import dev.lem.env.EnvironmentCapture;
import dev.lem.result.ExperimentResult;
import dev.lem.stats.Estimate;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

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
        if (m.state() == CampaignState.SUBMITTED && m.clustered()) {
            SlurmSubmission last = m.slurm().get(m.slurm().size() - 1);
            return "submitted to Slurm (array job " + last.arrayJobId() + last.aggregateJobId().map(a -> ", aggregation "
                    + "job " + a).orElse("") + "; `lem campaign status " + m.campaignId() + "` shows their states)";
        }
        if (m.state() == CampaignState.RUNNING) {
            boolean alive = m.host().equals(EnvironmentCapture.hostName())
                    && ProcessHandle.of(m.pid()).map(ProcessHandle::isAlive).orElse(false);
            return alive ? "running (pid " + m.pid() + ")" : "stopped without recording it (pid " + m.pid() + " on "
                    + m.host() + " is gone): resume it";
        }
        if (m.state() == CampaignState.PLANNED && !m.clustered() && m.host().equals(EnvironmentCapture.hostName())
                && !ProcessHandle.of(m.pid()).map(ProcessHandle::isAlive).orElse(false)) {
            // killed between writing the plan and starting its first unit
            return "planned; stopped without recording it before its first unit (pid " + m.pid() + " on " + m.host()
                    + " is gone): resume it";
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
        boolean stoppedAfterItsLastUnit = left + failed == 0 && state(m).contains("stopped without recording it");
        if (m.state() != CampaignState.COMPLETE && m.state() != CampaignState.SUBMITTED
                && (left + failed > 0 || stoppedAfterItsLastUnit)) {
            sb.append("\nResume: lem campaign resume ").append(m.campaignId()).append(" --results-dir ")
                    .append(m.resultsDir()).append(m.clustered() ? " --slurm" : "").append('\n');
            if (stoppedAfterItsLastUnit) {
                sb.append("  (every unit is done; resuming runs none again, it only writes the campaign's tables and "
                        + "marks it complete)\n");
            }
        }
        return sb.toString();
    }

    /**
     * {@code lem campaign status} of a campaign handed to Slurm: the manifest's view merged with what Slurm says of
     * each task (pending, running, completed, failed, timed out, node failure, preempted, cancelled), the units each
     * task ran, and the units held by a task that has stopped.
     */
    static String status(CampaignManifest m, Optional<List<SlurmJob>> jobs) {
        StringBuilder sb = new StringBuilder(status(m));
        sb.append("\nSlurm");
        if (jobs.isEmpty()) {
            sb.append(": cannot ask (squeue and sacct are missing or failed); the units above are as the workers "
                    + "recorded them\n");
        } else {
            sb.append(" (").append(jobs.get().stream().map(SlurmJob::source).distinct().sorted()
                    .collect(Collectors.joining(", "))).append("):\n");
        }
        Map<String, SlurmJob> byId = new LinkedHashMap<>();
        jobs.orElse(List.of()).forEach(j -> byId.put(j.id(), j));
        for (SlurmSubmission s : m.slurm()) {
            sb.append("  ").append(s).append('\n');
            Table t = new Table("task", "state", "node", "units done", "failed", "running now");
            List<SlurmJob> tasks = byId.values().stream().filter(j -> j.id().startsWith(s.arrayJobId() + "_")
                    || j.id().equals(s.arrayJobId())).toList();
            for (SlurmJob j : tasks) {
                List<ManifestUnit> ran = m.units().stream().filter(u -> u.placement().flatMap(p -> p.slurmTask())
                        .map(j.id()::equals).orElse(false)).toList();
                String running = ran.stream().filter(u -> u.status() == UnitStatus.RUNNING).map(u -> "unit "
                        + (u.seq() + 1) + " (" + m.experiments().get(u.experiment()).label() + ", cycle "
                        + (u.cycle() + 1) + ")" + (j.active() ? "" : ": its task ended while it ran"))
                        .collect(Collectors.joining("; "));
                t.row(j.id(), j.describe(), j.node(), count(ran, UnitStatus.DONE), count(ran, UnitStatus.FAILED),
                        running);
            }
            s.aggregateJobId().map(byId::get).ifPresent(j -> t.row(j.id() + " (aggregation)", j.describe(),
                    j.node(), "", "", ""));
            if (tasks.isEmpty() && s.aggregateJobId().map(byId::get).isEmpty()) {
                sb.append("    no job of it is known to Slurm any more (ended longer ago than the controller "
                        + "remembers, and no accounting)\n");
            } else {
                sb.append(t.toString().indent(4));
            }
        }
        List<ManifestUnit> orphaned = m.units().stream().filter(u -> u.status() == UnitStatus.RUNNING)
                .filter(u -> u.placement().flatMap(p -> p.slurmTask()).map(byId::get).map(j -> !j.active())
                        .orElse(jobs.isPresent())).toList();
        if (!orphaned.isEmpty()) {
            sb.append("\n").append(orphaned.size()).append(" unit(s) held by a task that has stopped (they are run "
                    + "again from scratch by `lem campaign resume ").append(m.campaignId()).append(" --slurm`):\n");
            orphaned.forEach(u -> sb.append("  ").append(u).append('\n'));
        }
        return sb.toString();
    }

    /** What {@code lem campaign submit --dry-run} prints: the two scripts and the commands that would submit them. */
    static String dryRun(SlurmScripts.Submission s) {
        StringBuilder sb = new StringBuilder();
        sb.append("# Dry run: nothing written, nothing submitted (a real submission gets another campaign id).\n");
        sb.append("# It would write ").append(s.workerScript()).append(" and ").append(s.aggregateScript().getFileName())
                .append(", then run:\n");
        sb.append("#   sbatch --parsable ").append(s.workerScript()).append('\n');
        sb.append("#   sbatch --parsable --dependency=afterany:<the array's job id> ").append(s.aggregateScript())
                .append("\n\n");
        sb.append("# ---- ").append(s.workerScript().getFileName()).append(" ----\n");
        sb.append(SlurmScripts.worker(s)).append('\n');
        sb.append("# ---- ").append(s.aggregateScript().getFileName()).append(" ----\n");
        sb.append(SlurmScripts.aggregate(s));
        return sb.toString();
    }

    /** What {@code lem campaign submit} and {@code resume --slurm} print once Slurm took the jobs. */
    static String submitted(ManifestStore store, SlurmSubmission s) {
        String id = s.campaignId();
        return "Campaign " + id + " handed to Slurm: array job " + s.arrayJobId() + " (" + s.tasks() + " worker"
                + (s.tasks() == 1 ? "" : "s") + " for " + s.units() + " unit" + (s.units() == 1 ? "" : "s") + ")"
                + s.aggregateJobId().map(a -> ", then aggregation job " + a).orElse("") + ".\n"
                + "  scripts:  " + store.folder(id).resolve(s.workerScript()) + ", " + s.aggregateScript() + "\n"
                + "  logs:     " + store.slurmFolder(id).resolve("logs") + "\n"
                + "  status:   lem campaign status " + id + " --results-dir " + store.resultsDir() + "\n"
                + "  resume:   lem campaign resume " + id + " --results-dir " + store.resultsDir() + " --slurm  (after "
                + "a time limit, preemption, scancel or failed units)\n";
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
                    + " --results-dir " + r.manifest().resultsDir() + (r.manifest().clustered() ? " --slurm" : "")
                    + "` runs the units not done");
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
                .append(store.folder(m.campaignId()).resolve("units.csv"))
                .append(m.clustered() ? ", " + store.folder(m.campaignId()).resolve("nodes.csv") : "").append('\n');
        return sb.toString();
    }

    private static String withInterval(Estimate e) {
        return ResultView.num(e.mean()) + e.ciLow().map(lo -> " [" + ResultView.num(lo) + ", "
                + ResultView.num(e.ciHigh().orElseThrow()) + "]").orElse("");
    }
}
