package dev.lem.energy;

import java.util.Objects;
import java.util.Optional;

/**
 * Energy of one domain over one measurement window.
 *
 * @param domain         the domain (with its method: measured, integrated, estimated, attributed)
 * @param joules         raw energy over the window, J
 * @param idleWatts      the domain's idle power from the baseline, W, when a baseline was measured
 * @param adjustedJoules raw − idle power × duration, J, when a baseline was measured; may be negative,
 *                       never clamped (see {@code belowIdle})
 * @param belowIdle      true when the adjusted figure is negative: the window drew less than idle
 *                       (noise, or the baseline was taken under load)
 */
public record DomainEnergy(EnergyDomain domain, double joules, Optional<Double> idleWatts,
        Optional<Double> adjustedJoules, boolean belowIdle) {
    /**
     * Checks that the object components are set.
     *
     * @param domain the domain
     * @param joules raw energy over the window, J
     * @param idleWatts the domain's idle power from the baseline, W, when a baseline was measured
     * @param adjustedJoules raw − idle power × duration, J, when a baseline was measured; may be negative
     * @param belowIdle true when the adjusted figure is negative
     */
    public DomainEnergy {
        Objects.requireNonNull(domain, "domain");
        Objects.requireNonNull(idleWatts, "idleWatts");
        Objects.requireNonNull(adjustedJoules, "adjustedJoules");
    }

    /** e.g. {@code gpu[0] 812.4 J measured (idle-adjusted 512.9 J)}. */
    @Override
    public String toString() {
        return domain.id() + " " + fmt(joules) + " J " + domain.methodLabel()
                + adjustedJoules.map(a -> " (idle-adjusted " + fmt(a) + " J)").orElse("");
    }

    /** Four significant figures, plain notation for ordinary magnitudes. */
    static String fmt(double v) {
        double a = Math.abs(v);
        if (v == 0 || !Double.isFinite(v)) {
            return String.valueOf(v == 0 ? 0 : v);
        }
        if (a >= 1e-4 && a < 1e9) {
            return new java.math.BigDecimal(v).round(new java.math.MathContext(4)).stripTrailingZeros().toPlainString();
        }
        return String.format(java.util.Locale.ROOT, "%.3e", v);
    }
}
