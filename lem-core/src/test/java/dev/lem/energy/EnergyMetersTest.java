package dev.lem.energy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lem.spi.PluginStatus;
import dev.lem.config.ConfigException;
import dev.lem.config.ConfigResolver;
import dev.lem.spi.MeterContext;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EnergyMetersTest {
    @Test
    void measuresAnyCodeWithEveryAvailableMeterAndSaysWhyOthersAreMissing() throws Exception {
        try (EnergyMonitor monitor = EnergyMeters.openAvailable()) {
            assertThat(monitor.plugins()).extracting(PluginStatus::name).contains("rapl", "cpu-estimate", "ram-estimate");
            assertThat(monitor.plugins()).filteredOn(p -> !p.used()).allSatisfy(p -> assertThat(p.reason()).isNotBlank());
            EnergyWindow w = monitor.window("busy");
            long until = System.nanoTime() + 200_000_000L;
            double x = 0;
            while (System.nanoTime() < until) {
                x += Math.sqrt(x + 1);
            }
            EnergyMeasurement m = w.stop();
            assertThat(x).isPositive();
            assertThat(m.durationSeconds()).isBetween(0.19, 5.0);
            assertThat(m.domains()).isNotEmpty().allSatisfy(d -> {
                assertThat(d.joules()).as(d.domain().id()).isGreaterThanOrEqualTo(0);
                assertThat(d.domain().method()).isNotNull();
            });
        }
    }

    @Test
    void onlyTheNamedMetersAreOpenedAndUnknownNamesAreRefused() {
        var ctx = new MeterContext(ConfigResolver.withDefaults().override("energy.meters=[ram-estimate]").resolve().energy(),
                Map.of(), 0);
        EnergyMeters.Opened opened = EnergyMeters.open(ctx, true);
        try {
            assertThat(opened.meters()).extracting(m -> m.name()).containsExactly("ram-estimate");
            assertThat(opened.plugins()).filteredOn(p -> p.name().equals("cpu-estimate")).singleElement()
                    .satisfies(p -> assertThat(p.reason()).isEqualTo("not listed in energy.meters"));
        } finally {
            opened.meters().forEach(m -> m.close());
        }
        var bad = new MeterContext(ConfigResolver.withDefaults().override("energy.meters=[nvlm]").resolve().energy(), Map.of(), 0);
        assertThatThrownBy(() -> EnergyMeters.open(bad, true)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("energy.meters: no energy meter named nvlm (found: ");
    }

    @Test
    void nothingIsOpenedForWorkOnAnotherHost() {
        EnergyMeters.Opened opened = EnergyMeters.open(new MeterContext(ConfigResolver.withDefaults().resolve().energy(),
                Map.of(), 0), false);
        assertThat(opened.meters()).isEmpty();
        assertThat(opened.plugins()).filteredOn(p -> p.kind().equals("energy_meter") && !p.name().equals("dcgm-exporter"))
                .isNotEmpty().allSatisfy(p -> assertThat(p.reason()).contains("another host"));
        // the one meter that could read another host's GPUs says what to set
        assertThat(opened.plugins()).filteredOn(p -> p.name().equals("dcgm-exporter")).singleElement()
                .satisfies(p -> assertThat(p.reason()).contains("energy.remote.prometheus_url is not set"));
    }
}
