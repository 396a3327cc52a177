package dev.lem.campaign;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lem.config.KeyedRecords;
import dev.lem.env.EnvironmentCapture;
import dev.lem.env.Placement;
import dev.lem.results.ResultsJson;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shared units of a campaign handed to Slurm: claims with O_EXCL generations, claims in run order, stale claims
 * taken over (a process gone on this host, a Slurm task ended, a requeued job), live ones left alone, states recorded
 * only by the latest claimant, and the merged manifest.
 */
class UnitLedgerTest {
    private static final String ID = "c20261205T140000Z-ledger";

    @TempDir
    Path dir;
    ManifestStore store;

    /** 3 experiments x 4 cycles, shuffled: 12 units in 4 rounds. */
    @BeforeEach
    void plan() {
        store = new ManifestStore(dir);
        CampaignSettings settings = KeyedRecords.read(CampaignSettings.class, Map.of("cycles", 4), "");
        store.write(new CampaignManifest(ResultsJson.SCHEMA_VERSION, ID, settings, dir.toString(), Optional.empty(),
                Instant.parse("2026-12-05T14:00:00Z"), CampaignState.SUBMITTED, Optional.empty(), 1, "submit-host",
                List.of(), List.of(), UnitOrder.units(3, settings), List.of(), List.of()));
    }

