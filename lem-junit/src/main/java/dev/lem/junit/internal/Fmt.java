package dev.lem.junit.internal;

import dev.lem.energy.DomainEnergy;
import dev.lem.energy.MeasurementMethod;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/** Numbers and bases as the extension prints them. */
final class Fmt {
    private Fmt() {
    }

    /** Four significant figures, plain notation for ordinary magnitudes. */
    static String num(double v) {
        if (v == 0 || !Double.isFinite(v)) {
            return String.valueOf(v == 0 ? 0 : v);
        }
        double a = Math.abs(v);
        if (a >= 1e-4 && a < 1e9) {
            return new BigDecimal(v).round(new MathContext(4)).stripTrailingZeros().toPlainString();
        }
        return String.format(Locale.ROOT, "%.3e", v);
    }

    /** {@code measured} when every domain is, else {@code measured: gpu[0]; estimated: cpu}. */
    static String basis(List<DomainEnergy> domains) {
        Map<MeasurementMethod, List<String>> by = new LinkedHashMap<>();
        domains.forEach(d -> by.computeIfAbsent(d.domain().method(), m -> new java.util.ArrayList<>()).add(d.domain().id()));
        if (by.size() == 1) {
            return by.keySet().iterator().next().label();
        }
        return by.entrySet().stream().map(e -> e.getKey().label() + ": " + String.join(", ", e.getValue()))
                .collect(Collectors.joining("; "));
    }

    /** {@code cpu.package[0] 2.1 J measured + gpu[0] 1.02 J measured}. */
    static String terms(List<DomainEnergy> domains) {
        return domains.stream().map(d -> d.domain().id() + " " + num(d.joules()) + " J " + d.domain().method().label())
                .collect(Collectors.joining(" + "));
    }
}
