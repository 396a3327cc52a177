package dev.lem.report.internal;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * One value per labelled row with its interval as a horizontal error bar (a "forest plot"): a metric across
 * experiments. Rows without a value keep their label and say why, so an unavailable figure is visibly absent,
 * never drawn as zero. The height grows with the rows.
 */
public final class DotChart implements Chart {
    /**
     * One row.
     *
     * @param label   row label (shortened to fit; the tooltip has it whole)
     * @param value   the value, NaN when unavailable
     * @param lo      interval's lower end, NaN when none
     * @param hi      interval's upper end, NaN when none
     * @param color   marker colour
     * @param tag     a short word after the label, e.g. {@code interrupted}; empty for none
     * @param missing why the value is absent (shown instead of a marker)
     * @param tooltip hover text
     * @param data    extra {@code data-*} attributes of the marker
     */
    public record Row(String label, double value, double lo, double hi, Rgb color, String tag, String missing,
            @Nullable String tooltip, Map<String, String> data) {
        public Row {
            data = Map.copyOf(data);
        }
    }

    private final double width;
    private final Theme theme;
    private final List<Row> rows = new ArrayList<>();
    private String title = "";
    private String xLabel = "";
    private Scale.Kind kind = Scale.Kind.LINEAR;
    private double maxLabelShare = 0.38;
    private String footnote = "";
    private XyChart.@Nullable Layout layout;

    public DotChart(double width, Theme theme) {
        this.width = width;
        this.theme = theme;
    }

    public DotChart title(String t) {
        this.title = t;
        return this;
    }

    public DotChart xLabel(String l) {
        this.xLabel = l;
        return this;
    }

    public DotChart log(boolean log) {
        this.kind = log ? Scale.Kind.LOG : Scale.Kind.LINEAR;
        return this;
    }

    /** A line of small print under the figure, e.g. how its figures were obtained (empty: none). */
    public DotChart footnote(String text) {
        this.footnote = text;
        return this;
    }

    private List<String> footLines() {
        return XyChart.wrap(footnote, width - 2 * theme.pad(), theme.fontSize() * 0.85, theme);
    }

    /** The most of the width that row labels may take (0..1). */
    public DotChart maxLabelShare(double share) {
        this.maxLabelShare = share;
        return this;
    }

    public DotChart add(Row r) {
        rows.add(r);
        layout = null;
        return this;
    }

    private double rowHeight() {
        return theme.fontSize() * 1.9;
    }

    private double top() {
        return theme.pad() + (title.isEmpty() ? 0 : theme.titleSize() * 1.5) + theme.fontSize() * 0.5;
    }

    @Override
    public double width() {
        return width;
    }

    @Override
    public double height() {
        return top() + Math.max(1, rows.size()) * rowHeight() + theme.fontSize() * 1.8
                + (xLabel.isEmpty() ? 0 : theme.fontSize() * 1.5) + footLines().size() * theme.fontSize() * 1.1
                + theme.pad();
    }

    @Override
    public String label() {
        return title.isEmpty() ? xLabel : title;
    }

    private String rowText(Row r) {
        return r.tag().isEmpty() ? r.label() : r.label() + " [" + r.tag() + "]";
    }

    /** Where the plot area and the x scale are (the y "scale" maps row index to its centre). */
    public XyChart.Layout layout() {
        if (layout != null) {
            return layout;
        }
        double fs = theme.fontSize();
        double labelW = rows.stream().mapToDouble(r -> theme.textWidth(rowText(r), fs)).max().orElse(fs);
        labelW = Math.min(labelW, width * maxLabelShare);
        double left = theme.pad() + labelW + fs;
        double right = width - theme.pad() - fs * 1.2;
        double top = top();
        double bottom = top + Math.max(1, rows.size()) * rowHeight();
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (Row r : rows) {
            for (double v : new double[] {r.value(), r.lo(), r.hi()}) {
                if (Double.isFinite(v) && (kind == Scale.Kind.LINEAR || v > 0)) {
                    lo = Math.min(lo, v);
                    hi = Math.max(hi, v);
                }
            }
        }
        if (lo > hi) {
            lo = kind == Scale.Kind.LOG ? 1 : 0;
            hi = kind == Scale.Kind.LOG ? 10 : 1;
        }
        Scale x = Scale.fit(kind, lo, hi, left, right, false);
        Scale y = new Scale(Scale.Kind.LINEAR, -0.5, Math.max(1, rows.size()) - 0.5, top, bottom);
        layout = new XyChart.Layout(left, top, right, bottom, x, y);
        return layout;
    }

