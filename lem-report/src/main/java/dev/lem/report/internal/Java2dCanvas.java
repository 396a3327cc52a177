package dev.lem.report.internal;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.GraphicsEnvironment;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Line2D;
import java.awt.geom.Path2D;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.util.Arrays;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Draws on a bitmap with Java2D, headless. Coordinates are in the figure's units and scaled by {@code scale}
 * (dots per unit: 300 dpi for a figure in points is 300/72). Text uses DejaVu Sans where installed (Debian's
 * fonts-dejavu-core), else Java's logical sans-serif font. Not thread-safe.
 */
public final class Java2dCanvas implements Canvas {
    private static final String FAMILY = pickFamily();

    private final BufferedImage image;
    private final Graphics2D g;

    /**
     * A white canvas of {@code width × height} units.
     *
     * @param scale pixels per unit
     */
    public Java2dCanvas(double width, double height, double scale) {
        int w = (int) Math.ceil(width * scale);
        int h = (int) Math.ceil(height * scale);
        image = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_STROKE_CONTROL, RenderingHints.VALUE_STROKE_PURE);
        g.setRenderingHint(RenderingHints.KEY_FRACTIONALMETRICS, RenderingHints.VALUE_FRACTIONALMETRICS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, w, h);
        g.scale(scale, scale);
    }

    private static String pickFamily() {
        try {
            String[] names = GraphicsEnvironment.getLocalGraphicsEnvironment().getAvailableFontFamilyNames();
            return Arrays.asList(names).contains("DejaVu Sans") ? "DejaVu Sans" : Font.SANS_SERIF;
        } catch (RuntimeException | Error e) {
            return Font.SANS_SERIF;
        }
    }

    /** The font family figures are drawn with here. */
    public static String fontFamily() {
        return FAMILY;
    }

    @Override
    public void group(String cls, Map<String, String> data) {
        // groups only structure SVG
    }

    @Override
    public void endGroup() {
        // groups only structure SVG
    }

    @Override
    public void rect(double x, double y, double w, double h, @Nullable Rgb fill, @Nullable Rgb stroke,
            double strokeWidth, String cls, Map<String, String> data, @Nullable String tooltip) {
        Rectangle2D r = new Rectangle2D.Double(x, y, Math.max(0, w), Math.max(0, h));
        if (fill != null) {
            g.setColor(color(fill));
            g.fill(r);
        }
        if (stroke != null && strokeWidth > 0) {
            g.setColor(color(stroke));
            g.setStroke(new BasicStroke((float) strokeWidth));
            g.draw(r);
        }
    }

    @Override
    public void line(double x1, double y1, double x2, double y2, Rgb stroke, double width, double @Nullable [] dash,
            String cls) {
        g.setColor(color(stroke));
        g.setStroke(stroke(width, dash));
        g.draw(new Line2D.Double(x1, y1, x2, y2));
    }

    @Override
    public void polyline(double[] xs, double[] ys, Rgb stroke, double width, double @Nullable [] dash, String cls,
            Map<String, String> data) {
        if (xs.length < 2) {
            return;
        }
        g.setColor(color(stroke));
        g.setStroke(stroke(width, dash));
        g.draw(path(xs, ys, false));
    }

    @Override
    public void polygon(double[] xs, double[] ys, Rgb fill, String cls) {
        if (xs.length < 3) {
            return;
        }
        g.setColor(color(fill));
        g.fill(path(xs, ys, true));
    }

    @Override
    public void marker(double cx, double cy, double r, Shape shape, @Nullable Rgb fill, Rgb stroke,
            double strokeWidth, String cls, Map<String, String> data, @Nullable String tooltip) {
        java.awt.Shape s = switch (shape) {
            case CIRCLE -> new Ellipse2D.Double(cx - r, cy - r, 2 * r, 2 * r);
            case SQUARE -> new Rectangle2D.Double(cx - r, cy - r, 2 * r, 2 * r);
            case DIAMOND -> path(new double[] {cx, cx + r, cx, cx - r}, new double[] {cy - r, cy, cy + r, cy}, true);
        };
        if (fill != null) {
            g.setColor(color(fill));
            g.fill(s);
        }
        if (strokeWidth > 0) {
            g.setColor(color(stroke));
            g.setStroke(new BasicStroke((float) strokeWidth));
            g.draw(s);
        }
    }

    @Override
    public void text(double x, double y, String s, double size, Anchor anchor, boolean bold, double rotate,
            Rgb color, String cls) {
        Font font = new Font(FAMILY, bold ? Font.BOLD : Font.PLAIN, 1).deriveFont((float) size);
        AffineTransform saved = g.getTransform();
        g.translate(x, y);
        if (rotate != 0) {
            g.rotate(Math.toRadians(rotate));
        }
        g.setFont(font);
        g.setColor(color(color));
        double w = font.getStringBounds(s, g.getFontRenderContext()).getWidth();
        double dx = switch (anchor) {
            case START -> 0;
            case MIDDLE -> -w / 2;
            case END -> -w;
        };
        g.drawString(s, (float) dx, 0f);
        g.setTransform(saved);
    }

    /** Finishes drawing and returns the image. */
    public BufferedImage finish() {
        g.dispose();
        return image;
    }

    private static Color color(Rgb c) {
        return new Color(c.r(), c.g(), c.b(), (int) Math.round(c.alpha() * 255));
    }

    private static BasicStroke stroke(double width, double @Nullable [] dash) {
        if (dash == null) {
            return new BasicStroke((float) width, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND);
        }
        float[] d = new float[dash.length];
        for (int i = 0; i < d.length; i++) {
            d[i] = (float) dash[i];
        }
        return new BasicStroke((float) width, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND, 10f, d, 0f);
    }

    private static Path2D path(double[] xs, double[] ys, boolean closed) {
        Path2D.Double p = new Path2D.Double();
        p.moveTo(xs[0], ys[0]);
        for (int i = 1; i < xs.length; i++) {
            p.lineTo(xs[i], ys[i]);
        }
        if (closed) {
            p.closePath();
        }
        return p;
    }
}
