package dev.lem.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lem.campaign.CampaignManifest;
import dev.lem.campaign.CampaignState;
import dev.lem.campaign.ManifestExperiment;
import dev.lem.campaign.ManifestStore;
import dev.lem.campaign.ManifestUnit;
import dev.lem.campaign.UnitStatus;
import dev.lem.result.ExperimentResult;
import dev.lem.result.ProcessResult;
import dev.lem.results.ResultsJson;
import dev.lem.results.ResultsRepository;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 of a real {@code lem campaign run} process at random points, then {@code lem campaign resume}: every unit
 * done exactly once, every file valid, and the final aggregates with the structure of an uninterrupted run (same
 * experiments, same cycles, same request and token counts per cycle).
 */
class CampaignKillResumeTest {
    private static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();

    @TempDir
    Path dir;

    private Path campaignFile(Path results) throws IOException {
        return Files.writeString(dir.resolve("campaign-" + results.getFileName() + ".yaml"), """
                name: kill-test
                base:
                  backend: simulated
                  max_output_tokens: 4
                  prompts: {limit: 4}
                  warmup: {mode: fixed, runs: 1}
                  energy: {idle_baseline_s: 0, meters: [simulated], meter_options: {simulated: {cpu_watts: 20}}}
                  options: {decode_ms_per_step: 15, load_ms: 200}
                vary:
                  batching.batch_size: [1, 2, 4]
                cycles: 3
                structure: shuffled
                results_dir: %s
                """.formatted(results));
    }

    private Process start(Path file, Path log) throws IOException {
        List<String> cmd = List.of(JAVA, "-Xmx256m", "-XX:TieredStopAtLevel=1", "-cp",
                System.getProperty("java.class.path"), LemCommand.class.getName(), "campaign", "run", file.toString());
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    /** What each experiment's cycles look like: label -> per cycle "requests/ok/output tokens". */
    private static Map<String, List<String>> structure(Path results, CampaignManifest m) {
        ResultsRepository repo = new ResultsRepository(results);
        Map<String, List<String>> out = new TreeMap<>();
        for (ManifestExperiment e : m.experiments()) {
            ExperimentResult r = repo.readAggregated(e.experimentId()).orElseThrow();
            out.put(e.label(), r.cycles().stream().map(c -> c.cycle() + ":" + c.metrics().requests() + "/"
                    + c.metrics().completed() + "/" + c.metrics().outputTokens()).toList());
        }
        return out;
    }

    private static void everyFileReads(Path results) throws IOException {
        try (Stream<Path> s = Files.walk(results)) {
            for (Path f : s.filter(p -> p.toString().endsWith(".json") && !p.getFileName().toString().startsWith("."))
                    .toList()) {
                String name = f.getFileName().toString();
                Class<?> type = name.startsWith("setup_") ? dev.lem.result.RunSetup.class
                        : name.startsWith("process_") ? ProcessResult.class : name.equals("manifest.json")
                                ? CampaignManifest.class : ExperimentResult.class;
                ResultsJson.read(Files.readString(f), type, f.toString());
            }
        }
    }

    @Test
    void killedAtRandomPointsAndResumedEveryUnitIsDoneExactlyOnce() throws Exception {
        // the reference: one uninterrupted run
        Path reference = dir.resolve("reference");
        CliTestSupport.Run ref = CliTestSupport.lem("campaign", "run", campaignFile(reference).toString(), "--quiet");
        assertThat(ref.exitCode()).as(ref.err()).isZero();
        ManifestStore refStore = new ManifestStore(reference);
        Map<String, List<String>> expected = structure(reference, refStore.read(refStore.ids().get(0)));
        assertThat(expected).hasSize(3).allSatisfy((k, v) -> assertThat(v).hasSize(3));

        Random random = new Random(14);
        List<String> table = new ArrayList<>();
        int trials = 10;
        for (int trial = 0; trial < trials; trial++) {
            Path results = dir.resolve("trial-" + trial);
            Path file = campaignFile(results);
            long delay = 250 + random.nextInt(4000);
            Process p = start(file, dir.resolve("trial-" + trial + ".log"));
            Thread.sleep(delay);
            p.destroyForcibly();
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
            String where = "trial " + trial + " (kill -9 after " + delay + " ms): ";
            if (!Files.isDirectory(results)) {
                table.add(String.format(Locale.ROOT, "| %d | %d ms | before the manifest | - | nothing to resume |",
                        trial, delay));
                continue;
            }
            everyFileReads(results);
            ManifestStore store = new ManifestStore(results);
            if (store.ids().isEmpty()) {
                table.add(String.format(Locale.ROOT, "| %d | %d ms | before the manifest | - | nothing to resume |",
                        trial, delay));
                continue;
            }
            String id = store.ids().get(0);
            CampaignManifest killed = store.read(id);
            long doneBefore = killed.count(UnitStatus.DONE);
            long running = killed.count(UnitStatus.RUNNING);
            String phase = killed.state() == CampaignState.COMPLETE ? "after the end"
                    : doneBefore == 0 && running == 0 ? "planning, before the first unit"
                    : running > 0 ? "during unit " + (doneBefore + 1) + " (load, warm-up or cycle)"
                    : "between units";

            CliTestSupport.Run status = CliTestSupport.lem("campaign", "status", id, "--results-dir", results.toString());
            assertThat(status.exitCode()).isZero();
            if (killed.state() != CampaignState.COMPLETE) {
                assertThat(status.out()).as(where).contains("stopped without recording it", "Resume: lem campaign resume "
                        + id);
            }
            CliTestSupport.Run resume = CliTestSupport.lem("campaign", "resume", id, "--results-dir", results.toString(),
                    "--quiet");
            assertThat(resume.exitCode()).as(where + resume.err() + resume.out()).isZero();
            everyFileReads(results);
            CampaignManifest m = store.read(id);
            assertThat(m.state()).as(where).isEqualTo(CampaignState.COMPLETE);
            assertThat(m.units()).as(where).hasSize(9).allSatisfy(u -> {
                assertThat(u.status()).isEqualTo(UnitStatus.DONE);
                assertThat(u.files()).isNotEmpty().allSatisfy(f -> assertThat(results.resolve(f)).isRegularFile());
            });
            // done units of the killed process were not run again
            for (ManifestUnit u : killed.units()) {
                if (u.status() == UnitStatus.DONE) {
                    assertThat(m.units().get(u.seq())).as(where + "unit %d done before the kill", u.seq() + 1)
                            .isEqualTo(u);
                }
            }
            // exactly one raw result per unit: no cycle measured twice, none lost
            ResultsRepository repo = new ResultsRepository(results);
            for (ManifestExperiment e : m.experiments()) {
                List<ProcessResult> raw = repo.readProcessResults(e.experimentId());
                assertThat(raw).extracting(ProcessResult::cycle).as(where + e.label()).containsExactly(0, 1, 2);
                assertThat(repo.readAggregated(e.experimentId()).orElseThrow().isComplete()).as(where + e.label())
                        .isTrue();
            }
            assertThat(structure(results, m)).as(where + "the structure of an uninterrupted run").isEqualTo(expected);
            long rerun = m.units().stream().filter(u -> u.attempts() > 1).count();
            table.add(String.format(Locale.ROOT, "| %d | %d ms | %s | %d of 9 | %d unit(s) run again from scratch |",
                    trial, delay, phase, doneBefore, rerun));
        }
        System.out.println("kill -9 and resume:\n| trial | kill after | phase | units done before | resume |\n"
                + table.stream().collect(Collectors.joining("\n")));
        assertThat(table).hasSize(trials);
    }
}
