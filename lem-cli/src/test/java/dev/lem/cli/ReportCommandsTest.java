package dev.lem.cli;

import static dev.lem.cli.CliTestSupport.lem;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lem.config.ConfigResolver;
import dev.lem.result.ExperimentResult;
import dev.lem.results.ResultsRepository;
import dev.lem.results.ScriptedResults;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code lem report}, {@code lem plot}, {@code lem compare}, {@code lem effects} and {@code results export --tidy}:
 * thin layers over lem-report, checked on scripted results (fixed numbers, so the comparisons and the gate give the
 * same answer on a loaded machine) and on one simulated run for the report's raw data.
 */
class ReportCommandsTest {
    @TempDir
    Path dir;

    private Path resultsDir() {
        return dir.resolve("results");
    }

    /**
     * Writes a scripted experiment as a finished run leaves it: its setup and its aggregate (enough for every
     * command that reads results; the raw per-cycle files are absent, and the report says so).
     */
    private ExperimentResult scripted(String id, String name, int batch, double seconds, double watts) {
        ExperimentResult r = ScriptedResults.experiment(id, ConfigResolver.withDefaults().override("cycles=4")
                .override("name=" + name).override("batching.batch_size=" + batch).resolve(),
                Arrays.stream(new double[] {1.0, 1.04, 0.97, 1.02}).mapToObj(f -> new ScriptedResults.Cycle(
                        seconds * f, 4, 8, watts * seconds * f)).toList());
        ResultsRepository repo = new ResultsRepository(resultsDir());
        repo.writeSetup(r.processes().get(0));
        repo.writeAggregated(r);
        return r;
    }

    private String results() {
        return resultsDir().toString();
    }

    @Test
    void compareTellsTheDifferenceAndTheGateCatchesARegression() {
        ExperimentResult fast = scripted("20260101T000000Z-fast00", "batch 8", 8, 1.0, 200);
        ExperimentResult slow = scripted("20260101T000100Z-slow00", "batch 1", 1, 4.0, 100);
        CliTestSupport.Run r = lem("compare", slow.id(), fast.id(), "--results-dir", results());
        assertThat(r.exitCode()).as(r.err()).isZero();
        // batch 1: 100 W x 4 s x 4.03 (the four cycles' factors) / 128 tokens = 12.59375 J/token; batch 8 half that
        assertThat(r.out()).contains("A: batch 1 (" + slow.id() + ")").contains(
                "batch 8 has 50.0% lower energy per output token than batch 1 (95% CI ");
        assertThat(r.out()).containsPattern("(?m)^energy_per_output_token_j\\s+J/token\\s+12.59\\s+6.297\\s+.*better$");

        // the gate: B (batch 1) against A (batch 8) is 100% worse in energy per token and 300% in TPOT
        CliTestSupport.Run gate = lem("compare", fast.id(), slow.id(), "--results-dir", results(),
                "--metric", "energy_per_output_token_j", "--metric", "average_power_w", "--fail-if-worse", "10");
        assertThat(gate.exitCode()).isEqualTo(LemCommand.EXIT_FAILED);
        assertThat(gate.err()).contains("lem: regression: energy_per_output_token_j is 100.0% worse (more than 10.0%)")
                .doesNotContain("average_power_w is");
        CliTestSupport.Run loose = lem("compare", fast.id(), slow.id(), "--results-dir", results(),
                "--metric", "energy_per_output_token_j", "--fail-if-worse", "150");
        assertThat(loose.exitCode()).as(loose.err()).isZero();
        assertThat(loose.out()).contains("Gate passed");
        // a gate on a metric that is not there fails rather than passing silently
        CliTestSupport.Run missing = lem("compare", fast.id(), slow.id(), "--results-dir", results(),
                "--metric", "mfu", "--fail-if-worse", "5");
        assertThat(missing.exitCode()).isEqualTo(LemCommand.EXIT_FAILED);
        assertThat(missing.err()).contains("lem: cannot gate on mfu: not available in A (batch 8)");
        // bootstrap on request
        CliTestSupport.Run bca = lem("compare", fast.id(), slow.id(), "--results-dir", results(),
                "--metric", "energy_per_output_token_j", "--ci-method", "bca");
        assertThat(bca.out()).contains("bootstrap");
    }

