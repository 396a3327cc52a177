package dev.lem.results;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.lem.result.CycleEnergy;
import dev.lem.result.CycleResult;
import dev.lem.result.ProcessResult;
import dev.lem.config.ConfigResolver;
import dev.lem.config.ExperimentConfig;
import dev.lem.energy.CarbonIntensities;
import dev.lem.energy.DomainEnergy;
import dev.lem.energy.DomainScope;
import dev.lem.energy.EnergyDomain;
import dev.lem.energy.EnergyMeasurement;
import dev.lem.energy.MeasurementMethod;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The ownership rule for energy of several processes, through aggregation: machine-wide domains (RAPL
 * package and DRAM, the CPU estimate) count once per host, from the lowest rank there; each GPU once per
 * device UUID; per-process domains (the RAM estimate) are summed. The process results are shaped as the
 * meters in this repository write them.
 */
class EnergyMergeTest {
    static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    static final long CYCLE_NANOS = 10_000_000_000L;

    /** One domain's energy over a 10 s cycle with a baseline: adjusted = raw − idle × 10 s. */
    static DomainEnergy e(String id, String kind, String device, DomainScope scope, MeasurementMethod method,
            String meter, double joules, double idleWatts) {
        double adjusted = joules - idleWatts * 10;
        return new DomainEnergy(new EnergyDomain(id, kind, device, scope, method, meter), joules,
                Optional.of(idleWatts), Optional.of(adjusted), adjusted < 0);
    }

    /** RAPL's domains as every rank on a host reads them (the same counters, over slightly shifted windows). */
    static List<DomainEnergy> rapl(double shift) {
        return List.of(
                e("cpu.package[0]", "cpu", "package-0", DomainScope.MACHINE, MeasurementMethod.MEASURED, "rapl",
                        1500 + shift, 100),
                e("dram[0]", "dram", "package-0/dram", DomainScope.MACHINE, MeasurementMethod.MEASURED, "rapl",
                        200 + shift, 15),
                e("cpu.package[1]", "cpu", "package-1", DomainScope.MACHINE, MeasurementMethod.MEASURED, "rapl",
                        1400 + shift, 100));
    }

    static DomainEnergy gpu(String uuid, double joules) {
        return e("gpu[0]", "gpu", uuid, DomainScope.DEVICE, MeasurementMethod.MEASURED, "nvml", joules, 60);
    }

    static DomainEnergy ram(double joules) {
        return e("ram", "ram", "", DomainScope.PROCESS, MeasurementMethod.ESTIMATED, "ram-estimate", joules, 1);
    }

    static ProcessResult process(int rank, String host, List<DomainEnergy> domains) {
        EnergyMeasurement m = new EnergyMeasurement("cycle_0", CYCLE_NANOS, domains, Optional.empty(),
                List.of("note from rank " + rank));
        return new ProcessResult(1, "20260101T000000Z-merge1", 0, rank, host, T0, CYCLE_NANOS, List.of(), Optional.of(m),
                Map.of(), Map.of(), Map.of(), Optional.empty(), Optional.empty(), Optional.empty(), List.of());
    }

    /** Four workers on one host, one GPU each (CUDA_VISIBLE_DEVICES pinned), as DESIGN.md runs them. */
    static List<ProcessResult> fourRanksOneHost() {
        List<ProcessResult> ps = new ArrayList<>();
        for (int r = 3; r >= 0; r--) { // any order in, lowest rank wins
            List<DomainEnergy> d = new ArrayList<>(rapl(r * 0.5));
            d.add(gpu("GPU-" + r, 3000 + 100 * r));
            d.add(ram(40 + r));
            ps.add(process(r, "node1", d));
        }
        return ps;
    }

