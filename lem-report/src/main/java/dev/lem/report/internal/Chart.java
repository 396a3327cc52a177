package dev.lem.report.internal;

import java.awt.image.BufferedImage;

/** A figure that can draw itself on a {@link Canvas}: the same calls for SVG and PNG. */
public interface Chart {
    /** Width in the figure's units. */
    double width();

    /** Height in the figure's units. */
    double height();

    /** What the figure shows, one line (the SVG's title and aria-label). */
    String label();

    /** Draws the figure. */
    void draw(Canvas canvas);

    /**
     * The figure as SVG.
     *
     * @param widthAttr  the {@code width} attribute ({@code "720"}, {@code "3.5in"})
     * @param heightAttr the {@code height} attribute
     * @param cls        class of the {@code <svg>} element
     * @param standalone an SVG file (XML declaration) rather than SVG inside HTML
     */
    default String svg(String widthAttr, String heightAttr, String cls, boolean standalone) {
        SvgCanvas c = new SvgCanvas(width(), height(), widthAttr, heightAttr, cls, label(), standalone);
        draw(c);
        return c.finish();
    }

    /** The figure inside HTML, sized in CSS pixels (one unit a pixel). */
    default String svg(String cls) {
        return svg(Svg.num(width()), Svg.num(height()), cls, false);
    }

    /** The figure as a bitmap, {@code scale} pixels per unit. */
    default BufferedImage png(double scale) {
        Java2dCanvas c = new Java2dCanvas(width(), height(), scale);
        draw(c);
        return c.finish();
    }
}
