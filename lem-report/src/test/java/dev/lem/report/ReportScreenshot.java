package dev.lem.report;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes a PNG of a report's first screen (1280 × 1000 CSS pixels) as headless Chromium shows it; how
 * {@code docs/report-first-screen.png} was made:
 *
 * <pre>
 * ./lem report --all --results-dir /tmp/sweep -o /tmp/report.html
 * java -cp "lem-report/target/test-classes:lem-report/target/classes:$(cat lem-report/target/cp.txt)" \
 *     dev.lem.report.ReportScreenshot /tmp/report.html docs/report-first-screen.png
 * </pre>
 */
public final class ReportScreenshot {
    private ReportScreenshot() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            throw new IllegalArgumentException("usage: ReportScreenshot REPORT.html OUT.png");
        }
        Path browser = HeadlessBrowser.find().orElseThrow(() -> new IllegalStateException(
                "no headless browser: install chromium (.ci/install-chromium.sh) or set LEM_BROWSER"));
        Path work = Files.createTempDirectory("lem-screenshot");
        try (HeadlessBrowser b = HeadlessBrowser.start(browser, work)) {
            HeadlessBrowser.Page p = b.open(Path.of(args[0]), 1280, 1000);
            if (!p.consoleProblems().isEmpty() || p.requests().size() != 1) {
                throw new IllegalStateException("the page logged " + p.consoleProblems() + " or requested "
                        + p.requests());
            }
            p.screenshot(Path.of(args[1]));
        }
        System.out.println("wrote " + args[1]);
    }
}
