package dev.lem.cli;

import dev.lem.campaign.SlurmOptions;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** The options of {@code lem campaign submit --slurm} and {@code lem campaign resume --slurm}. */
final class SlurmFlags {
    /** Set by the launchers ({@code ./lem}, {@code bin/lem}) to their own path: the command the nodes run. */
    static final String LEM_COMMAND_PROPERTY = "lem.command";

    @Option(names = "--slurm", description = "Hand the campaign to Slurm (sbatch job arrays): the only scheduler LEM "
            + "dispatches to.")
    boolean slurm;

    @Option(names = "--partition", paramLabel = "P", description = "Slurm partition of the tasks (default: the "
            + "cluster's).")
    String partition;

    @Option(names = "--account", paramLabel = "A", description = "Slurm account charged (default: yours).")
    String account;

    @Option(names = "--gpus-per-task", paramLabel = "N", description = "GPUs Slurm gives each task; it sets "
            + "CUDA_VISIBLE_DEVICES, which LEM honours and records (default: none).")
    Integer gpusPerTask;

    @Option(names = "--time", paramLabel = "HH:MM:SS", description = "Time limit of each task (D-HH:MM:SS, HH:MM:SS, "
            + "MM:SS or minutes; default: the partition's). A task stopped at its limit loses only its running unit.")
    String time;

    @Option(names = "--max-parallel", paramLabel = "K", description = "Workers (array tasks) that may run at once; "
            + "each runs units until none is left (default: one per experiment, at most one per unit).")
    Integer maxParallel;

    @Option(names = "--sbatch-arg", paramLabel = "ARG", description = "A further sbatch option for both scripts, "
            + "e.g. --sbatch-arg=--qos=high (repeatable).")
    List<String> sbatchArgs = new ArrayList<>();

    @Option(names = "--lem-command", paramLabel = "CMD", description = "The command the nodes run lem with, split "
            + "on spaces (default: this lem, which must be visible on every node).")
    String lemCommand;

    @Option(names = "--dry-run", description = "Print the scripts and the sbatch commands; write and submit nothing.")
    boolean dryRun;

    /** Whether any Slurm option was given. */
    boolean anyGiven() {
        return partition != null || account != null || gpusPerTask != null || time != null || maxParallel != null
                || !sbatchArgs.isEmpty() || lemCommand != null || dryRun;
    }

    /** The options given, with the lem command defaulted when {@code defaultCommand}. */
    SlurmOptions options(boolean defaultCommand) {
        SlurmOptions o = SlurmOptions.defaults().withPartition(partition).withAccount(account)
                .withGpusPerTask(gpusPerTask).withTime(time).withMaxParallel(maxParallel).withSbatchArgs(sbatchArgs);
        if (lemCommand != null && !lemCommand.isBlank()) {
            o = o.withLemCommand(List.of(lemCommand.trim().split("\\s+")));
        } else if (defaultCommand) {
            o = o.withLemCommand(thisLem());
        }
        return o;
    }

    /**
     * The command that runs this lem: the launcher's path when a launcher started it, else this JVM with its class
     * path (as {@code java -cp ... dev.lem.cli.LemCommand}).
     */
    static List<String> thisLem() {
        String launcher = System.getProperty(LEM_COMMAND_PROPERTY);
        if (launcher != null && !launcher.isBlank()) {
            return List.of(launcher);
        }
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (a.startsWith("-Xmx") || a.startsWith("-Xms") || a.startsWith("-Dai.djl.")
                    || a.startsWith("--enable-native-access")) {
                cmd.add(a);
            }
        }
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(LemCommand.class.getName());
        return cmd;
    }
}
