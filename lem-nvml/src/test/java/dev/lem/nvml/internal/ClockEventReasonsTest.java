package dev.lem.nvml.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lem.spi.ThrottleReason;
import dev.lem.spi.ThrottleReason.Kind;
import org.junit.jupiter.api.Test;

class ClockEventReasonsTest {

    @Test
    void decodesEveryDocumentedBitWithItsKind() {
        assertThat(ClockEventReasons.decode("gpu[1]", 0x1FF)).extracting(ThrottleReason::reason, ThrottleReason::kind)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("gpu_idle", Kind.OTHER),
                        org.assertj.core.groups.Tuple.tuple("applications_clocks", Kind.OTHER),
                        org.assertj.core.groups.Tuple.tuple("sw_power_cap", Kind.POWER),
                        org.assertj.core.groups.Tuple.tuple("hw_slowdown", Kind.THERMAL),
                        org.assertj.core.groups.Tuple.tuple("sync_boost", Kind.OTHER),
                        org.assertj.core.groups.Tuple.tuple("sw_thermal", Kind.THERMAL),
                        org.assertj.core.groups.Tuple.tuple("hw_thermal", Kind.THERMAL),
                        org.assertj.core.groups.Tuple.tuple("hw_power_brake", Kind.POWER),
                        org.assertj.core.groups.Tuple.tuple("display_clock", Kind.OTHER));
    }

    @Test
    void hwSlowdownWithoutThermalBitCountsAsPowerAndUnknownBitsAreKept() {
        assertThat(ClockEventReasons.decode("gpu[0]", 0x8 | 0x80 | (1L << 12))).containsExactly(
                new ThrottleReason("gpu[0]", "hw_slowdown", Kind.POWER),
                new ThrottleReason("gpu[0]", "hw_power_brake", Kind.POWER),
                new ThrottleReason("gpu[0]", "bit_12", Kind.OTHER));
        assertThat(ClockEventReasons.decode("gpu[0]", 0)).isEmpty();
    }
}