    /** A worker on another host, outside Slurm: never judged stopped by anyone else. */
    private static Placement elsewhere(String host) {
        return new Placement(host, 1000, Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), 0,
                Optional.empty(), List.of(), Optional.empty());
    }

    private static Placement slurmTask(String host, long pid, String jobId, int task, int restarts) {
        return new Placement(host, pid, Optional.empty(), Optional.of(jobId), Optional.of("40"), Optional.of(task),
                restarts, Optional.of(host), List.of(String.valueOf(task)), Optional.of(String.valueOf(task)));
    }

    private UnitLedger ledger(Placement p, UnitLedger.JobStates slurm) {
        return new UnitLedger(store, ID, p, slurm);
    }

    private static ManifestUnit running(ManifestUnit u, Placement p) {
        return new ManifestUnit(u.seq(), u.round(), u.experiment(), u.cycle(), UnitStatus.RUNNING, u.attempts() + 1,
                Optional.of(Instant.now()), Optional.empty(), List.of(), 0, Optional.empty(), false, false, List.of(),
                Optional.empty(), u.history(), Optional.of(p));
    }

    private static ManifestUnit done(ManifestUnit u) {
        return new ManifestUnit(u.seq(), u.round(), u.experiment(), u.cycle(), UnitStatus.DONE, u.attempts(),
                u.startedAt(), Optional.of(Instant.now()), List.of("raw/x/cycle_" + u.cycle() + "/process_0.json"), 0,
                Optional.empty(), false, false, List.of(), Optional.empty(), u.history(), u.placement());
    }

    private long claimFiles(int seq) throws Exception {
        try (var s = Files.list(store.unitsFolder(ID))) {
            return s.filter(f -> f.getFileName().toString().startsWith(seq + ".claim-")).count();
        }
    }

    @Test
    void fourConcurrentWorkersRunEveryUnitExactlyOnceAndNeverClaimPastAnUnclaimedEarlierRound() throws Exception {
        List<Integer> claimedInOrder = new CopyOnWriteArrayList<>();
        List<String> orderViolations = new CopyOnWriteArrayList<>();
        Map<Integer, String> ranBy = new ConcurrentHashMap<>();
        AtomicInteger doubles = new AtomicInteger();
        CountDownLatch go = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        List<Future<?>> workers = new ArrayList<>();
        List<ManifestUnit> plan = store.read(ID).units();
        for (int w = 0; w < 4; w++) {
            Placement p = elsewhere("node-" + w);
            workers.add(pool.submit(() -> {
                UnitLedger l = ledger(p, UnitLedger.JobStates.none());
                go.await();
                for (Optional<UnitLedger.Claimed> c = l.claimNext(); c.isPresent(); c = l.claimNext()) {
                    ManifestUnit u = c.get().unit();
                    claimedInOrder.add(u.seq());
                    // every unit of an earlier round has a claim file by now
                    for (ManifestUnit earlier : plan) {
                        if (earlier.round() < u.round() && UnitLedger.latestClaim(store.unitsFolder(ID),
                                earlier.seq()) == 0) {
                            orderViolations.add("unit " + u.seq() + " (round " + u.round() + ") claimed before unit "
                                    + earlier.seq() + " (round " + earlier.round() + ")");
                        }
                    }
                    if (ranBy.putIfAbsent(u.seq(), p.host()) != null) {
                        doubles.incrementAndGet();
                    }
                    ManifestUnit r = running(u, p);
                    assertThat(l.record(r)).isTrue();
                    Thread.sleep(2);
                    assertThat(l.record(done(r))).isTrue();
                }
                return null;
            }));
        }
        go.countDown();
        for (Future<?> f : workers) {
            f.get(60, TimeUnit.SECONDS);
        }
        pool.shutdown();
        assertThat(doubles).hasValue(0);
        assertThat(orderViolations).isEmpty();
        assertThat(claimedInOrder).hasSize(12).doesNotHaveDuplicates();
        CampaignManifest m = store.read(ID);
        assertThat(m.units()).allSatisfy(u -> {
            assertThat(u.status()).isEqualTo(UnitStatus.DONE);
            assertThat(u.attempts()).isEqualTo(1);
            assertThat(u.placement().orElseThrow().host()).isEqualTo(ranBy.get(u.seq()));
        });
        for (int seq = 0; seq < 12; seq++) {
            assertThat(claimFiles(seq)).as("claims of unit %d", seq).isEqualTo(1);
        }
    }

    @Test
    void aUnitOfTheNextRoundIsClaimedOnceEveryUnitOfThisRoundIsClaimedEvenIfStillRunning() {
        UnitLedger a = ledger(elsewhere("a"), UnitLedger.JobStates.none());
        UnitLedger b = ledger(elsewhere("b"), UnitLedger.JobStates.none());
        UnitLedger c = ledger(elsewhere("c"), UnitLedger.JobStates.none());
        UnitLedger d = ledger(elsewhere("d"), UnitLedger.JobStates.none());
        assertThat(a.claimNext().orElseThrow().unit().seq()).isZero();
        assertThat(b.claimNext().orElseThrow().unit().seq()).isEqualTo(1);
        assertThat(c.claimNext().orElseThrow().unit().seq()).isEqualTo(2);
        ManifestUnit next = d.claimNext().orElseThrow().unit();
        assertThat(next.seq()).isEqualTo(3);
        assertThat(next.round()).isEqualTo(1);
    }

    @Test
    void aClaimWhoseProcessOnThisHostIsGoneIsTakenOverByTheNextGenerationAndTheStaleHolderCannotRecord()
            throws Exception {
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        Placement dead = new Placement(EnvironmentCapture.hostName(), gone.pid(), Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.empty(), 0, Optional.empty(), List.of(), Optional.empty());
        UnitLedger stale = ledger(dead, UnitLedger.JobStates.none());
        ManifestUnit u = stale.claimNext().orElseThrow().unit();
        assertThat(stale.record(running(u, dead))).isTrue();

        Placement me = Placement.current(Map.of());
        UnitLedger taker = ledger(me, UnitLedger.JobStates.none());
        UnitLedger.Claimed c = taker.claimNext().orElseThrow();
        assertThat(c.unit().seq()).isEqualTo(u.seq());
        assertThat(c.claim()).isEqualTo(2);
        assertThat(c.tookOverFrom()).hasValueSatisfying(x -> assertThat(x.by().pid()).isEqualTo(gone.pid()));
        assertThat(c.unit().attempts()).isEqualTo(1);
        assertThat(claimFiles(u.seq())).isEqualTo(2);
        // the stale holder (judged stopped) may not overwrite the state of the one that took over
        assertThat(stale.record(done(running(u, dead)))).isFalse();
        assertThat(taker.record(running(c.unit(), me))).isTrue();
        assertThat(store.read(ID).units().get(u.seq()).placement().orElseThrow().pid()).isEqualTo(me.pid());
        assertThat(UnitLedger.claims(store, ID, u.seq())).extracting(UnitClaim::generation).containsExactly(1, 2);
    }

    @Test
    void aClaimHeldByALiveProcessOnThisHostIsLeftAlone() {
        Placement me = Placement.current(Map.of());
        UnitLedger first = ledger(me, UnitLedger.JobStates.none());
        ManifestUnit u = first.claimNext().orElseThrow().unit();
        first.record(running(u, me));
        Placement sibling = new Placement(me.host(), me.pid(), me.processStart(), Optional.empty(), Optional.empty(),
                Optional.empty(), 0, Optional.empty(), List.of(), Optional.empty());
        assertThat(ledger(sibling, UnitLedger.JobStates.none()).claimNext().orElseThrow().unit().seq())
                .isEqualTo(u.seq() + 1);
    }

    @Test
    void aClaimOfASlurmTaskIsTakenOverOnlyOnceSlurmSaysTheTaskEnded() {
        Placement holder = slurmTask("node-1", 4242, "41", 1, 0);
        UnitLedger h = ledger(holder, UnitLedger.JobStates.none());
        // the holder claims every unit but the last, and finishes all but unit 0
        for (int i = 0; i < 11; i++) {
            ManifestUnit u = h.claimNext().orElseThrow().unit();
            ManifestUnit r = running(u, holder);
            h.record(r);
            if (i > 0) {
                h.record(done(r));
            }
        }
        Placement other = slurmTask("node-2", 99, "42", 2, 0);
        List<Collection> asked = new ArrayList<>();
        // Slurm says task 41 runs: unit 0 is held; the free unit 11 is claimed
        UnitLedger running = ledger(other, ids -> {
            asked.add(new Collection(List.copyOf(ids)));
            return Optional.of(Map.of("41", "RUNNING"));
        });
        assertThat(running.claimNext().orElseThrow().unit().seq()).isEqualTo(11);
        assertThat(asked).extracting(Collection::ids).contains(List.of("41"));
        assertThat(ledger(other, ids -> Optional.of(Map.of("41", "RUNNING"))).claimNext()).isEmpty();
        // Slurm cannot be asked: nothing is judged stopped
        assertThat(ledger(other, ids -> Optional.empty()).claimNext()).isEmpty();
        // the task timed out: its unit is taken over
        UnitLedger.Claimed c = ledger(other, ids -> Optional.of(Map.of("41", "TIMEOUT"))).claimNext().orElseThrow();
        assertThat(c.unit().seq()).isZero();
        assertThat(c.tookOverFrom().orElseThrow().by().slurmTask()).hasValue("40_1");
    }

    private record Collection(List<String> ids) {
    }

    @Test
    void aTaskThatSlurmNoLongerListsHasEnded() {
        Placement holder = slurmTask("node-1", 4242, "41", 1, 0);
        UnitLedger h = ledger(holder, UnitLedger.JobStates.none());
        h.record(running(h.claimNext().orElseThrow().unit(), holder));
        UnitLedger.Claimed c = ledger(slurmTask("node-2", 7, "43", 3, 0), ids -> Optional.of(Map.of())).claimNext()
                .orElseThrow();
        assertThat(c.unit().seq()).isZero();
        assertThat(c.claim()).isEqualTo(2);
    }

    @Test
    void aRequeuedJobTakesBackTheUnitItsEarlierRunHeld() {
        Placement before = slurmTask("node-1", 4242, "41", 1, 0);
        UnitLedger h = ledger(before, UnitLedger.JobStates.none());
        h.record(running(h.claimNext().orElseThrow().unit(), before));
        // Slurm requeued job 41 (preemption): same job id, a new process, restart count 1; Slurm says it runs
        Placement after = slurmTask("node-3", 5151, "41", 1, 1);
        UnitLedger.Claimed c = ledger(after, ids -> Optional.of(Map.of("41", "RUNNING"))).claimNext().orElseThrow();
        assertThat(c.unit().seq()).isZero();
        assertThat(c.tookOverFrom()).isPresent();
    }

    @Test
    void aStoppedWorkerHandsItsUnitBackAndRecordsNothingMore() {
        Placement p = elsewhere("a");
        UnitLedger l = ledger(p, UnitLedger.JobStates.none());
        ManifestUnit r = running(l.claimNext().orElseThrow().unit(), p);
        l.record(r);
        l.handBackAndClose(r, "attempt 1: interrupted by SIGTERM; run again from scratch");
        assertThat(l.record(done(r))).isFalse();
        assertThat(l.claimNext()).isEmpty();
        ManifestUnit back = store.read(ID).units().get(0);
        assertThat(back.status()).isEqualTo(UnitStatus.PENDING);
        assertThat(back.attempts()).isEqualTo(1);
        assertThat(back.history()).containsExactly("attempt 1: interrupted by SIGTERM; run again from scratch");
        // the next worker claims it with the next generation, keeping its attempts and history
        UnitLedger.Claimed c = ledger(elsewhere("b"), UnitLedger.JobStates.none()).claimNext().orElseThrow();
        assertThat(c.unit().seq()).isZero();
        assertThat(c.claim()).isEqualTo(2);
        assertThat(c.tookOverFrom()).isEmpty();
        assertThat(c.unit().history()).hasSize(1);
    }

    @Test
    void aResumeHandsBackHeldAndFailedUnitsAndLeavesDoneAndPendingOnes() {
        Placement p = elsewhere("a");
        UnitLedger l = ledger(p, UnitLedger.JobStates.none());
        ManifestUnit u0 = running(l.claimNext().orElseThrow().unit(), p);
        l.record(u0);
        l.record(done(u0));
        ManifestUnit u1 = running(l.claimNext().orElseThrow().unit(), p);
        l.record(u1);
        ManifestUnit failed = new ManifestUnit(u1.seq(), u1.round(), u1.experiment(), u1.cycle(), UnitStatus.FAILED, 2,
                u1.startedAt(), Optional.of(Instant.now()), List.of(), 0, Optional.empty(), false, false, List.of(),
                Optional.of("boom"), List.of("attempt 1: failed: boom"), Optional.of(p));
        l.record(failed);
        ManifestUnit u2 = running(l.claimNext().orElseThrow().unit(), p);
        l.record(u2); // its worker then stopped without a word

        List<ManifestUnit> back = UnitLedger.handBackAll(store, store.read(ID), u -> "its task ended (TIMEOUT)");
        assertThat(back).extracting(ManifestUnit::seq).containsExactly(1, 2);
        CampaignManifest m = store.read(ID);
        assertThat(m.units().get(0).status()).isEqualTo(UnitStatus.DONE);
        assertThat(m.units().get(1).status()).isEqualTo(UnitStatus.PENDING);
        assertThat(m.units().get(1).history()).last().asString().contains("attempts renewed by a resume");
        assertThat(m.units().get(2).status()).isEqualTo(UnitStatus.PENDING);
        assertThat(m.units().get(2).history()).last().asString()
                .isEqualTo("attempt 1: its task ended (TIMEOUT); run again from scratch");
        assertThat(m.units().subList(3, 12)).allSatisfy(u -> assertThat(u.history()).isEmpty());
        // the next claims start at unit 1, with the next generation
        UnitLedger.Claimed c = ledger(elsewhere("b"), UnitLedger.JobStates.none()).claimNext().orElseThrow();
        assertThat(c.unit().seq()).isEqualTo(1);
        assertThat(c.claim()).isEqualTo(2);
    }

    @Test
    void recordingAUnitNotHeldIsRefused() {
        UnitLedger l = ledger(elsewhere("a"), UnitLedger.JobStates.none());
        ManifestUnit u = store.read(ID).units().get(5);
        assertThatThrownBy(() -> l.record(u)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("unit 6 is not held by this worker");
    }

    @Test
    void aClaimFileIsWrittenWithItsClaimantAndTheManifestMergesTheUnitsStates() throws Exception {
        Placement p = slurmTask("node-9", 77, "55", 3, 0);
        UnitLedger l = ledger(p, UnitLedger.JobStates.none());
        ManifestUnit u = running(l.claimNext().orElseThrow().unit(), p);
        l.record(u);
        UnitClaim claim = ResultsJson.read(Files.readString(store.unitsFolder(ID).resolve("0.claim-1")),
                UnitClaim.class, "claim");
        assertThat(claim.by()).isEqualTo(p);
        assertThat(claim.generation()).isEqualTo(1);
        // the manifest file itself is untouched; reading it merges the state
        assertThat(ResultsJson.read(Files.readString(store.manifestFile(ID)), CampaignManifest.class, "m").units()
                .get(0).status()).isEqualTo(UnitStatus.PENDING);
        assertThat(store.read(ID).units().get(0)).isEqualTo(u);
        assertThat(Collections.frequency(store.read(ID).units().stream().map(ManifestUnit::status).toList(),
                UnitStatus.RUNNING)).isEqualTo(1);
    }
}
