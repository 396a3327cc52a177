package dev.lem.internal;

import dev.lem.LemException;
import dev.lem.campaign.CampaignManifest;
import dev.lem.campaign.CampaignState;
import dev.lem.campaign.CampaignStructure;
import dev.lem.campaign.ManifestExperiment;
import dev.lem.campaign.ManifestStore;
import dev.lem.campaign.ManifestUnit;
import dev.lem.campaign.Pause;
import dev.lem.campaign.ThermalGap;
import dev.lem.campaign.UnitLedger;
import dev.lem.campaign.UnitStatus;
import dev.lem.config.ExperimentConfig;
import dev.lem.energy.EnergyMeters;
import dev.lem.energy.ThrottleSummary;
import dev.lem.env.EnvironmentCapture;
import dev.lem.metrics.RequestRecord;
import dev.lem.result.ProcessResult;
import dev.lem.result.Progress;
import dev.lem.result.RunSetup;
import dev.lem.result.RunStatus;
import dev.lem.results.ResultsRepository;
import dev.lem.spi.MeterContext;
import dev.lem.spi.TelemetrySample;
import dev.lem.spi.TelemetrySource;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a campaign's units in manifest order — one cycle of one experiment each — with the gaps, schedule, model
 * residency and retries its settings ask for, updating the manifest atomically before and after every unit. A
 * resume runs exactly the units not done: a unit that was running when its process died is run again from scratch
 * (its partial files removed first), and a failed one gets a fresh set of attempts.
 */
public final class CampaignRunner {
    private static final Logger LOG = LoggerFactory.getLogger("dev.lem");

    /**
     * How the campaign runs.
     *
     * @param progress    one-line progress messages (also logged at INFO)
     * @param listener    units done of the total, for a progress bar
     * @param pause       the clock gaps and schedules wait on
     * @param environment environment variables to honour (CUDA_VISIBLE_DEVICES)
     * @param telemetry   readings for the adaptive gap (temperatures and powers by name); null: the telemetry
     *                    sources and energy meters the first experiment's settings open
     * @param ledger      for a worker of a campaign handed to Slurm: the shared units it claims one by one (and
     *                    records there, not in the manifest); null: this process runs every unit not done, in order
     */
    public record Options(Consumer<String> progress, Consumer<Progress> listener, Pause pause,
            Map<String, String> environment, @Nullable Supplier<Map<String, Double>> telemetry,
            @Nullable UnitLedger ledger) {
        /** Options of a process that runs the whole campaign. */
        public Options(Consumer<String> progress, Consumer<Progress> listener, Pause pause,
                Map<String, String> environment, @Nullable Supplier<Map<String, Double>> telemetry) {
            this(progress, listener, pause, environment, telemetry, null);
        }
    }

    private final ManifestStore store;
    private final Options options;
    private final ResultsRepository repo;
    private CampaignManifest manifest;
    private final Map<Integer, RunRecord> records = new HashMap<>();
    private final Map<Integer, ExperimentSession> sessions = new HashMap<>();
    /** Loaded backends, least recently used first. */
    private final LinkedHashMap<Object, SessionResources.Backend> backends = new LinkedHashMap<>(16, 0.75f, true);
    private final Map<Object, SessionResources.Monitor> monitors = new HashMap<>();
    private volatile @Nullable String stoppedBy;
    private int previousExperiment = -1;
    private int previousRound = -1;
    private final List<Double> unitSeconds = new ArrayList<>();
    /** The unit running now, as last recorded (a worker hands it back when it is stopped). */
    private volatile @Nullable ManifestUnit current;

    public CampaignRunner(CampaignManifest manifest, ManifestStore store, Options options) {
        this.manifest = manifest;
        this.store = store;
        this.options = options;
        this.repo = new ResultsRepository(Path.of(manifest.resultsDir()));
    }

    /**
     * Runs every unit not done.
     *
     * @return the manifest at the end (complete, failed, or interrupted)
     */
    public CampaignManifest run() {
        if (options.ledger() != null) {
            return work(options.ledger());
        }
        prepare();
        Thread hook = new Thread(this::onShutdown, "lem-campaign-shutdown-" + manifest.campaignId());
        Runtime.getRuntime().addShutdownHook(hook);
        List<TelemetrySource> gapSources = new ArrayList<>();
        try {
            Optional<ThermalGap> gap = Optional.empty();
            if (manifest.settings().gaps().adaptive().enabled()) {
                gap = Optional.of(ThermalGap.start(manifest.settings().gaps().adaptive(), readings(gapSources),
                        options.pause()));
                progress("idle baseline for the adaptive gap: " + gap.get().baseline());
            }
            for (ManifestUnit u : manifest.units()) {
                if (u.status() == UnitStatus.DONE) {
                    continue;
                }
                if (stoppedBy != null || Thread.currentThread().isInterrupted()) {
                    break;
                }
                runUnit(u, gap);
            }
            finish();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            interrupted("an interrupt of the campaign's thread");
        } finally {
            release(hook, gapSources);
        }
        return manifest;
    }

