package dev.lem.energy.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.lem.config.ConfigResolver;
import dev.lem.config.ValueSource;
import dev.lem.energy.DomainScope;
import dev.lem.energy.EnergyDomain;
import dev.lem.energy.MeasurementMethod;
import dev.lem.spi.EnergyMeter;
import dev.lem.spi.MeterContext;
import dev.lem.spi.PluginUnavailableException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RaplMeterTest {
    private static final long MS = 1_000_000L;

    @TempDir
    Path dir;
    FakePowercap tree;
    final AtomicLong clock = new AtomicLong();

    @BeforeEach
    void setUp() {
        tree = new FakePowercap(dir);
    }

    private RaplMeter open() {
        return new RaplMeter(tree.scan(), clock::get, tree.reader());
    }

    /** Advances the clock and reads, as the sampler would. */
    private void pollAt(RaplMeter m, long ms) {
        clock.set(ms * MS);
        m.poll();
    }

    @Test
    void onePackageCountsExactlyTheMicrojoulesTheCounterAdvanced() {
        FakePowercap.Zone pkg = tree.zone("intel-rapl:0", "package-0").energy(1_000_000);
        RaplMeter m = open();
        assertThat(m.domains()).containsExactly(new EnergyDomain("cpu.package[0]", "cpu", "package-0",
                DomainScope.MACHINE, MeasurementMethod.MEASURED, "rapl"));
        pkg.energy(1_000_123);
        pollAt(m, 100);
        pkg.energy(5_000_124);
        assertThat(m.cumulativeMicrojoules()).containsEntry("cpu.package[0]", 4_000_124L);
        assertThat(m.cumulativeJoules().get("cpu.package[0]")).isCloseTo(4.000124, within(1e-12));
        assertThat(m.wraps()).containsEntry("cpu.package[0]", 0);
        assertThat(m.resolution("cpu.package[0]")).hasValueSatisfying(r -> {
            assertThat(r.quantumJoules()).as("the coarsest RAPL energy status unit, 2^-14 J").isEqualTo(61e-6);
            assertThat(r.updateInterval()).isEqualTo(java.time.Duration.ofMillis(1));
        });
        assertThat(m.resolution("dram[0]")).as("not a domain of this meter").isEmpty();
    }

    @Test
    void aWrapBetweenTwoReadsIsAddedBackExactly() {
        long max = 1_000_000;
        FakePowercap.Zone pkg = tree.zone("intel-rapl:0", "package-0").max(max).energy(999_000);
        RaplMeter m = open();
        pkg.energy(999_999); // 999 µJ
        pollAt(m, 10);
        pkg.energy(499); // the counter takes the values 0..max: 1 µJ up to max, 1 µJ to wrap to 0, then 499 µJ
        pollAt(m, 20);
        assertThat(m.cumulativeMicrojoules()).containsEntry("cpu.package[0]", 999L + 1 + 1 + 499);
        assertThat(m.wraps()).containsEntry("cpu.package[0]", 1);
        assertThat(m.bridgedWraps()).containsEntry("cpu.package[0]", 0);
    }

    @Test
    void repeatedWrapsAreEachCountedAndTheTotalMatchesTheScriptedTruth() {
        long max = 65_535;
        FakePowercap.Zone pkg = tree.zone("intel-rapl:0", "package-0").max(max).energy(60_000);
        RaplMeter m = open();
        long truth = 0;
        long counter = 60_000;
        long[] steps = {10_000, 40_000, 65_000, 1, 30_000, 65_535, 12_345, 50_000, 50_000, 50_000};
        int wraps = 0;
        for (int i = 0; i < steps.length; i++) {
            truth += steps[i];
            wraps += counter + steps[i] > max ? 1 : 0;
            counter = (counter + steps[i]) % (max + 1);
            pkg.energy(counter);
            pollAt(m, 100L * (i + 1));
        }
        assertThat(m.cumulativeMicrojoules()).containsEntry("cpu.package[0]", truth);
        assertThat(wraps).isEqualTo(6);
        assertThat(m.wraps().get("cpu.package[0]")).isEqualTo(wraps);
    }

    @Test
    void theMaxPollIntervalAllowsAtMostOneWrapAtTheDeclaredPowerLimit() {
        // 262,143 J range at a 200 W limit wraps after 1,310.7 s; the meter asks for half that
        tree.zone("intel-rapl:0", "package-0").limitWatts(200);
        assertThat(open().maxPollInterval()).contains(Duration.ofNanos(655_358_322_125L));
        // without a declared limit, 1000 W is assumed; a small range on a hot part needs fast polling
        tree.zone("intel-rapl:1", "package-1").max(4_294_967_295L).limitWatts(0);
        assertThat(open().maxPollInterval().orElseThrow().toMillis()).isEqualTo(2147);
    }

    @Test
    void aMissingMaxStillCountsAWrapButBridgesItWithThePreviousPowerAndSaysSo() {
        FakePowercap.Zone pkg = tree.zone("intel-rapl:0", "package-0").noMax().energy(0);
        RaplMeter m = open();
        assertThat(m.maxPollInterval()).contains(RaplMeter.UNKNOWN_RANGE_POLL);
        assertThat(m.notes().get("unknown_range")).contains("intel-rapl:0").contains("not exact");
        pkg.energy(5_000_000); // 5 J in 100 ms: 50 W
        pollAt(m, 100);
        pkg.energy(1_000); // wrapped at an unknown maximum
        pollAt(m, 200);
        Map<String, Long> uj = m.cumulativeMicrojoules();
        assertThat(uj.get("cpu.package[0]")).isEqualTo(5_000_000L + 5_000_000L); // 50 W x 100 ms bridged
        assertThat(m.wraps()).containsEntry("cpu.package[0]", 1);
        assertThat(m.bridgedWraps()).containsEntry("cpu.package[0]", 1);
    }

    @Test
    void anUnreadableMaxIsTreatedAsUnknown() {
        tree.zone("intel-rapl:0", "package-0").denyMax();
        RaplMeter m = open();
        assertThat(m.domains()).hasSize(1);
        assertThat(m.maxPollInterval()).contains(RaplMeter.UNKNOWN_RANGE_POLL);
        assertThat(m.notes()).containsKey("unknown_range");
    }

    @Test
    void twoPackagesWithDramAreReportedSeparatelyAndCoreUncoreAreNotSummed() {
        FakePowercap.Zone p0 = tree.zone("intel-rapl:0", "package-0");
        FakePowercap.Zone core0 = tree.zone("intel-rapl:0:0", "core");
        tree.zone("intel-rapl:0:1", "uncore");
        FakePowercap.Zone dram0 = tree.zone("intel-rapl:0:2", "dram");
        FakePowercap.Zone p1 = tree.zone("intel-rapl:1", "package-1");
        FakePowercap.Zone dram1 = tree.zone("intel-rapl:1:0", "dram");
        RaplMeter m = open();
        assertThat(m.domains()).extracting(EnergyDomain::id)
                .containsExactly("cpu.package[0]", "dram[0]", "cpu.package[1]", "dram[1]");
        assertThat(m.domains()).extracting(EnergyDomain::kind).containsExactly("cpu", "dram", "cpu", "dram");
        p0.energy(100);
        core0.energy(60);
        dram0.energy(20);
        p1.energy(300);
        dram1.energy(40);
        assertThat(m.cumulativeMicrojoules()).containsExactly(Map.entry("cpu.package[0]", 100L),
                Map.entry("dram[0]", 20L), Map.entry("cpu.package[1]", 300L), Map.entry("dram[1]", 40L));
        assertThat(m.notes().get("not_reported")).contains("intel-rapl:0:0 (package-0/core): part of its package")
                .contains("uncore");
    }

    @Test
    void zonesAreIdentifiedByTheirNameNotTheirNumber() {
        tree.zone("intel-rapl:0", "package-1");
        tree.zone("intel-rapl:0:0", "dram");
        tree.zone("intel-rapl:1", "package-0");
        assertThat(open().domains()).extracting(EnergyDomain::id)
                .containsExactly("cpu.package[1]", "dram[1]", "cpu.package[0]");
    }

    @Test
    void psysIsNotReportedBesideAReadablePackageBecauseItContainsIt() {
        tree.zone("intel-rapl:0", "package-0");
        tree.zone("intel-rapl:1", "psys");
        RaplMeter m = open();
        assertThat(m.domains()).extracting(EnergyDomain::id).containsExactly("cpu.package[0]");
        assertThat(m.notes().get("not_reported")).contains("intel-rapl:1 (psys): covers the packages");
    }

    @Test
    void psysIsReportedAloneWhenNoPackageCanBeRead() {
        tree.zone("intel-rapl:0", "package-0").denyEnergy();
        tree.zone("intel-rapl:0:0", "dram");
        FakePowercap.Zone psys = tree.zone("intel-rapl:1", "psys");
        RaplMeter m = open();
        assertThat(m.domains()).extracting(EnergyDomain::id, EnergyDomain::kind)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("psys", "psys"));
        psys.energy(777);
        assertThat(m.cumulativeMicrojoules()).containsExactly(Map.entry("psys", 777L));
    }

    @Test
    void anMmioDuplicateIsReadOnceFromIntelRapl() {
        FakePowercap.Zone msr = tree.zone("intel-rapl:0", "package-0");
        FakePowercap.Zone mmio = tree.zone("intel-rapl-mmio:0", "package-0");
        RaplMeter m = open();
        assertThat(m.domains()).extracting(EnergyDomain::id).containsExactly("cpu.package[0]");
        msr.energy(1_000);
        mmio.energy(999_999);
        assertThat(m.cumulativeMicrojoules()).containsEntry("cpu.package[0]", 1_000L);
        assertThat(m.notes().get("not_reported")).contains("intel-rapl-mmio:0 (package-0): duplicate of intel-rapl:0");
    }

    @Test
    void theMmioCopyIsUsedWhenTheIntelRaplZoneCannotBeRead() {
        tree.zone("intel-rapl:0", "package-0").denyEnergy();
        FakePowercap.Zone mmio = tree.zone("intel-rapl-mmio:0", "package-0");
        RaplMeter m = open();
        mmio.energy(4_242);
        assertThat(m.cumulativeMicrojoules()).containsExactly(Map.entry("cpu.package[0]", 4_242L));
    }

    @Test
    void permissionDeniedMakesTheMeterUnavailableWithTheCommandThatGrantsAccess() {
        tree.zone("intel-rapl:0", "package-0").denyEnergy();
        tree.zone("intel-rapl:0:0", "dram").denyEnergy();
        String why = tree.scan().whyUnusable().orElseThrow();
        assertThat(why).contains("not readable by this user")
                .contains(dir.resolve("intel-rapl:0/energy_uj") + " (permission denied)")
                .contains("CVE-2020-8694")
                .contains("sudo chmod a+r " + dir + "/intel-rapl:*/energy_uj")
                .contains("SUBSYSTEM==\"powercap\"");
    }

    @Test
    void realFilePermissionsAreReportedTheSameWay() throws Exception {
        Assumptions.assumeFalse("root".equals(System.getProperty("user.name")),
                "root reads files whatever their mode, so a chmod cannot deny it");
        tree.zone("intel-rapl:0", "package-0");
        Files.setPosixFilePermissions(dir.resolve("intel-rapl:0/energy_uj"), PosixFilePermissions.fromString("-w-------"));
        assertThat(RaplTree.scan(dir).whyUnusable().orElseThrow()).contains("permission denied").contains("chmod a+r");
    }

    @Test
    void aZoneThatBecomesUnreadableIsLeftOutOfReadingsNotZeroed() {
        FakePowercap.Zone pkg = tree.zone("intel-rapl:0", "package-0");
        FakePowercap.Zone dram = tree.zone("intel-rapl:0:0", "dram");
        RaplMeter m = open();
        pkg.energy(10);
        dram.denyEnergy();
        assertThat(m.cumulativeJoules()).containsOnlyKeys("cpu.package[0]");
        assertThat(m.error("dram[0]")).hasValueSatisfying(e -> assertThat(e).contains("permission denied"));
    }

    @Test
    void aMissingTreeOrOneWithoutZonesSaysWhy() {
        assertThat(RaplTree.scan(dir.resolve("absent")).whyUnusable().orElseThrow())
                .contains("no powercap tree at " + dir.resolve("absent")).contains("modprobe intel_rapl_msr");
        FakePowercap.write(dir.resolve("dtpm/name"), "dtpm\n");
        assertThat(RaplTree.scan(dir).whyUnusable().orElseThrow()).contains("no RAPL zone (intel-rapl:*) under " + dir);
    }

    @Test
    void theProviderOpensTheConfiguredRootAndFailsWithTheReason() {
        MeterContext ctx = context(dir);
        assertThatThrownBy(() -> new RaplMeterProvider().open(ctx)).isInstanceOf(PluginUnavailableException.class)
                .hasMessageContaining("no RAPL zone");
        assertThat(new RaplMeterProvider().availability(ctx).reason()).contains("no RAPL zone");
        tree.zone("intel-rapl:0", "package-0").energy(5);
        assertThat(new RaplMeterProvider().availability(ctx).available()).isTrue();
        try (EnergyMeter m = new RaplMeterProvider().open(ctx)) {
            assertThat(m.name()).isEqualTo("rapl");
            assertThat(m.domains()).extracting(EnergyDomain::id).containsExactly("cpu.package[0]");
            assertThat(m.notes()).containsEntry("root", dir.toString());
        }
    }

    @Test
    void zonesNestedInTheirPackageDirectoryAreFoundAndDramIsMeasuredNotEstimated() {
        // /sys/devices/virtual/powercap/intel-rapl/: sub-zones live inside their package's directory
        FakePowercap.Zone p0 = tree.zone("intel-rapl/intel-rapl:0", "package-0");
        tree.zone("intel-rapl/intel-rapl:0/intel-rapl:0:0", "core");
        FakePowercap.Zone dram0 = tree.zone("intel-rapl/intel-rapl:0/intel-rapl:0:1", "dram");
        FakePowercap.Zone p1 = tree.zone("intel-rapl/intel-rapl:1", "package-1");
        FakePowercap.Zone dram1 = tree.zone("intel-rapl/intel-rapl:1/intel-rapl:1:0", "dram");
        RaplMeter m = open();
        assertThat(m.domains()).extracting(EnergyDomain::id)
                .containsExactly("cpu.package[0]", "dram[0]", "cpu.package[1]", "dram[1]");
        p0.energy(100);
        dram0.energy(20);
        p1.energy(300);
        dram1.energy(40);
        assertThat(m.cumulativeMicrojoules()).containsExactly(Map.entry("cpu.package[0]", 100L),
                Map.entry("dram[0]", 20L), Map.entry("cpu.package[1]", 300L), Map.entry("dram[1]", 40L));
        assertThat(m.notes().get("not_reported")).contains("intel-rapl:0:0 (package-0/core): part of its package");
        // the estimate stands aside: RAPL measures DRAM under this root
        assertThat(RaplMeterProvider.measures(context(dir), "dram")).isTrue();
        assertThatThrownBy(() -> new RamEstimateProvider().open(context(dir)))
                .isInstanceOf(PluginUnavailableException.class).hasMessageContaining("superseded: RAPL measures DRAM");
    }

    @Test
    void aFlatTreeWithLinksIntoTheNestedOneReadsEveryZoneOnce() throws Exception {
        // /sys/class/powercap: every zone a link into /sys/devices/virtual/powercap, plus the control type's link
        Path devices = dir.resolve("devices");
        FakePowercap nested = new FakePowercap(devices);
        nested.zone("intel-rapl/intel-rapl:0", "package-0").energy(7);
        nested.zone("intel-rapl/intel-rapl:0/intel-rapl:0:2", "dram").energy(3);
        Path flat = Files.createDirectories(dir.resolve("class"));
        Files.createSymbolicLink(flat.resolve("intel-rapl"), devices.resolve("intel-rapl"));
        Files.createSymbolicLink(flat.resolve("intel-rapl:0"), devices.resolve("intel-rapl/intel-rapl:0"));
        Files.createSymbolicLink(flat.resolve("intel-rapl:0:2"),
                devices.resolve("intel-rapl/intel-rapl:0/intel-rapl:0:2"));
        RaplTree t = RaplTree.scan(flat, nested.reader());
        assertThat(t.zones()).extracting(RaplZone::dirName).containsExactly("intel-rapl:0", "intel-rapl:0:2");
        assertThat(t.selected()).extracting(x -> x.domain().id()).containsExactly("cpu.package[0]", "dram[0]");
        assertThat(t.zones().get(1).qualifiedName()).isEqualTo("package-0/dram");
    }

    @Test
    void theWrapIntervalIsTheTimeToWrapAtThePowerBound() {
        tree.zone("intel-rapl:0", "package-0").max(1_000_000_000L).limitWatts(250);
        RaplMeter m = open();
        // 1000 J at 250 W: 4 s to wrap; the sampler reads at least every 2 s
        assertThat(m.wrapInterval()).contains(Duration.ofSeconds(4));
        assertThat(m.maxPollInterval()).contains(Duration.ofSeconds(2));
    }

    static MeterContext context(Path raplRoot) {
        return new MeterContext(ConfigResolver.withDefaults()
                .set("energy.rapl_root", raplRoot.toString(), ValueSource.OVERRIDE).resolve().energy(), Map.of(), 0);
    }
}
