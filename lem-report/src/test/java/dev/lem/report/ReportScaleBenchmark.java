package dev.lem.report;

import dev.lem.result.RunStatus;
import dev.lem.results.ResultsRepository;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The scale target, measured (a main, not a test: timings belong to benchmarks): a campaign of 50
 * experiments × 10 cycles with an hour of 100 ms time series per experiment (36,000 samples each, 1.8 million in
 * all) gives a report under 20 MB that opens in under 3 s in headless Chromium.
 *
 * <p>Writes the scripted results (a 5 × 10 grid of batch size × max output tokens, each cycle 6 minutes of 100 ms
 * samples with GPU telemetry), times {@code Report.from(...).writeHtml(...)}, then opens the file in Chromium
 * {@code --runs} times and reports the load time (navigation start to the end of the load event, as the page's own
 * Navigation Timing says, and the wall time until DevTools reports the load event), the size, and whether the page
 * logged any error or made any request.
 *
 * <pre>
 * ./mvnw -q -pl lem-report -am package -DskipTests -Dmaven.javadoc.skip dependency:build-classpath \
 *     -Dmdep.outputFile=target/cp.txt -Dmdep.includeScope=test
 * java -cp "lem-report/target/test-classes:lem-report/target/classes:$(cat lem-report/target/cp.txt)" \
 *     dev.lem.report.ReportScaleBenchmark --out /tmp/lem-scale [--experiments 50 --cycles 10 --hours 1 --runs 3]
 * </pre>
 */
public final class ReportScaleBenchmark {
    private ReportScaleBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int experiments = 50;
        int cycles = 10;
        double hours = 1;
        int runs = 3;
        Path out = Path.of("target/lem-scale");
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--experiments" -> experiments = Integer.parseInt(args[i + 1]);
                case "--cycles" -> cycles = Integer.parseInt(args[i + 1]);
                case "--hours" -> hours = Double.parseDouble(args[i + 1]);
                case "--runs" -> runs = Integer.parseInt(args[i + 1]);
                case "--out" -> out = Path.of(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        Files.createDirectories(out);
        ResultsRepository repo = new ResultsRepository(out.resolve("results"));
        double cycleS = hours * 3600 / cycles;
        int[] batches = {1, 2, 4, 8, 16};
        int[] tokens = {32, 48, 64, 96, 128, 160, 192, 224, 256, 288};
        List<String> ids = new ArrayList<>();
        long t0 = System.nanoTime();
        if (repo.experimentIds().size() == experiments) {
            ids.addAll(repo.experimentIds());
            System.out.println("reusing the " + experiments + " experiments under " + repo.root());
        } else {
            for (int e = 0; e < experiments; e++) {
                int batch = batches[e % batches.length];
                int tok = tokens[(e / batches.length) % tokens.length];
                String id = String.format(Locale.ROOT, "20260101T%02d%02d00Z-scal%02d", e / 60, e % 60, e);
                List<ScriptedRuns.Cycle> cs = new ArrayList<>();
                for (int c = 0; c < cycles; c++) {
                    double jitter = 1 + 0.02 * ((c * 7 + e) % 5 - 2);
                    cs.add(new ScriptedRuns.Cycle(cycleS * jitter, 50, 64, 120 + 25 * Math.log(batch) * 8 / 8
                            + tok / 8.0, 25, 0.1));
                }
                ScriptedRuns.write(repo, id, ScriptedRuns.config(cycles, "name=b" + batch + " t" + tok,
                        "batching.batch_size=" + batch, "max_output_tokens=" + tok), cs, RunStatus.COMPLETE,
                        Optional.empty(), 10, e % 10 == 3 ? 4 : -1);
                ids.add(id);
            }
            System.out.printf(Locale.ROOT, "wrote %d experiments x %d cycles (%.0f s of 100 ms samples each) in %.1f s%n",
                    experiments, cycles, hours * 3600, (System.nanoTime() - t0) / 1e9);
        }
        Path html = out.resolve("report-scale.html");
        long g0 = System.nanoTime();
        Report.from(repo, ids).writeHtml(html);
        double genS = (System.nanoTime() - g0) / 1e9;
        long size = Files.size(html);
        System.out.printf(Locale.ROOT, "report: %s, %.2f MB, generated in %.1f s%n", html, size / 1e6, genS);

        Path browser = HeadlessBrowser.find().orElseThrow(() -> new IllegalStateException(
                "no headless browser: install chromium (.ci/install-chromium.sh) or set LEM_BROWSER"));
        double[] navMs = new double[runs];
        double[] wallMs = new double[runs];
        try (HeadlessBrowser b = HeadlessBrowser.start(browser, out)) {
            for (int r = 0; r < runs; r++) {
                HeadlessBrowser.Page p = b.open(html, 1280, 1000);
                wallMs[r] = p.loadNanos / 1e6;
                navMs[r] = p.loadEventMs();
                int svgs = p.eval("document.querySelectorAll('svg').length").asInt();
                double fcp = p.eval("(function(){var e=performance.getEntriesByName('first-contentful-paint')[0];"
                        + "return e ? e.startTime : -1;})()").asDouble();
                long l0 = System.nanoTime();
                double height = p.eval("document.body.scrollHeight").asDouble();
                double layoutMs = (System.nanoTime() - l0) / 1e6;
                System.out.printf(Locale.ROOT, "open %d: first contentful paint %.0f ms, load event at %.0f ms "
                        + "(navigation timing), %.0f ms wall; layout of the whole page (%.0f px tall) %.0f ms more; "
                        + "%d figures; requests %s; console problems %d; CSP violations %d%n", r + 1, fcp, navMs[r],
                        wallMs[r], height, layoutMs, svgs, p.requests().size() == 1 ? "only the file"
                                : p.requests().toString(), p.consoleProblems().size(), p.violations().size());
            }
        }
        Arrays.sort(navMs);
        Arrays.sort(wallMs);
        System.out.printf(Locale.ROOT, "median of %d: %.0f ms (navigation timing), %.0f ms wall; size %.2f MB "
                + "(targets: < 3000 ms, < 20 MB)%n", runs, navMs[runs / 2], wallMs[runs / 2], size / 1e6);
    }
}
