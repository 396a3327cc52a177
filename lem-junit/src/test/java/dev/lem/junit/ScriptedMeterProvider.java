package dev.lem.junit;

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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.DoubleAdder;

/**
 * A test meter whose energy is exactly what test bodies add ({@link #cpu}, {@link #gpu}): a window's energy does not
 * depend on how long anything took. Opens only with {@code energy.meter_options.scripted.enabled=true}; its
 * {@code method} labels both domains, {@code gpu=false} leaves the GPU domain out, {@code resolution_j} with
 * {@code resolution_ms} declare a resolution.
 */
public final class ScriptedMeterProvider implements EnergyMeterProvider {
    private static final DoubleAdder CPU = new DoubleAdder();
    private static final DoubleAdder GPU = new DoubleAdder();
    static final Option<Boolean> ENABLED = Option.bool("enabled").defaultValue(false).describe("open the meter");
    static final Option<MeasurementMethod> METHOD = Option.choice("method", MeasurementMethod.class)
            .defaultValue(MeasurementMethod.MEASURED).describe("method of both domains");
    static final Option<Boolean> WITH_GPU = Option.bool("gpu").defaultValue(true).describe("report gpu[0]");
    static final Option<Double> RESOLUTION_J = Option.number("resolution_j").min(0).describe("declared step");
    static final Option<Double> RESOLUTION_MS = Option.number("resolution_ms").min(0).describe("declared update");

    /** Adds CPU energy, J. */
    static void cpu(double joules) {
        CPU.add(joules);
    }

    /** Adds GPU energy, J. */
    static void gpu(double joules) {
        GPU.add(joules);
    }

    @Override
    public String name() {
        return "scripted";
    }

    @Override
    public String artifact() {
        return "dev.lem:lem-junit:tests";
    }

    @Override
    public List<Option<?>> options() {
        return List.of(ENABLED, METHOD, WITH_GPU, RESOLUTION_J, RESOLUTION_MS);
    }

    @Override
    public EnergyMeter open(MeterContext context) {
        if (!context.options().get(ENABLED)) {
            throw new PluginUnavailableException("test meter: set energy.meter_options.scripted.enabled=true to use it");
        }
        MeasurementMethod method = context.options().get(METHOD);
        List<EnergyDomain> domains = new ArrayList<>();
        domains.add(new EnergyDomain("cpu.package[0]", "cpu", "0", DomainScope.MACHINE, method, "scripted"));
        if (context.options().get(WITH_GPU)) {
            domains.add(new EnergyDomain("gpu[0]", "gpu", "GPU-scripted", DomainScope.DEVICE, method, "scripted"));
        }
        Optional<MeterResolution> resolution = context.options().find(RESOLUTION_J).flatMap(j -> context.options()
                .find(RESOLUTION_MS).map(ms -> new MeterResolution(j, Duration.ofNanos(Math.round(ms * 1e6)), "scripted")));
        return new EnergyMeter() {
            @Override
            public String name() {
                return "scripted";
            }

            @Override
            public List<EnergyDomain> domains() {
                return domains;
            }

            @Override
            public Map<String, Double> cumulativeJoules() {
                return domains.size() == 2 ? Map.of("cpu.package[0]", CPU.sum(), "gpu[0]", GPU.sum())
                        : Map.of("cpu.package[0]", CPU.sum());
            }

            @Override
            public Optional<MeterResolution> resolution(String domainId) {
                return resolution;
            }

            @Override
            public void close() {
            }
        };
    }
}
