package dev.lem.backend.djl.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Intra-op threads chosen from the idle cores, on scripted {@code /proc/stat} readings. */
class ThreadChoiceTest {
    private static List<String> stat(long user, long system, long idle, long iowait, long steal) {
        return List.of("cpu  " + user + " 0 " + system + " " + idle + " " + iowait + " 0 0 " + steal + " 0 0",
                "cpu0 0 0 0 0 0 0 0 0 0 0", "cpu1 0 0 0 0 0 0 0 0 0 0", "intr 12345", "ctxt 999");
    }

    @Test
    void aBusyMachineGetsOneThreadAQuietOneEveryCore() {
        // 2 CPUs, 50 ticks of wall time each = 100 ticks: 95 busy, 5 idle -> 0.1 cores idle -> 1 thread
        double busy = ThreadChoice.idleCores(stat(1000, 500, 800, 0, 0), stat(1080, 515, 805, 0, 0)).orElseThrow();
        assertThat(busy).isEqualTo(0.1);
        assertThat(ThreadChoice.of(2, busy).threads()).isEqualTo(1);
        // 97 idle + 1 iowait of 100 -> 1.96 cores idle -> 2 threads
        double quiet = ThreadChoice.idleCores(stat(1000, 500, 800, 10, 0), stat(1002, 500, 897, 11, 0)).orElseThrow();
        assertThat(quiet).isCloseTo(1.96, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(ThreadChoice.of(2, quiet).threads()).isEqualTo(2);
    }

    @Test
    void stolenTimeIsNotIdleAndTheJvmsProcessorsCapTheChoice() {
        // a VM whose neighbours take 60 of 100 ticks (steal): 40 idle -> 0.8 cores -> 1 thread
        double idle = ThreadChoice.idleCores(stat(0, 0, 0, 0, 0), stat(0, 0, 40, 0, 60)).orElseThrow();
        assertThat(ThreadChoice.of(2, idle).threads()).isEqualTo(1);
        // 16 idle cores seen, 4 processors allowed to this JVM (affinity, container quota)
        ThreadChoice capped = ThreadChoice.of(4, 16.0);
        assertThat(capped.threads()).isEqualTo(4);
        assertThat(capped.basis()).contains("16.00 of 4 available idle").contains("/proc/stat");
        assertThat(ThreadChoice.of(8, 5.4).threads()).isEqualTo(5);
        assertThat(ThreadChoice.of(8, 0.0).threads()).as("never below one").isEqualTo(1);
    }

    @Test
    void unreadableTextGivesNoChoice() {
        assertThat(ThreadChoice.idleCores(List.of("garbage"), stat(1, 1, 1, 1, 0))).isEmpty();
        assertThat(ThreadChoice.idleCores(stat(1, 1, 1, 1, 0), stat(1, 1, 1, 1, 0))).as("no time elapsed").isEmpty();
        assertThat(ThreadChoice.idleCores(List.of("cpu  x y z w v u"), List.of("cpu  1 2 3 4 5 6"))).isEmpty();
    }

    @Test
    void theMachinesOwnReadingGivesAtLeastOneThread() {
        ThreadChoice.measure().ifPresent(c -> assertThat(c.threads()).isBetween(1,
                Runtime.getRuntime().availableProcessors()));
    }

    @Test
    void theResultsSayHowManyThreadsWereUsedAndWhy() {
        try (DjlBackend b = TestBackends.backend("synthetic:tiny-llama", java.util.Map.of("options.threads", 1))) {
            b.load();
            assertThat(b.environment()).containsEntry("djl.intra_op_threads", "1")
                    .containsEntry("djl.intra_op_threads_basis", "options.threads");
        }
        try (DjlBackend b = TestBackends.backend("synthetic:tiny-llama", java.util.Map.of())) {
            b.load();
            String basis = b.environment().get("djl.intra_op_threads_basis");
            // this module's tests run with OMP_NUM_THREADS=1 (see its pom); elsewhere LEM chooses
            if (System.getenv("OMP_NUM_THREADS") != null) {
                assertThat(basis).startsWith("OMP_NUM_THREADS=");
            } else {
                assertThat(basis).startsWith("chosen by LEM from the cores idle at load");
            }
            assertThat(Integer.parseInt(b.environment().get("djl.intra_op_threads"))).isPositive();
        }
    }
}
