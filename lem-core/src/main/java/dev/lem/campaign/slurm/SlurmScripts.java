package dev.lem.campaign.slurm;

import dev.lem.campaign.CampaignManifest;
import dev.lem.campaign.SlurmOptions;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The two batch scripts a campaign is handed to Slurm with, written to be read by a person: the <b>worker array</b>
 * (each task runs {@code lem campaign worker}, which claims units until none is left) and the <b>aggregation
 * job</b> (run once the array has ended, however it ended: {@code --dependency=afterany:<array>}), which merges what
 * every node wrote. Every {@code #SBATCH} line has a comment above it saying what it is for.
 */
public final class SlurmScripts {
    private SlurmScripts() {
    }

    /**
     * What a submission is made of.
     *
     * @param manifest   the campaign
     * @param options    the options (checked)
     * @param lemCommand the command that runs lem on the nodes
     * @param number     the submission's number (1, then one more per resume)
     * @param tasks      array tasks (workers)
     * @param units      units left to run
     * @param slurmDir   the campaign's {@code slurm/} folder (scripts and logs)
     * @param writtenAt  when the scripts were written
     */
    public record Submission(CampaignManifest manifest, SlurmOptions options, List<String> lemCommand, int number,
            int tasks, int units, Path slurmDir, Instant writtenAt) {
        /**
         * Copies the lem command, so the submission cannot change after it is made.
         *
         * @param manifest   the campaign
         * @param options    the options (checked)
         * @param lemCommand the command that runs lem on the nodes
         * @param number     the submission's number (1, then one more per resume)
         * @param tasks      array tasks (workers)
         * @param units      units left to run
         * @param slurmDir   the campaign's {@code slurm/} folder (scripts and logs)
         * @param writtenAt  when the scripts were written
         */
        public Submission {
            lemCommand = List.copyOf(lemCommand);
        }

        /** {@return where the worker array's script goes: {@code worker-<number>.sbatch} in {@link #slurmDir()}} */
        public Path workerScript() {
            return slurmDir.resolve("worker-" + number + ".sbatch");
        }

        /**
         * {@return where the aggregation job's script goes: {@code aggregate-<number>.sbatch} in {@link #slurmDir()}}
         */
        public Path aggregateScript() {
            return slurmDir.resolve("aggregate-" + number + ".sbatch");
        }
    }

    /**
     * The worker array's script: one array task per worker, each running {@code lem campaign worker} until no unit
     * is left to claim.
     *
     * @param s the submission
     * @return the script's text, with a comment above each {@code #SBATCH} line
     */
    public static String worker(Submission s) {
        CampaignManifest m = s.manifest();
        SlurmOptions o = s.options();
        Path units = s.slurmDir().resolveSibling("units");
        StringBuilder sb = new StringBuilder();
        sb.append("#!/bin/bash\n");
        sb.append("# LEM campaign ").append(m.campaignId()).append(m.settings().name().map(n -> " (" + n + ")")
                .orElse("")).append(": the worker array, submission ").append(s.number()).append(".\n");
        sb.append("#\n");
        sb.append("# Each array task is one worker. `lem campaign worker` claims the campaign's units one at a time, in\n");
        sb.append("# the campaign's order (cycle round by cycle round: no unit of round c is claimed before every unit\n");
        sb.append("# of round c-1 has been), runs each (one cycle of one experiment, its energy measured on this node\n");
        sb.append("# and these devices), records it, and stops when no unit is left to claim. A claim is a file\n");
        sb.append("# created with O_EXCL in ").append(units).append(";\n");
        sb.append("# a unit whose task stopped (its node died) is claimed again by a later worker. A task stopped by\n");
        sb.append("# Slurm (time limit, preemption, scancel) hands its running unit back and loses only that unit;\n");
        sb.append("# `lem campaign resume ").append(m.campaignId()).append(" --slurm` runs whatever is left.\n");
        sb.append("# The results folder must be on a filesystem every node shares: ").append(m.resultsDir()).append('\n');
        sb.append("#\n");
        sb.append("# Written by `lem campaign submit --slurm` (or `resume --slurm`) at ")
                .append(s.writtenAt().truncatedTo(ChronoUnit.SECONDS)).append("; submitted as\n");
        sb.append("#   sbatch --parsable ").append(s.workerScript()).append('\n');
        sb.append("# and followed by the aggregation job ").append(s.aggregateScript().getFileName())
                .append(" (--dependency=afterany:<this array's job id>).\n\n");
        sb.append("# the name squeue shows for every task\n");
        sb.append("#SBATCH --job-name=").append(jobName(m)).append('\n');
        sb.append("# ").append(s.tasks()).append(" worker").append(s.tasks() == 1 ? "" : "s").append(" for ")
                .append(s.units()).append(" unit").append(s.units() == 1 ? "" : "s").append(" (--max-parallel); each ")
                .append("task runs units until none is left\n");
        sb.append("#SBATCH --array=0-").append(s.tasks() - 1).append('\n');
        sb.append("# one lem process per task\n");
        sb.append("#SBATCH --ntasks=1\n");
        o.gpusPerTask().ifPresent(g -> {
            sb.append("# GPUs of each task (--gpus-per-task): Slurm sets CUDA_VISIBLE_DEVICES, which LEM's meters honour\n");
            sb.append("# and record with every cycle, with SLURM_JOB_GPUS\n");
            sb.append("#SBATCH --gpus-per-task=").append(g).append('\n');
        });
        common(sb, o, true);
        sb.append("# each task's output (%A: the array's job id, %a: the task's index), kept with the campaign\n");
        sb.append("#SBATCH --output=").append(sbatchValue(s.slurmDir().resolve("logs") + "/worker-%A_%a.out"))
                .append('\n');
        extra(sb, o);
        sb.append('\n');
        sb.append("set -euo pipefail\n\n");
        lem(sb, s.lemCommand());
        sb.append("# claim and run units until none is left (SLURM_* variables say which job, task and devices)\n");
        sb.append("exec \"${LEM[@]}\" campaign worker ").append(m.campaignId()).append(" --results-dir ")
                .append(quote(m.resultsDir())).append(" --slurm-task \"${SLURM_ARRAY_TASK_ID}\"\n");
        return sb.toString();
    }

    /**
     * The aggregation job's script, which runs {@code lem campaign aggregate} once the worker array has ended.
     *
     * @param s the submission
     * @return the script's text, with a comment above each {@code #SBATCH} line
     */
    public static String aggregate(Submission s) {
        CampaignManifest m = s.manifest();
        SlurmOptions o = s.options();
        StringBuilder sb = new StringBuilder();
        sb.append("#!/bin/bash\n");
        sb.append("# LEM campaign ").append(m.campaignId()).append(m.settings().name().map(n -> " (" + n + ")")
                .orElse("")).append(": the aggregation job, submission ").append(s.number()).append(".\n");
        sb.append("#\n");
        sb.append("# Runs once every task of the worker array has ended, however it ended (submitted with\n");
        sb.append("# --dependency=afterany:<the array's job id>). `lem campaign aggregate` merges the units' states into\n");
        sb.append("# the manifest, writes each experiment's end marker, aggregates each experiment over its cycles (the\n");
        sb.append("# same late aggregation as everywhere: a device counted once per device, a machine once per node), and\n");
        sb.append("# writes experiments.csv, units.csv and nodes.csv. It exits with 1 when units are not done: then\n");
        sb.append("# `lem campaign status ").append(m.campaignId()).append("` says why and `lem campaign resume ")
                .append(m.campaignId()).append(" --slurm` runs them.\n");
        sb.append("#\n");
        sb.append("# Written by `lem campaign submit --slurm` (or `resume --slurm`) at ")
                .append(s.writtenAt().truncatedTo(ChronoUnit.SECONDS)).append("; submitted as\n");
        sb.append("#   sbatch --parsable --dependency=afterany:<array job id> ").append(s.aggregateScript()).append("\n\n");
        sb.append("# the name squeue shows\n");
        sb.append("#SBATCH --job-name=").append(jobName(m)).append("-aggregate\n");
        sb.append("# one process, no GPU\n");
        sb.append("#SBATCH --ntasks=1\n");
        common(sb, o, false);
        sb.append("# its output, kept with the campaign (%j: its job id)\n");
        sb.append("#SBATCH --output=").append(sbatchValue(s.slurmDir().resolve("logs") + "/aggregate-%j.out"))
                .append('\n');
        extra(sb, o);
        sb.append('\n');
        sb.append("set -euo pipefail\n\n");
        lem(sb, s.lemCommand());
        sb.append("exec \"${LEM[@]}\" campaign aggregate ").append(m.campaignId()).append(" --results-dir ")
                .append(quote(m.resultsDir())).append('\n');
        return sb.toString();
    }

    private static void common(StringBuilder sb, SlurmOptions o, boolean worker) {
        o.partition().ifPresent(p -> {
            sb.append("# the partition (--partition)\n");
            sb.append("#SBATCH --partition=").append(p).append('\n');
        });
        o.account().ifPresent(a -> {
            sb.append("# the account charged (--account)\n");
            sb.append("#SBATCH --account=").append(a).append('\n');
        });
        o.time().ifPresent(t -> {
            sb.append(worker ? "# each task's time limit (--time): a task stopped at its limit loses only its running "
                    + "unit\n" : "# its time limit (--time, as the workers')\n");
            sb.append("#SBATCH --time=").append(t).append('\n');
        });
    }

    private static void extra(StringBuilder sb, SlurmOptions o) {
        if (!o.sbatchArgs().isEmpty()) {
            sb.append("# further options (--sbatch-arg)\n");
            o.sbatchArgs().forEach(a -> sb.append("#SBATCH ").append(a).append('\n'));
        }
    }

    private static void lem(StringBuilder sb, List<String> command) {
        sb.append("# the lem command, as at submission (the same installation must be visible on every node)\n");
        sb.append("LEM=(").append(command.stream().map(SlurmScripts::quote).collect(Collectors.joining(" ")))
                .append(")\n");
    }

    /** A job name Slurm accepts: lem- and the campaign's name (or id), letters, digits, - _ . only. */
    static String jobName(CampaignManifest m) {
        String n = m.settings().name().orElse(m.campaignId()).replaceAll("[^A-Za-z0-9_.-]+", "-");
        n = n.length() > 40 ? n.substring(0, 40) : n;
        return "lem-" + n.toLowerCase(Locale.ROOT);
    }

    /** A value of an {@code #SBATCH} line: bare when plainly safe, else in double quotes (sbatch reads them). */
    static String sbatchValue(String v) {
        if (v.matches("[A-Za-z0-9_./:=@%+,-]+")) {
            return v;
        }
        if (v.contains("\"") || v.contains("\n") || v.contains("\r")) {
            throw new dev.lem.LemException("The path " + v + " cannot go into a batch script's #SBATCH line (it holds a "
                    + "double quote or a line break); use a results folder without them");
        }
        return "\"" + v + "\"";
    }

    /** One shell word: bare when it is plainly safe, else in single quotes. */
    static String quote(String s) {
        if (!s.isEmpty() && s.matches("[A-Za-z0-9_./:=@%+,-]+")) {
            return s;
        }
        return "'" + s.replace("'", "'\\''") + "'";
    }
}
