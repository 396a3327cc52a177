package dev.lem.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.lem.Metric;
import dev.lem.report.internal.Fmt;
import dev.lem.result.ExperimentResult;
import dev.lem.result.RunStatus;
import dev.lem.results.ResultsRepository;
import java.awt.image.BufferedImage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * The HTML report opened as a person would, in a real headless Chromium: no network request of any kind, no
 * console error, no Content-Security-Policy violation; the sections, numbers and figures present and rendered; the
 * script's picker and SLO slider working; print layout complete. A screenshot of the first screen is written to
 * {@code target/report-test-output/} for a person to look at. Skipped, saying why, where no browser is installed —
 * except in CI ({@code LEM_REQUIRE_BROWSER=true}), where that is a failure.
 */
class ReportBrowserTest {
    static final Path OUT = Path.of(System.getProperty("lem.report.test.output", "target/report-test-output"));
    static final Instant AT = Instant.parse("2026-02-03T04:05:06Z");

    @TempDir
    static Path work;

    static HeadlessBrowser browser;
    static ResultsRepository repo;
    static List<ExperimentResult> results = new ArrayList<>();
    static Path report;
    static HeadlessBrowser.Page page;

    @BeforeAll
    static void openReport() throws Exception {
        Optional<Path> exe = HeadlessBrowser.find();
        if (exe.isEmpty()) {
            String why = "no headless browser: install Debian's chromium (.ci/install-chromium.sh does, as root) or set "
                    + "LEM_BROWSER to a Chromium or Chrome";
            if (HeadlessBrowser.required()) {
                fail(why + " (LEM_REQUIRE_BROWSER=true: the browser tests must run here)");
            }
            System.out.println("ReportBrowserTest skipped: " + why);
            assumeTrue(false, why);
        }
        repo = new ResultsRepository(work.resolve("results"));
        // a small grid: batch 1, 4 and 8; batch 4 throttled in its second cycle; batch 8 interrupted after 2 of 3
        results.add(ScriptedRuns.write(repo, "20260101T000000Z-batch1", ScriptedRuns.config(3, "name=batch 1",
                "batching.batch_size=1"), List.of(ScriptedRuns.Cycle.of(8, 4, 16, 180),
                        ScriptedRuns.Cycle.of(8.4, 4, 16, 185), ScriptedRuns.Cycle.of(7.8, 4, 16, 178))));
        results.add(ScriptedRuns.write(repo, "20260101T000100Z-batch4", ScriptedRuns.config(3, "name=batch 4",
                "batching.batch_size=4"), List.of(ScriptedRuns.Cycle.of(4, 4, 16, 240),
                        ScriptedRuns.Cycle.of(4.3, 4, 16, 250), ScriptedRuns.Cycle.of(4.1, 4, 16, 245)),
                RunStatus.COMPLETE, Optional.empty(), 10, 1));
        results.add(ScriptedRuns.write(repo, "20260101T000200Z-batch8", ScriptedRuns.config(3, "name=batch 8",
                "batching.batch_size=8"), List.of(ScriptedRuns.Cycle.of(3, 4, 16, 300),
                        ScriptedRuns.Cycle.of(3.2, 4, 16, 310)),
                RunStatus.INTERRUPTED, Optional.of("interrupted by SIGTERM after cycle 2 of 3"), 10, -1));
        report = OUT.resolve("report-three-experiments.html");
        Report.from(repo, results.stream().map(ExperimentResult::id).toList()).withGeneratedAt(AT).writeHtml(report);
        browser = HeadlessBrowser.start(exe.get(), Files.createDirectories(OUT));
        page = browser.open(report, 1280, 1000);
    }

    @AfterAll
    static void closeBrowser() {
        if (browser != null) {
            browser.close();
        }
    }

    @Test
    void makesNoNetworkRequestAndLogsNoError() {
        String self = report.toAbsolutePath().toUri().toString();
        assertThat(page.requests()).as("requests the page made").allMatch(u -> u.equals(self));
        assertThat(page.consoleProblems()).as("console errors and exceptions").isEmpty();
        assertThat(page.logProblems()).as("browser log errors").isEmpty();
        assertThat(page.violations()).as("CSP violations").isEmpty();
    }

