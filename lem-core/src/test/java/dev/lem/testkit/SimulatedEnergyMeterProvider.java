package dev.lem.testkit;

import dev.lem.config.Option;
import dev.lem.energy.DomainScope;
import dev.lem.energy.EnergyDomain;
import dev.lem.energy.MeasurementMethod;
import dev.lem.energy.MeterResolution;
import dev.lem.spi.EnergyMeter;
import dev.lem.spi.EnergyMeterProvider;
import dev.lem.spi.MeterContext;
import dev.lem.spi.PluginUnavailableException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A test energy meter with constant power, so expected energy is power × time: a machine-wide
 * {@code cpu.package[0]} at {@code energy.meter_options.simulated.cpu_watts} and a device {@code gpu[0]} at
 * {@code ...gpu_watts} (device id {@code GPU-sim-<rank>}, or {@code GPU-sim-shared} when {@code ...shared_gpu}
 * is true). Opens only when {@code cpu_watts} is set. {@code ...method} labels both domains (measured by default,
 * or estimated, to test how estimates are handled); {@code ...resolution_j} and {@code ...resolution_ms} declare a
 * {@link MeterResolution} (none by default), to test figures refused below it.
 */
public final class SimulatedEnergyMeterProvider implements EnergyMeterProvider {
    static final Option<Double> CPU_WATTS = Option.number("cpu_watts").min(0).unit("W")
            .describe("constant CPU package power; the meter opens only when it is set");
    static final Option<Double> GPU_WATTS = Option.number("gpu_watts").defaultValue(0.0).min(0).unit("W")
            .describe("constant GPU power");
    static final Option<MeasurementMethod> METHOD = Option.choice("method", MeasurementMethod.class)
            .defaultValue(MeasurementMethod.MEASURED).describe("how both domains say they were obtained");
    static final Option<Double> RESOLUTION_J = Option.number("resolution_j").min(0).unit("J")
            .describe("declared energy step; with resolution_ms, the meter declares a resolution");
    static final Option<Double> RESOLUTION_MS = Option.number("resolution_ms").min(0).unit("ms")
            .describe("declared update interval; with resolution_j, the meter declares a resolution");
    static final Option<Boolean> SHARED_GPU = Option.bool("shared_gpu").defaultValue(false)
            .describe("every rank reports the same GPU (tests of per-device merging)");
    static final Option<String> THROTTLE = Option.text("throttle")
            .describe("a power throttle reason the simulated telemetry reports for gpu[0] at every sample");

    @Override
    public List<Option<?>> options() {
        return List.of(CPU_WATTS, GPU_WATTS, SHARED_GPU, METHOD, RESOLUTION_J, RESOLUTION_MS, THROTTLE);
    }
    @Override
    public String name() {
        return "simulated";
    }

    @Override
    public String artifact() {
        return "dev.lem:lem-core:test-jar";
    }

    @Override
    public EnergyMeter open(MeterContext context) {
        double cpuWatts = context.options().find(CPU_WATTS).orElseThrow(() -> new PluginUnavailableException(
                "test meter: set energy.meter_options.simulated.cpu_watts to use it"));
        String gpuId = context.options().get(SHARED_GPU) ? "GPU-sim-shared" : "GPU-sim-" + context.rank();
        Optional<MeterResolution> resolution = context.options().find(RESOLUTION_J).flatMap(j -> context.options()
                .find(RESOLUTION_MS).map(ms -> new MeterResolution(j, Duration.ofNanos(Math.round(ms * 1e6)),
                        "simulated: declared by energy.meter_options.simulated.resolution_j/_ms")));
        return new Meter(cpuWatts, context.options().get(GPU_WATTS), gpuId, context.options().get(METHOD), resolution);
    }

    private static final class Meter implements EnergyMeter {
        private final long origin = System.nanoTime();
        private final double cpuWatts;
        private final double gpuWatts;
        private final List<EnergyDomain> domains;
        private final Optional<MeterResolution> resolution;

        Meter(double cpuWatts, double gpuWatts, String gpuId, MeasurementMethod method,
                Optional<MeterResolution> resolution) {
            this.cpuWatts = cpuWatts;
            this.gpuWatts = gpuWatts;
            this.resolution = resolution;
            this.domains = List.of(
                    new EnergyDomain("cpu.package[0]", "cpu", "0", DomainScope.MACHINE, method, "simulated"),
                    new EnergyDomain("gpu[0]", "gpu", gpuId, DomainScope.DEVICE, method, "simulated"));
        }

        @Override
        public Optional<MeterResolution> resolution(String domainId) {
            return domains.stream().anyMatch(d -> d.id().equals(domainId)) ? resolution : Optional.empty();
        }

        @Override
        public String name() {
            return "simulated";
        }

        @Override
        public List<EnergyDomain> domains() {
            return domains;
        }

        @Override
        public Map<String, Double> cumulativeJoules() {
            double s = (System.nanoTime() - origin) / 1e9;
            return Map.of("cpu.package[0]", cpuWatts * s, "gpu[0]", gpuWatts * s);
        }

        @Override
        public void close() {
        }
    }
}