    /**
     * What a run (local or a worker) gives up at its end, however it ends: its shutdown hook (unless that hook is
     * already running: it then records the interruption, or hands the running unit back), its backends and
     * monitors, and the telemetry sources of the thermal gaps.
     */
    private void release(Thread hook, List<TelemetrySource> gapSources) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the hook runs (or ran) and does its own recording
        }
        closeAll();
        gapSources.forEach(source -> {
            try {
                source.close();
            } catch (Exception e) {
                LOG.debug("closing a telemetry source failed", e);
            }
        });
    }

    /**
     * A worker of a campaign handed to Slurm: claims units one at a time in run order (taking over those whose holder
     * stopped), runs each, records each in the shared {@code units/} folder, and stops when none is left to claim.
     * The manifest's own state and the experiments' end markers are left to the aggregation job.
     */
    private CampaignManifest work(UnitLedger ledger) {
        Thread hook = new Thread(this::onShutdown, "lem-campaign-worker-shutdown-" + manifest.campaignId());
        Runtime.getRuntime().addShutdownHook(hook);
        List<TelemetrySource> gapSources = new ArrayList<>();
        int ran = 0;
        try {
            Optional<ThermalGap> gap = Optional.empty();
            if (manifest.settings().gaps().adaptive().enabled()) {
                gap = Optional.of(ThermalGap.start(manifest.settings().gaps().adaptive(), readings(gapSources),
                        options.pause()));
                progress("idle baseline for the adaptive gap: " + gap.get().baseline());
            }
            progress("worker " + ledger.placement() + ": claiming units of campaign " + manifest.campaignId());
            while (stoppedBy == null && !Thread.currentThread().isInterrupted()) {
                Optional<UnitLedger.Claimed> claimed = ledger.claimNext();
                if (claimed.isEmpty()) {
                    break;
                }
                manifest = claimed.get().manifest();
                ManifestUnit u = claimed.get().unit();
                ManifestExperiment e = manifest.experiments().get(u.experiment());
                removeUnitFiles(e.experimentId(), u.cycle());
                if (claimed.get().tookOverFrom().isPresent()) {
                    u = u.handedBack("attempt " + Math.max(1, u.attempts()) + ": its worker ("
                            + claimed.get().tookOverFrom().get().by() + ") stopped while it ran; run again from "
                            + "scratch by " + ledger.placement());
                }
                progress("claimed unit " + (u.seq() + 1) + " of " + manifest.units().size() + ": " + e.label()
                        + ", cycle " + (u.cycle() + 1));
                runUnit(u, gap);
                current = null;
                ran++;
            }
            if (stoppedBy == null) {
                for (SessionResources.Backend b : new ArrayList<>(backends.values())) {
                    release(b);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            interrupted("an interrupt of the worker's thread");
        } finally {
            release(hook, gapSources);
            ledger.close();
        }
        CampaignManifest now = store.read(manifest.campaignId());
        progress("worker " + ledger.placement() + ": ran " + ran + " unit(s); " + (stoppedBy != null ? "stopped by "
                + stoppedBy : "no unit left to claim") + " (" + now.count(UnitStatus.DONE) + " of " + now.units().size()
                + " units of the campaign done)");
        return now;
    }

    /**
     * Writes each experiment's end marker once a campaign's workers have stopped (the aggregation job of a campaign
     * handed to Slurm): complete when every cycle is done, failed when the rest failed, else interrupted, naming
     * how to resume. The last worker's setup is kept (its environment, model load and warm-up); only the status, the
     * cycle count and the reason change.
     */
    public static void endExperiments(CampaignManifest m) {
        ResultsRepository repo = new ResultsRepository(Path.of(m.resultsDir()));
        int cycles = m.settings().cycles();
        for (ManifestExperiment e : m.experiments()) {
            if (!Files.isDirectory(repo.rawDirectory(e.experimentId()))) {
                continue;
            }
            List<RunSetup> setups = repo.readSetups(e.experimentId());
            if (setups.isEmpty()) {
                continue;
            }
            RunSetup s = setups.get(0);
            long done = m.units().stream().filter(u -> u.experiment() == e.index() && u.status() == UnitStatus.DONE)
                    .count();
            List<ManifestUnit> failed = m.units().stream().filter(u -> u.experiment() == e.index()
                    && u.status() == UnitStatus.FAILED).toList();
            RunStatus status;
            Optional<String> why;
            String stop;
            if (done == cycles) {
                status = RunStatus.COMPLETE;
                why = Optional.empty();
                stop = "campaign " + m.campaignId() + ": " + done + " of " + cycles + " cycles";
            } else if (done + failed.size() == cycles) {
                status = RunStatus.FAILED;
                why = Optional.of(failed.size() + " of " + cycles + " cycles failed in campaign " + m.campaignId()
                        + ": cycle " + (failed.get(0).cycle() + 1) + ": " + failed.get(0).failure().orElse(""));
                stop = why.get();
            } else {
                status = RunStatus.INTERRUPTED;
                why = Optional.of("interrupted: campaign " + m.campaignId() + " had " + done + " of " + cycles
                        + " cycles done when its workers stopped; `lem campaign resume " + m.campaignId()
                        + " --slurm` runs the rest");
                stop = why.get();
            }
            repo.writeSetup(new RunSetup(s.schemaVersion(), s.experimentId(), s.rank(), s.worldSize(), s.host(),
                    s.pid(), s.startedAt(), s.config(), s.environment(), s.model(), s.load(), s.unload(), s.warmup(),
                    s.baseline(), s.plugins(), s.backendEnvironment(), (int) done, stop, s.warnings(), why, status,
                    Optional.of(Instant.now())));
        }
    }

    // ----------------------------------------------------------------------------- preparing a (re)start

    /** Units left running by a dead process run again: their files are removed first, their attempt noted. */
    private void prepare() {
        CampaignManifest m = manifest;
        for (ManifestUnit u : m.units()) {
            if (u.status() == UnitStatus.DONE) {
                continue;
            }
            ManifestExperiment e = m.experiments().get(u.experiment());
            boolean hadFiles = removeUnitFiles(e.experimentId(), u.cycle());
            if (u.status() == UnitStatus.RUNNING || u.status() == UnitStatus.FAILED || hadFiles) {
                List<String> history = new ArrayList<>(u.history());
                history.add(u.status() == UnitStatus.RUNNING
                        ? "attempt " + u.attempts() + ": its process stopped while it ran; run again from scratch"
                        : u.status() == UnitStatus.FAILED ? "failed after " + u.attempts() + " attempt(s) ("
                                + u.failure().orElse("") + "); attempts renewed by a resume"
                                : "files left by an unrecorded attempt were removed");
                m = m.withUnit(new ManifestUnit(u.seq(), u.round(), u.experiment(), u.cycle(), UnitStatus.PENDING,
                        u.attempts(), u.startedAt(), u.endedAt(), List.of(), 0, Optional.empty(), false, false,
                        List.of(), u.failure(), history, u.placement()));
            }
        }
        manifest = m.withState(CampaignState.RUNNING, Optional.empty());
        save();
    }

    /** Removes a cycle's raw files (superseded by the rerun); whether there were any. */
    private boolean removeUnitFiles(String experimentId, int cycle) {
        Path dir = repo.cycleDirectory(experimentId, cycle);
        boolean any = false;
        for (String name : List.of("process_0.json", "timeseries_0.csv")) {
            try {
                any |= Files.deleteIfExists(dir.resolve(name));
            } catch (IOException e) {
                throw new LemException("Cannot remove " + dir.resolve(name) + " (left by an interrupted unit): "
                        + e.getMessage(), e);
            }
        }
        return any;
    }

    // ----------------------------------------------------------------------------- one unit

    private void runUnit(ManifestUnit unit, Optional<ThermalGap> gap) throws InterruptedException {
        ManifestExperiment e = manifest.experiments().get(unit.experiment());
        double waited = 0;
        List<String> gapNotes = new ArrayList<>();
        waited += scheduleWait(unit, gapNotes);
        waited += fixedGap(unit, gapNotes);
        if (gap.isPresent()) {
            ThermalGap.Wait w = gap.get().await();
            waited += w.waitedS();
            gapNotes.add(w.note());
        }
        int retries = manifest.settings().retries();
        ManifestUnit u = unit;
        for (int attempt = 1; ; attempt++) {
            u = new ManifestUnit(u.seq(), u.round(), u.experiment(), u.cycle(), UnitStatus.RUNNING, u.attempts() + 1,
                    Optional.of(options.pause().now()), Optional.empty(), List.of(), waited,
                    gapNotes.isEmpty() ? Optional.empty() : Optional.of(String.join("; ", gapNotes)), false, false,
                    List.of(), Optional.empty(), u.history(), Optional.of(placement()));
            if (!update(u)) {
                return; // a worker that lost its claim (judged stopped and taken over) leaves the unit alone
            }
            emit(e, u, false);
            long t0 = options.pause().nanoTime();
            String failure;
            try {
                ExperimentSession s = session(e);
                stopOtherManagedServers(s.backend());
                boolean loaded = s.ensureLoaded();
                evictOverBudget(s.backend());
                boolean warmed = false;
                if (loaded || !s.warm() || previousExperiment != e.index()) {
                    s.warmUp();
                    warmed = true;
                }
                previousExperiment = e.index();
                others(e.index()).forEach(ExperimentSession::cooled);
                progress(e.label() + ": cycle " + (u.cycle() + 1) + " of " + manifest.settings().cycles());
                Optional<ProcessResult> r = s.runCycle(u.cycle());
                if (r.isEmpty()) {
                    throw new InterruptedException("interrupted during unit " + (u.seq() + 1));
                }
                Optional<String> allFailed = allFailed(r.get());
                if (allFailed.isEmpty() && s.record().cyclesRun >= manifest.settings().cycles()) {
                    // the experiment's last cycle: its quality window, outside every cycle's energy window
                    s.measureQuality();
                }
                if (manifest.settings().residency().forceColdStart()) {
                    release(s.backend());
                }
                if (allFailed.isEmpty()) {
                    unitSeconds.add((options.pause().nanoTime() - t0) / 1e9);
                    u = new ManifestUnit(u.seq(), u.round(), u.experiment(), u.cycle(), UnitStatus.DONE, u.attempts(),
                            u.startedAt(), Optional.of(options.pause().now()), files(e, r.get()), waited, u.gapNote(),
                            loaded, warmed, throttle(r.get()), Optional.empty(), u.history(), u.placement());
                    update(u);
                    emit(e, u, true);
                    return;
                }
                failure = allFailed.get();
                release(s.backend()); // a server that stopped answering is restarted for the next attempt
            } catch (InterruptedException ie) {
                throw ie;
            } catch (RuntimeException ex) {
                failure = ex.getMessage() == null ? ex.getClass().getName() : ex.getMessage();
                LOG.debug("unit {} failed", u.seq() + 1, ex);
                discardSession(e);
            }
            if (stoppedBy != null) {
                throw new InterruptedException("stopped by " + stoppedBy);
            }
            List<String> history = new ArrayList<>(u.history());
            history.add("attempt " + u.attempts() + ": failed: " + failure);
            boolean last = attempt > retries;
            u = new ManifestUnit(u.seq(), u.round(), u.experiment(), u.cycle(), last ? UnitStatus.FAILED
                    : UnitStatus.RUNNING, u.attempts(), u.startedAt(), Optional.of(options.pause().now()),
                    last ? existingFiles(e, u.cycle()) : List.of(), waited, u.gapNote(), false, false, List.of(),
                    Optional.of(failure), history, u.placement());
            update(u);
            if (last) {
                LOG.warn("{}: cycle {} failed after {} attempt(s): {}", e.label(), u.cycle() + 1, attempt, failure);
                progress(e.label() + ": cycle " + (u.cycle() + 1) + " failed after " + attempt + " attempt(s): "
                        + failure);
                emit(e, u, true);
                return;
            }
            progress(e.label() + ": cycle " + (u.cycle() + 1) + " failed (" + failure + "); retrying");
        }
    }

    private Optional<String> allFailed(ProcessResult r) {
        if (r.requests().stream().anyMatch(RequestRecord::ok)) {
            return Optional.empty();
        }
        return Optional.of("every request failed (first error: " + r.requests().stream()
                .map(x -> x.error().orElse("")).filter(s -> !s.isEmpty()).findFirst().orElse("no request was sent")
                + ")");
    }

    private List<String> files(ManifestExperiment e, ProcessResult r) {
        List<String> out = new ArrayList<>();
        Path root = repo.root();
        out.add(root.relativize(repo.cycleDirectory(e.experimentId(), r.cycle()).resolve("process_0.json")).toString());
        r.timeseriesFile().ifPresent(f -> out.add(root.relativize(repo.cycleDirectory(e.experimentId(), r.cycle())
                .resolve(f)).toString()));
        return out;
    }

    private List<String> existingFiles(ManifestExperiment e, int cycle) {
        Path f = repo.cycleDirectory(e.experimentId(), cycle).resolve("process_0.json");
        return Files.isRegularFile(f) ? List.of(repo.root().relativize(f).toString()) : List.of();
    }

    private static List<String> throttle(ProcessResult r) {
        Optional<ThrottleSummary> t = r.energy().flatMap(x -> x.throttle());
        if (t.isEmpty() || !t.get().flagged()) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        t.get().reasonShares().forEach((reason, share) -> out.add(String.format(Locale.ROOT, "%s %.0f%%", reason,
                100 * share)));
        return out;
    }

    // ----------------------------------------------------------------------------- gaps and schedule

    private double scheduleWait(ManifestUnit u, List<String> notes) throws InterruptedException {
        boolean newRound = manifest.settings().structure() != CampaignStructure.GROUPED && u.round() != previousRound;
        previousRound = u.round();
        if (!newRound) {
            return 0;
        }
        Instant notBefore = Instant.MIN;
        var schedule = manifest.settings().schedule();
        List<Instant> starts = schedule.instants();
        if (u.round() < starts.size()) {
            notBefore = starts.get(u.round());
        }
        if (schedule.minIntervalS() > 0 && u.round() > 0) {
            Optional<Instant> previousStart = manifest.units().stream().filter(x -> x.round() == u.round() - 1)
                    .map(ManifestUnit::startedAt).flatMap(Optional::stream).min(Instant::compareTo);
            if (previousStart.isPresent()) {
                Instant earliest = previousStart.get().plusNanos(Math.round(schedule.minIntervalS() * 1e9));
                notBefore = earliest.isAfter(notBefore) ? earliest : notBefore;
            }
        }
        if (notBefore.equals(Instant.MIN)) {
            return 0;
        }
        Duration wait = Duration.between(options.pause().now(), notBefore);
        if (wait.isNegative() || wait.isZero()) {
            return 0;
        }
        progress("round " + (u.round() + 1) + " is scheduled for " + notBefore + ": waiting " + wait.toSeconds() + " s");
        options.pause().sleep(wait);
        notes.add("schedule: round " + (u.round() + 1) + " held until " + notBefore);
        return wait.toNanos() / 1e9;
    }

    private double fixedGap(ManifestUnit u, List<String> notes) throws InterruptedException {
        var gaps = manifest.settings().gaps();
        boolean first = previousExperiment < 0;
        double s = 0;
        if (!first && manifest.settings().structure() == CampaignStructure.GROUPED) {
            s = u.experiment() == previousExperiment ? gaps.betweenCyclesS() : gaps.betweenExperimentsS();
        } else if (!first) {
            boolean roundStart = manifest.units().stream().filter(x -> x.round() == u.round()).findFirst()
                    .map(x -> x.seq() == u.seq()).orElse(false);
            s = Math.max(roundStart ? gaps.betweenCyclesS() : 0,
                    u.experiment() != previousExperiment ? gaps.betweenExperimentsS() : 0);
        }
        if (s > 0) {
            options.pause().sleep(Duration.ofNanos(Math.round(s * 1e9)));
            notes.add(String.format(Locale.ROOT, "fixed gap %.3g s", s));
        }
        return s;
    }

    /** Temperatures and powers from the telemetry sources the first experiment's energy settings open. */
    private Supplier<Map<String, Double>> readings(List<TelemetrySource> opened) {
        if (options.telemetry() != null) {
            return options.telemetry();
        }
        ExperimentConfig first = manifest.experiments().get(0).config();
        EnergyMeters.Opened o = EnergyMeters.open(new MeterContext(first.energy(), options.environment(), 0), true);
        o.meters().forEach(m -> {
            try {
                m.close();
            } catch (Exception ex) {
                LOG.debug("closing a meter failed", ex);
            }
        });
        opened.addAll(o.telemetry());
        if (opened.isEmpty()) {
            LOG.warn("gaps.adaptive: no telemetry source is available here (see `lem plugins`): the adaptive gap has "
                    + "nothing to watch and does not wait");
        }
        return () -> {
            Map<String, Double> all = new TreeMap<>();
            for (TelemetrySource s : opened) {
                try {
                    TelemetrySample sample = s.sample();
                    all.putAll(sample.values());
                } catch (RuntimeException ex) {
                    LOG.debug("telemetry read failed", ex);
                }
            }
            return all;
        };
    }

    // ----------------------------------------------------------------------------- sessions and residency

    private ExperimentSession session(ManifestExperiment e) {
        RunRecord record = records.computeIfAbsent(e.index(), i -> newRecord(e));
        Object key = SessionResources.backendKey(e.config());
        SessionResources.Backend backend = backends.get(key);
        if (backend == null) {
            backend = SessionResources.createBackend(e.config(), repo.rawDirectory(e.experimentId()).resolve("artifacts"),
                    0);
            backends.put(key, backend);
        }
        ExperimentSession s = sessions.get(e.index());
        if (s != null && s.backend() == backend) {
            return s;
        }
        SessionResources.Backend b = backend;
        SessionResources.Monitor monitor = monitors.computeIfAbsent(SessionResources.monitorKey(e.config(),
                b.capabilities.computeOnThisHost() && e.config().server().sameHost(),
                SessionResources.workloadDevices(e.config(), b.capabilities, options.environment())),
                k -> SessionResources.openMonitor(e.config(), options.environment(), 0, b));
        s = new ExperimentSession(record, backend, monitor, this::progress);
        sessions.put(e.index(), s);
        return s;
    }

    private RunRecord newRecord(ManifestExperiment e) {
        ExperimentRunner.Options o = new ExperimentRunner.Options(e.experimentId(), 0, 1, null, List.of(),
                options.environment(), this::progress, List.of());
        RunRecord r = new RunRecord(e.config(), o, repo, EnvironmentCapture.hostName(), EnvironmentCapture.capture()
                .withContribution("carbon", dev.lem.energy.CarbonIntensities.inferLocation(options.environment(),
                        Path.of("/"))));
        List<RunSetup> previous = Files.isDirectory(repo.rawDirectory(e.experimentId()))
                ? repo.readSetups(e.experimentId()) : List.of();
        if (!previous.isEmpty()) {
            if (options.ledger() != null) {
                r.joinFrom(previous.get(0), doneCycles(e.index()));
            } else {
                r.continueFrom(previous.get(0), doneCycles(e.index()));
            }
        }
        r.stopReason = "campaign " + manifest.campaignId() + ": " + manifest.settings().cycles() + " cycle rounds";
        r.warn("measured in campaign " + manifest.campaignId() + " (" + manifest.settings().structure()
                + " order, " + manifest.experiments().size() + " experiments); its cycles are interleaved with theirs");
        return r;
    }

    private Set<Integer> doneCycles(int experiment) {
        Set<Integer> out = new TreeSet<>();
        manifest.units().stream().filter(u -> u.experiment() == experiment && u.status() == UnitStatus.DONE)
                .forEach(u -> out.add(u.cycle()));
        return out;
    }

    private List<ExperimentSession> others(int experiment) {
        List<ExperimentSession> out = new ArrayList<>();
        sessions.forEach((i, s) -> {
            if (i != experiment) {
                out.add(s);
            }
        });
        return out;
    }

    /**
     * A managed server holds its GPUs and its port until stopped: before another one starts, the others are stopped
     * (grouped order keeps the restarts to one per experiment).
     */
    private void stopOtherManagedServers(SessionResources.Backend current) throws InterruptedException {
        if (!current.managedServer || current.loaded()) {
            return;
        }
        for (SessionResources.Backend b : new ArrayList<>(backends.values())) {
            if (b != current && b.managedServer) {
                progress("stopping the managed server of " + b.label + " before starting another");
                release(b);
            }
        }
    }

    /** Unloads least recently used backends until the resident weights fit the budget. */
    private void evictOverBudget(SessionResources.Backend current) throws InterruptedException {
        double budgetGb = manifest.settings().residency().memoryBudgetGb();
        boolean gpu = current.residentBytes() > 0 && !deviceIsCpu(current);
        long budget = budgetGb > 0 ? Math.round(budgetGb * 1e9) : gpu ? 0 : physicalMemory() / 2;
        Iterator<SessionResources.Backend> lru = new ArrayList<>(backends.values()).iterator();
        while (residentBytes() > budget && lru.hasNext()) {
            SessionResources.Backend b = lru.next();
            if (b != current && b.loaded() && b.residentBytes() > 0) {
                progress("unloading " + b.label + " (" + b.residentBytes() / 1_000_000 + " MB of weights): the "
                        + "resident models would exceed the residency budget");
                release(b);
            }
        }
    }

    private boolean deviceIsCpu(SessionResources.Backend b) {
        return sessions.values().stream().filter(s -> s.backend() == b).findFirst()
                .map(s -> s.record().config.device().equals("cpu")).orElse(true);
    }

    private long residentBytes() {
        return backends.values().stream().filter(SessionResources.Backend::loaded)
                .mapToLong(SessionResources.Backend::residentBytes).sum();
    }

    private static long physicalMemory() {
        var os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
            return sun.getTotalMemorySize();
        }
        return Runtime.getRuntime().maxMemory();
    }

    /** Unloads (metered, recorded with the experiment that loaded it) and closes a backend. */
    private void release(SessionResources.Backend b) throws InterruptedException {
        Optional<ExperimentSession> loader = sessions.values().stream().filter(s -> s.backend() == b)
                .filter(s -> s.record().options.experimentId().equals(b.loadedBy)).findFirst()
                .or(() -> sessions.values().stream().filter(s -> s.backend() == b).findFirst());
        if (b.loaded() && loader.isPresent()) {
            try {
                loader.get().unload();
            } catch (RuntimeException ex) {
                LOG.debug("unloading {} failed", b.label, ex);
            }
        }
        b.close();
        backends.values().remove(b);
        sessions.values().removeIf(s -> s.backend() == b);
    }

    private void discardSession(ManifestExperiment e) {
        ExperimentSession s = sessions.get(e.index());
        if (s != null) {
            try {
                release(s.backend());
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void closeAll() {
        for (SessionResources.Backend b : new ArrayList<>(backends.values())) {
            b.close();
        }
        backends.clear();
        sessions.clear();
        monitors.values().forEach(SessionResources.Monitor::close);
        monitors.clear();
    }

    // ----------------------------------------------------------------------------- the end

    private void finish() throws InterruptedException {
        if (stoppedBy != null) {
            return; // the shutdown hook recorded the interruption; nothing here may look finished
        }
        for (SessionResources.Backend b : new ArrayList<>(backends.values())) {
            release(b);
        }
        int cycles = manifest.settings().cycles();
        for (ManifestExperiment e : manifest.experiments()) {
            long done = manifest.units().stream().filter(u -> u.experiment() == e.index()
                    && u.status() == UnitStatus.DONE).count();
            List<ManifestUnit> failed = manifest.units().stream().filter(u -> u.experiment() == e.index()
                    && u.status() == UnitStatus.FAILED).toList();
            if (done + failed.size() < cycles) {
                continue;
            }
            RunRecord r = records.computeIfAbsent(e.index(), i -> newRecord(e));
            if (failed.isEmpty()) {
                r.stopReason = "campaign " + manifest.campaignId() + ": " + done + " of " + cycles + " cycles";
                r.end(RunStatus.COMPLETE, Optional.empty());
            } else {
                r.end(RunStatus.FAILED, Optional.of(failed.size() + " of " + cycles + " cycles failed in campaign "
                        + manifest.campaignId() + ": cycle " + (failed.get(0).cycle() + 1) + ": "
                        + failed.get(0).failure().orElse("")));
            }
        }
        long failedUnits = manifest.count(UnitStatus.FAILED);
        synchronized (this) {
            if (stoppedBy != null) {
                return;
            }
            manifest = manifest.withState(failedUnits == 0 ? CampaignState.COMPLETE : CampaignState.FAILED,
                    failedUnits == 0 ? Optional.empty() : Optional.of(failedUnits + " of " + manifest.units().size()
                            + " units failed after their retries"));
            save();
        }
    }

    private void onShutdown() {
        String signal = System.getProperty(RunStatus.SIGNAL_PROPERTY);
        interrupted(signal != null ? signal : "a JVM shutdown (SIGINT, SIGTERM or System.exit)");
    }

    private void interrupted(String by) {
        if (options.ledger() != null) {
            workerStopped(by);
            return;
        }
        synchronized (this) {
            if (stoppedBy != null || manifest.state() != CampaignState.RUNNING) {
                return;
            }
            stoppedBy = by;
        }
        long done = manifest.count(UnitStatus.DONE);
        String why = "interrupted by " + by + " after " + done + " of " + manifest.units().size() + " units";
        for (Map.Entry<Integer, RunRecord> e : records.entrySet()) {
            RunRecord r = e.getValue();
            synchronized (r) {
                if (!r.ended()) {
                    r.stopReason = "interrupted by " + by + " during campaign " + manifest.campaignId();
                    try {
                        r.end(RunStatus.INTERRUPTED, Optional.of("interrupted by " + by + " during campaign "
                                + manifest.campaignId() + " after cycle " + r.cyclesRun + " of "
                                + manifest.settings().cycles()));
                    } catch (RuntimeException ex) {
                        LOG.debug("cannot write the end marker of {}", r.options.experimentId(), ex);
                    }
                }
            }
        }
        synchronized (this) {
            manifest = manifest.withState(CampaignState.INTERRUPTED, Optional.of(why));
            try {
                store.write(manifest);
            } catch (RuntimeException ex) {
                LOG.warn("Campaign {} was {}; its manifest could not be updated: {}", manifest.campaignId(), why,
                        ex.getMessage());
                return;
            }
        }
        LOG.warn("Campaign {} was {}; `lem campaign resume {} --results-dir {}` runs the {} units not done",
                manifest.campaignId(), why, manifest.campaignId(), manifest.resultsDir(),
                manifest.units().size() - done);
    }

    /**
     * A worker being stopped (Slurm's SIGTERM at a time limit, a preemption or scancel): its running unit is handed
     * back to be run again from scratch, nothing more is recorded (a cycle that ends now is not counted), and the
     * experiments' end markers are left to the aggregation job, as other workers go on with them.
     */
    private void workerStopped(String by) {
        synchronized (this) {
            if (stoppedBy != null) {
                return;
            }
            stoppedBy = by;
        }
        records.values().forEach(RunRecord::detach);
        UnitLedger ledger = options.ledger();
        ManifestUnit running = current;
        if (running != null) {
            try {
                ledger.handBackAndClose(running, "attempt " + running.attempts() + ": interrupted by " + by + " on "
                        + ledger.placement() + "; run again from scratch");
            } catch (RuntimeException ex) {
                LOG.warn("Worker stopped by {}; unit {} could not be handed back ({}); a resume runs it again", by,
                        running.seq() + 1, ex.getMessage());
                return;
            }
            LOG.warn("Worker stopped by {} during unit {} ({}, cycle {}); the unit was handed back and runs again from "
                    + "scratch", by, running.seq() + 1, manifest.experiments().get(running.experiment()).label(),
                    running.cycle() + 1);
        } else {
            ledger.close();
            LOG.warn("Worker stopped by {} between units", by);
        }
    }

    // ----------------------------------------------------------------------------- manifest and progress

    /** Records a unit's new state; false when a worker no longer holds it (nothing was recorded). */
    private synchronized boolean update(ManifestUnit u) {
        if (options.ledger() != null) {
            if (stoppedBy != null || !options.ledger().record(u)) {
                return false;
            }
            current = u.status() == UnitStatus.RUNNING ? u : null;
            manifest = manifest.withUnit(u);
            return true;
        }
        manifest = manifest.withUnit(u);
        save();
        return true;
    }

    private dev.lem.env.Placement placement() {
        return options.ledger() != null ? options.ledger().placement()
                : dev.lem.env.Placement.current(options.environment());
    }

    private synchronized void save() {
        if (stoppedBy != null && manifest.state() == CampaignState.RUNNING) {
            manifest = manifest.withState(CampaignState.INTERRUPTED, manifest.stateReason());
        }
        store.write(manifest);
    }

    private void emit(ManifestExperiment e, ManifestUnit u, boolean ended) {
        int finished = (int) (manifest.count(UnitStatus.DONE) + manifest.count(UnitStatus.FAILED));
        int left = manifest.units().size() - finished;
        Optional<Duration> eta = unitSeconds.isEmpty() ? Optional.empty()
                : Optional.of(Duration.ofMillis(Math.round(1000 * left * unitSeconds.stream()
                        .mapToDouble(Double::doubleValue).average().orElse(0))));
        String current = ended ? e.label() + ", cycle " + (u.cycle() + 1) + " " + u.status()
                : e.label() + ", cycle " + (u.cycle() + 1) + " of " + manifest.settings().cycles();
        try {
            options.listener().accept(new Progress(manifest.campaignId(), finished, manifest.units().size(), current,
                    eta));
        } catch (RuntimeException ex) {
            LOG.debug("progress listener failed", ex);
        }
    }

    private void progress(String message) {
        LOG.info(message);
        options.progress().accept(message);
    }
}