    @Test
    void fourProcessesOnOneHostCountTheCpuPackagesAndDramOnce() {
        CycleEnergy e = Aggregator.mergeEnergy(fourRanksOneHost()).orElseThrow();
        // machine: rank 0's 1500 + 200 + 1400 = 3100 J (not 4 x); GPUs 3000+3100+3200+3300 = 12600; RAM 40+41+42+43 = 166
        assertThat(e.joulesByKind()).containsEntry("cpu", 2900.0).containsEntry("dram", 200.0)
                .containsEntry("gpu", 12_600.0).containsEntry("ram", 166.0);
        assertThat(e.totalJoules()).isCloseTo(3100 + 12_600 + 166, within(1e-9));
        // adjusted: machine 3100 - (100+15+100) x 10 = 950; GPUs 12600 - 4 x 600 = 10200; RAM 166 - 4 x 10 = 126
        assertThat(e.adjustedJoules().orElseThrow()).isCloseTo(950 + 10_200 + 126, within(1e-9));
        assertThat(e.domains()).filteredOn(d -> d.domain().scope() == DomainScope.MACHINE)
                .extracting(d -> d.domain().id()).containsExactly("cpu.package[0]", "dram[0]", "cpu.package[1]");
        assertThat(e.domains()).filteredOn(d -> d.domain().scope() == DomainScope.MACHINE)
                .extracting(DomainEnergy::joules).containsExactly(1500.0, 200.0, 1400.0);
        assertThat(e.domains()).filteredOn(d -> d.domain().kind().equals("ram")).extracting(d -> d.domain().id())
                .containsExactly("rank0/ram", "rank1/ram", "rank2/ram", "rank3/ram");
        assertThat(e.domains()).filteredOn(d -> d.domain().kind().equals("gpu")).extracting(d -> d.domain().device())
                .containsExactly("GPU-0", "GPU-1", "GPU-2", "GPU-3");
        assertThat(e.basis()).isEqualTo("measured: cpu, dram, gpu; estimated: ram");
        assertThat(e.notes()).anySatisfy(n -> assertThat(n).startsWith("counted once per device/host")
                .contains("cpu.package[0] from rank 1").contains("dram[0] from rank 3")
                .contains("cpu.package[1] from rank 2"));
        assertThat(e.notes()).contains("rank 0: note from rank 0", "rank 3: note from rank 3");
    }

    @Test
    void twoHostsEachCountTheirOwnMachineOnce() {
        List<ProcessResult> ps = new ArrayList<>();
        for (int r = 0; r < 4; r++) {
            String host = r < 2 ? "node1" : "node2";
            List<DomainEnergy> d = new ArrayList<>(rapl(r < 2 ? 0 : 1000));
            d.add(gpu("GPU-" + r, 1000));
            ps.add(process(r, host, d));
        }
        CycleEnergy e = Aggregator.mergeEnergy(ps).orElseThrow();
        // node1 (rank 0): 3100 J; node2 (rank 2): 3100 + 3 x 1000 = 6100 J; GPUs 4 x 1000
        assertThat(e.totalJoules()).isCloseTo(3100 + 6100 + 4000, within(1e-9));
        assertThat(e.domains()).extracting(d -> d.domain().id()).contains("node1/cpu.package[0]",
                "node2/cpu.package[0]", "node1/dram[0]", "node2/dram[0]");
        assertThat(e.joulesByKind().get("cpu")).isEqualTo(1500 + 1400 + 2500 + 2400.0);
    }

    @Test
    void aGpuThatTwoProcessesSeeIsCountedOnceByItsUuid() {
        ProcessResult a = process(0, "node1", List.of(gpu("GPU-shared", 500)));
        ProcessResult b = process(1, "node1", List.of(gpu("GPU-shared", 510)));
        CycleEnergy e = Aggregator.mergeEnergy(List.of(b, a)).orElseThrow();
        assertThat(e.totalJoules()).isEqualTo(500.0);
        assertThat(e.notes()).anySatisfy(n -> assertThat(n).contains("gpu[0] from rank 1"));
    }

    @Test
    void theCpuEstimateIsMachineWideToo() {
        // no RAPL here: every rank opens cpu-estimate (machine scope) and ram-estimate (process scope)
        List<ProcessResult> ps = List.of(
                process(0, "vm", List.of(e("cpu", "cpu", "", DomainScope.MACHINE, MeasurementMethod.ESTIMATED,
                        "cpu-estimate", 50, 2.8), ram(3))),
                process(1, "vm", List.of(e("cpu", "cpu", "", DomainScope.MACHINE, MeasurementMethod.ESTIMATED,
                        "cpu-estimate", 52, 2.8), ram(4))));
        CycleEnergy e = Aggregator.mergeEnergy(ps).orElseThrow();
        assertThat(e.totalJoules()).isCloseTo(50 + 3 + 4, within(1e-9));
        assertThat(e.basis()).isEqualTo("estimated");
        // 50 - 28 = 22 (cpu), 3 - 10 = -7 and 4 - 10 = -6 (ram, below idle: kept, not clamped)
        assertThat(e.adjustedJoules().orElseThrow()).isCloseTo(22 - 7 - 6, within(1e-9));
        assertThat(e.domains()).filteredOn(DomainEnergy::belowIdle).extracting(d -> d.domain().id())
                .containsExactly("rank0/ram", "rank1/ram");
    }

    @Test
    void carbonIsComputedOnTheMergedTotalNotPerProcess() {
        ExperimentConfig cfg = ConfigResolver.withDefaults().override("carbon.country=FRA").override("carbon.pue=1.2")
                .resolve();
        CycleResult c = Aggregator.mergeCycle(0, fourRanksOneHost(), cfg, CarbonIntensities.resolve(cfg.carbon()),
                Optional.empty());
        double joules = 3100 + 12_600 + 166;
        assertThat(c.carbonGrams().orElseThrow()).isCloseTo(joules / 3.6e6 * 56.039 * 1.2, within(1e-9));
    }
}
