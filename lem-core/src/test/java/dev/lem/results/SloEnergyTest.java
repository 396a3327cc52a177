package dev.lem.results;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.lem.Metric;
import dev.lem.config.ConfigResolver;
import dev.lem.config.ExperimentConfig;
import dev.lem.config.ValueSource;
import dev.lem.energy.DomainEnergy;
import dev.lem.energy.DomainScope;
import dev.lem.energy.EnergyDomain;
import dev.lem.energy.EnergyMeasurement;
import dev.lem.energy.MeasurementMethod;
import dev.lem.env.EnvironmentCapture;
import dev.lem.metrics.RequestRecord;
import dev.lem.result.ExperimentResult;
import dev.lem.result.ProcessResult;
import dev.lem.result.RunSetup;
import dev.lem.result.RunStatus;
import dev.lem.stats.Estimate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Energy per SLO-meeting request, SLO-meeting requests per kJ and per-request energy percentiles on a scripted
 * workload whose answers are worked out by hand: three cycles of four requests run one after the other, taking 1, 1, 2
 * and 1 s (the third misses an e2e SLO of 1.5 s), with 40, 44 and 36 J of measured CPU energy.
 */
class SloEnergyTest {
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static final long S = 1_000_000_000L;
    private static final double[] JOULES = {40, 44, 36};

