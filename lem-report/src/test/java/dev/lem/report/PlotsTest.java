package dev.lem.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.lem.Metric;
import dev.lem.config.ConfigResolver;
import dev.lem.result.ExperimentResult;
import dev.lem.results.ScriptedResults;
import dev.lem.stats.Estimate;
import java.awt.image.BufferedImage;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;
import org.xml.sax.InputSource;

/** Paper figures: sized for a column, 8 pt text, every point and error bar where its estimate says, PNG alike. */
class PlotsTest {
    @TempDir
    Path dir;

    /** Three configurations: 4 cycles of 4 requests × 8 tokens at the given power, with scripted durations. */
    static List<ExperimentResult> three() {
        List<ExperimentResult> out = new ArrayList<>();
        double[][] durations = {{2.0, 2.2, 1.9, 2.1}, {1.0, 1.1, 0.95, 1.05}, {0.6, 0.63, 0.58, 0.61}};
        double[] watts = {100, 150, 240};
        String[] names = {"batch 1", "batch 4", "batch 8"};
        for (int i = 0; i < 3; i++) {
            double w = watts[i];
            out.add(ScriptedResults.experiment("2026010" + (i + 1) + "T000000Z-plot0" + i,
                    ConfigResolver.withDefaults().override("cycles=4").override("name=" + names[i]).resolve(),
                    java.util.Arrays.stream(durations[i]).mapToObj(d -> new ScriptedResults.Cycle(d, 4, 8, w * d))
                            .toList()));
        }
        return out;
    }

