package dev.lem.report;

import dev.lem.config.ConfigResolver;
import dev.lem.config.ExperimentConfig;
import dev.lem.config.WarmupMode;
import dev.lem.energy.DomainEnergy;
import dev.lem.energy.DomainScope;
import dev.lem.energy.EnergyDomain;
import dev.lem.energy.EnergyMeasurement;
import dev.lem.energy.IdleBaseline;
import dev.lem.energy.MeasurementMethod;
import dev.lem.energy.ThrottleSummary;
import dev.lem.energy.TimeSeries;
import dev.lem.env.EnvironmentCapture;
import dev.lem.env.EnvironmentInfo;
import dev.lem.metrics.RequestRecord;
import dev.lem.result.ExperimentResult;
import dev.lem.result.PhaseMeasurement;
import dev.lem.result.ProcessResult;
import dev.lem.result.RunSetup;
import dev.lem.result.RunStatus;
import dev.lem.result.WarmupResult;
import dev.lem.results.ResultsJson;
import dev.lem.results.ResultsRepository;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Complete experiments written into a results folder from scripted numbers — setup (idle baseline, model load,
 * warm-up), every request's timeline, each cycle's energy (a measured GPU and an estimated CPU) and its 100 ms time
 * series with GPU telemetry and a throttled stretch — then aggregated as {@code lem aggregate} would. No clock is
 * involved, so a loaded machine gives the same report as an idle one.
 */
final class ScriptedRuns {
    static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    static final EnvironmentInfo ENV = EnvironmentCapture.capture();
    static final EnergyDomain GPU = new EnergyDomain("gpu[0]", "gpu", "GPU-0000", DomainScope.DEVICE,
            MeasurementMethod.MEASURED, "nvml");
    static final EnergyDomain CPU = new EnergyDomain("cpu", "cpu", "", DomainScope.MACHINE,
            MeasurementMethod.ESTIMATED, "cpu-estimate");
    /** Seconds of idle baseline, model load and warm-up before the first cycle. */
    static final double BASELINE_S = 2;
    static final double LOAD_S = 3;
    static final double WARMUP_S = 4;

    private ScriptedRuns() {
    }

    /**
     * One scripted cycle: {@code requests} requests of {@code tokens} tokens each, one after the other over
     * {@code durationS}; the GPU draws {@code gpuWatts}, the CPU {@code cpuWatts}; TTFT is {@code ttftShare} of each
     * request's time.
     */
    record Cycle(double durationS, int requests, int tokens, double gpuWatts, double cpuWatts, double ttftShare,
            boolean allFail) {
        Cycle(double durationS, int requests, int tokens, double gpuWatts, double cpuWatts, double ttftShare) {
            this(durationS, requests, tokens, gpuWatts, cpuWatts, ttftShare, false);
        }

        static Cycle of(double durationS, int requests, int tokens, double gpuWatts) {
            return new Cycle(durationS, requests, tokens, gpuWatts, 20, 0.1);
        }

        /** A cycle in which every request failed (the server answered HTTP 500). */
        static Cycle failing(double durationS, int requests, double gpuWatts) {
            return new Cycle(durationS, requests, 0, gpuWatts, 20, 0.1, true);
        }
    }

    /** A configuration with defaults, the given overrides ({@code key=value}) and as many cycles as scripted. */
    static ExperimentConfig config(int cycles, String... overrides) {
        ConfigResolver r = ConfigResolver.withDefaults().override("cycles=" + cycles);
        for (String o : overrides) {
            r = r.override(o);
        }
        return r.resolve();
    }

    /** Writes a complete experiment and aggregates it. */
    static ExperimentResult write(ResultsRepository repo, String id, ExperimentConfig config, List<Cycle> cycles) {
        return write(repo, id, config, cycles, RunStatus.COMPLETE, Optional.empty(), 10, -1);
    }

