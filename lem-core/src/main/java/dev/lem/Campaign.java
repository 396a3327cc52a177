package dev.lem;

import dev.lem.campaign.CampaignDefinition;
import dev.lem.campaign.CampaignIds;
import dev.lem.campaign.CampaignManifest;
import dev.lem.campaign.CampaignPlanner;
import dev.lem.campaign.CampaignResult;
import dev.lem.campaign.CampaignResults;
import dev.lem.campaign.CampaignSettings;
import dev.lem.campaign.CampaignState;
import dev.lem.campaign.CampaignStructure;
import dev.lem.campaign.ManifestExperiment;
import dev.lem.campaign.ManifestStore;
import dev.lem.campaign.Pause;
import dev.lem.campaign.UnitOrder;
import dev.lem.campaign.SlurmOptions;
import dev.lem.campaign.SlurmSubmission;
import dev.lem.campaign.UnitLedger;
import dev.lem.campaign.UnitStatus;
import dev.lem.campaign.slurm.SlurmClient;
import dev.lem.campaign.slurm.SlurmScripts;
import dev.lem.config.ConfigException;
import dev.lem.config.KeyedRecords;
import dev.lem.env.EnvironmentCapture;
import dev.lem.env.Placement;
import dev.lem.internal.CampaignRunner;
import dev.lem.internal.SlurmDispatch;
import dev.lem.result.Progress;
import dev.lem.results.ExperimentIds;
import dev.lem.results.ResultsJson;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * A campaign: many experiments (a grid over a base configuration, a list of configs, or both) run cycle by cycle in
 * a randomised or interleaved order, with thermal gaps, model residency, a manifest updated after every unit, and
 * resume after any interruption. Each experiment's statistics are over its cycles across the campaign.
 *
 * <pre>{@code
 * CampaignResult r = Campaign.fromFile(Path.of("campaign.yaml")).run();
 * r.experiments().forEach(System.out::println);
 * r.comparisons().forEach(System.out::println);          // against the baseline
 *
 * Campaign.builder()
 *         .base(Path.of("base.yaml"))
 *         .vary("backend", "djl", "openai")
 *         .vary("batching.batch_size", 1, 4, 8)          // expanded for djl only: openai ignores it
 *         .cycles(3)
 *         .build()
 *         .run();
 * }</pre>
 *
 * <p>Everything is validated when the campaign is built: every experiment as a lone experiment would be, invalid
 * grid combinations listed with the reason ({@link #plan()}). Immutable; {@link #run()} starts a new campaign (new
 * id) each time, {@link #resume(Path, String)} continues one.
 */
public final class Campaign {
    private final CampaignDefinition definition;
    private final CampaignPlanner.Plan plan;
    private final RunOptions runOptions;

    /** How a campaign reports and waits (progress listeners; a scripted clock and readings in tests). */
    private record RunOptions(Consumer<String> progress, Consumer<Progress> listener, Pause pause,
            @Nullable Supplier<Map<String, Double>> telemetry) {
        static RunOptions defaults() {
            return new RunOptions(m -> { }, p -> { }, Pause.system(), null);
        }
    }

    private Campaign(CampaignDefinition definition, CampaignPlanner.Plan plan, RunOptions runOptions) {
        this.definition = definition;
        this.plan = plan;
        this.runOptions = runOptions;
    }

    /**
     * A campaign from a campaign file, validated.
     *
     * @param file the campaign file (YAML or JSON)
     * @return the validated campaign, planned
     * @throws ConfigException listing every problem of the file (its keys, each experiment that cannot run at all)
     */
    public static Campaign fromFile(Path file) {
        return builder(CampaignDefinition.read(file)).build();
    }

    /** {@return a builder starting from an empty definition (give a base or configs)} */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * A builder starting from a definition (e.g. a campaign file's, to change a few settings).
     *
     * @param definition the definition to start from
     * @return a builder holding the definition's settings
     */
    public static Builder builder(CampaignDefinition definition) {
        Builder b = new Builder();
        b.definition = definition;
        return b;
    }

    /**
     * {@return the experiments to run and the combinations skipped, with why: what {@code lem campaign grid} shows}
     */
    public CampaignPlanner.Plan plan() {
        return plan;
    }

    /** {@return the definition it was built from} */
    public CampaignDefinition definition() {
        return definition;
    }

    /**
     * Runs the campaign: writes its manifest ({@code <results>/campaigns/<id>/manifest.json}), then every unit in
     * order, then aggregates each experiment and writes {@code experiments.csv} and {@code units.csv}.
     *
     * @return the result: {@linkplain CampaignResult#isComplete() complete}, or failed (units failed after their
     *         retries) or interrupted (resume it with {@link #resume(Path, String)}); the manifest says which units
     */
    public CampaignResult run() {
        CampaignManifest manifest = newManifest();
        ManifestStore store = new ManifestStore(plan.resultsDir());
        store.write(manifest);
        runOptions.progress().accept("campaign " + manifest.campaignId() + ": " + manifest.experiments().size()
                + " experiment(s) x " + plan.settings().cycles() + " cycle(s) = " + manifest.units().size() + " units, "
                + plan.settings().structure() + " order; manifest " + store.manifestFile(manifest.campaignId()));
        return execute(manifest, store, runOptions);
    }

    /** A new campaign's manifest (a new id, every unit pending), not written. */
    private CampaignManifest newManifest() {
        String id = CampaignIds.generate();
        List<ManifestExperiment> experiments = new ArrayList<>();
        for (CampaignPlanner.PlannedExperiment p : plan.experiments()) {
            experiments.add(new ManifestExperiment(experiments.size(), ExperimentIds.generate(), p.label(), p.varied(),
                    p.source(), p.config()));
        }
        List<String> notes = new ArrayList<>(plan.notes());
        plan.experiments().forEach(p -> p.warnings().forEach(w -> notes.add(p.label() + ": " + w)));
        return new CampaignManifest(ResultsJson.SCHEMA_VERSION, id, plan.settings(),
                plan.resultsDir().toString(), definition.source().map(Path::toString), Instant.now(),
                CampaignState.PLANNED, Optional.empty(), ProcessHandle.current().pid(), EnvironmentCapture.hostName(),
                experiments, plan.skipped(), UnitOrder.units(experiments.size(), plan.settings()), notes, List.of());
    }

    /**
     * What {@link #submit(SlurmOptions)} would submit — the worker array's and the aggregation job's scripts
     * ({@link SlurmScripts#worker}, {@link SlurmScripts#aggregate}) for a new campaign id — writing and submitting
     * nothing: {@code lem campaign submit --slurm --dry-run}.
     *
     * @param options where and how the tasks would run
     * @return the scripts and the sbatch arguments that {@link #submit(SlurmOptions)} would use
     * @throws dev.lem.config.ConfigException naming each option that is wrong
     */
    public SlurmScripts.Submission slurmPlan(SlurmOptions options) {
        ManifestStore store = new ManifestStore(plan.resultsDir());
        return new SlurmDispatch(store, SlurmClient.fromEnvironment(), runOptions.progress()).plan(newManifest(),
                options);
    }

    /**
     * Hands the campaign to Slurm: writes its manifest and two scripts into {@code <results>/campaigns/<id>/} (which
     * must be on a filesystem every node shares) and submits one job array whose tasks each run units of the campaign
     * ({@code lem campaign worker}), plus an aggregation job that runs once the array has ended
     * ({@code --dependency=afterany}) and merges what every node wrote ({@link #aggregate(Path, String)}).
     *
     * @param options where and how the tasks run; {@link SlurmOptions#lemCommand()} must name the command the nodes
     *                run lem with
     * @return the submission (job ids, scripts), also recorded in the manifest
     * @throws dev.lem.campaign.slurm.SlurmException when {@code sbatch} is not found (naming what to install) or
     *                                               refuses the job
     */
    public SlurmSubmission submit(SlurmOptions options) {
        ManifestStore store = new ManifestStore(plan.resultsDir());
        SlurmClient client = SlurmClient.fromEnvironment();
        client.require("sbatch", "handing a campaign to Slurm (lem campaign submit --slurm)");
        SlurmDispatch d = new SlurmDispatch(store, client, runOptions.progress());
        return d.submit(d.plan(newManifest(), options));
    }

    /**
     * Runs as one worker of a campaign handed to Slurm ({@code lem campaign worker}, what each array task runs):
     * claims the campaign's units one at a time in its order, runs and records each in the campaign's
     * {@code units/} folder, and returns when none is left to claim. Other workers, on this node or others, do the
     * same at the same time; a unit whose worker stopped (its Slurm task ended, its process is gone) is taken over.
     *
     * @param resultsDir the results folder holding {@code campaigns/<id>} (on a filesystem every node shares)
     * @param id         the campaign id
     * @param progress   one-line progress messages
     * @param listener   units done of the total
     * @return the manifest as it stands, merged with every unit's state
     */
    public static CampaignManifest work(Path resultsDir, String id, Consumer<String> progress,
            Consumer<Progress> listener) {
        ManifestStore store = new ManifestStore(resultsDir);
        CampaignManifest m = store.read(id);
        if (!m.clustered() && m.state() == CampaignState.RUNNING && m.host().equals(EnvironmentCapture.hostName())
                && ProcessHandle.of(m.pid()).map(ProcessHandle::isAlive).orElse(false)) {
            throw new LemException("Campaign " + id + " is run by `lem campaign run` (pid " + m.pid() + " on " + m.host()
                    + "), which does not claim its units: a worker would run them twice. Workers are for campaigns "
                    + "handed to Slurm (`lem campaign submit --slurm`); resume this one with `lem campaign resume " + id
                    + "`");
        }
        SlurmClient client = SlurmClient.fromEnvironment();
        Placement me = Placement.current(System.getenv());
        UnitLedger ledger = new UnitLedger(store, id, me, client::states);
        return new CampaignRunner(m, store, new CampaignRunner.Options(progress, listener, Pause.system(),
                System.getenv(), null, ledger)).run();
    }

    /**
     * Merges what a campaign's workers wrote once they have stopped ({@code lem campaign aggregate}, the job that
     * follows the worker array): writes each experiment's end marker, sets the campaign's state (complete, failed,
     * or interrupted when units are not done), aggregates each experiment over its cycles wherever they ran, and
     * writes {@code experiments.csv}, {@code units.csv} and {@code nodes.csv}.
     *
     * @param resultsDir the results folder holding {@code campaigns/<id>}
     * @param id         the campaign id
     * @return the campaign's result, as {@link #run()} returns it
     */
    public static CampaignResult aggregate(Path resultsDir, String id) {
        ManifestStore store = new ManifestStore(resultsDir);
        CampaignManifest m = store.read(id);
        CampaignRunner.endExperiments(m);
        long done = m.count(UnitStatus.DONE);
        long failed = m.count(UnitStatus.FAILED);
        long left = m.units().size() - done - failed;
        CampaignState state = left > 0 ? CampaignState.INTERRUPTED : failed > 0 ? CampaignState.FAILED
                : CampaignState.COMPLETE;
        Optional<String> reason = left > 0 ? Optional.of(left + " of " + m.units().size() + " units not done when its "
                + "workers stopped" + (m.clustered() ? "; `lem campaign resume " + id + " --slurm` runs them" : ""))
                : failed > 0 ? Optional.of(failed + " of " + m.units().size() + " units failed after their retries")
                        : Optional.empty();
        CampaignManifest end = m.withState(state, reason);
        store.write(end);
        return CampaignResults.assemble(end, store);
    }

    /**
     * Hands the units of a campaign that are not done to Slurm again ({@code lem campaign resume <id> --slurm}), once
     * none of its jobs runs: units whose task stopped while running them (time limit, preemption, scancel, node
     * failure) and failed units are handed back and run from scratch; done units never run again. Submits with the
     * options of the last submission, overridden by those {@code overrides} sets.
     *
     * @param resultsDir the results folder holding {@code campaigns/<id>}
     * @param id         the campaign id
     * @param overrides  the options that replace those of the last submission (unset ones keep theirs); used as
     *                   they are when the campaign was never submitted
     * @param progress   one-line progress messages
     * @return the new submission; empty when every unit was done (then the campaign is aggregated here)
     * @throws LemException while a job of the campaign is pending or running, naming it
     */
    public static Optional<SlurmSubmission> resumeOnSlurm(Path resultsDir, String id, SlurmOptions overrides,
            Consumer<String> progress) {
        ManifestStore store = new ManifestStore(resultsDir);
        CampaignManifest m = store.read(id);
        requireNotRunningHere(m);
        SlurmClient client = SlurmClient.fromEnvironment();
        client.require("sbatch", "resuming a campaign on Slurm (lem campaign resume --slurm)");
        SlurmDispatch d = new SlurmDispatch(store, client, progress);
        d.requireNoActiveJobs(m, true);
        d.handBack(m);
        m = store.read(id);
        long left = m.units().size() - m.count(UnitStatus.DONE);
        if (left == 0) {
            progress.accept("campaign " + id + ": every unit is done; aggregating here");
            aggregate(resultsDir, id);
            return Optional.empty();
        }
        SlurmOptions options = m.slurm().isEmpty() ? overrides
                : m.slurm().get(m.slurm().size() - 1).options().overriddenBy(overrides);
        return Optional.of(d.submit(d.plan(m, options)));
    }

    private static void requireNotRunningHere(CampaignManifest m) {
        if (m.state() == CampaignState.RUNNING && m.host().equals(EnvironmentCapture.hostName())
                && m.pid() != ProcessHandle.current().pid()
                && ProcessHandle.of(m.pid()).map(ProcessHandle::isAlive).orElse(false)) {
            throw new LemException("Campaign " + m.campaignId() + " is still running (pid " + m.pid() + "); stop it "
                    + "before resuming");
        }
    }

    /**
     * Continues a campaign after kill -9, power loss, Ctrl-C or failed units: runs exactly the units not done (a
     * unit that was running is run again from scratch, its partial files removed; failed units get new attempts).
     *
     * @param resultsDir the results folder holding {@code campaigns/<id>}
     * @param id         the campaign id
     * @param progress   one-line progress messages
     * @param listener   units done of the total
     * @return the result, as {@link #run()} returns it
     * @throws LemException when there is no such campaign, or its process is still running
     */
    public static CampaignResult resume(Path resultsDir, String id, Consumer<String> progress,
            Consumer<Progress> listener) {
        ManifestStore store = new ManifestStore(resultsDir);
        CampaignManifest m = store.read(id);
        requireNotRunningHere(m);
        if (m.state() == CampaignState.COMPLETE) {
            progress.accept("campaign " + id + " is complete: nothing to run");
            return CampaignResults.assemble(m, store);
        }
        if (m.clustered()) {
            // handed to Slurm before: run what is left here, through the same claims the workers use
            SlurmDispatch d = new SlurmDispatch(store, SlurmClient.fromEnvironment(), progress);
            d.requireNoActiveJobs(m, false);
            d.handBack(m);
            m = store.read(id);
            progress.accept("resuming campaign " + id + " here: " + (m.units().size() - m.count(UnitStatus.DONE))
                    + " of " + m.units().size() + " units to run");
            work(resultsDir, id, progress, listener);
            return aggregate(resultsDir, id);
        }
        long left = m.units().size() - m.count(UnitStatus.DONE);
        progress.accept("resuming campaign " + id + ": " + left + " of " + m.units().size() + " units to run");
        return execute(m, store, new RunOptions(progress, listener, Pause.system(), null));
    }

    /**
     * As {@link #resume(Path, String, Consumer, Consumer)} without listeners.
     *
     * @param resultsDir the results folder holding {@code campaigns/<id>}
     * @param id the campaign id
     * @return the result, as {@link #run()} returns it
     */
    public static CampaignResult resume(Path resultsDir, String id) {
        return resume(resultsDir, id, m -> { }, p -> { });
    }

    /**
     * The campaign's result as it stands (aggregating its experiments' files), without running anything.
     *
     * @param resultsDir the results folder holding {@code campaigns/<id>}
     * @param id the campaign id
     * @return the result as it stands; incomplete while units are not done
     */
    public static CampaignResult load(Path resultsDir, String id) {
        ManifestStore store = new ManifestStore(resultsDir);
        return CampaignResults.assemble(store.read(id), store);
    }

    private static CampaignResult execute(CampaignManifest manifest, ManifestStore store, RunOptions o) {
        CampaignManifest end = new CampaignRunner(manifest, store, new CampaignRunner.Options(o.progress(),
                o.listener(), o.pause(), System.getenv(), o.telemetry())).run();
        return CampaignResults.assemble(end, store);
    }

    @Override
    public String toString() {
        return "campaign " + plan.settings().name().orElse("(unnamed)") + ": " + plan.experiments().size()
                + " experiment(s) x " + plan.settings().cycles() + " cycle(s), " + plan.settings().structure()
                + (plan.skipped().isEmpty() ? "" : ", " + plan.skipped().size() + " combination(s) skipped");
    }

    /**
     * Builds a campaign in code. Settings are campaign keys ({@code lem campaign keys}); grid keys are experiment
     * keys ({@code lem config keys}). Not thread-safe.
     */
    public static final class Builder {
        private @Nullable CampaignDefinition definition;
        private CampaignDefinition.@Nullable Base base;
        private final List<Path> configs = new ArrayList<>();
        private final Map<String, List<Object>> vary = new LinkedHashMap<>();
        private final Map<String, Object> settings = new LinkedHashMap<>();
        private @Nullable Path resultsDir;
        private RunOptions options = RunOptions.defaults();

        private Builder() {
        }

        /**
         * The base configuration every grid experiment starts from: a config file.
         *
         * @param configFile the base config file
         * @return this builder
         */
        public Builder base(Path configFile) {
            this.base = CampaignDefinition.Base.file(configFile.toAbsolutePath().normalize());
            return this;
        }

        /**
         * The base configuration as settings (nested maps or dotted keys, as YAML holds them).
         *
         * @param settings the base settings
         * @return this builder
         */
        public Builder base(Map<String, ?> settings) {
            this.base = CampaignDefinition.Base.inline(settings);
            return this;
        }

        /**
         * A config file run as it is (next to the grid's experiments).
         *
         * @param configFile the config file
         * @return this builder
         */
        public Builder config(Path configFile) {
            configs.add(configFile.toAbsolutePath().normalize());
            return this;
        }

        /**
         * A grid key (an experiment key, e.g. {@code batching.batch_size}) and the values to try.
         *
         * @param key the experiment key varied
         * @param values the values to try, in order
         * @return this builder
         */
        public Builder vary(String key, Object... values) {
            vary.put(key, List.of(values));
            return this;
        }

        /**
         * Any campaign setting by key, e.g. {@code set("gaps.between_experiments_s", 5)}.
         *
         * @param key the dotted campaign key
         * @param value its value
         * @return this builder
         */
        public Builder set(String key, Object value) {
            putDotted(settings, key, value);
            return this;
        }

        /**
         * {@code cycles}: cycles every experiment runs.
         *
         * @param cycles cycles per experiment
         * @return this builder
         */
        public Builder cycles(int cycles) {
            return set("cycles", cycles);
        }

        /**
         * {@code structure}: the order of the units.
         *
         * @param structure the order of the units
         * @return this builder
         */
        public Builder structure(CampaignStructure structure) {
            return set("structure", structure.toString());
        }

        /**
         * {@code seed}: seed of the shuffled orders.
         *
         * @param seed the seed of the shuffled orders
         * @return this builder
         */
        public Builder seed(long seed) {
            return set("seed", seed);
        }

        /**
         * {@code name}.
         *
         * @param name the campaign's name
         * @return this builder
         */
        public Builder name(String name) {
            return set("name", name);
        }

        /**
         * {@code baseline}: the experiment (label or name) the others are compared against.
         *
         * @param labelOrName the baseline experiment's label or name
         * @return this builder
         */
        public Builder baseline(String labelOrName) {
            return set("baseline", labelOrName);
        }

        /**
         * {@code results_dir}: the results folder of every experiment and of the manifest.
         *
         * @param dir the results folder
         * @return this builder
         */
        public Builder resultsDir(Path dir) {
            this.resultsDir = dir.toAbsolutePath().normalize();
            return this;
        }

        /**
         * Receives one-line progress messages.
         *
         * @param listener receives each progress message
         * @return this builder
         */
        public Builder onProgress(Consumer<String> listener) {
            options = new RunOptions(Objects.requireNonNull(listener), options.listener(), options.pause(),
                    options.telemetry());
            return this;
        }

        /**
         * Receives units done of the total (with the time left) as each unit starts and ends: a progress bar.
         *
         * @param listener receives the progress as each unit starts and ends
         * @return this builder
         */
        public Builder onProgressUpdate(Consumer<Progress> listener) {
            options = new RunOptions(options.progress(), Objects.requireNonNull(listener), options.pause(),
                    options.telemetry());
            return this;
        }

        /**
         * The clock gaps and schedules wait on (tests script it).
         *
         * @param pause the clock to wait on
         * @return this builder
         */
        public Builder pause(Pause pause) {
            options = new RunOptions(options.progress(), options.listener(), Objects.requireNonNull(pause),
                    options.telemetry());
            return this;
        }

        /**
         * The readings the adaptive gap watches (temperatures and powers by name, e.g. {@code gpu0.temperature_c});
         * by default the telemetry sources of the first experiment's energy settings.
         *
         * @param readings supplies the current readings by name
         * @return this builder
         */
        public Builder telemetry(Supplier<Map<String, Double>> readings) {
            options = new RunOptions(options.progress(), options.listener(), options.pause(),
                    Objects.requireNonNull(readings));
            return this;
        }

        /**
         * Validates the campaign settings and every experiment, and plans the units.
         *
         * @return the validated, planned campaign
         * @throws ConfigException listing every problem
         */
        public Campaign build() {
            CampaignDefinition def = definition != null ? merged(definition) : new CampaignDefinition(
                    KeyedRecords.read(CampaignSettings.class, settings, ""), Optional.ofNullable(base), configs, vary,
                    Optional.ofNullable(resultsDir), Path.of("").toAbsolutePath(), Optional.empty());
            def.settings().schedule().instants();
            CampaignPlanner.Plan plan = CampaignPlanner.plan(def, resolver -> {
                Experiment e = new Experiment.Builder(resolver).build();
                return new CampaignPlanner.Validated(e.config(), e.warnings());
            });
            return new Campaign(def, plan, options);
        }

        private CampaignDefinition merged(CampaignDefinition d) {
            Map<String, Object> s = new LinkedHashMap<>(KeyedRecords.tree(d.settings()));
            settings.forEach((k, v) -> mergeInto(s, k, v));
            Map<String, List<Object>> v = new LinkedHashMap<>(d.vary());
            v.putAll(vary);
            List<Path> c = new ArrayList<>(d.configs());
            c.addAll(configs);
            return new CampaignDefinition(KeyedRecords.read(CampaignSettings.class, s, ""),
                    base != null ? Optional.of(base) : d.base(), c, v,
                    resultsDir != null ? Optional.of(resultsDir) : d.resultsDir(), d.folder(), d.source());
        }

        @SuppressWarnings("unchecked")
        private static void mergeInto(Map<String, Object> tree, String key, Object value) {
            if (value instanceof Map<?, ?> m && tree.get(key) instanceof Map<?, ?> existing) {
                Map<String, Object> copy = new LinkedHashMap<>((Map<String, Object>) existing);
                ((Map<String, Object>) m).forEach((k, v) -> mergeInto(copy, k, v));
                tree.put(key, copy);
            } else {
                tree.put(key, value);
            }
        }

        @SuppressWarnings("unchecked")
        private static void putDotted(Map<String, Object> tree, String key, Object value) {
            int dot = key.indexOf('.');
            if (dot < 0) {
                tree.put(key, value);
                return;
            }
            Object sub = tree.computeIfAbsent(key.substring(0, dot), k -> new LinkedHashMap<String, Object>());
            if (!(sub instanceof Map)) {
                sub = new LinkedHashMap<String, Object>();
                tree.put(key.substring(0, dot), sub);
            }
            putDotted((Map<String, Object>) sub, key.substring(dot + 1), value);
        }
    }
}
