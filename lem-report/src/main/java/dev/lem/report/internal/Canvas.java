package dev.lem.report.internal;

import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * What a chart draws on: SVG text ({@link SvgCanvas}) or a bitmap ({@link Java2dCanvas}). Coordinates are in the
 * chart's own units (CSS pixels for the report, points for paper figures), y growing downwards. Both canvases get
 * the same calls, so a figure's geometry is the same in SVG and PNG and a test can check either.
 *
 * <p>{@code cls} and {@code data} only matter in SVG: a class for the report's stylesheet and scripts, and
 * {@code data-*} attributes that carry the plotted values (tests read them back); {@code tooltip} becomes an SVG
 * {@code <title>}, which browsers show on hover without any script.
 */
public interface Canvas {
    /** Text anchoring: where (x, y) is along the text's baseline. */
    enum Anchor { START, MIDDLE, END }

    /** Marker shapes. */
    enum Shape { CIRCLE, SQUARE, DIAMOND }

    /** Opens a group (an SVG {@code <g>}); close it with {@link #endGroup()}. */
    void group(String cls, Map<String, String> data);

    /** Closes the innermost group. */
    void endGroup();

    /** A rectangle; {@code fill} or {@code stroke} may be null for none. */
    void rect(double x, double y, double w, double h, @Nullable Rgb fill, @Nullable Rgb stroke, double strokeWidth,
            String cls, Map<String, String> data, @Nullable String tooltip);

    /** A straight line. {@code dash} is null for solid, else on/off lengths. */
    void line(double x1, double y1, double x2, double y2, Rgb stroke, double width, double @Nullable [] dash,
            String cls);

    /** An open polyline through the points. */
    void polyline(double[] xs, double[] ys, Rgb stroke, double width, double @Nullable [] dash, String cls,
            Map<String, String> data);

    /** A closed, filled polygon. */
    void polygon(double[] xs, double[] ys, Rgb fill, String cls);

    /** A marker centred on (cx, cy) of radius r. */
    void marker(double cx, double cy, double r, Shape shape, @Nullable Rgb fill, Rgb stroke, double strokeWidth,
            String cls, Map<String, String> data, @Nullable String tooltip);

    /** Text with its baseline at y, rotated by {@code rotate} degrees about (x, y). */
    void text(double x, double y, String s, double size, Anchor anchor, boolean bold, double rotate, Rgb color,
            String cls);
}
