package dev.lem.junit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Fails a test whose energy exceeds a budget; measures it as {@link MeasureEnergy} does (on a class: every test of
 * it).
 *
 * <pre>{@code
 * @RepeatedTest(10)
 * @EnergyBudget(joules = 2.5, per = "invocation", domains = {CPU, GPU}, confidence = 0.95)
 * void oneDecodeStep() { model.step(); }
 * }</pre>
 *
 * <ul>
 *   <li>The figure is the energy of the test method's body, summed over the {@link #domains()} (every domain of each
 *       kind; empty: every domain measured), raw (not idle-adjusted), per invocation or per unit the test counted
 *       ({@link #per()}, {@link EnergyUnits}).</li>
 *   <li>A {@code @RepeatedTest} is judged once, at its last repetition, on the upper bound of the
 *       {@link #confidence()} interval of the mean over every repetition that passed (per unit: of Σ joules ÷ Σ units);
 *       the failure names the mean, the interval, how it was obtained and the budget. Any other test, each
 *       invocation of a parameterized test included, is judged on its own figure.</li>
 *   <li>Estimated figures are refused unless {@link #allowEstimated()}: the test is then aborted (skipped) with the
 *       reason, as it is when a domain kind asked for cannot be measured here (no GPU, no meter).</li>
 *   <li>A figure the meter cannot resolve (a test too short for its counter: RAPL updates about every 1 ms, NVML's
 *       counter every 100 ms) fails the test with the shortest duration that would do.</li>
 *   <li>A test that may run at the same time as another (JUnit's parallel execution with this test CONCURRENT), or
 *       whose window did overlap another test's, fails: the meters measure a whole machine or device, so the other
 *       test's energy would count. Run budgeted tests alone: {@code @Isolated} on the class and
 *       {@code @Execution(ExecutionMode.SAME_THREAD)}.</li>
 * </ul>
 */
@Documented
@Inherited
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
@ExtendWith(EnergyExtension.class)
public @interface EnergyBudget {
    /** {@return the budget, J per {@link #per()}; must be positive} */
    double joules();

    /**
     * {@return what the budget is per: {@code "invocation"} (the default: one run of the test method), or a unit the
     * test counts with an {@link EnergyUnits} parameter ({@code "token"}, {@code "request"}, ...)}
     */
    String per() default "invocation";

    /** {@return the kinds of domain the budget covers; empty: every domain measured} */
    DomainKind[] domains() default {};

    /** {@return the confidence level of the interval a {@code @RepeatedTest} is judged on, in (0, 1)} */
    double confidence() default 0.95;

    /** {@return whether an estimated figure may be judged; when not, a test whose figure is estimated is aborted} */
    boolean allowEstimated() default false;
}
