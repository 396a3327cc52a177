package dev.lem.energy;

import dev.lem.config.CarbonConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lem.Experiment;
import dev.lem.result.ExperimentResult;
import dev.lem.Lem;
import dev.lem.Metric;
import dev.lem.spi.PluginReport;
import dev.lem.spi.PluginStatus;
import dev.lem.result.RunSetup;
import dev.lem.config.ConfigResolver;
import dev.lem.config.ValueSource;
import dev.lem.spi.EnergyMeter;
import dev.lem.spi.EnergyMeterProvider;
import dev.lem.spi.MeterContext;
import dev.lem.spi.PluginUnavailableException;
import dev.lem.workload.Prompts;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The built-in meters as the runner finds them: by ServiceLoader, with the estimates standing aside for RAPL. */
class BuiltInMetersTest {
    @TempDir
    Path dir;

    static EnergyMeterProvider provider(String name) {
        return ServiceLoader.load(EnergyMeterProvider.class).stream().map(ServiceLoader.Provider::get)
                .filter(p -> p.name().equals(name)).findFirst().orElseThrow();
    }

    MeterContext context(Path raplRoot, List<String> meters) {
        return new MeterContext(ConfigResolver.withDefaults()
                .set("energy.rapl_root", raplRoot.toString(), ValueSource.OVERRIDE)
                .set("energy.meters", meters, ValueSource.OVERRIDE).resolve().energy(), Map.of(), 0);
    }

    void raplTree() throws IOException {
        for (String[] z : new String[][] {{"intel-rapl:0", "package-0"}, {"intel-rapl:0:0", "dram"}}) {
            Path d = Files.createDirectories(dir.resolve(z[0]));
            Files.writeString(d.resolve("name"), z[1] + "\n");
            Files.writeString(d.resolve("energy_uj"), "12345\n");
            Files.writeString(d.resolve("max_energy_range_uj"), "262143328850\n");
        }
    }

    @Test
    void theThreeMetersAreRegisteredAndListedWithDescriptions() {
        List<PluginReport> meters = Lem.plugins().stream().filter(p -> p.kind().equals("energy_meter")).toList();
        assertThat(meters).extracting(PluginReport::name).contains("rapl", "cpu-estimate", "ram-estimate");
        assertThat(meters).filteredOn(p -> p.name().equals("rapl")).singleElement()
                .satisfies(p -> assertThat(p.available() || !p.reason().isBlank()).isTrue());
        assertThat(meters).filteredOn(p -> p.artifact().equals("dev.lem:lem-core"))
                .allSatisfy(p -> assertThat(p.description()).isNotBlank());
    }

    @Test
    void estimatesStandAsideWhenRaplMeasuresTheCpuAndDram() throws IOException {
        raplTree();
        assertThatThrownBy(() -> provider("cpu-estimate").open(context(dir, List.of())))
                .isInstanceOf(PluginUnavailableException.class).hasMessageContaining("superseded: RAPL measures the CPU")
                .hasMessageContaining("list only cpu-estimate in energy.meters");
        assertThatThrownBy(() -> provider("ram-estimate").open(context(dir, List.of())))
                .hasMessageContaining("superseded: RAPL measures DRAM");
        try (EnergyMeter cpu = provider("cpu-estimate").open(context(dir, List.of("cpu-estimate")))) {
            assertThat(cpu.domains()).singleElement().satisfies(d -> {
                assertThat(d.method()).isEqualTo(MeasurementMethod.ESTIMATED);
                assertThat(d.kind()).isEqualTo("cpu");
            });
            assertThat(cpu.notes()).containsKeys("tdp_source", "max_watts", "idle_watts", "utilisation", "formula");
        }
    }

    @Test
    void withoutRaplBothEstimatesOpenAndRaplSaysWhy() {
        Path empty = dir.resolve("no-powercap");
        MeterContext ctx = context(empty, List.of());
        assertThatThrownBy(() -> provider("rapl").open(ctx)).isInstanceOf(PluginUnavailableException.class)
                .hasMessageContaining("no powercap tree at " + empty);
        try (EnergyMeter cpu = provider("cpu-estimate").open(ctx); EnergyMeter ram = provider("ram-estimate").open(ctx)) {
            assertThat(cpu.cumulativeJoules().get("cpu")).isNotNegative();
            assertThat(ram.domains()).singleElement().satisfies(d -> {
                assertThat(d.scope()).isEqualTo(DomainScope.PROCESS);
                assertThat(d.method()).isEqualTo(MeasurementMethod.ESTIMATED);
            });
            assertThat(ram.notes().get("attribution")).isNotBlank();
        }
    }

    @Test
    void aRunWithoutRaplReportsCpuAndRamAsEstimatedAndSaysWhyRaplIsMissing() {
        ExperimentResult r = Experiment.builder()
                .backend("simulated")
                .prompts(Prompts.builtIn().limit(4))
                .maxOutputTokens(4)
                .batchSize(2)
                .cycles(2)
                .warmupRuns(1)
                .idleBaseline(Duration.ofMillis(200))
                .resultsDir(dir.resolve("results"))
                .carbon(CarbonConfig.country("FRA"))
                .set("energy.rapl_root", dir.resolve("no-powercap").toString())
                .option("decode_ms_per_step", 5)
                .measure();
        var energy = r.cycles().get(0).energy().orElseThrow();
        assertThat(energy.domains()).extracting(d -> d.domain().id()).containsExactly("cpu", "ram");
        assertThat(energy.domains()).allSatisfy(d -> {
            assertThat(d.domain().method()).isEqualTo(MeasurementMethod.ESTIMATED);
            assertThat(d.adjustedJoules()).isPresent();
        });
        assertThat(energy.basis()).isEqualTo("estimated");
        assertThat(r.cycles().get(0).carbonGrams()).isPresent();
        RunSetup setup = r.processes().get(0);
        assertThat(setup.baseline()).hasValueSatisfying(b -> assertThat(b.watts()).containsKeys("cpu", "ram"));
        assertThat(setup.plugins()).filteredOn(p -> p.name().equals("rapl")).singleElement().satisfies(p -> {
            assertThat(p.used()).isFalse();
            assertThat(p.reason()).contains("no powercap tree at " + dir.resolve("no-powercap"));
        });
        assertThat(setup.plugins()).filteredOn(PluginStatus::used).extracting(PluginStatus::name)
                .contains("cpu-estimate", "ram-estimate");
        assertThat(setup.warnings()).anySatisfy(w -> assertThat(w).startsWith("cpu, ram energy is estimated, not measured"));
        assertThat(setup.environment().contributions()).containsKey("cpu-estimate");
        assertThat(r.summary().find(Metric.ENERGY_CPU_J)).hasValueSatisfying(m -> assertThat(m.basis())
                .isEqualTo("estimated"));
    }
}
