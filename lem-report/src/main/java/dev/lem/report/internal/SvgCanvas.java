package dev.lem.report.internal;

import java.util.Map;
import org.jspecify.annotations.Nullable;

/** Draws into SVG text. Not thread-safe: one canvas per figure. */
public final class SvgCanvas implements Canvas {
    /** The font stack of every figure: DejaVu Sans where installed (also what PNGs use), else a sans-serif. */
    public static final String FONT = "'DejaVu Sans', Verdana, Arial, Helvetica, sans-serif";

    private final StringBuilder out = new StringBuilder(4096);
    private int depth;
    private boolean finished;

    /**
     * Starts a figure.
     *
     * @param width      width in the figure's units (the viewBox)
     * @param height     height in the figure's units
     * @param widthAttr  the {@code width} attribute, e.g. {@code "720"} (CSS pixels) or {@code "3.5in"}
     * @param heightAttr the {@code height} attribute
     * @param cls        class of the {@code <svg>} element
     * @param label      what the figure shows, for screen readers ({@code aria-label}) and as its title
     * @param standalone true for an SVG file (XML declaration, namespace); false inside HTML
     */
    public SvgCanvas(double width, double height, String widthAttr, String heightAttr, String cls, String label,
            boolean standalone) {
        if (standalone) {
            out.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        }
        out.append("<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 ").append(Svg.num(width)).append(' ')
                .append(Svg.num(height)).append("\" width=\"").append(Svg.esc(widthAttr)).append("\" height=\"")
                .append(Svg.esc(heightAttr)).append('"');
        if (!cls.isEmpty()) {
            out.append(" class=\"").append(Svg.esc(cls)).append('"');
        }
        out.append(" role=\"img\" aria-label=\"").append(Svg.esc(label)).append("\" font-family=\"")
                .append(Svg.esc(FONT)).append("\">");
        out.append("<title>").append(Svg.esc(label)).append("</title>");
        rect(0, 0, width, height, Rgb.WHITE, null, 0, "bg", Map.of(), null);
    }

    @Override
    public void group(String cls, Map<String, String> data) {
        out.append("<g");
        attrs(cls, data);
        out.append('>');
        depth++;
    }

    @Override
    public void endGroup() {
        if (depth == 0) {
            throw new IllegalStateException("no group is open");
        }
        out.append("</g>");
        depth--;
    }

    @Override
    public void rect(double x, double y, double w, double h, @Nullable Rgb fill, @Nullable Rgb stroke,
            double strokeWidth, String cls, Map<String, String> data, @Nullable String tooltip) {
        out.append("<rect x=\"").append(Svg.num(x)).append("\" y=\"").append(Svg.num(y)).append("\" width=\"")
                .append(Svg.num(Math.max(0, w))).append("\" height=\"").append(Svg.num(Math.max(0, h))).append('"');
        paint(fill, stroke, strokeWidth, null);
        attrs(cls, data);
        close(tooltip, "rect");
    }

    @Override
    public void line(double x1, double y1, double x2, double y2, Rgb stroke, double width, double @Nullable [] dash,
            String cls) {
        out.append("<line x1=\"").append(Svg.num(x1)).append("\" y1=\"").append(Svg.num(y1)).append("\" x2=\"")
                .append(Svg.num(x2)).append("\" y2=\"").append(Svg.num(y2)).append('"');
        paint(null, stroke, width, dash);
        attrs(cls, Map.of());
        out.append("/>");
    }

    @Override
    public void polyline(double[] xs, double[] ys, Rgb stroke, double width, double @Nullable [] dash, String cls,
            Map<String, String> data) {
        if (xs.length < 2) {
            return;
        }
        out.append("<polyline points=\"");
        points(xs, ys);
        out.append('"');
        paint(null, stroke, width, dash);
        out.append(" stroke-linejoin=\"round\"");
        attrs(cls, data);
        out.append("/>");
    }

    @Override
    public void polygon(double[] xs, double[] ys, Rgb fill, String cls) {
        if (xs.length < 3) {
            return;
        }
        out.append("<polygon points=\"");
        points(xs, ys);
        out.append('"');
        paint(fill, null, 0, null);
        attrs(cls, Map.of());
        out.append("/>");
    }