    static ExperimentResult run(Map<String, Object> settings) {
        ConfigResolver r = ConfigResolver.withDefaults().set("cycles", 3, ValueSource.BUILDER);
        settings.forEach((k, v) -> r.set(k, v, ValueSource.BUILDER));
        ExperimentConfig config = r.resolve();
        RunSetup setup = new RunSetup(ResultsJson.SCHEMA_VERSION, "slo", 0, 1, "scripted", 1, T0, config,
                EnvironmentCapture.capture(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.empty(), List.of(), Map.of(), 3, "fixed count of 3 cycles", List.of(), Optional.empty(),
                RunStatus.COMPLETE, Optional.of(T0.plusSeconds(60)));
        List<ProcessResult> processes = new ArrayList<>();
        double[] durations = {1, 1, 2, 1};
        for (int c = 0; c < 3; c++) {
            List<RequestRecord> requests = new ArrayList<>();
            long at = 0;
            for (int i = 0; i < durations.length; i++) {
                long end = at + Math.round(durations[i] * S);
                long first = at + S / 10;
                requests.add(new RequestRecord("c" + c + "r" + i, true, Optional.empty(), 8, 2, "length", "backend",
                        Optional.empty(), at, Optional.of(first), end, List.of(first, end), List.of(1, 1)));
                at = end;
            }
            EnergyMeasurement energy = new EnergyMeasurement("cycle_" + c, at, List.of(new DomainEnergy(
                    new EnergyDomain("cpu", "cpu", "0", DomainScope.MACHINE, MeasurementMethod.MEASURED, "scripted"),
                    JOULES[c], Optional.empty(), Optional.empty(), false)), Optional.empty(), List.of());
            processes.add(new ProcessResult(ResultsJson.SCHEMA_VERSION, "slo", c, 0, "scripted", T0.plusSeconds(10 * c),
                    at, requests, Optional.of(energy), Map.of(), Map.of(), Map.of(), Optional.empty(), Optional.empty(),
                    Optional.empty(), List.of()));
        }
        return Aggregator.aggregate("slo", List.of(setup), processes);
    }

    @Test
    void energyPerSloMeetingRequestIsTheEnergyOverTheRequestsThatMetIt() {
        ExperimentResult r = run(Map.of("slo.e2e_ms", 1500.0));
        r.cycles().forEach(c -> assertThat(c.metrics().goodRequests()).contains(3));
        Estimate perGood = r.summary().get(Metric.ENERGY_PER_GOOD_REQUEST_J);
        // (40 + 44 + 36) J / (3 + 3 + 3) requests
        assertThat(perGood.mean()).isCloseTo(120.0 / 9, within(1e-12));
        assertThat(perGood.unit()).isEqualTo("J/request");
        assertThat(perGood.basis()).isEqualTo("measured");
        assertThat(perGood.n()).isEqualTo(3);
        assertThat(perGood.interval()).hasValueSatisfying(i -> {
            assertThat(i.method()).isEqualTo("t_delta_log");
            assertThat(i.low()).isLessThan(perGood.mean());
            assertThat(i.high()).isGreaterThan(perGood.mean());
        });
        Estimate perKj = r.summary().get(Metric.GOOD_REQUESTS_PER_KJ);
        assertThat(perKj.mean()).isCloseTo(9 / 0.120, within(1e-9));
        assertThat(perKj.unit()).isEqualTo("requests/kJ");
        // every request meets a looser SLO: the same as energy per request
        ExperimentResult loose = run(Map.of("slo.e2e_ms", 5000.0));
        assertThat(loose.summary().get(Metric.ENERGY_PER_GOOD_REQUEST_J).mean())
                .isCloseTo(loose.summary().get(Metric.ENERGY_PER_REQUEST_J).mean(), within(1e-12));
    }

    @Test
    void withoutAnSloOrAGoodRequestTheFiguresAreAbsentWithTheReason() {
        ExperimentResult none = run(Map.of());
        assertThat(none.summary().whyUnavailable(Metric.ENERGY_PER_GOOD_REQUEST_J)).hasValueSatisfying(w ->
                assertThat(w).contains("no SLO configured").contains("slo.e2e_ms"));
        assertThat(none.summary().whyUnavailable(Metric.GOOD_REQUESTS_PER_KJ)).hasValueSatisfying(w ->
                assertThat(w).contains("no SLO configured"));
        ExperimentResult strict = run(Map.of("slo.e2e_ms", 10.0));
        assertThat(strict.summary().whyUnavailable(Metric.ENERGY_PER_GOOD_REQUEST_J))
                .contains("no request met every SLO in any cycle");
        // zero SLO-meeting requests per kJ is a measured zero, not a missing figure
        assertThat(strict.summary().get(Metric.GOOD_REQUESTS_PER_KJ).mean()).isZero();
    }

    @Test
    void perRequestEnergyPercentilesFollowTheShareOfInFlightTokenTime() {
        ExperimentResult r = run(Map.of());
        // one request in flight at a time, so each gets the average power times its duration:
        // cycle 0 (40 J over 5 s = 8 W): 8, 8, 16, 8 J; cycle 1 (8.8 W): median 8.8; cycle 2 (7.2 W): median 7.2
        assertThat(r.cycles().get(0).requestEnergy()).hasValueSatisfying(e -> {
            assertThat(e.p50Joules()).isCloseTo(8, within(1e-9));
            assertThat(e.p90Joules()).isCloseTo(8 + 0.7 * 8, within(1e-9));
            assertThat(e.maxJoules()).isCloseTo(16, within(1e-9));
            assertThat(e.unattributedJoules()).isCloseTo(0, within(1e-9));
        });
        Estimate p50 = r.summary().get(Metric.ENERGY_PER_REQUEST_P50_J);
        assertThat(p50.mean()).isCloseTo((8 + 8.8 + 7.2) / 3, within(1e-9));
        assertThat(p50.basis()).isEqualTo("attributed by share of in-flight token-time from measured energy");
        assertThat(r.summary().get(Metric.ENERGY_PER_REQUEST_P99_J).mean())
                .isCloseTo((8 + 0.97 * 8 + 8.8 + 0.97 * 8.8 + 7.2 + 0.97 * 7.2) / 3, within(1e-9));
        // the mean attributed energy is the energy per request
        assertThat(r.cycles().get(1).requestEnergy().orElseThrow().meanJoules()).isCloseTo(44.0 / 4, within(1e-9));
    }
}