    @Test
    void everySectionAndFigureIsThereAndRendered() throws Exception {
        assertThat(page.eval("document.querySelectorAll('section.experiment').length").asInt()).isEqualTo(3);
        assertThat(page.eval("document.getElementById('comparison') !== null").asBoolean()).isTrue();
        // every figure laid out with a real size, and drawn (it has marks, not only axes)
        int charts = page.eval("document.querySelectorAll('svg.chart').length").asInt();
        assertThat(charts).isGreaterThan(20);
        int drawn = page.eval("Array.from(document.querySelectorAll('svg.chart')).filter(function (s) {"
                + "var b = s.getBoundingClientRect(); var f = s.closest('figure');"
                + "var hidden = f && getComputedStyle(f).display === 'none';"
                + "return hidden || (b.width > 100 && b.height > 50 && s.querySelector('.pt, polyline, .phase, .missing'));"
                + "}).length").asInt();
        assertThat(drawn).isEqualTo(charts);
        // latency CDFs: four per experiment plus the overlay, each a step line
        assertThat(page.eval("document.querySelectorAll('section.experiment figure.cdf polyline.step').length").asInt())
                .isEqualTo(12);
        // the timeline shades every phase of the run
        JsonNode phases = page.eval("Array.from(document.querySelectorAll('#exp-20260101T000000Z-batch1 figure.power "
                + "rect.phase')).map(function (r) { return r.getAttribute('data-phase'); })");
        assertThat(phases.toString()).contains("idle baseline", "model load", "warm-up", "cycle 1", "cycle 3",
                "model unload");
        assertThat(page.eval("document.querySelectorAll('#exp-20260101T000100Z-batch4 figure.throttle rect.phase')"
                + ".length").asInt()).as("the throttled stretch of batch 4's second cycle").isEqualTo(1);
        assertThat(page.eval("document.querySelectorAll('figure.telemetry').length").asInt()).isEqualTo(6);
    }

    @Test
    void warningsAndPartialResultsComeFirst() {
        String warnings = page.eval("document.getElementById('warnings').innerText").asString();
        assertThat(warnings).contains("batch 8 is interrupted: interrupted by SIGTERM after cycle 2 of 3")
                .contains("throttling").contains("energy estimated");
        assertThat(page.eval("document.getElementById('warnings').getBoundingClientRect().top < "
                + "document.getElementById('comparison').getBoundingClientRect().top").asBoolean()).isTrue();
        assertThat(page.eval("document.querySelector('#exp-20260101T000200Z-batch8 .badge').innerText").asString())
                .isEqualTo("interrupted");
    }

    @Test
    void theNumbersAreTheResultsNumbers() {
        for (ExperimentResult r : results) {
            for (Metric m : List.of(Metric.ENERGY_PER_OUTPUT_TOKEN_J, Metric.OUTPUT_TOKENS_PER_S, Metric.TPOT_MEAN_MS)) {
                String cell = page.eval("document.querySelector('#overview tr[data-exp=\"" + r.id()
                        + "\"] td[data-metric=\"" + m.key() + "\"]').firstChild.textContent").asString();
                assertThat(cell).as(r.id() + " " + m.key()).isEqualTo(Fmt.sig(r.summary().get(m).mean()));
            }
            // the summary table says how each figure was obtained
            String basis = page.eval("document.querySelector('#exp-" + r.id()
                    + " table.summary tr[data-metric=\"energy_j\"] td.basis').innerText").asString();
            assertThat(basis).isEqualTo(r.summary().get(Metric.ENERGY_J).basis()).contains("measured: gpu")
                    .contains("estimated: cpu");
        }
        // unavailable figures are listed with their reason, never shown as zero
        assertThat(page.eval("document.querySelector('#exp-20260101T000000Z-batch1 .unavailable "
                + "li[data-metric=\"flops_per_output_token\"]').innerText").asString()).contains("flops_per_output_token: ")
                .contains(results.get(0).summary().whyUnavailable(Metric.FLOPS_PER_OUTPUT_TOKEN).orElseThrow());
        JsonNode data = page.eval("JSON.parse(document.getElementById('lem-data').textContent)");
        assertThat(data.path("experiments").size()).isEqualTo(3);
        assertThat(data.path("experiments").get(2).path("status").asString()).isEqualTo("interrupted");
    }

