package dev.lem.report.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.awt.image.BufferedImage;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;
import org.xml.sax.InputSource;

/**
 * The drawing puts every value where it says: SVG coordinates read back and mapped through the plot area's
 * recorded domain, and the same figure as PNG has the marker's colour at the same place.
 */
class ChartGeometryTest {
    static Document parse(String svg) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(false);
        return f.newDocumentBuilder().parse(new InputSource(new StringReader(svg)));
    }

    static List<Element> byClass(Document d, String tag, String cls) {
        List<Element> out = new ArrayList<>();
        NodeList n = d.getElementsByTagName(tag);
        for (int i = 0; i < n.getLength(); i++) {
            Element e = (Element) n.item(i);
            if (List.of(e.getAttribute("class").split(" ")).contains(cls)) {
                out.add(e);
            }
        }
        return out;
    }

    static double num(Element e, String attr) {
        return Double.parseDouble(e.getAttribute(attr));
    }

    /** Where a value lands, from what the plot area records: linear or log. */
    static double expected(double v, double min, double max, double from, double to, boolean log) {
        double f = log ? (Math.log(v) - Math.log(min)) / (Math.log(max) - Math.log(min)) : (v - min) / (max - min);
        return from + f * (to - from);
    }

    private static XyChart scatter(boolean logX) {
        XyChart c = new XyChart(252, 190, Theme.PAPER).xLabel("x (ms)").yLabel("y (J/token)").xLog(logX);
        c.add(new XyChart.Series("a", XyChart.Kind.POINTS, Rgb.series(0), null, Canvas.Shape.CIRCLE, "a", List.of(
                new XyChart.Point(10, 0.5, 8, 12, 0.4, 0.6, false, "a", Map.of(), "A"),
                new XyChart.Point(100, 0.2, 90, 115, 0.15, 0.26, false, "b", Map.of(), ""),
                new XyChart.Point(1000, 0.1, Double.NaN, Double.NaN, 0.05, 0.2, true, "c", Map.of(), ""))));
        return c;
    }

    @Test
    void pointsAndErrorBarsSitWhereTheirValuesSay() throws Exception {
        for (boolean log : new boolean[] {false, true}) {
            Document d = parse(scatter(log).svg("3.5in", "2.64in", "", true));
            Element area = byClass(d, "rect", "plot-area").get(0);
            double x0 = num(area, "x");
            double y0 = num(area, "y");
            double w = num(area, "width");
            double h = num(area, "height");
            double xmin = num(area, "data-x-min");
            double xmax = num(area, "data-x-max");
            double ymin = num(area, "data-y-min");
            double ymax = num(area, "data-y-max");
            assertThat(area.getAttribute("data-x-scale")).isEqualTo(log ? "log" : "linear");
            List<Element> pts = byClass(d, "circle", "pt");
            assertThat(pts).hasSize(3);
            for (Element p : pts) {
                double vx = num(p, "data-x");
                double vy = num(p, "data-y");
                assertThat(num(p, "cx")).as("x of %s", vx).isCloseTo(expected(vx, xmin, xmax, x0, x0 + w, log),
                        within(0.01));
                assertThat(num(p, "cy")).as("y of %s", vy).isCloseTo(expected(vy, ymin, ymax, y0 + h, y0, false),
                        within(0.01));
                assertThat(vx).isBetween(xmin, xmax);
                assertThat(vy).isBetween(ymin, ymax);
            }
            // the first point's vertical error bar spans its interval [0.4, 0.6]
            double cx = num(pts.get(0), "cx");
            List<Double> ends = new ArrayList<>();
            for (Element e : byClass(d, "line", "err")) {
                if (Math.abs(num(e, "x1") - cx) < 0.01 && Math.abs(num(e, "x2") - cx) < 0.01) {
                    ends.add(num(e, "y1"));
                    ends.add(num(e, "y2"));
                }
            }
            assertThat(ends).anySatisfy(v -> assertThat(v).isCloseTo(expected(0.4, ymin, ymax, y0 + h, y0, false),
                    within(0.01)));
            assertThat(ends).anySatisfy(v -> assertThat(v).isCloseTo(expected(0.6, ymin, ymax, y0 + h, y0, false),
                    within(0.01)));
            // the muted point is grey
            assertThat(pts.get(2).getAttribute("fill")).isEqualTo(Rgb.MUTED.css());
        }
    }

    @Test
    void thePngHasTheMarkersAtTheSamePlaces() {
        XyChart c = scatter(true);
        double scale = 300 / 72.0;
        BufferedImage img = c.png(scale);
        assertThat(img.getWidth()).isEqualTo((int) Math.ceil(252 * scale));
        double[] p = c.position(100, 0.2).orElseThrow();
        int rgb = img.getRGB((int) Math.round(p[0] * scale), (int) Math.round(p[1] * scale)) & 0xffffff;
        assertThat(close(rgb, Rgb.series(0))).as("marker colour at (100, 0.2): %06x", rgb).isTrue();
        // an empty part of the plot is background
        double[] empty = c.position(300, 0.45).orElseThrow();
        int bg = img.getRGB((int) Math.round(empty[0] * scale), (int) Math.round(empty[1] * scale)) & 0xffffff;
        assertThat(close(bg, Rgb.series(0))).isFalse();
        assertThat(bg).as("background or a grid line").isIn(0xffffff, Rgb.GRID.argb() & 0xffffff);
    }

    static boolean close(int rgb, Rgb c) {
        return Math.abs(((rgb >> 16) & 0xff) - c.r()) < 24 && Math.abs(((rgb >> 8) & 0xff) - c.g()) < 24
                && Math.abs((rgb & 0xff) - c.b()) < 24;
    }

    @Test
    void rowsOfADotChartShowTheirValueOrWhyNot() throws Exception {
        DotChart c = new DotChart(504, Theme.REPORT).xLabel("energy (J)");
        c.add(new DotChart.Row("fast", 2, 1.5, 2.5, Rgb.series(0), "", "", "fast", Map.of()));
        c.add(new DotChart.Row("slow", 4, 3.5, 4.6, Rgb.series(1), "interrupted", "", "slow", Map.of()));
        c.add(new DotChart.Row("none", Double.NaN, Double.NaN, Double.NaN, Rgb.series(2), "", "no energy meter",
                null, Map.of()));
        Document d = parse(c.svg("600", "200", "", true));
        Element area = byClass(d, "rect", "plot-area").get(0);
        List<Element> pts = byClass(d, "circle", "pt");
        assertThat(pts).hasSize(2);
        for (Element p : pts) {
            assertThat(num(p, "cx")).isCloseTo(expected(num(p, "data-x"), num(area, "data-x-min"),
                    num(area, "data-x-max"), num(area, "x"), num(area, "x") + num(area, "width"), false), within(0.01));
        }
        // rows are in order, top to bottom
        assertThat(num(pts.get(0), "cy")).isLessThan(num(pts.get(1), "cy"));
        assertThat(byClass(d, "text", "missing").get(0).getTextContent()).isEqualTo("not available: no energy meter");
        assertThat(byClass(d, "text", "row-label").get(1).getTextContent()).isEqualTo("slow [interrupted]");
    }

    @Test
    void aStepCdfClimbsThroughItsPoints() throws Exception {
        XyChart c = new XyChart(400, 300, Theme.REPORT).yDomain(0, 1);
        c.add(new XyChart.Series("ttft", XyChart.Kind.STEP, Rgb.series(0), null, Canvas.Shape.CIRCLE, "cdf",
                List.of(XyChart.Point.of(10, 0.25), XyChart.Point.of(20, 0.5), XyChart.Point.of(40, 1))));
        Document d = parse(c.svg("400", "300", "", true));
        Element step = byClass(d, "polyline", "step").get(0);
        String[] pts = step.getAttribute("points").split(" ");
        assertThat(pts).hasSize(6);
        XyChart.Layout l = c.layout();
        // (10, 0) up to (10, 0.25), across to (20, 0.25), up to (20, 0.5), ...
        assertThat(Double.parseDouble(pts[1].split(",")[1])).isCloseTo(l.y().pos(0.25), within(0.01));
        assertThat(Double.parseDouble(pts[2].split(",")[0])).isCloseTo(l.x().pos(20), within(0.01));
        assertThat(Double.parseDouble(pts[2].split(",")[1])).isCloseTo(l.y().pos(0.25), within(0.01));
        assertThat(Double.parseDouble(pts[5].split(",")[1])).isCloseTo(l.y().pos(1), within(0.01));
    }

    @Test
    void textIsEscapedAndTheFigureIsWellFormed() throws Exception {
        XyChart c = new XyChart(300, 200, Theme.REPORT).title("<script>alert('x')</script> & co");
        c.add(new XyChart.Series("a\"b", XyChart.Kind.LINE, Rgb.series(0), null, Canvas.Shape.CIRCLE, "x",
                List.of(XyChart.Point.of(0, 1), XyChart.Point.of(1, 2))));
        String svg = c.svg("300", "200", "", true);
        assertThat(svg).doesNotContain("<script>").contains("&lt;script&gt;");
        assertThat(parse(svg).getDocumentElement().getTagName()).isEqualTo("svg");
    }

    @Test
    void ticksAreNiceAndThereAreEnough() {
        Scale s = new Scale(Scale.Kind.LINEAR, 7.1, 8.8, 0, 100);
        List<Double> t = s.ticks(3);
        assertThat(t.size()).isGreaterThanOrEqualTo(3);
        assertThat(s.labels(t)).containsExactly("7.5", "8.0", "8.5");
        Scale big = new Scale(Scale.Kind.LINEAR, 0, 5100, 0, 100);
        assertThat(big.labels(big.ticks(3))).containsExactly("0", "2000", "4000");
        Scale quarter = new Scale(Scale.Kind.LINEAR, 0, 10, 0, 100);
        assertThat(quarter.labels(quarter.ticks(4))).containsExactly("0.0", "2.5", "5.0", "7.5", "10.0");
        Scale thousands = new Scale(Scale.Kind.LINEAR, 0, 10_000, 0, 100);
        assertThat(thousands.labels(thousands.ticks(4))).containsExactly("0", "2500", "5000", "7500", "10000");
        Scale log = new Scale(Scale.Kind.LOG, 0.008, 12, 0, 100);
        assertThat(log.labels(log.ticks(5))).containsExactly("0.01", "0.1", "1", "10");
    }
}