    @Test
    void badArgumentsAreClearAndExitWithTwo() {
        ExperimentResult a = scripted("20260101T000000Z-aaaa00", "a", 1, 1.0, 100);
        CliTestSupport.Run unknown = lem("plot", a.id(), "--metric", "energy_per_token", "--results-dir", results());
        assertThat(unknown.exitCode()).isEqualTo(LemCommand.EXIT_BAD_INPUT);
        assertThat(unknown.err()).contains("unknown metric 'energy_per_token': did you mean energy_per_output_token_j");
        CliTestSupport.Run gate = lem("compare", a.id(), a.id(), "--fail-if-worse", "-3", "--results-dir", results());
        assertThat(gate.exitCode()).isEqualTo(LemCommand.EXIT_BAD_INPUT);
        assertThat(gate.err()).contains("--fail-if-worse (-3.0) must be a percentage >= 0");
        CliTestSupport.Run none = lem("report", "--results-dir", results());
        assertThat(none.exitCode()).isEqualTo(LemCommand.EXIT_BAD_INPUT);
        assertThat(none.err()).contains("give experiment ids or --all");
        CliTestSupport.Run noSuch = lem("report", "20260101T000000Z-nosuch", "--results-dir", results());
        assertThat(noSuch.exitCode()).isEqualTo(LemCommand.EXIT_FAILED);
        assertThat(noSuch.err()).contains("20260101T000000Z-nosuch").contains("lem results list")
                .doesNotContain("Exception").doesNotContain("\tat ");
        CliTestSupport.Run pdf = lem("plot", a.id(), "--metric", "energy_j", "-o", dir.resolve("x.pdf").toString(),
                "--results-dir", results());
        assertThat(pdf.exitCode()).isEqualTo(LemCommand.EXIT_BAD_INPUT);
        assertThat(pdf.err()).contains("name the file .svg or .png");
        CliTestSupport.Run pareto = lem("plot", a.id(), "--metric", "energy_j", "--pareto", "--results-dir", results());
        assertThat(pareto.err()).contains("--pareto needs --vs");
    }

    @Test
    void plotWritesSvgAndPng() throws IOException {
        ExperimentResult a = scripted("20260101T000000Z-plota0", "a", 1, 2.0, 100);
        ExperimentResult b = scripted("20260101T000100Z-plotb0", "b", 8, 1.0, 150);
        Path svg = dir.resolve("fig/energy.svg");
        CliTestSupport.Run r = lem("plot", a.id(), b.id(), "--metric", "energy_per_output_token_j", "-o",
                svg.toString(), "--results-dir", results());
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("Figure: " + svg.toAbsolutePath());
        assertThat(Files.readString(svg)).startsWith("<?xml").contains("width=\"3.5in\"").contains("data-exp=\""
                + a.id() + "\"");
        Path png = dir.resolve("front.png");
        CliTestSupport.Run p = lem("plot", a.id(), b.id(), "--metric", "energy_per_output_token_j", "--vs",
                "tpot_mean_ms", "--pareto", "--png", "--dpi", "150", "--width-in", "7", "-o", png.toString(),
                "--results-dir", results());
        assertThat(p.exitCode()).as(p.err()).isZero();
        assertThat(ImageIO.read(png.toFile()).getWidth()).isEqualTo(1050);
    }

    @Test
    void effectsAndTheTidyExport() {
        scripted("20260101T000000Z-eff000", "b1", 1, 4.0, 100);
        scripted("20260101T000100Z-eff100", "b8", 8, 1.0, 200);
        CliTestSupport.Run e = lem("effects", "--all", "--metric", "energy_per_output_token_j", "--results-dir",
                results());
        assertThat(e.exitCode()).as(e.err()).isZero();
        assertThat(e.out()).contains("Effects on energy_per_output_token_j (J/token), 8 cycles")
                .contains("batching.batch_size=8 vs 1: ×0.5");
        CliTestSupport.Run t = lem("results", "export", "--csv", "--tidy", "--results-dir", results());
        assertThat(t.exitCode()).as(t.err()).isZero();
        List<String> lines = t.out().lines().toList();
        assertThat(lines.get(0)).startsWith("id,name,status,").contains(",metric,unit,mean,ci_low,ci_high,");
        assertThat(lines).hasSize(1 + 2 * dev.lem.Metric.values().length);
        assertThat(lines).anyMatch(l -> l.startsWith("20260101T000000Z-eff000,b1,complete,") && l.contains(
                ",energy_per_output_token_j,J/token,12.59375,"));
    }

