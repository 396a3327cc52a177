package dev.lem.internal;

import dev.lem.LemException;
import dev.lem.campaign.CampaignManifest;
import dev.lem.campaign.CampaignState;
import dev.lem.campaign.ManifestStore;
import dev.lem.campaign.ManifestUnit;
import dev.lem.campaign.SlurmOptions;
import dev.lem.campaign.SlurmSubmission;
import dev.lem.campaign.UnitLedger;
import dev.lem.campaign.UnitStatus;
import dev.lem.campaign.slurm.SlurmClient;
import dev.lem.campaign.slurm.SlurmException;
import dev.lem.campaign.slurm.SlurmJob;
import dev.lem.campaign.slurm.SlurmScripts;
import dev.lem.env.EnvironmentCapture;
import dev.lem.env.Placement;
import dev.lem.results.ResultsRepository;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * Hands campaigns to Slurm and takes them back: writes the worker array's and the aggregation job's scripts into the
 * campaign's {@code slurm/} folder, submits them with {@code sbatch}, records each submission in the manifest, checks
 * before a resume that none of the campaign's jobs still runs, and hands back the units its stopped tasks held.
 */
public final class SlurmDispatch {
    private final ManifestStore store;
    private final SlurmClient slurm;
    private final Consumer<String> progress;

    public SlurmDispatch(ManifestStore store, SlurmClient slurm, Consumer<String> progress) {
        this.store = store;
        this.slurm = slurm;
        this.progress = progress;
    }

    /**
     * What a submission would be: its scripts, written nowhere yet.
     *
     * @param manifest the campaign (its units not done are the ones to run)
     * @param options  the options, checked here
     */
    public SlurmScripts.Submission plan(CampaignManifest manifest, SlurmOptions options) {
        options.check();
        if (options.lemCommand().isEmpty()) {
            throw new LemException("No lem command for the nodes: set SlurmOptions.lemCommand (e.g. "
                    + "List.of(\"/shared/lem-0.1.0/bin/lem\")), the command every node runs the workers with");
        }
        int left = (int) (manifest.units().size() - manifest.count(UnitStatus.DONE));
        int tasks = Math.max(1, Math.min(Math.max(left, 1), options.maxParallel().orElse(manifest.experiments()
                .size())));
        return new SlurmScripts.Submission(manifest, options, options.lemCommand(), manifest.slurm().size() + 1, tasks,
                left, store.slurmFolder(manifest.campaignId()), Instant.now());
    }

    /**
     * Writes the scripts, submits the worker array and the aggregation job after it, and records the submission in
     * the manifest (state {@code submitted}).
     *
     * @return the submission recorded
     * @throws SlurmException when sbatch is missing or refuses (nothing stays submitted: the array is cancelled when
     *                        the aggregation job is refused)
     */
    public SlurmSubmission submit(SlurmScripts.Submission s) {
        slurm.require("sbatch", "handing a campaign to Slurm");
        CampaignManifest m = s.manifest();
        String where = m.resultsDir();
        if (where.startsWith("/tmp/") || where.startsWith("/dev/shm/") || where.startsWith("/var/tmp/")) {
            progress.accept("note: the results folder " + where + " is on a node-local path on most clusters; the "
                    + "workers on other nodes must see the same folder (a shared filesystem)");
        }
        try {
            Files.createDirectories(s.slurmDir().resolve("logs"));
        } catch (IOException e) {
            throw new LemException("Cannot create " + s.slurmDir().resolve("logs") + ": " + e.getMessage(), e);
        }
        if (!Files.isRegularFile(store.manifestFile(m.campaignId()))) {
            store.write(m); // planned: the workers read the plan from it
        }
        ResultsRepository.writeAtomically(s.workerScript(), SlurmScripts.worker(s));
        ResultsRepository.writeAtomically(s.aggregateScript(), SlurmScripts.aggregate(s));
        String notSubmitted = "; campaign " + m.campaignId() + " is written but nothing of it was submitted: fix the "
                + "cause, then `lem campaign resume " + m.campaignId() + " --results-dir " + m.resultsDir()
                + " --slurm` submits it";
        String array;
        try {
            array = slurm.submit(s.workerScript(), List.of());
        } catch (SlurmException e) {
            throw new SlurmException(e.getMessage() + notSubmitted, e);
        }
        String aggregate;
        try {
            aggregate = slurm.submit(s.aggregateScript(), List.of("--dependency=afterany:" + array));
        } catch (SlurmException e) {
            slurm.cancel(array);
            throw new SlurmException(e.getMessage() + "; the worker array " + array + " was cancelled" + notSubmitted,
                    e);
        }
        CampaignManifest submitted = m.withState(CampaignState.SUBMITTED, Optional.empty());
        Path folder = store.folder(m.campaignId());
        SlurmSubmission sub = new SlurmSubmission(m.campaignId(), s.number(), s.writtenAt(), EnvironmentCapture.hostName(), array,
                Optional.of(aggregate), s.tasks(), s.units(), folder.relativize(s.workerScript()).toString(),
                folder.relativize(s.aggregateScript()).toString(), s.options());
        store.write(submitted.withSubmission(sub));
        progress.accept("campaign " + m.campaignId() + ": " + sub);
        return sub;
    }

