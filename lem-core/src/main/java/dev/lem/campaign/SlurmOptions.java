package dev.lem.campaign;

import dev.lem.config.ConfigException;
import dev.lem.config.ConfigProblem;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * How a campaign is handed to Slurm ({@code lem campaign submit --slurm}): where its tasks run and how many run at
 * once. Stored with each submission in the manifest, so {@code lem campaign resume <id> --slurm} submits the same way.
 * Build with {@link #defaults()} and the {@code withX} methods; {@link #check()} says everything wrong at once.
 *
 * @param partition   {@code --partition}: the partition the tasks run in (the cluster's default when empty)
 * @param account     {@code --account}: the account charged (the user's default when empty)
 * @param gpusPerTask {@code --gpus-per-task}: GPUs Slurm gives each task (it sets {@code CUDA_VISIBLE_DEVICES});
 *                    empty: none asked for
 * @param time        {@code --time}: each task's time limit, in Slurm's forms ({@code MM}, {@code HH:MM:SS},
 *                    {@code D-HH:MM:SS}, ...); the partition's default when empty
 * @param maxParallel workers (array tasks) that may run at once; empty: one per experiment, at most one per unit
 * @param sbatchArgs  further {@code sbatch} options, one per entry (e.g. {@code --qos=high}, {@code --mem=32G}),
 *                    written as {@code #SBATCH} lines of both scripts
 * @param lemCommand  the command that runs {@code lem} on the nodes (e.g. {@code /shared/lem-0.1.0/bin/lem}); empty:
 *                    the command that submitted it (the same installation must be visible on every node)
 */
public record SlurmOptions(Optional<String> partition, Optional<String> account, Optional<Integer> gpusPerTask,
        Optional<String> time, Optional<Integer> maxParallel, List<String> sbatchArgs, List<String> lemCommand) {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.,+-]+");
    private static final Pattern TIME = Pattern.compile("(\\d+-)?\\d+(:\\d{1,2}){0,2}|UNLIMITED|INFINITE|unlimited|infinite");
    /** Options LEM sets itself in the scripts it writes, which {@code --sbatch-arg} may not set. */
    private static final List<String> RESERVED = List.of("--array", "-a", "--output", "-o", "--error", "-e",
            "--dependency", "-d", "--parsable", "--job-name", "-J", "--ntasks", "-n", "--wrap");

    /**
     * Reads a {@code null} option as not set and copies the lists; does not check the values ({@link #check()} does).
     *
     * @param partition   {@code --partition}, empty or {@code null} for the cluster's default
     * @param account     {@code --account}, empty or {@code null} for the user's default
     * @param gpusPerTask {@code --gpus-per-task}, GPUs per task; empty or {@code null} for none asked for
     * @param time        {@code --time}, each task's time limit in Slurm's forms; empty or {@code null} for the
     *                    partition's default
     * @param maxParallel workers that may run at once; empty or {@code null} for one per experiment
     * @param sbatchArgs  further {@code sbatch} options, one per entry; {@code null} for none
     * @param lemCommand  the command that runs {@code lem} on the nodes; empty or {@code null} for the submitting one
     */
    public SlurmOptions {
        partition = partition == null ? Optional.empty() : partition;
        account = account == null ? Optional.empty() : account;
        gpusPerTask = gpusPerTask == null ? Optional.empty() : gpusPerTask;
        time = time == null ? Optional.empty() : time;
        maxParallel = maxParallel == null ? Optional.empty() : maxParallel;
        sbatchArgs = sbatchArgs == null ? List.of() : List.copyOf(sbatchArgs);
        lemCommand = lemCommand == null ? List.of() : List.copyOf(lemCommand);
    }

    /** {@return nothing asked for: the cluster's defaults, one worker per experiment, the submitting lem command} */
    public static SlurmOptions defaults() {
        return new SlurmOptions(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.empty(), List.of(), List.of());
    }

    /**
     * {@return these options with {@code --partition} set}
     *
     * @param p the partition; {@code null} for the cluster's default
     */
    public SlurmOptions withPartition(String p) {
        return new SlurmOptions(Optional.ofNullable(p), account, gpusPerTask, time, maxParallel, sbatchArgs, lemCommand);
    }

    /**
     * {@return these options with {@code --account} set}
     *
     * @param a the account charged; {@code null} for the user's default
     */
    public SlurmOptions withAccount(String a) {
        return new SlurmOptions(partition, Optional.ofNullable(a), gpusPerTask, time, maxParallel, sbatchArgs, lemCommand);
    }

    /**
     * {@return these options with {@code --gpus-per-task} set}
     *
     * @param g GPUs Slurm gives each task; {@code null} for none asked for
     */
    public SlurmOptions withGpusPerTask(Integer g) {
        return new SlurmOptions(partition, account, Optional.ofNullable(g), time, maxParallel, sbatchArgs, lemCommand);
    }

    /**
     * {@return these options with {@code --time} set}
     *
     * @param t each task's time limit in Slurm's forms (e.g. {@code 02:00:00}); {@code null} for the partition's
     *          default
     */
    public SlurmOptions withTime(String t) {
        return new SlurmOptions(partition, account, gpusPerTask, Optional.ofNullable(t), maxParallel, sbatchArgs,
                lemCommand);
    }

    /**
     * {@return these options with the number of workers (array tasks) that may run at once set}
     *
     * @param k workers that may run at once; {@code null} for one per experiment
     */
    public SlurmOptions withMaxParallel(Integer k) {
        return new SlurmOptions(partition, account, gpusPerTask, time, Optional.ofNullable(k), sbatchArgs, lemCommand);
    }

    /**
     * {@return these options with further {@code sbatch} options, replacing any set before}
     *
     * @param args {@code sbatch} options, one per entry (e.g. {@code --qos=high}); {@code null} for none
     */
    public SlurmOptions withSbatchArgs(List<String> args) {
        return new SlurmOptions(partition, account, gpusPerTask, time, maxParallel, args, lemCommand);
    }

    /**
     * {@return these options with the command that runs {@code lem} on the nodes set}
     *
     * @param command the command and its leading arguments (e.g. {@code /shared/lem-0.1.0/bin/lem}); empty or
     *                {@code null} for the command that submits
     */
    public SlurmOptions withLemCommand(List<String> command) {
        return new SlurmOptions(partition, account, gpusPerTask, time, maxParallel, sbatchArgs, command);
    }

    /**
     * {@return these options with every option {@code other} sets (a resume's flags over the stored ones)}
     *
     * @param other the options that win where set (a list where not empty)
     */
    public SlurmOptions overriddenBy(SlurmOptions other) {
        return new SlurmOptions(other.partition.or(() -> partition), other.account.or(() -> account),
                other.gpusPerTask.or(() -> gpusPerTask), other.time.or(() -> time),
                other.maxParallel.or(() -> maxParallel), other.sbatchArgs.isEmpty() ? sbatchArgs : other.sbatchArgs,
                other.lemCommand.isEmpty() ? lemCommand : other.lemCommand);
    }

    /**
     * Checks every option; they go into a script's {@code #SBATCH} lines, so a line break or a value Slurm would
     * refuse is caught here, naming the option, the value and the fix.
     *
     * @return this
     * @throws ConfigException listing every problem, one line each
     */
    public SlurmOptions check() {
        List<ConfigProblem> problems = new ArrayList<>();
        partition.filter(p -> !NAME.matcher(p).matches()).ifPresent(p -> problems.add(new ConfigProblem("--partition",
                "\"" + p + "\" is not a partition name (letters, digits, _ . , + -; `sinfo -s` lists them)")));
        account.filter(a -> !NAME.matcher(a).matches()).ifPresent(a -> problems.add(new ConfigProblem("--account",
                "\"" + a + "\" is not an account name (letters, digits, _ . , + -; `sacctmgr show assoc user=$USER` "
                        + "lists yours)")));
        gpusPerTask.filter(g -> g < 1 || g > 1024).ifPresent(g -> problems.add(new ConfigProblem("--gpus-per-task",
                g + " is outside 1..1024 (leave it out for CPU-only tasks)")));
        time.filter(t -> !TIME.matcher(t).matches()).ifPresent(t -> problems.add(new ConfigProblem("--time", "\"" + t
                + "\" is not a Slurm time limit (minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM or D-HH:MM:SS, e.g. "
                + "02:00:00)")));
        maxParallel.filter(k -> k < 1 || k > 100_000).ifPresent(k -> problems.add(new ConfigProblem("--max-parallel",
                k + " is outside 1..100000")));
        for (String a : sbatchArgs) {
            if (a.contains("\n") || a.contains("\r")) {
                problems.add(new ConfigProblem("--sbatch-arg", "\"" + a.replace("\n", "\\n") + "\" holds a line break; "
                        + "give one option per --sbatch-arg"));
            } else if (!a.startsWith("-")) {
                problems.add(new ConfigProblem("--sbatch-arg", "\"" + a + "\" is not an sbatch option (it must start "
                        + "with - or --, e.g. --sbatch-arg=--qos=high)"));
            } else {
                String name = a.contains("=") ? a.substring(0, a.indexOf('=')) : a.split("\\s+")[0];
                if (RESERVED.contains(name.toLowerCase(Locale.ROOT))) {
                    problems.add(new ConfigProblem("--sbatch-arg", "\"" + a + "\": LEM sets " + name + " itself in "
                            + "the scripts it writes (the array, the logs, the dependency); use --max-parallel for "
                            + "the number of workers"));
                }
            }
        }
        for (String c : lemCommand) {
            if (c.contains("\n") || c.contains("\r")) {
                problems.add(new ConfigProblem("--lem-command", "\"" + c.replace("\n", "\\n")
                        + "\" holds a line break"));
            }
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        return this;
    }
}
