package dev.lem.results;

import dev.lem.config.ExperimentConfig;
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
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Experiment results built from scripted numbers, no clock involved: for tests of statistics, comparisons and
 * reports that must give the same answer on a loaded machine as on an idle one.
 */
public final class ScriptedResults {
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    private ScriptedResults() {
    }

    /**
     * One scripted cycle: {@code requests} requests of {@code tokensPerRequest} tokens each, run one after the
     * other in {@code durationS} seconds (TTFT a tenth of each request's time), and {@code cpuJoules} of measured
     * CPU energy.
     */
    public record Cycle(double durationS, int requests, int tokensPerRequest, double cpuJoules) {
    }

    /** A complete single-process experiment with the given cycles, aggregated like a real one. */
    public static ExperimentResult experiment(String id, ExperimentConfig config, List<Cycle> cycles) {
        RunSetup setup = new RunSetup(ResultsJson.SCHEMA_VERSION, id, 0, 1, "scripted", 1, T0, config,
                EnvironmentCapture.capture(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.empty(), List.of(), Map.of(), cycles.size(), "fixed count of " + cycles.size() + " cycles",
                List.of(), Optional.empty(), RunStatus.COMPLETE, Optional.of(T0.plusSeconds(60)));
        List<ProcessResult> processes = new ArrayList<>();
        for (int c = 0; c < cycles.size(); c++) {
            Cycle cy = cycles.get(c);
            long total = Math.round(cy.durationS() * 1e9);
            long each = total / cy.requests();
            List<RequestRecord> requests = new ArrayList<>();
            for (int r = 0; r < cy.requests(); r++) {
                long start = r * each;
                long first = start + each / 10;
                long end = start + each;
                List<Long> chunks = new ArrayList<>();
                List<Integer> tokens = new ArrayList<>();
                for (int t = 0; t < cy.tokensPerRequest(); t++) {
                    chunks.add(cy.tokensPerRequest() == 1 ? first
                            : first + (end - first) * t / (cy.tokensPerRequest() - 1));
                    tokens.add(1);
                }
                requests.add(new RequestRecord("c" + c + "r" + r, true, Optional.empty(), 8, cy.tokensPerRequest(),
                        "length", "backend", Optional.empty(), start, Optional.of(first), end, chunks, tokens));
            }
            EnergyMeasurement energy = new EnergyMeasurement("cycle_" + c, total, List.of(new DomainEnergy(
                    new EnergyDomain("cpu", "cpu", "0", DomainScope.MACHINE, MeasurementMethod.MEASURED, "scripted"),
                    cy.cpuJoules(), Optional.empty(), Optional.empty(), false)), Optional.empty(), List.of());
            processes.add(new ProcessResult(ResultsJson.SCHEMA_VERSION, id, c, 0, "scripted", T0.plusSeconds(c), total,
                    requests, Optional.of(energy), Map.of(), Map.of(), Map.of(), Optional.empty(), Optional.empty(),
                    Optional.empty(), List.of()));
        }
        return Aggregator.aggregate(id, List.of(setup), processes);
    }
}