    @Override
    public void draw(Canvas c) {
        XyChart.Layout l = layout();
        double fs = theme.fontSize();
        if (!title.isEmpty()) {
            c.text(theme.pad(), theme.pad() + theme.titleSize(), title, theme.titleSize(), Canvas.Anchor.START, true, 0,
                    Rgb.INK, "chart-title");
        }
        Map<String, String> domains = new LinkedHashMap<>();
        domains.put("x-min", Double.toString(l.x().min()));
        domains.put("x-max", Double.toString(l.x().max()));
        domains.put("x-scale", l.x().kind().name().toLowerCase(java.util.Locale.ROOT));
        domains.put("rows", Integer.toString(rows.size()));
        c.rect(l.left(), l.top(), l.right() - l.left(), l.bottom() - l.top(), null, null, 0, "plot-area", domains,
                null);
        c.group("axes", Map.of());
        List<Double> ticks = l.x().ticks(Math.max(2, Math.min(8, (int) ((l.right() - l.left()) / (fs * 6)))));
        List<String> labels = l.x().labels(ticks);
        for (int i = 0; i < ticks.size(); i++) {
            double p = l.x().pos(ticks.get(i));
            c.line(p, l.top(), p, l.bottom(), Rgb.GRID, theme.axisWidth() * 0.8, null, "grid");
            c.text(p, l.bottom() + fs * 1.3, labels.get(i), fs, Canvas.Anchor.MIDDLE, false, 0, Rgb.INK, "tick");
        }
        c.line(l.left(), l.bottom(), l.right(), l.bottom(), Rgb.INK, theme.axisWidth(), null, "axis");
        List<String> foot = footLines();
        if (!xLabel.isEmpty()) {
            c.text((l.left() + l.right()) / 2, height() - theme.pad() - fs * 0.2 - foot.size() * fs * 1.1, xLabel, fs,
                    Canvas.Anchor.MIDDLE, false, 0, Rgb.INK, "axis-label");
        }
        for (int i = 0; i < foot.size(); i++) {
            c.text(theme.pad(), height() - theme.pad() - fs * 0.1 - (foot.size() - 1 - i) * fs * 1.1, foot.get(i),
                    fs * 0.85, Canvas.Anchor.START, false, 0, Rgb.MUTED, "footnote");
        }
        c.endGroup();
        double maxLabel = l.left() - theme.pad() - fs;
        double cap = theme.markerRadius() * 0.9;
        for (int i = 0; i < rows.size(); i++) {
            Row r = rows.get(i);
            double cy = l.y().pos(i);
            Map<String, String> rowData = new LinkedHashMap<>();
            rowData.put("row", Integer.toString(i));
            rowData.put("label", r.label());
            c.group("row", rowData);
            if (i % 2 == 1) {
                c.rect(l.left(), cy - rowHeight() / 2, l.right() - l.left(), rowHeight(), new Rgb(0, 0, 0, 0.03), null,
                        0, "stripe", Map.of(), null);
            }
            c.text(l.left() - fs * 0.5, cy + fs * 0.35, fit(rowText(r), maxLabel, fs), fs, Canvas.Anchor.END, false,
                    0, r.tag().isEmpty() ? Rgb.INK : Rgb.ALERT, "row-label");
            boolean ok = Double.isFinite(r.value()) && l.x().accepts(r.value());
            if (!ok) {
                c.text(l.left() + fs * 0.5, cy + fs * 0.35, "not available: " + r.missing(), fs * 0.9,
                        Canvas.Anchor.START, false, 0, Rgb.MUTED, "missing");
            } else {
                double px = l.x().pos(r.value());
                if (Double.isFinite(r.lo()) && Double.isFinite(r.hi())) {
                    double a = l.x().clampedPos(r.lo());
                    double b = l.x().clampedPos(r.hi());
                    c.line(a, cy, b, cy, r.color(), theme.axisWidth() * 1.2, null, "err");
                    c.line(a, cy - cap, a, cy + cap, r.color(), theme.axisWidth() * 1.2, null, "err");
                    c.line(b, cy - cap, b, cy + cap, r.color(), theme.axisWidth() * 1.2, null, "err");
                }
                Map<String, String> data = new LinkedHashMap<>();
                data.put("x", Double.toString(r.value()));
                data.put("row", Integer.toString(i));
                data.putAll(r.data());
                c.marker(px, cy, theme.markerRadius(), Canvas.Shape.CIRCLE, r.color(), Rgb.WHITE,
                        theme.axisWidth() * 0.6, "pt", data, r.tooltip());
            }
            c.endGroup();
        }
    }

    /** {@code s} cut with an ellipsis to about {@code maxWidth}. */
    private String fit(String s, double maxWidth, double size) {
        if (theme.textWidth(s, size) <= maxWidth) {
            return s;
        }
        int n = Math.max(1, (int) (maxWidth / (size * 0.6)) - 1);
        return s.substring(0, Math.min(s.length(), n)) + "…";
    }
}