    static Document parse(String svg) throws Exception {
        return DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(new InputSource(new StringReader(svg)));
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

    static double pos(double v, Element area, String axis, double from, double to) {
        double min = Double.parseDouble(area.getAttribute("data-" + axis + "-min"));
        double max = Double.parseDouble(area.getAttribute("data-" + axis + "-max"));
        boolean log = "log".equals(area.getAttribute("data-" + axis + "-scale"));
        double f = log ? (Math.log(v) - Math.log(min)) / (Math.log(max) - Math.log(min)) : (v - min) / (max - min);
        return from + f * (to - from);
    }

    @Test
    void aScatterPutsEachExperimentAtItsMeansWithItsIntervals() throws Exception {
        List<ExperimentResult> rs = three();
        Figure f = Plots.scatter(rs, Metric.ENERGY_PER_OUTPUT_TOKEN_J, Metric.OUTPUT_TOKENS_PER_S);
        String svg = f.svg();
        Document d = parse(svg);
        Element root = d.getDocumentElement();
        assertThat(root.getAttribute("width")).isEqualTo("3.5in");
        assertThat(root.getAttribute("height")).isEqualTo("2.63in");
        assertThat(root.getAttribute("viewBox")).isEqualTo("0 0 252 189");
        // 8 pt text (ticks, labels, point names 7.2 pt), in points of the viewBox; the small print 6.8 pt
        NodeList texts = d.getElementsByTagName("text");
        for (int i = 0; i < texts.getLength(); i++) {
            Element t = (Element) texts.item(i);
            assertThat(Double.parseDouble(t.getAttribute("font-size"))).isBetween(
                    t.getAttribute("class").equals("footnote") ? 6.8 : 7.2, 9.0);
        }
        // the figure says how its figures were obtained and what the bars are
        assertThat(String.join(" ", byClass(d, "text", "footnote").stream().map(Element::getTextContent).toList()))
                .isEqualTo("J/token: measured · tokens/s: measured · bars: 95% CI");
        Element area = byClass(d, "rect", "plot-area").get(0);
        double x0 = Double.parseDouble(area.getAttribute("x"));
        double y0 = Double.parseDouble(area.getAttribute("y"));
        double w = Double.parseDouble(area.getAttribute("width"));
        double h = Double.parseDouble(area.getAttribute("height"));
        List<Element> pts = byClass(d, "circle", "pt");
        assertThat(pts).hasSize(3);
        for (Element p : pts) {
            ExperimentResult r = rs.stream().filter(x -> x.id().equals(p.getAttribute("data-exp"))).findFirst()
                    .orElseThrow();
            Estimate e = r.summary().get(Metric.ENERGY_PER_OUTPUT_TOKEN_J);
            Estimate t = r.summary().get(Metric.OUTPUT_TOKENS_PER_S);
            assertThat(Double.parseDouble(p.getAttribute("data-y"))).isEqualTo(e.mean());
            assertThat(Double.parseDouble(p.getAttribute("cx"))).isCloseTo(pos(t.mean(), area, "x", x0, x0 + w),
                    within(0.01));
            assertThat(Double.parseDouble(p.getAttribute("cy"))).isCloseTo(pos(e.mean(), area, "y", y0 + h, y0),
                    within(0.01));
            // its vertical error bar ends at the interval's ends
            double cx = Double.parseDouble(p.getAttribute("cx"));
            List<Double> ys = new ArrayList<>();
            for (Element l : byClass(d, "line", "err")) {
                if (Math.abs(Double.parseDouble(l.getAttribute("x1")) - cx) < 0.01
                        && Math.abs(Double.parseDouble(l.getAttribute("x2")) - cx) < 0.01) {
                    ys.add(Double.parseDouble(l.getAttribute("y1")));
                    ys.add(Double.parseDouble(l.getAttribute("y2")));
                }
            }
            assertThat(ys).anySatisfy(y -> assertThat(y).isCloseTo(pos(e.ciLow().orElseThrow(), area, "y", y0 + h, y0),
                    within(0.01)));
            assertThat(ys).anySatisfy(y -> assertThat(y).isCloseTo(pos(e.ciHigh().orElseThrow(), area, "y", y0 + h,
                    y0), within(0.01)));
        }
        assertThat(byClass(d, "text", "pt-label").stream().map(Element::getTextContent))
                .containsExactlyInAnyOrder("batch 1", "batch 4", "batch 8");
    }

    @Test
    void thePngShowsTheSamePoints() throws Exception {
        List<ExperimentResult> rs = three();
        Figure f = Plots.scatter(rs, Metric.ENERGY_PER_OUTPUT_TOKEN_J, Metric.OUTPUT_TOKENS_PER_S);
        Path png = f.writePng(dir.resolve("fig.png"));
        BufferedImage img = ImageIO.read(png.toFile());
        assertThat(img.getWidth()).isEqualTo(1050);   // 3.5 in at 300 dpi
        Document d = parse(f.svg());
        double scale = 300 / 72.0;
        for (Element p : byClass(d, "circle", "pt")) {
            int x = (int) Math.round(Double.parseDouble(p.getAttribute("cx")) * scale);
            int y = (int) Math.round(Double.parseDouble(p.getAttribute("cy")) * scale);
            int rgb = img.getRGB(x, y) & 0xffffff;
            assertThat(p.getAttribute("fill")).isEqualTo(String.format("#%06x", rgb).toLowerCase())
                    .as("the PNG's pixel at the SVG marker's centre has the marker's colour");
        }
    }

    @Test
    void aMetricFigureHasOneRowPerExperimentAndSaysWhenOneIsMissing() throws Exception {
        List<ExperimentResult> rs = three();
        Figure f = Plots.metric(rs, Metric.MFU).withWidthInches(7);
        Document d = parse(f.svg());
        assertThat(d.getDocumentElement().getAttribute("width")).isEqualTo("7in");
        assertThat(byClass(d, "circle", "pt")).isEmpty();
        assertThat(byClass(d, "text", "missing")).hasSize(3)
                .allSatisfy(t -> assertThat(t.getTextContent()).startsWith("not available: "));
        Figure energy = Plots.metric(rs, Metric.ENERGY_PER_OUTPUT_TOKEN_J);
        assertThat(byClass(parse(energy.svg()), "circle", "pt")).hasSize(3);
    }

    @Test
    void aParetoFigureGreysTheDominated() throws Exception {
        List<ExperimentResult> rs = new ArrayList<>(three());
        // batch 8 is fastest; "eco" is slow at 40 W and uses the least energy per token: both on the front, and
        // batch 1 and batch 4 (slower and hungrier than batch 8) dominated
        rs.add(ScriptedResults.experiment("20260104T000000Z-plot03", ConfigResolver.withDefaults()
                .override("cycles=4").override("name=eco").resolve(), List.of(new ScriptedResults.Cycle(3.0, 4, 8, 120),
                        new ScriptedResults.Cycle(3.1, 4, 8, 124), new ScriptedResults.Cycle(2.9, 4, 8, 116),
                        new ScriptedResults.Cycle(3.0, 4, 8, 120))));
        Document d = parse(Plots.pareto(rs, Metric.ENERGY_PER_OUTPUT_TOKEN_J, Metric.TPOT_MEAN_MS).svg());
        assertThat(byClass(d, "circle", "muted").stream().map(e -> e.getAttribute("data-exp")))
                .containsExactlyInAnyOrder(rs.get(0).id(), rs.get(1).id());
        assertThat(byClass(d, "circle", "pt").stream().filter(e -> e.getAttribute("data-front").equals("true"))
                .map(e -> e.getAttribute("data-exp"))).containsExactlyInAnyOrder(rs.get(2).id(), rs.get(3).id());
        // the front's line joins exactly its two points
        Element front = byClass(d, "g", "front").get(0);
        assertThat(front.getElementsByTagName("polyline").item(0).getAttributes().getNamedItem("points")
                .getNodeValue().split(" ")).hasSize(2);
    }

    @Test
    void filesAreWrittenByExtensionAndBadNamesAreRefused() throws Exception {
        Figure f = Plots.metric(three(), Metric.OUTPUT_TOKENS_PER_S);
        assertThat(Files.readString(f.write(dir.resolve("a/b/fig.svg")))).startsWith("<?xml");
        assertThat(ImageIO.read(f.write(dir.resolve("fig.png")).toFile())).isNotNull();
        assertThatThrownBy(() -> f.write(dir.resolve("fig.pdf"))).isInstanceOf(ReportException.class)
                .hasMessageContaining("fig.pdf").hasMessageContaining(".svg or .png");
        assertThatThrownBy(() -> f.withWidthInches(0.2)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("between 1 and 20 inches");
        assertThatThrownBy(() -> Plots.metric(List.of(), Metric.MFU)).isInstanceOf(ReportException.class)
                .hasMessageContaining("at least one experiment");
    }
}