    @Test
    void thePickerShowsOneMetricAndTheSliderPicksTheCheapestConfigurationMeetingTheDeadline() {
        String visible = "Array.from(document.querySelectorAll('.metric-fig')).filter(function (f) {"
                + "return getComputedStyle(f).display !== 'none'; }).map(function (f) {"
                + "return f.getAttribute('data-metric'); }).join(',')";
        assertThat(page.eval(visible).asString()).isEqualTo("energy_per_output_token_j");
        page.eval("var s = document.getElementById('metric-pick'); s.value = 'tpot_mean_ms';"
                + "s.dispatchEvent(new Event('change')); true");
        assertThat(page.eval(visible).asString()).isEqualTo("tpot_mean_ms");

        // the loosest deadline: every configuration meets it, so the pick is the lowest energy of all
        ExperimentResult cheapest = results.stream().min(java.util.Comparator.comparingDouble(
                r -> r.summary().get(Metric.ENERGY_PER_OUTPUT_TOKEN_J).mean())).orElseThrow();
        page.eval("var d = document.getElementById('slo-deadline'); d.value = 1000; d.dispatchEvent(new Event('input'));"
                + "true");
        assertThat(page.eval("document.getElementById('slo-result').innerText").asString())
                .contains("Lowest energy").contains(cheapest.config().name().orElseThrow());
        // the tightest: none does
        page.eval("var d = document.getElementById('slo-deadline'); d.value = 0; d.dispatchEvent(new Event('input'));"
                + "true");
        assertThat(page.eval("document.getElementById('slo-result').innerText").asString()).startsWith("No configuration");
        assertThat(page.consoleProblems()).isEmpty();
    }

    @Test
    void printLayoutShowsEveryFigure() {
        page.eval("true");
        browser.send(page.session, "Emulation.setEmulatedMedia", Map.of("media", "print"));
        try {
            int all = page.eval("document.querySelectorAll('.metric-fig').length").asInt();
            int shown = page.eval("Array.from(document.querySelectorAll('.metric-fig')).filter(function (f) {"
                    + "return getComputedStyle(f).display !== 'none'; }).length").asInt();
            assertThat(shown).isEqualTo(all).isGreaterThan(5);
            JsonNode pdf = browser.send(page.session, "Page.printToPDF", Map.of());
            assertThat(java.util.Base64.getDecoder().decode(pdf.get("data").asString())).startsWith(
                    "%PDF".getBytes(StandardCharsets.US_ASCII));
        } finally {
            browser.send(page.session, "Emulation.setEmulatedMedia", Map.of("media", ""));
        }
    }

    @Test
    void writesAScreenshotOfTheFirstScreen() throws Exception {
        Path png = OUT.resolve("report-first-screen.png");
        page.eval("window.scrollTo(0, 0); true");
        page.screenshot(png);
        BufferedImage img = ImageIO.read(png.toFile());
        assertThat(img.getWidth()).isEqualTo(1280);
        assertThat(img.getHeight()).isEqualTo(1000);
        // not a blank page: many distinct colours (text, badges, the warning box, a figure)
        java.util.Set<Integer> colours = new java.util.HashSet<>();
        for (int y = 0; y < img.getHeight(); y += 4) {
            for (int x = 0; x < img.getWidth(); x += 4) {
                colours.add(img.getRGB(x, y));
            }
        }
        assertThat(colours.size()).isGreaterThan(50);
    }

    /** The checks can fail: a report that tries to load something is caught, by request or by the CSP. */
    @Test
    void aPageThatReachesForTheNetworkIsCaught() throws Exception {
        String html = Files.readString(report, StandardCharsets.UTF_8);
        // an image from elsewhere, as a CDN-loaded chart library would be
        Path tainted = OUT.resolve("report-tainted.html");
        Files.writeString(tainted, html.replace("<body>", "<body><img src=\"http://127.0.0.1:9/chart.png\" alt=\"\">"),
                StandardCharsets.UTF_8);
        HeadlessBrowser.Page p = browser.open(tainted, 1280, 1000);
        assertThat(p.violations()).anyMatch(v -> v.contains("http://127.0.0.1:9/chart.png"));
        // the same without the CSP: the request itself is seen
        Path open = OUT.resolve("report-tainted-no-csp.html");
        Files.writeString(open, html.replaceFirst("<meta http-equiv=\"Content-Security-Policy\"[^>]*>", "")
                .replace("<body>", "<body><img src=\"http://127.0.0.1:9/chart.png\" alt=\"\">"), StandardCharsets.UTF_8);
        HeadlessBrowser.Page q = browser.open(open, 1280, 1000);
        assertThat(q.requests()).contains("http://127.0.0.1:9/chart.png");
        // and a script error
        Path broken = OUT.resolve("report-broken-script.html");
        Files.writeString(broken, html.replaceFirst("<meta http-equiv=\"Content-Security-Policy\"[^>]*>", "")
                .replace("'use strict';", "'use strict'; undefinedFunction();"), StandardCharsets.UTF_8);
        HeadlessBrowser.Page b = browser.open(broken, 1280, 1000);
        assertThat(b.consoleProblems()).anyMatch(m -> m.contains("undefinedFunction"));
    }
}
