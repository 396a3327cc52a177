package dev.lem.nvml;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lem.spi.PluginReport;
import dev.lem.spi.Plugins;
import dev.lem.spi.EnergyMeterProvider;
import dev.lem.spi.PluginUnavailableException;
import dev.lem.spi.TelemetrySourceProvider;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

/**
 * Where there is no NVML: this surefire execution points {@code lem.nvml.library} at a library that
 * does not exist, so the result is the same on machines with and without an NVIDIA driver.
 */
class NoNvmlTest {

    @Test
    void providersAreFoundByServiceLoaderWithoutNativeWork() {
        assertThat(ServiceLoader.load(EnergyMeterProvider.class).stream().map(p -> p.type().getName()))
                .contains(NvmlEnergyMeterProvider.class.getName());
        assertThat(ServiceLoader.load(TelemetrySourceProvider.class).stream().map(p -> p.type().getName()))
                .contains(NvmlTelemetrySourceProvider.class.getName());
        NvmlEnergyMeterProvider p = new NvmlEnergyMeterProvider();
        assertThat(p.name()).isEqualTo("nvml");
        assertThat(p.artifact()).isEqualTo("dev.lem:lem-nvml");
        assertThat(p.aliases()).contains("gpu");
    }

    @Test
    void unavailableSaysWhyAndWhatToDo() {
        assertThat(System.getProperty("lem.nvml.library")).isEqualTo("lem-test-no-such-nvml");
        String reason = new NvmlEnergyMeterProvider().availability().reason();
        assertThat(reason).startsWith("NVML library not found: tried lem-test-no-such-nvml (")
                .contains("Install the NVIDIA driver, or point -Djna.library.path at the folder holding "
                        + "libnvidia-ml.so (or -Dlem.nvml.library at the file itself)")
                .doesNotContain("Exception", "\n");
        assertThat(new NvmlTelemetrySourceProvider().availability().reason()).isEqualTo(reason);
    }

    @Test
    void openingAnywayFailsWithThePluginExceptionNotAJnaError() {
        assertThatThrownBy(() -> new NvmlEnergyMeterProvider().open(FakeNvml.context(null)))
                .isExactlyInstanceOf(PluginUnavailableException.class)
                .hasMessageStartingWith("NVML library not found").hasNoCause();
        assertThatThrownBy(() -> new NvmlTelemetrySourceProvider().open(FakeNvml.context(null)))
                .isExactlyInstanceOf(PluginUnavailableException.class)
                .hasMessageStartingWith("NVML library not found");
    }

    @Test
    void pluginListingShowsNvmlUnsupportedWithTheReason() {
        assertThat(Plugins.reports()).filteredOn(r -> r.name().equals("nvml")).hasSize(2)
                .allSatisfy(r -> {
                    assertThat(r.available()).isFalse();
                    assertThat(r.reason()).startsWith("NVML library not found");
                }).extracting(PluginReport::kind).containsExactlyInAnyOrder("energy_meter", "telemetry");
    }
}
