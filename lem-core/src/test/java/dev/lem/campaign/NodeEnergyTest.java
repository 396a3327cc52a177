package dev.lem.campaign;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.lem.config.ConfigResolver;
import dev.lem.config.ExperimentConfig;
import dev.lem.config.KeyedRecords;
import dev.lem.energy.DomainEnergy;
import dev.lem.energy.DomainScope;
import dev.lem.energy.EnergyDomain;
import dev.lem.energy.EnergyMeasurement;
import dev.lem.energy.MeasurementMethod;
import dev.lem.env.Placement;
import dev.lem.result.ProcessResult;
import dev.lem.results.ResultsJson;
import dev.lem.results.ResultsRepository;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A campaign's energy per node when two Slurm tasks shared a node: each GPU's joules counted once per device, the
 * machine's domains (CPU package) counted once over the overlap of two units' windows, process domains summed.
 */
class NodeEnergyTest {
    private static final String ID = "c20261205T140000Z-nodes1";
    private static final Instant T0 = Instant.parse("2026-12-05T14:00:00Z");

    @TempDir
    Path dir;

    private static DomainEnergy d(String id, String kind, String device, DomainScope scope, double joules) {
        return new DomainEnergy(new EnergyDomain(id, kind, device, scope, MeasurementMethod.MEASURED, "m"), joules,
                Optional.empty(), Optional.empty(), false);
    }

    private static Placement on(String node, String task, String gpu) {
        return new Placement(node, 1, Optional.empty(), Optional.of(task), Optional.of("40"), Optional.of(
                Integer.parseInt(task)), 0, Optional.of(node), List.of("0"), Optional.of(gpu));
    }

    /** A 10 s cycle starting {@code startS} after T0: CPU package 100 W, its GPU 300 W, its RAM share 5 W. */
    private static ProcessResult cycle(String experiment, int cycle, Placement p, String gpuUuid, int startS) {
        EnergyMeasurement e = new EnergyMeasurement("cycle_" + cycle, 10_000_000_000L, List.of(
                d("cpu.package[0]", "cpu", "package-0", DomainScope.MACHINE, 1000),
                d("gpu[0]", "gpu", gpuUuid, DomainScope.DEVICE, 3000),
                d("ram", "ram", "", DomainScope.PROCESS, 50)), Optional.empty(), List.of());
        return new ProcessResult(ResultsJson.SCHEMA_VERSION, experiment, cycle, 0, p.host(), T0.plusSeconds(startS),
                10_000_000_000L, List.of(), Optional.of(e), Map.of(), Map.of(), Map.of(), Optional.empty(),
                Optional.empty(), Optional.empty(), List.of(), Optional.of(p));
    }

    @Test
    void twoTasksOnOneNodeCountTheMachineOnceOverTheirOverlapAndEachGpuOnce() {
        ResultsRepository repo = new ResultsRepository(dir);
        ExperimentConfig config = ConfigResolver.withDefaults().override("cycles=2").resolve();
        Placement task0 = on("gpu-a01", "0", "0");
        Placement task1 = on("gpu-a01", "1", "1");
        Placement task2 = on("gpu-a02", "2", "0");
        // unit 0 on task 0 from 0 s to 10 s; unit 1 on task 1 (same node, another GPU) from 5 s to 15 s: 5 s overlap;
        // unit 2 alone on another node
        repo.writeProcessResult(cycle("20261205T140000Z-exp001", 0, task0, "GPU-aaa", 0));
        repo.writeProcessResult(cycle("20261205T140000Z-exp002", 0, task1, "GPU-bbb", 5));
        repo.writeProcessResult(cycle("20261205T140000Z-exp001", 1, task2, "GPU-ccc", 20));
        CampaignSettings settings = KeyedRecords.read(CampaignSettings.class, Map.of("cycles", 2,
                "structure", "interleaved"), "");
        List<ManifestExperiment> experiments = List.of(
                new ManifestExperiment(0, "20261205T140000Z-exp001", "a", Map.of(), "grid", config),
                new ManifestExperiment(1, "20261205T140000Z-exp002", "b", Map.of(), "grid", config));
        List<ManifestUnit> units = new ArrayList<>();
        Placement[] where = {task0, task1, task2, task2};
        int[][] spans = {{0, 10}, {5, 15}, {20, 30}, {40, 50}};
        List<ManifestUnit> planned = UnitOrder.units(2, settings);
        for (ManifestUnit u : planned) {
            boolean done = u.seq() < 3;
            units.add(new ManifestUnit(u.seq(), u.round(), u.experiment(), u.cycle(), done ? UnitStatus.DONE
                    : UnitStatus.PENDING, done ? 1 : 0, Optional.of(T0.plusSeconds(spans[u.seq()][0])),
                    Optional.of(T0.plusSeconds(spans[u.seq()][1])), List.of(), 0, Optional.empty(), false, false,
                    List.of(), Optional.empty(), List.of(), Optional.of(where[u.seq()])));
        }
        CampaignManifest m = new CampaignManifest(ResultsJson.SCHEMA_VERSION, ID, settings, dir.toString(),
                Optional.empty(), T0, CampaignState.COMPLETE, Optional.empty(), 1, "h", experiments, List.of(), units,
                List.of(), List.of());

        List<String> rows = new ArrayList<>(Arrays.asList(NodeEnergy.csv(m, repo).split("\n")));
        assertThat(rows.remove(0)).isEqualTo(String.join(",", NodeEnergy.COLUMNS));
        Map<String, String[]> byKey = new java.util.TreeMap<>();
        rows.forEach(r -> {
            String[] f = r.split(",", -1);
            byKey.put(f[1] + "/" + f[2] + "/" + f[5], f);
        });
        // the CPU package of gpu-a01: 1000 J + 1000 J measured, the second window half inside the first: 1500 J once
        String[] cpu = byKey.get("gpu-a01/cpu.package[0]/package-0");
        assertThat(Double.parseDouble(cpu[8])).isEqualTo(2000);
        assertThat(Double.parseDouble(cpu[9])).isCloseTo(1500, within(1e-6));
        assertThat(Double.parseDouble(cpu[10])).isCloseTo(5, within(1e-6));
        assertThat(cpu[6]).isEqualTo("measured; overlap apportioned");
        assertThat(cpu[11]).contains("counted once");
        // each GPU of gpu-a01 is its own device: no overlap, each counted whole
        assertThat(Double.parseDouble(byKey.get("gpu-a01/gpu[0]/GPU-aaa")[9])).isEqualTo(3000);
        assertThat(Double.parseDouble(byKey.get("gpu-a01/gpu[0]/GPU-bbb")[9])).isEqualTo(3000);
        assertThat(byKey.get("gpu-a01/gpu[0]/GPU-bbb")[10]).isEqualTo("0.0");
        // process domains are each process's own share: summed
        assertThat(Double.parseDouble(byKey.get("gpu-a01/ram/")[9])).isEqualTo(100);
        // the other node is on its own
        assertThat(Double.parseDouble(byKey.get("gpu-a02/cpu.package[0]/package-0")[9])).isEqualTo(1000);
        assertThat(rows).hasSize(7);

        // units.csv names the units that shared a node
        assertThat(NodeEnergy.sharedNodeWith(m, units.get(0))).containsExactly(2);
        assertThat(NodeEnergy.sharedNodeWith(m, units.get(2))).isEmpty();
    }
}