    /**
     * The campaign's Slurm jobs that are still pending or running.
     *
     * @return those jobs; empty when none is; absent when Slurm could not be asked
     */
    public Optional<List<SlurmJob>> activeJobs(CampaignManifest m) {
        if (!m.clustered()) {
            return Optional.of(List.of());
        }
        Optional<List<SlurmJob>> jobs = slurm.jobs(m.slurmJobIds());
        return jobs.map(js -> js.stream().filter(SlurmJob::active).toList());
    }

    /**
     * Refuses while any of the campaign's jobs is pending or running.
     *
     * @param strict refuse also when Slurm cannot be asked (a resume onto Slurm); otherwise go on with a note
     */
    public void requireNoActiveJobs(CampaignManifest m, boolean strict) {
        Optional<List<SlurmJob>> active = activeJobs(m);
        if (active.isEmpty()) {
            if (strict) {
                throw new SlurmException("Cannot tell whether campaign " + m.campaignId() + "'s Slurm jobs ("
                        + String.join(", ", m.slurmJobIds()) + ") still run: squeue is missing or failed; resume once "
                        + "`squeue --jobs " + String.join(",", m.slurmJobIds()) + "` works");
            }
            progress.accept("note: cannot ask Slurm whether campaign " + m.campaignId() + "'s jobs still run; "
                    + "going on (units held by live workers elsewhere would run twice)");
            return;
        }
        if (!active.get().isEmpty()) {
            throw new LemException("Campaign " + m.campaignId() + " still has Slurm jobs: " + active.get().stream()
                    .map(SlurmJob::toString).collect(Collectors.joining(", ")) + "; wait for them (`lem campaign "
                    + "status " + m.campaignId() + "`) or cancel them (`scancel " + String.join(" ", m.slurmJobIds())
                    + "`), then resume");
        }
    }

    /**
     * Hands back every unit not done that a stopped task held, and every failed unit (with fresh attempts), so that
     * the next workers run them from scratch. Call once no job of the campaign runs.
     *
     * @return the units handed back
     */
    public List<ManifestUnit> handBack(CampaignManifest m) {
        Map<String, SlurmJob> byTask = new java.util.HashMap<>();
        if (m.clustered()) {
            slurm.jobs(m.slurmJobIds()).orElse(List.of()).forEach(j -> byTask.put(j.id(), j));
        }
        List<ManifestUnit> back = UnitLedger.handBackAll(store, m, u -> {
            Optional<Placement> p = u.placement();
            if (p.isEmpty()) {
                return "its process stopped while it ran";
            }
            Optional<String> task = p.get().slurmTask();
            String state = task.map(byTask::get).map(j -> "Slurm: " + j.describe()).orElse(task.isPresent()
                    ? "Slurm no longer lists its task" : "");
            return "its worker (" + p.get() + ") stopped while it ran" + (state.isEmpty() ? "" : " (" + state + ")");
        });
        back.forEach(u -> progress.accept("handed back " + u + ": " + u.history().get(u.history().size() - 1)));
        return back;
    }

    /** The ids of the jobs, for messages. */
    static String ids(Collection<SlurmJob> jobs) {
        return jobs.stream().map(SlurmJob::id).collect(Collectors.joining(", "));
    }
}
