package dev.lem.campaign;

import dev.lem.LemException;
import dev.lem.env.Placement;
import dev.lem.results.ResultsException;
import dev.lem.results.ResultsJson;
import dev.lem.results.ResultsRepository;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.LongSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The units of a campaign handed to Slurm, shared by every worker through the campaign's {@code units/} folder on
 * the shared filesystem: which worker holds which unit, and each unit's state.
 *
 * <p><b>Claims.</b> A worker claims a unit by creating {@code units/<seq>.claim-<g>} with {@code O_EXCL}
 * ({@link StandardOpenOption#CREATE_NEW}): the filesystem lets exactly one creator succeed, on a local disk, on
 * NFSv3 and later, Lustre, GPFS and BeeGFS alike. {@code flock} is not used: NFS emulates it through lockd (or not
 * at all, by mount option), parallel filesystems offer it only when mounted for it, and a lock that vanishes with its
 * process leaves nothing to say who ran what. Workers claim in the manifest's order, so no unit of cycle round
 * {@code c} is claimed before every unit of round {@code c-1} has been.
 *
 * <p><b>Stale claims.</b> A claim whose holder stopped without handing the unit back (its node died, Slurm killed it
 * with SIGKILL) is taken over by creating the next generation {@code units/<seq>.claim-<g+1>}, again with
 * {@code O_EXCL}, so two workers that both judge a claim stale cannot both take it over. A holder has stopped when
 * Slurm says its task is no longer pending or running ({@code squeue}), when it ran on this host and its process is
 * gone, or when it ran under this very Slurm job before a requeue. A holder on another host outside Slurm is never
 * judged stopped: {@code lem campaign resume} hands its units back once nothing runs.
 *
 * <p><b>States.</b> The holder of a unit's latest claim, and only it, writes the unit's state to
 * {@code units/<seq>.json} (atomically: temporary file, fsync, rename); before each write it checks that no newer
 * claim exists, so a worker judged stopped cannot overwrite the state of the worker that took over. Reading a
 * manifest merges these states over its units ({@link ManifestStore#read}).
 *
 * <p>Thread-safe.
 */
public final class UnitLedger {
    private static final Logger LOG = LoggerFactory.getLogger("dev.lem");
    private static final Pattern CLAIM = Pattern.compile("(\\d+)\\.claim-(\\d+)");
    private static final Pattern STATE = Pattern.compile("(\\d+)\\.json");
    /** Slurm job states in which a task may still be running its unit. */
    private static final Set<String> ACTIVE = Set.of("PENDING", "RUNNING", "CONFIGURING", "COMPLETING", "SUSPENDED",
            "REQUEUED", "REQUEUE_HOLD", "REQUEUE_FED", "RESIZING", "SIGNALING", "STAGE_OUT", "STOPPED");
    private static final Duration SLURM_CACHE = Duration.ofSeconds(30);

    /**
     * Slurm job states by job id, for the claims whose holders ran under Slurm.
     */
    @FunctionalInterface
    public interface JobStates {
        /**
         * The states of these jobs, as {@code squeue} names them ({@code RUNNING}, {@code TIMEOUT}, ...).
         *
         * @param jobIds job ids (an array task's own job id)
         * @return a state per job Slurm still knows (a job it does not list has ended); empty when Slurm could not be
         *         asked (then no claim is judged stopped on Slurm's word)
         */
        Optional<Map<String, String>> query(Collection<String> jobIds);

        /** {@return no Slurm to ask: every query answers empty, so no claim is judged stopped on Slurm's word} */
        static JobStates none() {
            return ids -> Optional.empty();
        }
    }

    /**
     * A unit this worker now holds.
     *
     * @param unit         the unit as it stands (attempts and history of earlier claims)
     * @param claim        the claim generation held
     * @param tookOverFrom the stale claim it replaced, if it replaced one
     * @param manifest     the manifest as it stood, merged with every unit's state
     */
    public record Claimed(ManifestUnit unit, int claim, Optional<UnitClaim> tookOverFrom, CampaignManifest manifest) {
    }

    private final ManifestStore store;
    private final String campaignId;
    private final Path dir;
    private final Placement me;
    private final JobStates slurm;
    private final LongSupplier nanoTime;
    private final Map<Integer, Integer> held = new HashMap<>();
    private Map<String, String> slurmCache = Map.of();
    private boolean slurmCacheValid;
    private long slurmCachedAt;
    private boolean closed;

    /**
     * A worker's view of a campaign's units.
     *
     * @param store      the campaigns of the (shared) results folder
     * @param campaignId the campaign
     * @param me         where this worker runs (recorded in its claims)
     * @param slurm      Slurm's job states, to tell stopped claimants
     */
    public UnitLedger(ManifestStore store, String campaignId, Placement me, JobStates slurm) {
        this(store, campaignId, me, slurm, System::nanoTime);
    }

    UnitLedger(ManifestStore store, String campaignId, Placement me, JobStates slurm, LongSupplier nanoTime) {
        this.store = store;
        this.campaignId = CampaignIds.require(campaignId);
        this.dir = store.unitsFolder(campaignId);
        this.me = me;
        this.slurm = slurm;
        this.nanoTime = nanoTime;
    }

    /** {@return where this worker runs (recorded in its claims)} */
    public Placement placement() {
        return me;
    }

    /**
     * Claims the first unit in run order that is neither done, failed, nor held by a worker that may still be running
     * it (a unit whose holder stopped is taken over).
     *
     * @return the unit claimed, or empty when none is left to claim (or this ledger is closed)
     */
    public synchronized Optional<Claimed> claimNext() {
        for (int tries = 0; tries < 10_000; tries++) {
            if (closed) {
                return Optional.empty();
            }
            CampaignManifest plan = store.readPlan(campaignId);
            Scan scan = scan(dir);
            CampaignManifest m = merge(plan, scan);
            List<Candidate> order = new ArrayList<>();
            Set<String> toAsk = new LinkedHashSet<>();
            for (ManifestUnit planned : plan.units()) {
                int latest = scan.latestClaim().getOrDefault(planned.seq(), 0);
                Optional<ClaimedUnit> state = Optional.ofNullable(scan.states().get(planned.seq()));
                // the unit as this scan saw it (read after the claims were listed), not as the manifest read before
                ManifestUnit u = state.map(ClaimedUnit::unit).orElse(planned);
                boolean settled = latest == 0 || state.map(s -> s.claim() >= latest).orElse(false);
                if (settled && (u.status() == UnitStatus.DONE || u.status() == UnitStatus.FAILED)) {
                    continue; // finished
                }
                if (settled && u.status() == UnitStatus.PENDING) {
                    order.add(new Candidate(u, latest, Optional.empty(), Verdict.FREE));
                    break; // units after a free one need no verdict now
                }
                if (latest == 0) {
                    continue; // running in a process outside the ledger (a local run): a resume hands it back
                }
                // held under claim `latest` (running, or claimed and not yet recorded)
                Optional<UnitClaim> claim = readClaim(u.seq(), latest);
                Verdict v = claim.map(this::localVerdict).orElse(Verdict.HELD); // unreadable: being written
                if (v == Verdict.ASK_SLURM) {
                    claim.flatMap(c -> c.by().slurmJobId()).ifPresent(toAsk::add);
                }
                order.add(new Candidate(u, latest, claim, v));
            }
            Map<String, String> states = toAsk.isEmpty() ? Map.of() : slurmStates(toAsk).orElse(null);
            for (Candidate c : order) {
                boolean take = switch (c.verdict()) {
                    case FREE, STOPPED -> true;
                    case HELD -> false;
                    case ASK_SLURM -> states != null && !ACTIVE.contains(states.getOrDefault(
                            c.claim().flatMap(x -> x.by().slurmJobId()).orElse(""), "GONE"));
                };
                if (!take) {
                    continue;
                }
                int generation = c.latest() + 1;
                if (!tryClaim(c.unit().seq(), generation)) {
                    break; // another worker was quicker: look again
                }
                held.put(c.unit().seq(), generation);
                Optional<UnitClaim> previous = c.verdict() == Verdict.FREE ? Optional.empty() : c.claim();
                if (previous.isPresent()) {
                    String slurmState = previous.get().by().slurmJobId().map(j -> states == null ? null
                            : states.getOrDefault(j, "no longer known to squeue")).orElse(null);
                    LOG.info("unit {}: took over claim {} of {}{}", c.unit().seq() + 1, c.latest(),
                            previous.get().by(), slurmState == null ? " (its process is gone)" : " (Slurm: "
                                    + slurmState + ")");
                }
                return Optional.of(new Claimed(c.unit(), generation, previous, m));
            }
            if (order.stream().noneMatch(c -> c.verdict() == Verdict.FREE || c.verdict() == Verdict.STOPPED
                    || c.verdict() == Verdict.ASK_SLURM)) {
                return Optional.empty();
            }
            if (order.stream().noneMatch(c -> c.verdict() == Verdict.FREE || c.verdict() == Verdict.STOPPED)
                    && (states == null || order.stream().filter(c -> c.verdict() == Verdict.ASK_SLURM)
                            .allMatch(c -> ACTIVE.contains(states.getOrDefault(c.claim().flatMap(x -> x.by()
                                    .slurmJobId()).orElse(""), "GONE"))))) {
                return Optional.empty(); // every remaining unit is held by a task Slurm still runs (or cannot say)
            }
        }
        throw new LemException("Campaign " + campaignId + ": could not claim a unit in " + dir + " after 10000 tries "
                + "(other workers kept claiming first?)");
    }

    private enum Verdict { FREE, HELD, STOPPED, ASK_SLURM }

    private record Candidate(ManifestUnit unit, int latest, Optional<UnitClaim> claim, Verdict verdict) {
    }

    /** What can be said of a claim's holder without asking Slurm. */
    private Verdict localVerdict(UnitClaim c) {
        Placement by = c.by();
        if (held.containsKey(c.seq()) || by.equals(me)) {
            return Verdict.HELD; // this worker's own
        }
        if (by.slurmJobId().isPresent() && by.slurmJobId().equals(me.slurmJobId())
                && (by.pid() != me.pid() || by.slurmRestartCount() != me.slurmRestartCount()
                        || !by.host().equals(me.host()))) {
            return Verdict.STOPPED; // this job, before Slurm requeued it
        }
        if (by.host().equals(me.host())) {
            Optional<ProcessHandle> p = ProcessHandle.of(by.pid()).filter(ProcessHandle::isAlive);
            if (p.isEmpty()) {
                return Verdict.STOPPED;
            }
            Optional<Instant> started = p.get().info().startInstant();
            if (by.processStart().isPresent() && started.isPresent()
                    && Duration.between(by.processStart().get(), started.get()).abs().toMillis() > 1000) {
                return Verdict.STOPPED; // a later process with the same pid
            }
            return by.slurm() ? Verdict.ASK_SLURM : Verdict.HELD;
        }
        return by.slurm() ? Verdict.ASK_SLURM : Verdict.HELD;
    }

    private Optional<Map<String, String>> slurmStates(Set<String> jobIds) {
        long now = nanoTime.getAsLong();
        boolean fresh = slurmCacheValid && now - slurmCachedAt < SLURM_CACHE.toNanos()
                && slurmCache.keySet().containsAll(jobIds);
        if (!fresh) {
            Optional<Map<String, String>> q;
            try {
                q = slurm.query(jobIds);
            } catch (RuntimeException e) {
                LOG.warn("cannot ask Slurm about the tasks holding units ({}); their claims are kept", e.getMessage());
                q = Optional.empty();
            }
            if (q.isEmpty()) {
                return Optional.empty();
            }
            Map<String, String> all = new HashMap<>();
            for (String id : jobIds) {
                all.put(id, q.get().getOrDefault(id, "GONE").split("\\s+")[0].toUpperCase(Locale.ROOT));
            }
            slurmCache = all;
            slurmCacheValid = true;
            slurmCachedAt = now;
        }
        return Optional.of(slurmCache);
    }

    private boolean tryClaim(int seq, int generation) {
        UnitClaim claim = new UnitClaim(ResultsJson.SCHEMA_VERSION, seq, generation, Instant.now(), me);
        byte[] bytes = ResultsJson.write(claim).getBytes(StandardCharsets.UTF_8);
        Path file = dir.resolve(seq + ".claim-" + generation);
        try {
            Files.createDirectories(dir);
            try (SeekableByteChannel ch = Files.newByteChannel(file, StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE)) {
                ByteBuffer b = ByteBuffer.wrap(bytes);
                while (b.hasRemaining()) {
                    ch.write(b);
                }
                if (ch instanceof java.nio.channels.FileChannel fc) {
                    fc.force(true);
                }
            }
            return true;
        } catch (FileAlreadyExistsException e) {
            return false;
        } catch (IOException e) {
            throw new ResultsException("Cannot create the claim " + file + ": " + e.getMessage() + " (the campaign "
                    + "folder must be writable by every worker, on a filesystem all nodes share)", e);
        }
    }

    /**
     * Records a unit this worker holds (its latest state), unless another worker has claimed it since. A unit
     * recorded in any state but running is no longer held.
     *
     * @param unit the unit's new state
     * @return true when it was written; false when a newer claim exists (this worker was judged stopped and the
     *         unit taken over) or the ledger is closed: nothing was written
     * @throws IllegalStateException when this worker does not hold the unit
     */
    public synchronized boolean record(ManifestUnit unit) {
        if (closed) {
            return false;
        }
        Integer claim = held.get(unit.seq());
        if (claim == null) {
            throw new IllegalStateException("unit " + (unit.seq() + 1) + " is not held by this worker");
        }
        int latest = latestClaim(dir, unit.seq());
        if (latest != claim) {
            LOG.warn("unit {} was claimed again (claim {}) by another worker, which judged this one ({}) stopped; "
                    + "this worker's state of it is not recorded", unit.seq() + 1, latest, me);
            held.remove(unit.seq());
            return false;
        }
        write(dir, claim, unit);
        if (unit.status() != UnitStatus.RUNNING) {
            held.remove(unit.seq());
        }
        return true;
    }

    /**
     * Hands a unit back (pending, to be run again from scratch by whichever worker claims it next) and closes the
     * ledger: this worker records nothing more. Used when the worker is being stopped (SIGTERM from Slurm at a time
     * limit, a preemption or {@code scancel}).
     *
     * @param unit        the unit this worker was running (nothing is written when it does not hold it)
     * @param historyLine the line added to the unit's history, saying why it was handed back
     */
    public synchronized void handBackAndClose(ManifestUnit unit, String historyLine) {
        if (!closed && held.containsKey(unit.seq())) {
            record(unit.handedBack(historyLine));
        }
        closed = true;
    }

    /** Records nothing more. */
    public synchronized void close() {
        closed = true;
    }

    // ----------------------------------------------------------------------------- the folder, for every reader

    /**
     * What the folder holds.
     *
     * @param latestClaim the latest claim generation of each unit that has one
     * @param states      each unit's recorded state
     */
    record Scan(Map<Integer, Integer> latestClaim, Map<Integer, ClaimedUnit> states) {
    }

    static Scan scan(Path dir) {
        Map<Integer, Integer> claims = new TreeMap<>();
        Map<Integer, ClaimedUnit> states = new TreeMap<>();
        if (!Files.isDirectory(dir)) {
            return new Scan(claims, states);
        }
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
            for (Path f : s) {
                String name = f.getFileName().toString();
                Matcher c = CLAIM.matcher(name);
                if (c.matches()) {
                    claims.merge(Integer.parseInt(c.group(1)), Integer.parseInt(c.group(2)), Math::max);
                    continue;
                }
                Matcher st = STATE.matcher(name);
                if (st.matches()) {
                    readState(f).ifPresent(x -> states.put(Integer.parseInt(st.group(1)), x));
                }
            }
        } catch (NoSuchFileException e) {
            return new Scan(claims, states);
        } catch (IOException e) {
            throw new ResultsException("Cannot list " + dir + ": " + e.getMessage(), e);
        }
        return new Scan(claims, states);
    }

    private static Optional<ClaimedUnit> readState(Path f) {
        try {
            return Optional.of(ResultsJson.read(Files.readString(f), ClaimedUnit.class, f.toString()));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException | ResultsException e) {
            LOG.warn("ignoring the unit state {}: {}", f, e.getMessage());
            return Optional.empty();
        }
    }

    private Optional<UnitClaim> readClaim(int seq, int generation) {
        Path f = dir.resolve(seq + ".claim-" + generation);
        try {
            String text = Files.readString(f);
            return text.isBlank() ? Optional.empty() : Optional.of(ResultsJson.read(text, UnitClaim.class,
                    f.toString()));
        } catch (IOException | ResultsException e) {
            return Optional.empty();
        }
    }

    /**
     * Every claim of a unit, oldest first (the history of who ran it); claims that cannot be read are left out.
     *
     * @param store      the campaigns of the results folder
     * @param campaignId the campaign
     * @param seq        the unit's position in the run order (0-based)
     * @return the claims, generation 1 first; empty when the unit was never claimed
     */
    public static List<UnitClaim> claims(ManifestStore store, String campaignId, int seq) {
        Path dir = store.unitsFolder(campaignId);
        List<UnitClaim> out = new ArrayList<>();
        int latest = latestClaim(dir, seq);
        for (int g = 1; g <= latest; g++) {
            Path f = dir.resolve(seq + ".claim-" + g);
            try {
                out.add(ResultsJson.read(Files.readString(f), UnitClaim.class, f.toString()));
            } catch (IOException | ResultsException e) {
                LOG.debug("claim {} unreadable", f, e);
            }
        }
        return out;
    }

    static int latestClaim(Path dir, int seq) {
        int max = 0;
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, seq + ".claim-*")) {
            for (Path f : s) {
                Matcher c = CLAIM.matcher(f.getFileName().toString());
                if (c.matches() && Integer.parseInt(c.group(1)) == seq) {
                    max = Math.max(max, Integer.parseInt(c.group(2)));
                }
            }
        } catch (NoSuchFileException e) {
            return 0;
        } catch (IOException e) {
            throw new ResultsException("Cannot list " + dir + ": " + e.getMessage(), e);
        }
        return max;
    }

    static void write(Path dir, int claim, ManifestUnit unit) {
        ResultsRepository.writeAtomically(dir.resolve(unit.seq() + ".json"), ResultsJson.write(new ClaimedUnit(
                ResultsJson.SCHEMA_VERSION, claim, unit)));
    }

    /** The manifest with every unit's recorded state merged over its own copy. */
    static CampaignManifest merge(CampaignManifest m, Path dir) {
        return merge(m, scan(dir));
    }

    private static CampaignManifest merge(CampaignManifest m, Scan s) {
        if (s.states().isEmpty()) {
            return m;
        }
        List<ManifestUnit> units = new ArrayList<>(m.units());
        s.states().forEach((seq, state) -> {
            if (seq >= 0 && seq < units.size()) {
                units.set(seq, state.unit());
            }
        });
        return m.withUnits(units);
    }

    /**
     * Hands back every unit not done that is held or failed, so that the next workers run it again from scratch:
     * used by a resume, once none of the campaign's tasks runs any more. Writes each unit's state under its latest
     * claim.
     *
     * @param store  the campaigns of the results folder
     * @param merged the campaign's manifest, merged with every unit's state
     * @param why the history line of a unit whose holder stopped while it ran, e.g. "its Slurm task ended (TIMEOUT)"
     * @return the units handed back
     */
    public static List<ManifestUnit> handBackAll(ManifestStore store, CampaignManifest merged,
            java.util.function.Function<ManifestUnit, String> why) {
        Path dir = store.unitsFolder(merged.campaignId());
        Scan s = scan(dir);
        List<ManifestUnit> out = new ArrayList<>();
        for (ManifestUnit u : merged.units()) {
            if (u.status() == UnitStatus.DONE) {
                continue;
            }
            int latest = s.latestClaim().getOrDefault(u.seq(), 0);
            boolean stateCurrent = latest == 0 || (s.states().containsKey(u.seq())
                    && s.states().get(u.seq()).claim() >= latest);
            String line;
            if (u.status() == UnitStatus.FAILED && stateCurrent) {
                line = "failed after " + u.attempts() + " attempt(s) (" + u.failure().orElse("") + "); attempts "
                        + "renewed by a resume";
            } else if (u.status() == UnitStatus.RUNNING || !stateCurrent) {
                line = "attempt " + Math.max(1, u.attempts()) + ": " + why.apply(u) + "; run again from scratch";
            } else {
                continue; // pending, free to claim
            }
            ManifestUnit back = u.handedBack(line);
            write(dir, latest, back);
            out.add(back);
        }
        return out;
    }
}
