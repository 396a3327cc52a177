package dev.lem.junit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Measures the energy of each test (on a class: of each of its tests): one energy window over the test method's
 * body — not its {@code @BeforeEach}/{@code @AfterEach} — per invocation, reported per energy domain with how it was
 * obtained (measured, integrated, estimated) as JUnit report entries ({@code lem.energy.cpu.package[0] (measured)
 * = 1.234 J}) and written as a LEM experiment per test under {@code target/lem-results} ({@code lem results list}
 * lists it; a {@code @RepeatedTest}'s repetitions are its cycles).
 *
 * <p>Settings, as JUnit configuration parameters (also read from system properties):
 * <ul>
 *   <li>{@code lem.energy.meters}: meters to open, comma-separated (default: every meter that can run; this
 *       annotation's {@link #meters()} wins);</li>
 *   <li>{@code lem.energy.set}: any {@code energy.*} configuration keys, {@code ;}-separated, e.g.
 *       {@code energy.rapl_root=/host/powercap;energy.sampler_interval_ms=50};</li>
 *   <li>{@code lem.energy.baseline}: measure idle power this long (e.g. {@code 2s}) once, before the first test, and
 *       report idle-adjusted energy too;</li>
 *   <li>{@code lem.energy.max_resolution_error}: a domain's figure is left out (with the reason) when the meter's
 *       resolution may account for more than this share of it (default {@code 0.05});</li>
 *   <li>{@code lem.results.dir}: where LEM results are written (default {@code target/lem-results}; {@code none}:
 *       not written).</li>
 * </ul>
 *
 * <p>Tests that run at the same time share the machine: the meters measure a whole CPU package or device, so a test
 * window that overlapped another test's window holds some of the other's energy. Such a figure is reported with a
 * note saying so; an {@link EnergyBudget} refuses to judge it.
 */
@Documented
@Inherited
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
@ExtendWith(EnergyExtension.class)
public @interface MeasureEnergy {
    /** {@return meters to open by name ({@code rapl}, {@code nvml}, {@code cpu-estimate}, ...); empty: the configured ones} */
    String[] meters() default {};

    /**
     * {@return the unit a test counts with an {@link EnergyUnits} parameter ({@code "token"}), for the report's energy
     * per unit; an {@link EnergyBudget}'s {@code per} wins. Default: {@code "unit"}}
     */
    String per() default "unit";
}
