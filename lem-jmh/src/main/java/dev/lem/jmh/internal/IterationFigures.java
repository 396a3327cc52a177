package dev.lem.jmh.internal;

import dev.lem.energy.DomainEnergy;
import dev.lem.energy.EnergyMeasurement;
import dev.lem.energy.MeasurementMethod;
import dev.lem.energy.MeterResolution;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The figures of one measured iteration: per energy domain, energy per operation
 * ({@code lem.energy.<domain> (<method>)}, the domain id without brackets: {@link #labelId}) = the window's average
 * power × time per operation, average power
 * ({@code lem.power.<domain> (<method>)}, W), and with an idle baseline the idle-adjusted energy per operation
 * ({@code lem.energy.<domain>.adjusted (<method>)}, J/op); the same for the sum over domains
 * ({@code lem.energy.total (<methods>)}) when every domain could be reported. A domain whose energy is within the
 * meter's resolution is left out, with the reason.
 *
 * <p>Energy per operation is in the unit that matches the benchmark's output time unit, as W × (time unit)/op: J/op
 * for seconds, mJ/op for milliseconds, uJ/op for microseconds, nJ/op for nanoseconds (JMH's text output prints
 * three decimals, so a microbenchmark's joules would print as ≈ 0); J/op for minutes and longer.
 *
 * @param figures  the figures, in domain order, totals last
 * @param refusals why a domain was left out, one line each
 */
public record IterationFigures(List<Figure> figures, List<String> refusals) {
    /** The unit of power. */
    public static final String WATTS = "W";

    public IterationFigures {
        figures = List.copyOf(figures);
        refusals = List.copyOf(refusals);
    }

    /**
     * One figure.
     *
     * @param label e.g. {@code lem.energy.cpu.package[0] (measured)}
     * @param value the value in {@code unit}
     * @param unit   an {@link EnergyUnit}'s label or {@link #WATTS}
     * @param domain the LEM domain id it is about ({@code cpu.package[0]}), or {@code total}
     */
    public record Figure(String label, double value, String unit, String domain) {
        /** Whether it is an energy per operation (not a power). */
        public boolean perOperation() {
            return !unit.equals(WATTS);
        }

        /** Whether it is idle-adjusted. */
        public boolean adjusted() {
            return label.contains(".adjusted (");
        }
    }

    /**
     * A domain id as it appears in a label: without brackets ({@code cpu.package[0]} → {@code cpu.package0},
     * {@code gpu[0].mig[1]} → {@code gpu0.mig1}), because JMH 1.37 writes secondary result names into its JSON
     * unescaped, and its JSON layout breaks lines at brackets, braces and commas; any such character left becomes
     * {@code _}.
     */
    public static String labelId(String domainId) {
        return domainId.replace("[", "").replace("]", "").replaceAll("[{},;<>&\"\\\\]", "_");
    }

    /**
     * The unit of energy per operation for a benchmark's output time unit.
     *
     * @param label       e.g. {@code uJ/op}
     * @param perJoule    how many of this unit make a joule (1e6 for uJ)
     */
    public record EnergyUnit(String label, double perJoule) {
        /** Joules per operation. */
        public static final EnergyUnit JOULES = new EnergyUnit("J/op", 1);

        /** nJ/op for ns, uJ/op for us, mJ/op for ms, J/op otherwise. */
        public static EnergyUnit forTimeUnit(java.util.concurrent.TimeUnit unit) {
            return switch (unit) {
                case NANOSECONDS -> new EnergyUnit("nJ/op", 1e9);
                case MICROSECONDS -> new EnergyUnit("uJ/op", 1e6);
                case MILLISECONDS -> new EnergyUnit("mJ/op", 1e3);
                default -> JOULES;
            };
        }
    }

    /**
     * Computes the figures.
     *
     * @param m                  the iteration's energy window
     * @param opsPerSecond       operations per second over every thread ({@link OpsRate})
     * @param resolution         the resolution of the meter of a domain id, empty when it has no limit
     * @param maxResolutionError the share of a window's energy the resolution may account for
     * @param unit               the unit of energy per operation
     */
    public static IterationFigures of(EnergyMeasurement m, double opsPerSecond,
            Function<String, Optional<MeterResolution>> resolution, double maxResolutionError, EnergyUnit unit) {
        String perOp = unit.label();
        double scale = unit.perJoule();
        List<Figure> out = new ArrayList<>();
        List<String> refused = new ArrayList<>();
        double seconds = m.durationSeconds();
        if (!(seconds > 0) || !(opsPerSecond > 0) || Double.isInfinite(opsPerSecond)) {
            return new IterationFigures(out, List.of());
        }
        List<DomainEnergy> kept = new ArrayList<>();
        for (DomainEnergy d : m.domains()) {
            Optional<String> why = resolution.apply(d.domain().id())
                    .flatMap(r -> r.refusal(d.domain().id(), d.joules(), m.durationNanos(), maxResolutionError));
            if (why.isPresent()) {
                refused.add(why.get());
                continue;
            }
            kept.add(d);
            String id = labelId(d.domain().id());
            String domain = d.domain().id();
            String method = " (" + d.domain().method().label() + ")";
            double watts = d.joules() / seconds;
            out.add(new Figure("lem.energy." + id + method, watts / opsPerSecond * scale, perOp, domain));
            out.add(new Figure("lem.power." + id + method, watts, WATTS, domain));
            d.adjustedJoules().ifPresent(a -> out.add(new Figure("lem.energy." + id + ".adjusted" + method,
                    a / seconds / opsPerSecond * scale, perOp, domain)));
        }
        if (!kept.isEmpty() && refused.isEmpty()) {
            String methods = " (" + methods(kept) + ")";
            double watts = kept.stream().mapToDouble(DomainEnergy::joules).sum() / seconds;
            out.add(new Figure("lem.energy.total" + methods, watts / opsPerSecond * scale, perOp, "total"));
            out.add(new Figure("lem.power.total" + methods, watts, WATTS, "total"));
            if (kept.stream().allMatch(d -> d.adjustedJoules().isPresent())) {
                double adjusted = kept.stream().mapToDouble(d -> d.adjustedJoules().orElseThrow()).sum();
                out.add(new Figure("lem.energy.total.adjusted" + methods, adjusted / seconds / opsPerSecond * scale,
                        perOp, "total"));
            }
        }
        return new IterationFigures(out, refused);
    }

    /** The methods of these domains in order of first appearance, e.g. {@code measured+estimated}. */
    static String methods(List<DomainEnergy> domains) {
        Set<MeasurementMethod> seen = new LinkedHashSet<>();
        domains.forEach(d -> seen.add(d.domain().method()));
        return seen.stream().map(MeasurementMethod::label).collect(Collectors.joining("+"));
    }
}
