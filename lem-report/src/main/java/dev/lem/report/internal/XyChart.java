package dev.lem.report.internal;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * An x–y figure: lines, CDF steps and points with error bars in both directions, shaded x ranges (phases) and y
 * ranges (an interval), reference lines, a legend. Built with the {@code add...} methods, then drawn; the layout
 * ({@link #layout()}) is computed from the data and the theme, so SVG and PNG get the same geometry.
 *
 * <p>The plot area is drawn as a {@code rect.plot-area} carrying the axes' domains ({@code data-x-min},
 * {@code data-x-max}, {@code data-y-min}, {@code data-y-max}, {@code data-x-scale}, {@code data-y-scale}), and each
 * marker carries the values it stands for ({@code data-x}, {@code data-y}), so a reader of the SVG can check that
 * every point sits where its value says.
 */
public final class XyChart implements Chart {
    /** How a series is drawn. */
    public enum Kind {
        /** A line through the points in order (a time series); a NaN y breaks it. */
        LINE,
        /** An empirical CDF: horizontal from each point to the next x, then up. */
        STEP,
        /** Markers, with error bars where the point has them. */
        POINTS
    }

    /**
     * One plotted value. Interval ends are NaN when there is none.
     *
     * @param x       x value
     * @param y       y value
     * @param xLo     lower end of x's interval
     * @param xHi     upper end of x's interval
     * @param yLo     lower end of y's interval
     * @param yHi     upper end of y's interval
     * @param muted   drawn grey (dominated, excluded)
     * @param tooltip shown on hover in the report; null for none
     * @param data    extra {@code data-*} attributes of the marker
     * @param label   text written next to the marker (empty for none), so that a printed figure names its points
     */
    public record Point(double x, double y, double xLo, double xHi, double yLo, double yHi, boolean muted,
            @Nullable String tooltip, Map<String, String> data, String label) {
        public Point {
            data = Map.copyOf(data);
        }

        /** A point without intervals. */
        public static Point of(double x, double y) {
            return new Point(x, y, Double.NaN, Double.NaN, Double.NaN, Double.NaN, false, null, Map.of(), "");
        }
    }

    /**
     * A series.
     *
     * @param label  legend text (empty: not in the legend)
     * @param kind   how it is drawn
     * @param color  its colour
     * @param dash   dash pattern of its line, null for solid
     * @param shape  marker shape (points)
     * @param cls    class of its SVG group
     * @param points its points, in drawing order
     */
    public record Series(String label, Kind kind, Rgb color, double @Nullable [] dash, Canvas.Shape shape, String cls,
            List<Point> points) {
        public Series {
            points = List.copyOf(points);
        }
    }

    /** A shaded x range, e.g. a phase of the run. */
    public record Band(double from, double to, String label, Rgb fill) {
    }

    /** A shaded y range with a line at {@code mid}, e.g. a cross-cycle interval around its mean. */
    public record HBand(double from, double to, double mid, String label, Rgb color) {
    }

    /** A horizontal (y) or vertical (x) reference line. */
    public record Ref(boolean vertical, double at, String label, Rgb color) {
    }

    /** Where things went: the plot area and the two scales. */
    public record Layout(double left, double top, double right, double bottom, Scale x, Scale y) {
    }

    private final double width;
    private final double height;
    private final Theme theme;
    private String title = "";
    private String xLabel = "";
    private String yLabel = "";
    private Scale.Kind xKind = Scale.Kind.LINEAR;
    private Scale.Kind yKind = Scale.Kind.LINEAR;
    private boolean yFromZero;
    private double @Nullable [] xDomain;
    private double @Nullable [] yDomain;
    private boolean legend = true;
    private double minLeft;
    private String footnote = "";
    private final List<Series> series = new ArrayList<>();
    private final List<Band> bands = new ArrayList<>();
    private final List<HBand> hbands = new ArrayList<>();
    private final List<Ref> refs = new ArrayList<>();
    private final List<Integer> xTickOverride = new ArrayList<>();
    private @Nullable Layout layout;

    public XyChart(double width, double height, Theme theme) {
        this.width = width;
        this.height = height;
        this.theme = theme;
    }

    public XyChart title(String t) {
        this.title = t;
        return this;
    }

    public XyChart xLabel(String l) {
        this.xLabel = l;
        return this;
    }

    public XyChart yLabel(String l) {
        this.yLabel = l;
        return this;
    }

    public XyChart xLog(boolean log) {
        this.xKind = log ? Scale.Kind.LOG : Scale.Kind.LINEAR;
        return this;
    }

    public XyChart yLog(boolean log) {
        this.yKind = log ? Scale.Kind.LOG : Scale.Kind.LINEAR;
        return this;
    }

    /** Start a linear y axis at zero (power, fractions). */
    public XyChart yFromZero(boolean z) {
        this.yFromZero = z;
        return this;
    }

    /** Fixes the x domain (several panels sharing a time axis). */
    public XyChart xDomain(double min, double max) {
        this.xDomain = new double[] {min, max};
        return this;
    }

    /** Fixes the y domain (a CDF: 0..1). */
    public XyChart yDomain(double min, double max) {
        this.yDomain = new double[] {min, max};
        return this;
    }

    /** Integer x ticks only (cycle numbers). */
    public XyChart integerXTicks(int... ticks) {
        xTickOverride.clear();
        for (int t : ticks) {
            xTickOverride.add(t);
        }
        return this;
    }

    /** A line of small print under the figure, e.g. how its figures were obtained (empty: none). */
    public XyChart footnote(String text) {
        this.footnote = text;
        layout = null;
        return this;
    }

    private List<String> footLines() {
        return wrap(footnote, width - 2 * theme.pad(), theme.fontSize() * 0.85, theme);
    }

    /** {@code text} broken at spaces into lines of at most {@code width} (estimated); none for empty text. */
    static List<String> wrap(String text, double width, double size, Theme theme) {
        List<String> lines = new ArrayList<>();
        if (text.isEmpty()) {
            return lines;
        }
        StringBuilder line = new StringBuilder();
        for (String word : text.split(" ")) {
            if (line.length() > 0 && theme.textWidth(line + " " + word, size) > width) {
                lines.add(line.toString());
                line.setLength(0);
            }
            line.append(line.length() == 0 ? "" : " ").append(word);
        }
        lines.add(line.toString());
        return lines;
    }

    /** Puts the plot area's left edge at least at {@code left}, so that stacked panels share an x axis exactly. */
    public XyChart minLeft(double left) {
        this.minLeft = left;
        layout = null;
        return this;
    }

    public XyChart legend(boolean show) {
        this.legend = show;
        return this;
    }

    public XyChart add(Series s) {
        series.add(s);
        layout = null;
        return this;
    }

    public XyChart band(Band b) {
        bands.add(b);
        return this;
    }

    public XyChart hband(HBand b) {
        hbands.add(b);
        layout = null;
        return this;
    }

    public XyChart ref(Ref r) {
        refs.add(r);
        layout = null;
        return this;
    }

    /** The series added so far. */
    public List<Series> series() {
        return List.copyOf(series);
    }

    @Override
    public double width() {
        return width;
    }

    @Override
    public double height() {
        return height;
    }

    @Override
    public String label() {
        return title.isEmpty() ? (yLabel + " against " + xLabel) : title;
    }

    /** Whether there is anything to plot: at least one finite value that fits the scales. */
    public boolean hasData() {
        return series.stream().flatMap(s -> s.points().stream())
                .anyMatch(p -> fits(p.x(), xKind) && fits(p.y(), yKind));
    }

    private static boolean fits(double v, Scale.Kind k) {
        return Double.isFinite(v) && (k == Scale.Kind.LINEAR || v > 0);
    }

    private int legendRows() {
        if (!legend) {
            return 0;
        }
        double avail = width - 2 * theme.pad();
        double x = 0;
        int rows = 0;
        for (Series s : series) {
            if (s.label().isEmpty()) {
                continue;
            }
            double w = legendItemWidth(s.label());
            if (rows == 0 || x + w > avail) {
                rows++;
                x = 0;
            }
            x += w;
        }
        return rows;
    }

    private double legendItemWidth(String label) {
        return theme.fontSize() * 2.2 + theme.textWidth(label, theme.fontSize()) + theme.fontSize();
    }

    /** Computes (once) where the plot area and the scales are. */
    public Layout layout() {
        if (layout != null) {
            return layout;
        }
        double fs = theme.fontSize();
        double top = theme.pad() + (title.isEmpty() ? 0 : theme.titleSize() * 1.5) + legendRows() * fs * 1.5
                + fs * 0.5;
        double bottom = height - theme.pad() - fs * 1.6 - (xLabel.isEmpty() ? 0 : fs * 1.5)
                - footLines().size() * fs * 1.1;
        double[] xr = domain(true);
        double[] yr = domain(false);
        Scale yProbe = domainScale(yKind, yr, bottom, top, yDomain == null && yFromZero);
        List<String> yLabels = yProbe.labels(yProbe.ticks(ticksFor(bottom - top)));
        double tickW = yLabels.stream().mapToDouble(l -> theme.textWidth(l, fs)).max().orElse(fs);
        double left = Math.max(minLeft, theme.pad() + (yLabel.isEmpty() ? 0 : fs * 1.6) + tickW + fs * 0.6);
        double right = width - theme.pad() - fs * 1.2;
        Scale xs = domainScale(xKind, xr, left, right, false);
        layout = new Layout(left, top, right, bottom, xs, yProbe);
        return layout;
    }

    private int ticksFor(double pixels) {
        return Math.max(2, Math.min(8, (int) (pixels / (theme.fontSize() * 3.5))));
    }

    private static Scale domainScale(Scale.Kind k, double[] r, double from, double to, boolean zero) {
        if (r.length == 3) {
            // a fixed domain
            return new Scale(k, r[0], r[1], from, to);
        }
        return Scale.fit(k, r[0], r[1], from, to, zero);
    }

    /** [lo, hi] of the data on one axis (with interval ends), or [min, max, fixed] when the domain is fixed. */
    private double[] domain(boolean x) {
        double[] fixed = x ? xDomain : yDomain;
        if (fixed != null) {
            return new double[] {fixed[0], fixed[1], 1};
        }
        Scale.Kind k = x ? xKind : yKind;
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (Series s : series) {
            for (Point p : s.points()) {
                double[] vs = x ? new double[] {p.x(), p.xLo(), p.xHi()} : new double[] {p.y(), p.yLo(), p.yHi()};
                for (double v : vs) {
                    if (fits(v, k)) {
                        lo = Math.min(lo, v);
                        hi = Math.max(hi, v);
                    }
                }
            }
        }
        if (x) {
            for (Band b : bands) {
                lo = Math.min(lo, b.from());
                hi = Math.max(hi, b.to());
            }
        } else {
            for (HBand b : hbands) {
                for (double v : new double[] {b.from(), b.to(), b.mid()}) {
                    if (fits(v, k)) {
                        lo = Math.min(lo, v);
                        hi = Math.max(hi, v);
                    }
                }
            }
        }
        for (Ref r : refs) {
            if (r.vertical() == x && fits(r.at(), k)) {
                lo = Math.min(lo, r.at());
                hi = Math.max(hi, r.at());
            }
        }
        if (lo > hi) {
            return k == Scale.Kind.LOG ? new double[] {1, 10} : new double[] {0, 1};
        }
        return new double[] {lo, hi};
    }

    @Override
    public void draw(Canvas c) {
        Layout l = layout();
        double fs = theme.fontSize();
        double y0 = theme.pad();
        if (!title.isEmpty()) {
            c.text(theme.pad(), y0 + theme.titleSize(), title, theme.titleSize(), Canvas.Anchor.START, true, 0,
                    Rgb.INK, "chart-title");
            y0 += theme.titleSize() * 1.5;
        }
        drawLegend(c, y0);
        // plot area, carrying its domains for readers of the SVG
        Map<String, String> domains = new LinkedHashMap<>();
        domains.put("x-min", Double.toString(l.x().min()));
        domains.put("x-max", Double.toString(l.x().max()));
        domains.put("y-min", Double.toString(l.y().min()));
        domains.put("y-max", Double.toString(l.y().max()));
        domains.put("x-scale", l.x().kind().name().toLowerCase(java.util.Locale.ROOT));
        domains.put("y-scale", l.y().kind().name().toLowerCase(java.util.Locale.ROOT));
        c.rect(l.left(), l.top(), l.right() - l.left(), l.bottom() - l.top(), null, null, 0, "plot-area", domains,
                null);
        drawBands(c, l);
        drawGridAndAxes(c, l);
        for (HBand b : hbands) {
            double a = l.y().clampedPos(b.to());
            double z = l.y().clampedPos(b.from());
            c.rect(l.left(), Math.min(a, z), l.right() - l.left(), Math.abs(z - a), b.color().withAlpha(0.15), null, 0,
                    "interval", Map.of("low", Double.toString(b.from()), "high", Double.toString(b.to())), b.label());
            if (l.y().accepts(b.mid())) {
                double m = l.y().pos(b.mid());
                c.line(l.left(), m, l.right(), m, b.color(), theme.axisWidth(), new double[] {4, 3}, "mean");
            }
        }
        for (Ref r : refs) {
            if (r.vertical()) {
                if (l.x().accepts(r.at())) {
                    double p = l.x().pos(r.at());
                    c.line(p, l.top(), p, l.bottom(), r.color(), theme.axisWidth(), new double[] {3, 3}, "ref");
                    c.text(p + fs * 0.3, l.top() + fs, r.label(), fs * 0.9, Canvas.Anchor.START, false, 0, r.color(),
                            "ref-label");
                }
            } else if (l.y().accepts(r.at())) {
                double p = l.y().pos(r.at());
                c.line(l.left(), p, l.right(), p, r.color(), theme.axisWidth(), new double[] {3, 3}, "ref");
                c.text(l.right() - fs * 0.3, p - fs * 0.3, r.label(), fs * 0.9, Canvas.Anchor.END, false, 0,
                        r.color(), "ref-label");
            }
        }
        for (int i = 0; i < series.size(); i++) {
            drawSeries(c, l, series.get(i), i);
        }
    }

    private void drawLegend(Canvas c, double y0) {
        if (!legend) {
            return;
        }
        double fs = theme.fontSize();
        double avail = width - 2 * theme.pad();
        double x = 0;
        double y = y0 - fs * 1.5;
        boolean first = true;
        c.group("legend", Map.of());
        for (Series s : series) {
            if (s.label().isEmpty()) {
                continue;
            }
            double w = legendItemWidth(s.label());
            if (first || x + w > avail) {
                y += fs * 1.5;
                x = 0;
                first = false;
            }
            double lx = theme.pad() + x;
            double ly = y + fs;
            if (s.kind() == Kind.POINTS) {
                c.marker(lx + fs * 0.8, ly - fs * 0.35, theme.markerRadius(), s.shape(), s.color(), s.color(), 0,
                        "legend-mark", Map.of(), null);
            } else {
                c.line(lx, ly - fs * 0.35, lx + fs * 1.6, ly - fs * 0.35, s.color(), theme.lineWidth() * 1.5, s.dash(),
                        "legend-mark");
            }
            c.text(lx + fs * 2.2, ly, s.label(), fs, Canvas.Anchor.START, false, 0, Rgb.INK, "legend-label");
            x += w;
        }
        c.endGroup();
    }

    private void drawBands(Canvas c, Layout l) {
        double fs = theme.fontSize();
        for (Band b : bands) {
            double a = l.x().clampedPos(b.from());
            double z = l.x().clampedPos(b.to());
            if (z - a <= 0) {
                continue;
            }
            c.rect(a, l.top(), z - a, l.bottom() - l.top(), b.fill(), null, 0, "phase",
                    Map.of("phase", b.label(), "from", Double.toString(b.from()), "to", Double.toString(b.to())),
                    b.label() + ": " + Fmt.sig(b.from(), 3) + "–" + Fmt.sig(b.to(), 3));
            double size = fs * 0.85;
            if (theme.textWidth(b.label(), size) + size < z - a) {
                c.text((a + z) / 2, l.top() + size * 1.2, b.label(), size, Canvas.Anchor.MIDDLE, false, 0, Rgb.INK,
                        "phase-label");
            }
        }
    }

    private void drawGridAndAxes(Canvas c, Layout l) {
        double fs = theme.fontSize();
        c.group("axes", Map.of());
        List<Double> yt = l.y().ticks(ticksFor(l.bottom() - l.top()));
        List<String> yl = l.y().labels(yt);
        for (int i = 0; i < yt.size(); i++) {
            double p = l.y().pos(yt.get(i));
            c.line(l.left(), p, l.right(), p, Rgb.GRID, theme.axisWidth() * 0.8, null, "grid");
            c.text(l.left() - fs * 0.4, p + fs * 0.35, yl.get(i), fs, Canvas.Anchor.END, false, 0, Rgb.INK, "tick");
        }
        List<Double> xt;
        List<String> xl;
        if (!xTickOverride.isEmpty()) {
            xt = xTickOverride.stream().map(Integer::doubleValue).toList();
            xl = xTickOverride.stream().map(String::valueOf).toList();
        } else {
            xt = l.x().ticks(Math.max(2, Math.min(10, (int) ((l.right() - l.left()) / (fs * 6)))));
            xl = l.x().labels(xt);
        }
        for (int i = 0; i < xt.size(); i++) {
            double p = l.x().pos(xt.get(i));
            if (p < l.left() - 0.5 || p > l.right() + 0.5) {
                continue;
            }
            c.line(p, l.top(), p, l.bottom(), Rgb.GRID, theme.axisWidth() * 0.8, null, "grid");
            c.text(p, l.bottom() + fs * 1.3, xl.get(i), fs, Canvas.Anchor.MIDDLE, false, 0, Rgb.INK, "tick");
        }
        c.line(l.left(), l.bottom(), l.right(), l.bottom(), Rgb.INK, theme.axisWidth(), null, "axis");
        c.line(l.left(), l.top(), l.left(), l.bottom(), Rgb.INK, theme.axisWidth(), null, "axis");
        List<String> foot = footLines();
        if (!xLabel.isEmpty()) {
            c.text((l.left() + l.right()) / 2, height - theme.pad() - fs * 0.2 - foot.size() * fs * 1.1, xLabel, fs,
                    Canvas.Anchor.MIDDLE, false, 0, Rgb.INK, "axis-label");
        }
        for (int i = 0; i < foot.size(); i++) {
            c.text(theme.pad(), height - theme.pad() - fs * 0.1 - (foot.size() - 1 - i) * fs * 1.1, foot.get(i),
                    fs * 0.85, Canvas.Anchor.START, false, 0, Rgb.MUTED, "footnote");
        }
        if (!yLabel.isEmpty()) {
            double x = theme.pad() + fs;
            double y = (l.top() + l.bottom()) / 2;
            c.text(x, y, yLabel, fs, Canvas.Anchor.MIDDLE, false, -90, Rgb.INK, "axis-label");
        }
        c.endGroup();
    }

    private void drawSeries(Canvas c, Layout l, Series s, int index) {
        Map<String, String> data = new LinkedHashMap<>();
        data.put("series", s.label());
        data.put("index", Integer.toString(index));
        c.group("series " + s.cls(), data);
        switch (s.kind()) {
            case LINE -> drawLine(c, l, s);
            case STEP -> drawStep(c, l, s);
            case POINTS -> drawPoints(c, l, s);
        }
        c.endGroup();
    }

    private void drawLine(Canvas c, Layout l, Series s) {
        List<double[]> run = new ArrayList<>();
        for (Point p : s.points()) {
            if (l.x().accepts(p.x()) && l.y().accepts(p.y())) {
                run.add(new double[] {l.x().pos(p.x()), l.y().pos(p.y())});
            } else {
                flush(c, run, s);
            }
        }
        flush(c, run, s);
    }

    private void flush(Canvas c, List<double[]> run, Series s) {
        if (run.size() >= 2) {
            double[] xs = run.stream().mapToDouble(a -> a[0]).toArray();
            double[] ys = run.stream().mapToDouble(a -> a[1]).toArray();
            c.polyline(xs, ys, s.color(), theme.lineWidth(), s.dash(), "line", Map.of());
        } else if (run.size() == 1) {
            c.marker(run.get(0)[0], run.get(0)[1], theme.lineWidth(), Canvas.Shape.CIRCLE, s.color(), s.color(), 0,
                    "lone", Map.of(), null);
        }
        run.clear();
    }

    private void drawStep(Canvas c, Layout l, Series s) {
        List<Point> pts = s.points().stream().filter(p -> l.x().accepts(p.x()) && l.y().accepts(p.y())).toList();
        if (pts.isEmpty()) {
            return;
        }
        double[] xs = new double[pts.size() * 2];
        double[] ys = new double[pts.size() * 2];
        double prevY = l.y().clampedPos(0);
        for (int i = 0; i < pts.size(); i++) {
            double px = l.x().pos(pts.get(i).x());
            double py = l.y().pos(pts.get(i).y());
            xs[2 * i] = px;
            ys[2 * i] = prevY;
            xs[2 * i + 1] = px;
            ys[2 * i + 1] = py;
            prevY = py;
        }
        Map<String, String> d = new LinkedHashMap<>();
        d.put("n", Integer.toString(pts.size()));
        c.polyline(xs, ys, s.color(), theme.lineWidth(), s.dash(), "step", d);
    }

    private void drawPoints(Canvas c, Layout l, Series s) {
        double cap = theme.markerRadius() * 0.9;
        for (Point p : s.points()) {
            if (!l.x().accepts(p.x()) || !l.y().accepts(p.y())) {
                continue;
            }
            Rgb col = p.muted() ? Rgb.MUTED : s.color();
            double px = l.x().pos(p.x());
            double py = l.y().pos(p.y());
            if (Double.isFinite(p.yLo()) && Double.isFinite(p.yHi())) {
                double a = l.y().clampedPos(p.yLo());
                double b = l.y().clampedPos(p.yHi());
                c.line(px, a, px, b, col, theme.axisWidth(), null, "err");
                c.line(px - cap, a, px + cap, a, col, theme.axisWidth(), null, "err");
                c.line(px - cap, b, px + cap, b, col, theme.axisWidth(), null, "err");
            }
            if (Double.isFinite(p.xLo()) && Double.isFinite(p.xHi())) {
                double a = l.x().clampedPos(p.xLo());
                double b = l.x().clampedPos(p.xHi());
                c.line(a, py, b, py, col, theme.axisWidth(), null, "err");
                c.line(a, py - cap, a, py + cap, col, theme.axisWidth(), null, "err");
                c.line(b, py - cap, b, py + cap, col, theme.axisWidth(), null, "err");
            }
            Map<String, String> data = new LinkedHashMap<>();
            data.put("x", Double.toString(p.x()));
            data.put("y", Double.toString(p.y()));
            data.putAll(p.data());
            c.marker(px, py, theme.markerRadius(), s.shape(), col, Rgb.WHITE, theme.axisWidth() * 0.6,
                    p.muted() ? "pt muted" : "pt", data, p.tooltip());
            if (!p.label().isEmpty()) {
                double size = theme.fontSize() * 0.9;
                boolean left = px + theme.textWidth(p.label(), size) + theme.markerRadius() * 2 > l.right();
                c.text(left ? px - theme.markerRadius() * 1.6 : px + theme.markerRadius() * 1.6,
                        py - theme.markerRadius() * 1.2, p.label(), size, left ? Canvas.Anchor.END : Canvas.Anchor.START,
                        false, 0, p.muted() ? Rgb.MUTED : Rgb.INK, "pt-label");
            }
        }
    }

    /** The plotted position of (x, y), if both fit the scales. */
    public Optional<double[]> position(double x, double y) {
        Layout l = layout();
        if (!l.x().accepts(x) || !l.y().accepts(y)) {
            return Optional.empty();
        }
        return Optional.of(new double[] {l.x().pos(x), l.y().pos(y)});
    }
}
