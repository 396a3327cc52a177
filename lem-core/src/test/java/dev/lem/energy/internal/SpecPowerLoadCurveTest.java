package dev.lem.energy.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class SpecPowerLoadCurveTest {
    @Test
    void passesThroughTheMediansAtEveryTenthAndInterpolatesBetween() {
        assertThat(SpecPowerLoadCurve.share(0)).isZero();
        assertThat(SpecPowerLoadCurve.share(0.1)).isCloseTo(0.156, within(1e-12));
        assertThat(SpecPowerLoadCurve.share(0.5)).isCloseTo(0.473, within(1e-12));
        assertThat(SpecPowerLoadCurve.share(1)).isEqualTo(1.0);
        assertThat(SpecPowerLoadCurve.share(0.05)).isCloseTo(0.078, within(1e-12));
        assertThat(SpecPowerLoadCurve.share(0.95)).isCloseTo((0.896 + 1) / 2, within(1e-12));
    }

    @Test
    void isClampedToZeroAndOne() {
        assertThat(SpecPowerLoadCurve.share(-0.2)).isZero();
        assertThat(SpecPowerLoadCurve.share(1.7)).isEqualTo(1.0);
        assertThat(SpecPowerLoadCurve.share(Double.MIN_VALUE)).isCloseTo(0, within(1e-12));
    }

    @Test
    void risesEverywhereWithAStepAtLowLoadAndASteeperRiseNearFullLoad() {
        double previous = -1;
        for (int k = 0; k <= 1000; k++) {
            double s = SpecPowerLoadCurve.share(k / 1000.0);
            assertThat(s).isGreaterThan(previous);
            previous = s;
        }
        assertThat(SpecPowerLoadCurve.share(0.1)).as("first load level: above linear").isGreaterThan(0.1);
        assertThat(SpecPowerLoadCurve.share(0.5)).as("half load: below linear").isLessThan(0.5);
        double firstTenth = SpecPowerLoadCurve.share(0.1) - SpecPowerLoadCurve.share(0);
        double middleTenth = SpecPowerLoadCurve.share(0.5) - SpecPowerLoadCurve.share(0.4);
        double lastTenth = SpecPowerLoadCurve.share(1) - SpecPowerLoadCurve.share(0.9);
        assertThat(middleTenth).isLessThan(firstTenth).isLessThan(lastTenth);
    }
}
