package dev.lem.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lem.Metric;
import dev.lem.result.ExperimentResult;
import dev.lem.result.RunStatus;
import dev.lem.results.ResultsException;
import dev.lem.results.ResultsRepository;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The HTML report's content and its self-containment, checked on the text (the browser test opens it). */
class ReportTest {
    static final Instant AT = Instant.parse("2026-02-03T04:05:06Z");

    @TempDir
    Path dir;

    private ResultsRepository repo() {
        return new ResultsRepository(dir.resolve("results"));
    }

    private static ExperimentResult one(ResultsRepository repo, String id, String name) {
        return ScriptedRuns.write(repo, id, ScriptedRuns.config(3, "name=" + name), List.of(
                ScriptedRuns.Cycle.of(2, 4, 8, 200), ScriptedRuns.Cycle.of(2.2, 4, 8, 210),
                ScriptedRuns.Cycle.of(2.1, 4, 8, 205)));
    }

    private static String sha256(String s) throws Exception {
        return "sha256-" + Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256")
                .digest(s.getBytes(StandardCharsets.UTF_8)));
    }

    private static String between(String html, String open, String close) {
        int a = html.lastIndexOf(open) + open.length();
        return html.substring(a, html.indexOf(close, a));
    }

    @Test
    void everythingIsInlineAndThePolicyAllowsOnlyItsOwnScriptAndStyle() throws Exception {
        ResultsRepository repo = repo();
        ExperimentResult r = one(repo, "20260101T000000Z-aaaaaa", "alpha");
        String html = Report.from(repo, List.of(r.id())).withGeneratedAt(AT).html();
        Matcher csp = Pattern.compile("<meta http-equiv=\"Content-Security-Policy\" content=\"([^\"]+)\">")
                .matcher(html);
        assertThat(csp.find()).isTrue();
        String policy = csp.group(1).replace("&#39;", "'");
        assertThat(policy).startsWith("default-src 'none';").contains("base-uri 'none'").doesNotContain("unsafe");
        assertThat(policy).contains("script-src '" + sha256(between(html, "<script>", "</script>")) + "'");
        assertThat(policy).contains("style-src '" + sha256(between(html, "<style>", "</style>")) + "'");
        // nothing refers outside the file: no src, no external href, no CSS import or url()
        assertThat(html).doesNotContain(" src=").doesNotContain("@import").doesNotContain("url(")
                .doesNotContainPattern("href=\"(?!#)");
        assertThat(html).contains("generated 2026-02-03T04:05:06Z");
    }

    @Test
    void namesThatLookLikeMarkupStayText() {
        ResultsRepository repo = repo();
        ExperimentResult r = one(repo, "20260101T000000Z-bbbbbb", "</script><img src=x onerror=alert(1)>");
        String html = Report.from(repo, List.of(r.id())).html();
        assertThat(html).doesNotContain("<img src=x").doesNotContain("</script><img");
        // exactly two script elements end: the data block and the page's script
        assertThat(html.split("</script>", -1)).hasSize(3);
        assertThat(html).contains("\\u003c/script>\\u003cimg");
    }

    @Test
    void everyFigureSaysHowItWasObtainedAndUnavailableOnesSayWhy() {
        ResultsRepository repo = repo();
        ExperimentResult r = one(repo, "20260101T000000Z-cccccc", "gamma");
        String html = Report.from(repo, List.of(r.id())).html();
        // summary rows carry the basis; no FLOPs were recorded, so FLOPs are listed with the reason, not as a row
        assertThat(r.summary().find(Metric.FLOPS_PER_OUTPUT_TOKEN)).isEmpty();
        String why = r.summary().whyUnavailable(Metric.FLOPS_PER_OUTPUT_TOKEN).orElseThrow();
        assertThat(html).contains("<tr data-metric=\"energy_j\">").contains("measured: gpu; estimated: cpu")
                .doesNotContain("<tr data-metric=\"flops_per_output_token\">")
                .contains("<li data-metric=\"flops_per_output_token\"><span class=\"key\">flops_per_output_token"
                        + "</span>: " + dev.lem.report.internal.Svg.esc(why));
        // energy is partly estimated here, and the warnings at the top say so
        assertThat(html.indexOf("energy includes estimated figures")).isGreaterThan(0)
                .isLessThan(html.indexOf("<section id=\"exp-"));
    }

    @Test
    void recordsWithoutRawFilesSayWhatIsMissing() {
        ExperimentResult r = one(repo(), "20260101T000000Z-dddddd", "delta");
        String html = Report.of(r).html();
        assertThat(html).contains("Not shown: only the aggregated records were given (Report.of)")
                .contains("<table class=\"summary\">");
        assertThat(html).doesNotContain("class=\"cdf\"");
    }

    @Test
    void aPartialExperimentIsLabelledEverywhere() {
        ResultsRepository repo = repo();
        ExperimentResult ok = one(repo, "20260101T000000Z-eeeeee", "complete one");
        ExperimentResult cut = ScriptedRuns.write(repo, "20260101T000100Z-ffffff", ScriptedRuns.config(3,
                "name=cut short"), List.of(ScriptedRuns.Cycle.of(2, 4, 8, 200)), RunStatus.INTERRUPTED,
                Optional.of("interrupted by SIGINT after cycle 1 of 3"), 10, -1);
        assertThat(cut.isComplete()).isFalse();
        String html = Report.from(repo, List.of(ok.id(), cut.id())).html();
        assertThat(html).contains("cut short</a> is interrupted: interrupted by SIGINT after cycle 1 of 3")
                .contains("data-status=\"interrupted\"")
                .contains("Not complete — interrupted: interrupted by SIGINT after cycle 1 of 3")
                .contains("cut short [interrupted]");
    }

    @Test
    void aCycleInWhichEveryRequestFailedIsShownLeftOut() {
        ResultsRepository repo = repo();
        ExperimentResult r = ScriptedRuns.write(repo, "20260101T000000Z-gggggg", ScriptedRuns.config(3, "name=flaky",
                "stats.max_failure_rate=0.5"), List.of(ScriptedRuns.Cycle.of(2, 4, 8, 200),
                        ScriptedRuns.Cycle.failing(2, 4, 150), ScriptedRuns.Cycle.of(2.1, 4, 8, 205)));
        assertThat(r.summary().excludedCycles()).containsKey(1);
        String html = Report.from(repo, List.of(r.id())).html();
        assertThat(html).contains("cycle 2 left out of every figure: no request succeeded (4 of 4 failed; commonest: "
                + "HTTP 500 (4))").contains("data-phase=\"cycle 2 (left out)\"")
                .contains("<tr class=\"excluded\"><td>2</td><td>4</td><td>0</td>");
        // the per-cycle figures leave it out: two points, at cycles 1 and 3
        Matcher m = Pattern.compile("<figure class=\"per-cycle\" data-metric=\"output_tokens_per_s\">(.*?)</figure>")
                .matcher(html);
        assertThat(m.find()).isTrue();
        assertThat(Pattern.compile("class=\"pt\"").matcher(m.group(1)).results().count()).isEqualTo(2);
        assertThat(m.group(1)).contains("data-cycle=\"1\"").contains("data-cycle=\"3\"")
                .doesNotContain("data-cycle=\"2\"");
    }

    @Test
    void aDisturbedBaselineIsAWarningAtTheTop() {
        ResultsRepository repo = repo();
        // the idle baseline measured 60 W on the GPU; cycle 2 drew 50 W
        ExperimentResult r = ScriptedRuns.write(repo, "20260101T000000Z-idle00", ScriptedRuns.config(3, "name=idle"),
                List.of(ScriptedRuns.Cycle.of(2, 4, 8, 200), ScriptedRuns.Cycle.of(2, 4, 8, 50),
                        ScriptedRuns.Cycle.of(2, 4, 8, 210)));
        String html = Report.from(repo, List.of(r.id())).html();
        int at = html.indexOf("the idle baseline looks disturbed: gpu[0] in cycle 2 drew less than its idle power");
        assertThat(at).isGreaterThan(0).isLessThan(html.indexOf("<section id=\"exp-"));
        assertThat(html.substring(html.lastIndexOf("<li", at), at)).contains("data-category=\"baseline\"");
    }

    @Test
    void anHourOfSamplesIsThinnedForDisplay() {
        ResultsRepository repo = repo();
        ExperimentResult r = ScriptedRuns.write(repo, "20260101T000000Z-hhhhhh", ScriptedRuns.config(1, "name=hour"),
                List.of(ScriptedRuns.Cycle.of(3600, 4, 8, 250)), RunStatus.COMPLETE, Optional.empty(), 10, -1);
        String html = Report.from(repo, List.of(r.id())).html();
        Matcher m = Pattern.compile("\\((\\d+) samples, (\\d+) points drawn").matcher(html);
        assertThat(m.find()).isTrue();
        assertThat(Long.parseLong(m.group(1))).isEqualTo(36_000);
        // two power lines and two telemetry lines, each at most 600 points
        assertThat(Long.parseLong(m.group(2))).isLessThanOrEqualTo(4 * 600);
        assertThat(html.length()).isLessThan(400_000);
    }

    @Test
    void anUnreadableTimeSeriesIsSkippedAndNamed() throws Exception {
        ResultsRepository repo = repo();
        ExperimentResult r = one(repo, "20260101T000000Z-iiiiii", "iota");
        Path bad = repo.cycleDirectory(r.id(), 1).resolve("timeseries_0.csv");
        Files.writeString(bad, "t_ms,energy_j.gpu[0]\n100,abc\n");
        String html = Report.from(repo, List.of(r.id())).html();
        assertThat(html).contains("skipped time series " + bad).contains("not a number: &quot;abc&quot;");
        assertThat(html).contains("class=\"power\"");
    }

    @Test
    void badInputIsAClearErrorNamingWhatAndWhatToDo() {
        ResultsRepository repo = repo();
        assertThatThrownBy(() -> Report.of(List.of())).isInstanceOf(ReportException.class)
                .hasMessageContaining("at least one experiment").hasMessageContaining("lem results list");
        assertThatThrownBy(() -> Report.from(repo, List.of("../etc/passwd"))).isInstanceOf(ResultsException.class)
                .hasMessageContaining("\"../etc/passwd\" is not an experiment id");
        assertThatThrownBy(() -> Report.from(repo, List.of("20260101T000000Z-nosuch")))
                .isInstanceOf(ResultsException.class).hasMessageContaining("20260101T000000Z-nosuch")
                .hasMessageContaining("lem results list");
        ExperimentResult r = one(repo, "20260101T000000Z-jjjjjj", "jay");
        Path blocked = dir.resolve("file-not-folder");
        assertThatThrownBy(() -> {
            Files.writeString(blocked, "x");
            Report.of(r).writeHtml(blocked.resolve("report.html"));
        }).isInstanceOf(ResultsException.class).hasMessageContaining(blocked.toString());
    }

    @Test
    void duplicateNamesAreMadeUnique() {
        ResultsRepository repo = repo();
        ExperimentResult a = one(repo, "20260101T000000Z-kkkkkk", "same");
        ExperimentResult b = one(repo, "20260101T000100Z-llllll", "same");
        String html = Report.from(repo, List.of(a.id(), b.id(), a.id())).html();
        assertThat(html).contains(">same (20260101T000000Z-kkkkkk)</a>").contains(">same (20260101T000100Z-llllll)</a>");
        assertThat(Report.from(repo, List.of(a.id(), b.id(), a.id())).experiments()).hasSize(2);
    }
}