    @Test
    void reportOfARealSimulatedRunWithItsRawFiles() throws IOException {
        Path cfg = Files.writeString(dir.resolve("exp.yaml"), """
                backend: simulated
                cycles: 2
                max_output_tokens: 4
                prompts: {source: builtin, limit: 4}
                warmup: {mode: fixed, runs: 0}
                energy: {idle_baseline_s: 0}
                options: {decode_ms_per_step: 0.2, load_ms: 0}
                results_dir: %s
                """.formatted(results()));
        assertThat(lem("run", cfg.toString(), "--quiet").exitCode()).isZero();
        String id = new ResultsRepository(resultsDir()).experimentIds().get(0);
        Path html = dir.resolve("out/report.html");
        CliTestSupport.Run r = lem("report", id, "-o", html.toString(), "--title", "Simulated <run>",
                "--results-dir", results());
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).startsWith("Report of 1 experiment: " + html.toAbsolutePath());
        String text = Files.readString(html);
        assertThat(text).contains("<title>Simulated &lt;run&gt;</title>").contains("id=\"exp-" + id + "\"")
                .contains("class=\"cdf\"").contains("data-n=\"8\"");
    }

    @Test
    void annotatedQualityScoresAreKeptAndShownByShowCompareAndReport() throws IOException {
        ExperimentResult fast = scripted("20260101T000000Z-fast00", "batch 8", 8, 1.0, 200);
        ExperimentResult slow = scripted("20260101T000100Z-slow00", "batch 1", 1, 4.0, 100);
        CliTestSupport.Run a = lem("results", "annotate", fast.id(), "quality.accuracy=0.71", "quality.rouge_l=0.43",
                "--note", "my eval, 200 items", "--results-dir", results());
        assertThat(a.exitCode()).as(a.err()).isZero();
        assertThat(a.out()).contains("Attached quality.accuracy=0.71 to " + fast.id());
        // a name attached again is replaced, the others kept
        assertThat(lem("results", "annotate", fast.id(), "quality.accuracy=0.74", "--results-dir", results())
                .exitCode()).isZero();
        assertThat(lem("results", "annotate", slow.id(), "quality.accuracy=0.69", "--results-dir", results())
                .exitCode()).isZero();
        ExperimentResult stored = new ResultsRepository(resultsDir()).current(fast.id());
        assertThat(stored.qualityScores()).extracting(q -> q.name() + "=" + q.value())
                .containsExactly("accuracy=0.74", "rouge_l=0.43");
        assertThat(stored.qualityScore("rouge_l").orElseThrow().note()).isEqualTo("my eval, 200 items");
        // the aggregate kept its measured figures (it was current: only the scores were added)
        assertThat(stored.summary()).isEqualTo(fast.summary());

        assertThat(lem("results", "show", fast.id(), "--results-dir", results()).out())
                .contains("quality.accuracy=0.74 (provided by the user (lem results annotate))");
        CliTestSupport.Run c = lem("compare", slow.id(), fast.id(), "--results-dir", results());
        assertThat(c.out()).contains("Quality (one value per experiment").containsPattern(
                "(?m)^  quality\\.accuracy\\s+0\\.69\\s+0\\.74\\s+0\\.05\\s+1\\.072\\s+provided by the user")
                .containsPattern("(?m)^  quality\\.rouge_l\\s+n/a\\s+0\\.43\\s+n/a");
        CliTestSupport.Run csv = lem("results", "export", "--csv", "--results-dir", results());
        assertThat(csv.out().lines().findFirst().orElseThrow()).contains(",adapter,quality_scores,");
        assertThat(csv.out()).contains(",accuracy=0.74 rouge_l=0.43,");
        // perplexity has no interval across cycles: a gate on it fails rather than passing silently
        CliTestSupport.Run gate = lem("compare", slow.id(), fast.id(), "--results-dir", results(), "--metric",
                "perplexity", "--fail-if-worse", "5");
        assertThat(gate.exitCode()).isEqualTo(LemCommand.EXIT_FAILED);
        assertThat(gate.err()).contains("lem: cannot gate on perplexity: measured once per experiment");
        Path html = dir.resolve("q.html");
        assertThat(lem("report", slow.id(), fast.id(), "-o", html.toString(), "--results-dir", results())
                .exitCode()).isZero();
        assertThat(Files.readString(html)).contains("Energy and quality").contains("data-score=\"accuracy\"")
                .contains("quality.rouge_l");
    }

    @Test
    void badAnnotationsNameTheFieldTheValueAndTheFix() {
        ExperimentResult r = scripted("20260101T000000Z-fast00", "batch 8", 8, 1.0, 200);
        for (String[] bad : new String[][] {
            {"accuracy=0.7", "\"accuracy\" (in accuracy=0.7) is not a quality score: scores are named quality.<name>"},
            {"quality.Acc=1", "\"Acc\" (in quality.Acc=1) is not a score name: use lower-case letters"},
            {"quality.accuracy=abc", "quality.accuracy: \"abc\" is not a number: write the score as a decimal number"},
            {"quality.accuracy=Infinity", "quality.accuracy: Infinity is not a finite number"},
            {"quality.perplexity=3", "quality.perplexity is measured by LEM"},
            {"quality.accuracy", "is not quality.<name>=<value>"}}) {
            CliTestSupport.Run run = lem("results", "annotate", r.id(), bad[0], "--results-dir", results());
            assertThat(run.exitCode()).as(bad[0]).isNotZero();
            assertThat(run.err()).as(bad[0]).contains(bad[1]);
        }
        assertThat(new ResultsRepository(resultsDir()).readQualityScores(r.id())).isEmpty();
        CliTestSupport.Run none = lem("results", "annotate", "20260101T000000Z-nosuch", "quality.accuracy=1",
                "--results-dir", results());
        assertThat(none.exitCode()).isNotZero();
        assertThat(none.err()).contains("20260101T000000Z-nosuch");
    }
}
