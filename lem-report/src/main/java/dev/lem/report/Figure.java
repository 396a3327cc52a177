package dev.lem.report;

import dev.lem.report.internal.Chart;
import dev.lem.report.internal.ExperimentView;
import dev.lem.report.internal.Svg;
import dev.lem.report.internal.Theme;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import javax.imageio.ImageIO;

/**
 * A figure for a paper, made by {@link Plots}: drawn in points (1/72 in) with 8 pt text, written as SVG or PNG from
 * the same drawing, so both show the same thing. Immutable; {@code with...} methods return copies.
 */
public final class Figure {
    /** Width of one column of a two-column paper (ACM, IEEE, NeurIPS single column ≈ 3.3–3.5 in). */
    public static final double COLUMN_INCHES = 3.5;
    /** Default PNG resolution. */
    public static final int DEFAULT_DPI = 300;

    /** Draws the figure at a size; package-private so that the drawing classes stay internal. */
    interface Maker {
        Chart make(Theme theme, double widthPt, double heightPt, String title);
    }

    private final List<ExperimentView> views;
    private final Maker maker;
    private final List<String> omitted;
    private final String label;
    private final double aspect;
    private final double widthInches;
    private final String title;

    Figure(List<ExperimentView> views, Maker maker, List<String> omitted, String label, double aspect) {
        this(views, maker, omitted, label, aspect, COLUMN_INCHES, "");
    }

    private Figure(List<ExperimentView> views, Maker maker, List<String> omitted, String label, double aspect,
            double widthInches, String title) {
        this.views = List.copyOf(views);
        this.maker = maker;
        this.omitted = List.copyOf(omitted);
        this.label = label;
        this.aspect = aspect;
        this.widthInches = widthInches;
        this.title = title;
    }

    /**
     * A copy of another width: 3.5 in for one column, 7 in for the full width of a two-column page.
     *
     * @throws IllegalArgumentException when not between 1 and 20 inches
     * @param inches the width in inches
     * @return the copy
     */
    public Figure withWidthInches(double inches) {
        if (!(inches >= 1 && inches <= 20)) {
            throw new IllegalArgumentException("figure width (" + inches + " in) must be between 1 and 20 inches");
        }
        return new Figure(views, maker, omitted, label, aspect, inches, title);
    }

    /**
     * A copy with a title above the plot (papers usually put it in the caption instead; none by default).
     *
     * @param newTitle the title
     * @return a copy with a title above the plot (papers usually put it in the caption instead; none by default)
     */
    public Figure withTitle(String newTitle) {
        return new Figure(views, maker, omitted, label, aspect, widthInches, Objects.requireNonNull(newTitle));
    }

    /**
     * Width in inches.
     *
     * @return the width in inches
     */
    public double widthInches() {
        return widthInches;
    }

    /**
     * The experiments left off the figure, each with the reason (e.g. the metric is unavailable there).
     *
     * @return the experiments left off the figure, each with the reason
     */
    public List<String> omitted() {
        return omitted;
    }

    private Chart chart() {
        double w = widthInches * 72;
        double h = Double.isNaN(aspect) ? 0 : w * aspect;
        return maker.make(Theme.PAPER, w, h, title);
    }

    /**
     * The figure as an SVG document, sized in inches (its viewBox is in points).
     *
     * @return the figure as an SVG document, sized in inches (its viewBox is in points)
     */
    public String svg() {
        Chart c = chart();
        return c.svg(Svg.num(c.width() / 72) + "in", Svg.num(c.height() / 72) + "in", "lem-figure", true) + "\n";
    }

    /**
     * The figure as a bitmap at {@code dpi} dots per inch.
     *
     * @param dpi dots per inch
     * @return the figure as a bitmap at {@code dpi} dots per inch
     */
    public BufferedImage png(int dpi) {
        if (dpi < 30 || dpi > 2400) {
            throw new IllegalArgumentException("dpi (" + dpi + ") must be between 30 and 2400");
        }
        return chart().png(dpi / 72.0);
    }

    /**
     * Writes {@link #svg()} to {@code file} (atomically).
     *
     * @param file the file to write
     * @return the file written
     */
    public Path writeSvg(Path file) {
        return write(file, svg().getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Writes a 300 dpi PNG to {@code file} (atomically).
     *
     * @param file the file to write
     * @return the file written
     */
    public Path writePng(Path file) {
        return writePng(file, DEFAULT_DPI);
    }

    /**
     * Writes a PNG at {@code dpi} to {@code file} (atomically).
     *
     * @param file the file to write
     * @param dpi dots per inch
     * @return the file written
     */
    public Path writePng(Path file, int dpi) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        try {
            ImageIO.write(png(dpi), "png", out);
        } catch (IOException e) {
            throw new ReportException("Cannot encode the PNG for " + file + ": " + e.getMessage(), e);
        }
        return write(file, out.toByteArray());
    }

    /**
     * Writes SVG or PNG by the file's extension ({@code .svg}, {@code .png}).
     *
     * @throws ReportException for another extension, naming the two it knows
     * @param file the file to write
     * @return the file written
     */
    public Path write(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".svg")) {
            return writeSvg(file);
        }
        if (name.endsWith(".png")) {
            return writePng(file);
        }
        throw new ReportException("Cannot tell the format of " + file + ": name it .svg or .png");
    }

    private static Path write(Path file, byte[] bytes) {
        Path target = file.toAbsolutePath();
        Path dir = target.getParent();
        try {
            Files.createDirectories(dir);
            Path tmp = Files.createTempFile(dir, "." + target.getFileName(), ".tmp");
            try {
                Files.write(tmp, bytes);
                try {
                    Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
                }
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new ReportException("Cannot write " + target + ": " + e.getMessage()
                    + " (check that its folder is writable)", e);
        }
        return file;
    }

    @Override
    public String toString() {
        return label + " of " + views.size() + " experiment" + (views.size() == 1 ? "" : "s") + ", "
                + Svg.num(widthInches) + " in wide" + (omitted.isEmpty() ? "" : "; omitted: " + omitted);
    }
}
