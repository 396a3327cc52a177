package dev.lem.testkit;

import dev.lem.energy.DomainScope;
import dev.lem.energy.EnergyDomain;
import dev.lem.energy.MeasurementMethod;
import dev.lem.spi.EnergyMeter;
import dev.lem.spi.EnergyMeterProvider;
import dev.lem.spi.MeterContext;
import dev.lem.spi.PluginUnavailableException;
import java.util.List;
import java.util.Map;

/**
 * A test energy meter with constant power, so expected energy is power × time: a machine-wide
 * {@code cpu.package[0]} at {@code options.simulated.cpu_watts} and a device {@code gpu[0]} at
 * {@code options.simulated.gpu_watts} (device id {@code GPU-sim-<rank>}, or {@code GPU-sim-shared} when
 * {@code options.simulated.shared_gpu} is true). Opens only when {@code options.simulated.cpu_watts} is set.
 */
public final class SimulatedEnergyMeterProvider implements EnergyMeterProvider {
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
        Object cpu = context.config().options().get("simulated.cpu_watts");
        if (!(cpu instanceof Number cpuWatts)) {
            throw new PluginUnavailableException("test meter: set options.simulated.cpu_watts to use it");
        }
        double gpuWatts = context.config().options().get("simulated.gpu_watts") instanceof Number n ? n.doubleValue() : 0;
        boolean shared = Boolean.TRUE.equals(context.config().options().get("simulated.shared_gpu"));
        String gpuId = shared ? "GPU-sim-shared" : "GPU-sim-" + context.rank();
        return new Meter(cpuWatts.doubleValue(), gpuWatts, gpuId);
    }

    private static final class Meter implements EnergyMeter {
        private final long origin = System.nanoTime();
        private final double cpuWatts;
        private final double gpuWatts;
        private final List<EnergyDomain> domains;

        Meter(double cpuWatts, double gpuWatts, String gpuId) {
            this.cpuWatts = cpuWatts;
            this.gpuWatts = gpuWatts;
            this.domains = List.of(
                    new EnergyDomain("cpu.package[0]", "cpu", "0", DomainScope.MACHINE, MeasurementMethod.MEASURED,
                            "simulated"),
                    new EnergyDomain("gpu[0]", "gpu", gpuId, DomainScope.DEVICE, MeasurementMethod.MEASURED,
                            "simulated"));
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