    /**
     * Writes an experiment and aggregates it.
     *
     * @param status         how the process ended (INTERRUPTED with a failure text makes an interrupted experiment)
     * @param failure        the process's failure, if any
     * @param samplesPerS    time-series rows per second of each cycle (10: every 100 ms)
     * @param throttledCycle the cycle with a thermal throttle stretch (its middle third), -1 for none
     */
    static ExperimentResult write(ResultsRepository repo, String id, ExperimentConfig config, List<Cycle> cycles,
            RunStatus status, Optional<String> failure, int samplesPerS, int throttledCycle) {
        double preS = BASELINE_S + LOAD_S + WARMUP_S;
        EnergyMeasurement idle = measurement(IdleBaseline.WINDOW, BASELINE_S, 60, 10);
        RunSetup setup = new RunSetup(ResultsJson.SCHEMA_VERSION, id, 0, 1, "scripted", 1, T0, config, ENV,
                Optional.empty(), Optional.of(new PhaseMeasurement(nanos(LOAD_S),
                        Optional.of(measurement("model_load", LOAD_S, 90, 30)))),
                Optional.of(new PhaseMeasurement(nanos(0.5), Optional.of(measurement("model_unload", 0.5, 70, 15)))),
                Optional.of(new WarmupResult(WarmupMode.FIXED, 2, true, Optional.empty(), List.of(1000.0, 900.0),
                        "fixed count of 2 runs", Optional.of(new PhaseMeasurement(nanos(WARMUP_S),
                                Optional.of(measurement("warmup", WARMUP_S, 250, 25)))))),
                Optional.of(IdleBaseline.of(idle)), List.of(), Map.of(), cycles.size(),
                "fixed count of " + config.cycles() + " cycles", List.of(), failure, status,
                Optional.of(T0.plusSeconds(3600)));
        repo.writeSetup(setup);
        double start = preS;
        for (int c = 0; c < cycles.size(); c++) {
            Cycle cy = cycles.get(c);
            long total = nanos(cy.durationS());
            long each = total / cy.requests();
            List<RequestRecord> requests = new ArrayList<>();
            for (int r = 0; r < cy.requests(); r++) {
                long s = r * each;
                long first = s + Math.round(each * cy.ttftShare());
                long end = s + each;
                List<Long> chunks = new ArrayList<>();
                List<Integer> tokens = new ArrayList<>();
                for (int t = 0; t < cy.tokens(); t++) {
                    chunks.add(cy.tokens() == 1 ? first : first + (end - first) * t / (cy.tokens() - 1));
                    tokens.add(1);
                }
                requests.add(cy.allFail()
                        ? new RequestRecord("c" + c + "r" + r, false, Optional.of("HTTP 500"), 0, 0, "error", "backend",
                                Optional.empty(), s, Optional.empty(), end, List.of(), List.of())
                        : new RequestRecord("c" + c + "r" + r, true, Optional.empty(), 8, cy.tokens(), "length",
                                "backend", Optional.empty(), s, Optional.of(first), end, chunks, tokens));
            }
            EnergyMeasurement energy = new EnergyMeasurement("cycle_" + c, total, List.of(
                    new DomainEnergy(GPU, cy.gpuWatts() * cy.durationS(), Optional.of(60.0),
                            Optional.of((cy.gpuWatts() - 60) * cy.durationS()), cy.gpuWatts() < 60),
                    new DomainEnergy(CPU, cy.cpuWatts() * cy.durationS(), Optional.of(10.0),
                            Optional.of((cy.cpuWatts() - 10) * cy.durationS()), cy.cpuWatts() < 10)),
                    c == throttledCycle ? Optional.of(new ThrottleSummary(30, 1 / 3.0, 0,
                            Map.of("gpu[0]:hw_thermal", 1 / 3.0), true)) : Optional.empty(), List.of());
            String series = repo.writeTimeSeries(id, c, 0, series(cy, samplesPerS, c == throttledCycle));
            Instant started = T0.plusNanos(nanos(start));
            repo.writeProcessResult(new ProcessResult(ResultsJson.SCHEMA_VERSION, id, c, 0, "scripted", started, total,
                    requests, Optional.of(energy),
                    Map.of("prefill", measurement("prefill", cy.durationS() * 0.2, cy.gpuWatts(), cy.cpuWatts()),
                            "decode", measurement("decode", cy.durationS() * 0.8, cy.gpuWatts(), cy.cpuWatts())),
                    Map.of("prefill", nanos(cy.durationS() * 0.2), "decode", nanos(cy.durationS() * 0.8)), Map.of(),
                    Optional.empty(), Optional.empty(), Optional.of(series), List.of()));
            start += cy.durationS() + 1;
        }
        return repo.aggregate(id);
    }

    /** The 100 ms series of one cycle: cumulative energy, power, temperature, SM clock, throttle reasons. */
    static TimeSeries series(Cycle cy, int perS, boolean throttled) {
        List<String> cols = List.of("t_ms", "energy_j.gpu[0]", "energy_j.cpu", "power_w.gpu[0]", "power_w.cpu",
                "gpu0.temperature_c", "gpu0.sm_clock_mhz", "gpu0.clock_event_reasons");
        List<double[]> rows = new ArrayList<>();
        int n = Math.max(2, (int) Math.round(cy.durationS() * perS));
        for (int i = 1; i <= n; i++) {
            double t = i * cy.durationS() / n;
            boolean hot = throttled && i > n / 3 && i <= 2 * n / 3;
            // a small deterministic ripple, so lines are not flat
            double ripple = (i % 7) - 3;
            rows.add(new double[] {t * 1000, cy.gpuWatts() * t, cy.cpuWatts() * t, cy.gpuWatts() + ripple,
                    cy.cpuWatts(), 60 + 20 * t / cy.durationS(), hot ? 1410 : 1980, hot ? 0x40 : 0});
        }
        return new TimeSeries(cols, rows);
    }

    private static EnergyMeasurement measurement(String window, double seconds, double gpuWatts, double cpuWatts) {
        return new EnergyMeasurement(window, nanos(seconds), List.of(
                new DomainEnergy(GPU, gpuWatts * seconds, Optional.empty(), Optional.empty(), false),
                new DomainEnergy(CPU, cpuWatts * seconds, Optional.empty(), Optional.empty(), false)),
                Optional.empty(), List.of());
    }

    static long nanos(double seconds) {
        return Math.round(seconds * 1e9);
    }
}