    @Override
    public void marker(double cx, double cy, double r, Shape shape, @Nullable Rgb fill, Rgb stroke,
            double strokeWidth, String cls, Map<String, String> data, @Nullable String tooltip) {
        String tag;
        switch (shape) {
            case CIRCLE -> {
                tag = "circle";
                out.append("<circle cx=\"").append(Svg.num(cx)).append("\" cy=\"").append(Svg.num(cy))
                        .append("\" r=\"").append(Svg.num(r)).append('"');
            }
            case SQUARE -> {
                tag = "rect";
                out.append("<rect x=\"").append(Svg.num(cx - r)).append("\" y=\"").append(Svg.num(cy - r))
                        .append("\" width=\"").append(Svg.num(2 * r)).append("\" height=\"").append(Svg.num(2 * r))
                        .append('"');
            }
            default -> {
                tag = "polygon";
                out.append("<polygon points=\"").append(Svg.num(cx)).append(',').append(Svg.num(cy - r)).append(' ')
                        .append(Svg.num(cx + r)).append(',').append(Svg.num(cy)).append(' ').append(Svg.num(cx))
                        .append(',').append(Svg.num(cy + r)).append(' ').append(Svg.num(cx - r)).append(',')
                        .append(Svg.num(cy)).append('"');
            }
        }
        // the centre, whatever the shape, so that a reader of the SVG finds where the value was plotted
        out.append(" data-cx=\"").append(Svg.num(cx)).append("\" data-cy=\"").append(Svg.num(cy)).append('"');
        paint(fill, stroke, strokeWidth, null);
        attrs(cls, data);
        close(tooltip, tag);
    }

    @Override
    public void text(double x, double y, String s, double size, Anchor anchor, boolean bold, double rotate,
            Rgb color, String cls) {
        out.append("<text x=\"").append(Svg.num(x)).append("\" y=\"").append(Svg.num(y)).append("\" font-size=\"")
                .append(Svg.num(size)).append('"');
        if (anchor != Anchor.START) {
            out.append(" text-anchor=\"").append(anchor == Anchor.MIDDLE ? "middle" : "end").append('"');
        }
        if (bold) {
            out.append(" font-weight=\"bold\"");
        }
        if (rotate != 0) {
            out.append(" transform=\"rotate(").append(Svg.num(rotate)).append(' ').append(Svg.num(x)).append(' ')
                    .append(Svg.num(y)).append(")\"");
        }
        if (!color.equals(Rgb.INK)) {
            out.append(" fill=\"").append(color.css()).append('"');
        }
        attrs(cls, Map.of());
        out.append('>').append(Svg.esc(s)).append("</text>");
    }

    /** Closes the figure and returns its SVG text. */
    public String finish() {
        if (!finished) {
            while (depth > 0) {
                endGroup();
            }
            out.append("</svg>");
            finished = true;
        }
        return out.toString();
    }

    private void points(double[] xs, double[] ys) {
        for (int i = 0; i < xs.length; i++) {
            if (i > 0) {
                out.append(' ');
            }
            out.append(Svg.num(xs[i])).append(',').append(Svg.num(ys[i]));
        }
    }

    private void paint(@Nullable Rgb fill, @Nullable Rgb stroke, double width, double @Nullable [] dash) {
        out.append(" fill=\"").append(fill == null ? "none" : fill.css()).append('"');
        if (fill != null && fill.alpha() < 1) {
            out.append(" fill-opacity=\"").append(Svg.num(fill.alpha())).append('"');
        }
        if (stroke != null && width > 0) {
            out.append(" stroke=\"").append(stroke.css()).append("\" stroke-width=\"").append(Svg.num(width))
                    .append('"');
            if (stroke.alpha() < 1) {
                out.append(" stroke-opacity=\"").append(Svg.num(stroke.alpha())).append('"');
            }
            if (dash != null) {
                out.append(" stroke-dasharray=\"");
                for (int i = 0; i < dash.length; i++) {
                    out.append(i == 0 ? "" : " ").append(Svg.num(dash[i]));
                }
                out.append('"');
            }
        }
    }

    private void attrs(String cls, Map<String, String> data) {
        if (!cls.isEmpty()) {
            out.append(" class=\"").append(Svg.esc(cls)).append('"');
        }
        data.forEach((k, v) -> out.append(" data-").append(k).append("=\"").append(Svg.esc(v)).append('"'));
    }

    private void close(@Nullable String tooltip, String tag) {
        if (tooltip == null) {
            out.append("/>");
        } else {
            out.append("><title>").append(Svg.esc(tooltip)).append("</title></").append(tag).append('>');
        }
    }
}
