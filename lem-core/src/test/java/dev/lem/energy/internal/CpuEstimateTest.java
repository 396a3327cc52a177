package dev.lem.energy.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.lem.config.ConfigException;
import dev.lem.config.EnergyConfig;
import dev.lem.energy.DomainScope;
import dev.lem.energy.MeasurementMethod;
import dev.lem.env.EnvironmentCapture;
import dev.lem.env.EnvironmentInfo;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CpuEstimateTest {
    private static final long MS = 1_000_000L;
    static CpuPowerTable table;
    static final EnergyConfig.Cpu NO_CALIBRATION = new EnergyConfig.Cpu(Optional.empty(), Optional.empty(),
            Optional.empty());

    @BeforeAll
    static void load() {
        table = CpuPowerTable.load();
    }

    final AtomicLong clock = new AtomicLong();

    /** A meter on the test's clock with a fixed idle and full-load power. */
    CpuEstimateMeter meter(double idleWatts, double maxWatts, Trace trace) {
        return new CpuEstimateMeter(new CpuPowerModel(idleWatts, maxWatts, Map.of()), trace, clock::get);
    }

    void pollAt(CpuEstimateMeter m, long nanos) {
        clock.set(nanos);
        m.poll();
    }

    static EnvironmentInfo.Cpu cpu(String model, int cpus, int sockets, boolean vm) {
        return new EnvironmentInfo.Cpu(Optional.of(model), cpus, Optional.empty(), Optional.empty(), Optional.of(cpus),
                Optional.of(sockets), vm);
    }

    /** A scripted CPU-time source: each read returns the next cumulative (busy, total). */
    static final class Trace implements CpuTimes.Source {
        final Deque<CpuTimes> next = new ArrayDeque<>();
        int reads;

        Trace add(long busy, long total) {
            next.add(new CpuTimes(busy, total));
            return this;
        }

        @Override
        public Optional<CpuTimes> read() {
            reads++;
            return Optional.ofNullable(next.poll());
        }

        @Override
        public String description() {
            return "scripted";
        }
    }

    @Test
    void bareMetalUsesTheMatchedTdpTimesSocketsForIdleAndFullLoad() {
        CpuPowerModel m = CpuPowerModel.resolve(NO_CALIBRATION, cpu("AMD EPYC 7763 64-Core Processor", 256, 2, false),
                table);
        assertThat(m.maxWatts()).isCloseTo(0.66 * 560, within(1e-9));
        assertThat(m.idleWatts()).as("AMD: the I/O die's idle power").isCloseTo(0.25 * 560, within(1e-9));
        assertThat(m.watts(0.5)).as("half activity: 0.473 of the dynamic power, SPECpower's median at 50% load")
                .isCloseTo(0.25 * 560 + (0.66 - 0.25) * 560 * 0.473, within(1e-9));
        assertThat(m.notes().get("tdp_source")).contains("\"AMD EPYC 7763\" in cpu_power.csv").contains("TDP 280.0 W");
        assertThat(m.notes().get("max_watts")).contains("0.66 x 560.0 W (TDP 280.0 W x 2 socket(s)");
        assertThat(m.notes().get("idle_watts")).contains("0.25 x 560.0 W").contains("AMD package power at idle");
    }

    @Test
    void aClientCpuUsesTheSameSharesOfItsTdp() {
        CpuPowerModel m = CpuPowerModel.resolve(NO_CALIBRATION, cpu("Intel(R) Core(TM) i7-8700K CPU @ 3.70GHz", 12, 1,
                false), table);
        assertThat(m.maxWatts()).isCloseTo(0.66 * 95, within(1e-9));
        assertThat(m.idleWatts()).as("Intel").isCloseTo(0.08 * 95, within(1e-9));
        assertThat(m.notes().get("idle_watts")).contains("Intel package power at idle");
        CpuPowerModel other = CpuPowerModel.resolve(NO_CALIBRATION, cpu("Apple M1", 8, 1, false), table);
        assertThat(other.idleWatts()).as("neither Intel nor AMD: SPECpower's average").isCloseTo(0.12 * 10.0,
                within(1e-9));
        assertThat(other.notes().get("idle_watts")).contains("SPECpower_ssj2008 via Teads");
    }

    @Test
    void thisMachinesAmbiguousEpycInAVirtualMachineFallsBackToWattsPerVcpu(@TempDir Path root) throws Exception {
        // the build machine's /proc/cpuinfo: "AMD EPYC", 2 vCPUs, hypervisor flag
        String proc = "processor\t: %d\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC\nphysical id\t: 0\n"
                + "flags\t\t: fpu vme hypervisor lahf_lm\n\n";
        FakePowercap.write(root.resolve("proc/cpuinfo"), proc.formatted(0) + proc.formatted(1));
        EnvironmentInfo.Cpu c = EnvironmentCapture.cpu(root);
        CpuPowerModel m = CpuPowerModel.resolve(NO_CALIBRATION, c, table);
        assertThat(m.maxWatts()).isCloseTo(0.66 * 2 * CpuPowerModel.WATTS_PER_THREAD, within(1e-9));
        assertThat(m.idleWatts()).isCloseTo(0.25 * 2 * CpuPowerModel.WATTS_PER_THREAD, within(1e-9));
        assertThat(m.notes().get("tdp_source")).contains("ambiguous").contains("148 models");
        assertThat(m.notes().get("max_watts")).contains("2 logical CPUs x 4.7 W").contains("virtual machine")
                .contains("energy.cpu.max_watts");
    }

    @Test
    void aVirtualMachineWithAKnownModelIsCappedAtItsTdp() {
        CpuPowerModel big = CpuPowerModel.resolve(NO_CALIBRATION, cpu("Intel Xeon Gold 6248", 8, 1, true), table);
        assertThat(big.maxWatts()).isCloseTo(0.66 * 8 * 4.7, within(1e-9));
        CpuPowerModel capped = CpuPowerModel.resolve(NO_CALIBRATION, cpu("Apple M1", 8, 1, true), table);
        assertThat(capped.maxWatts()).isCloseTo(0.66 * 10.0, within(1e-9));
        assertThat(capped.notes().get("max_watts")).contains("capped at the TDP");
    }

    @Test
    void calibrationWinsOverTheTableAndIsNamedInTheNotes() {
        EnergyConfig.Cpu cal = new EnergyConfig.Cpu(Optional.of(200.0), Optional.of(42.0), Optional.of(180.0));
        CpuPowerModel m = CpuPowerModel.resolve(cal, cpu("AMD EPYC 7763", 128, 1, false), table);
        assertThat(m.maxWatts()).isEqualTo(180.0);
        assertThat(m.idleWatts()).isEqualTo(42.0);
        assertThat(m.notes().get("tdp_source")).contains("energy.cpu.tdp_watts = 200.0 W");
        assertThat(m.notes().get("idle_watts")).contains("energy.cpu.idle_watts");
        EnergyConfig.Cpu tdpOnly = new EnergyConfig.Cpu(Optional.of(150.0), Optional.empty(), Optional.empty());
        assertThat(CpuPowerModel.resolve(tdpOnly, cpu("AMD EPYC", 4, 1, true), table).maxWatts())
                .isCloseTo(0.66 * 150.0, within(1e-9));
        EnergyConfig.Cpu maxOnly = new EnergyConfig.Cpu(Optional.empty(), Optional.empty(), Optional.of(65.0));
        assertThat(CpuPowerModel.resolve(maxOnly, cpu("AMD EPYC", 4, 1, true), table).idleWatts())
                .as("idle in proportion to a calibrated full load").isCloseTo(0.25 / 0.66 * 65.0, within(1e-9));
    }

    @Test
    void idleAboveMaxIsAConfigurationErrorNamingTheKey() {
        EnergyConfig.Cpu cal = new EnergyConfig.Cpu(Optional.empty(), Optional.of(90.0), Optional.of(60.0));
        assertThatThrownBy(() -> CpuPowerModel.resolve(cal, cpu("AMD EPYC 7763", 128, 1, false), table))
                .isInstanceOf(ConfigException.class).hasMessageContaining("energy.cpu.idle_watts")
                .hasMessageContaining("90.0 W exceeds full-load power 60.0 W");
    }

    @Test
    void energyIntegratesTheModelOverAScriptedUtilisationTrace() {
        // cumulative ticks: utilisation 0.0, 0.5, 1.0, 0.25 over four 100 ms steps
        Trace trace = new Trace().add(0, 0).add(0, 100).add(50, 200).add(150, 300).add(175, 400);
        CpuEstimateMeter m = meter(20, 120, trace);
        assertThat(m.domains().get(0)).satisfies(d -> {
            assertThat(d.method()).isEqualTo(MeasurementMethod.ESTIMATED);
            assertThat(d.scope()).isEqualTo(DomainScope.MACHINE);
            assertThat(d.kind()).isEqualTo("cpu");
        });
        double[] u = {0.0, 0.5, 1.0, 0.25};
        for (int i = 0; i < u.length; i++) {
            pollAt(m, (i + 1) * 100 * MS);
            assertThat(m.utilisation()).isEqualTo(u[i]);
        }
        // along the SPECpower curve (0, 0.473, 1, 0.2725 of the dynamic power): 20, 67.3, 120, 47.25 W for 0.1 s each
        assertThat(m.cumulativeJoules().get("cpu")).isCloseTo(2 + 6.73 + 12 + 4.725, within(1e-12));
    }

    @Test
    void aReadBetweenPollsIntegratesUpToNow() {
        Trace trace = new Trace().add(0, 0).add(100, 100).add(100, 200);
        CpuEstimateMeter m = meter(10, 110, trace);
        pollAt(m, 100 * MS); // u = 1.0 over the first 100 ms: 11 J
        clock.set(150 * MS);
        // the read at 150 ms reads the counters again: u = 0 over 50 ms: 0.5 J
        assertThat(m.cumulativeJoules().get("cpu")).isCloseTo(11.5, within(1e-12));
        assertThat(trace.reads).isEqualTo(3);
    }

    @Test
    void readsCloserThanOneMillisecondOrWithoutNewTicksReuseTheLastUtilisation() {
        Trace trace = new Trace().add(0, 0).add(50, 100).add(50, 100);
        CpuEstimateMeter m = meter(0, 100, trace);
        pollAt(m, 100 * MS); // u = 0.5: 47.3 W (SPECpower's 50 % point) x 0.1 s
        pollAt(m, 100 * MS + 500_000); // 0.5 ms later: no read, 47.3 W x 0.5 ms
        assertThat(trace.reads).isEqualTo(2);
        pollAt(m, 110 * MS); // read, but no tick elapsed: keep u = 0.5
        assertThat(trace.reads).isEqualTo(3);
        assertThat(m.utilisation()).isEqualTo(0.5);
        assertThat(m.cumulativeJoules().get("cpu")).isCloseTo(47.3 * 0.110, within(1e-12));
    }

    @Test
    void procStatFirstLineIsParsedIntoBusyAndTotal() {
        byte[] line = "cpu  9293 7 2310 229794 174 11 43 12 0 0\ncpu0 1 2 3\n".getBytes();
        CpuTimes t = CpuTimes.ProcStat.parse(line, line.length).orElseThrow();
        assertThat(t.busy()).isEqualTo(9293 + 7 + 2310 + 11 + 43);
        assertThat(t.total()).isEqualTo(t.busy() + 229794 + 174 + 12);
        byte[] bad = "intr 1 2 3".getBytes();
        assertThat(CpuTimes.ProcStat.parse(bad, bad.length)).isEmpty();
        assertThat(new CpuTimes(10, 100).utilisationSince(new CpuTimes(10, 100))).isEmpty();
    }

    /** A fake /proc/stat with per-CPU lines of (busy, idle) ticks. */
    static void stat(Path root, long[][] busyIdle) {
        StringBuilder sb = new StringBuilder("cpu  0 0 0 0 0 0 0 0 0 0\n");
        for (int i = 0; i < busyIdle.length; i++) {
            sb.append("cpu").append(i).append(' ').append(busyIdle[i][0]).append(" 0 0 ").append(busyIdle[i][1])
                    .append(" 0 0 0 0 0 0\n");
        }
        sb.append("intr 1 2 3\n");
        FakePowercap.write(root.resolve("proc/stat"), sb.toString());
    }

    /** A fake /sys/devices/system/cpu: CPU i on core i mod cores of package 0, clocks in kHz. */
    static void sys(Path root, int cpus, int cores, long maxKhz, long[] curKhz) {
        for (int i = 0; i < cpus; i++) {
            Path c = root.resolve("sys/devices/system/cpu/cpu" + i);
            FakePowercap.write(c.resolve("topology/physical_package_id"), "0\n");
            FakePowercap.write(c.resolve("topology/core_id"), (i % cores) + "\n");
            if (curKhz != null) {
                FakePowercap.write(c.resolve("cpufreq/cpuinfo_max_freq"), maxKhz + "\n");
                FakePowercap.write(c.resolve("cpufreq/scaling_cur_freq"), curKhz[i] + "\n");
            }
        }
    }

    @Test
    void oneBusyThreadPerCoreCountsTheWholeCoreAndItsSiblingAddsNothing(@TempDir Path root) {
        sys(root, 4, 2, 3_000_000, null); // 2 cores x 2 threads, no cpufreq (as in a VM)
        stat(root, new long[][] {{0, 0}, {0, 0}, {0, 0}, {0, 0}});
        CpuTopology topo = CpuTopology.read(root.resolve("sys/devices/system/cpu"), 4);
        assertThat(topo.cores()).isEqualTo(2);
        assertThat(topo.sockets()).isEqualTo(1);
        CpuLoad.PerCpu load = new CpuLoad.PerCpu(root.resolve("proc/stat"), root.resolve("sys/devices/system/cpu"),
                topo, clock::get);
        assertThat(load.readable()).isTrue();
        assertThat(load.clocksVisible()).isFalse();
        // cpu0 busy all along, the others idle: 25% utilisation, but one of two cores is busy
        stat(root, new long[][] {{100, 0}, {0, 100}, {0, 100}, {0, 100}});
        CpuLoad.Load l = load.read().orElseThrow();
        assertThat(l.utilisation()).isCloseTo(0.25, within(1e-12));
        assertThat(l.activity()).isCloseTo(0.5, within(1e-12));
        // its sibling cpu2 joins: 50% utilisation, still one busy core
        stat(root, new long[][] {{200, 0}, {0, 200}, {100, 100}, {0, 200}});
        assertThat(load.read().orElseThrow().activity()).isCloseTo(0.5, within(1e-12));
        // half-busy threads on both siblings of core 1: busy 1 - 0.5 x 0.5 = 75% of the time
        stat(root, new long[][] {{300, 0}, {50, 250}, {200, 100}, {50, 250}});
        assertThat(load.read().orElseThrow().activity()).isCloseTo((1 + 0.75) / 2, within(1e-12));
    }

    @Test
    void busyCoresCountAtTheirClocksShareOfTheHighest(@TempDir Path root) {
        sys(root, 2, 2, 3_000_000, new long[] {1_500_000, 3_000_000});
        stat(root, new long[][] {{0, 0}, {0, 0}});
        CpuTopology topo = CpuTopology.read(root.resolve("sys/devices/system/cpu"), 2);
        CpuLoad.PerCpu load = new CpuLoad.PerCpu(root.resolve("proc/stat"), root.resolve("sys/devices/system/cpu"),
                topo, clock::get);
        assertThat(load.clocksVisible()).isTrue();
        stat(root, new long[][] {{100, 0}, {0, 100}}); // core 0 busy at half its highest clock
        double a = 0.5 * Math.sqrt(0.5); // one core of two, at (1/2)^0.5 of its full-clock power share
        assertThat(load.read().orElseThrow().activity()).isCloseTo(a, within(1e-12));
        CpuPowerModel model = new CpuPowerModel(10, 50, Map.of());
        assertThat(model.watts(a)).as("along SPECpower's curve: between its 30% and 40% points")
                .isCloseTo(10 + 40 * (0.312 + (0.386 - 0.312) * (a * 10 - 3)), within(1e-12));
        assertThat(load.description()).contains("2 logical CPUs on 2 cores in 1 socket(s)")
                .contains("clocks from cpufreq");
    }

    @Test
    void withoutTopologyEveryLogicalCpuIsACore(@TempDir Path root) {
        CpuTopology topo = CpuTopology.read(root.resolve("sys/devices/system/cpu"), 3);
        assertThat(topo.cores()).isEqualTo(3);
        assertThat(topo.description()).contains("no CPU topology");
        assertThat(topo.activity(new double[] {1, 0, 0}, Optional.empty())).isCloseTo(1 / 3.0, within(1e-12));
    }
}
