package dev.lem.report.internal;

/**
 * Sizes of a figure's text and lines, in the figure's units.
 *
 * @param fontSize     tick labels, legend, notes
 * @param titleSize    the title
 * @param lineWidth    data lines
 * @param axisWidth    axes and error bars
 * @param markerRadius markers
 * @param pad          outer padding
 */
public record Theme(double fontSize, double titleSize, double lineWidth, double axisWidth, double markerRadius,
        double pad) {
    /** The HTML report: CSS pixels, 12 px text. */
    public static final Theme REPORT = new Theme(12, 14, 1.6, 1, 4, 8);

    /**
     * Paper figures: points (1/72 in), 8 pt text — the size of a caption in a two-column paper — on a
     * 3.5 in (252 pt) wide single-column figure.
     */
    public static final Theme PAPER = new Theme(8, 9, 1, 0.6, 2.4, 4);

    /** Estimated width of {@code s} at {@code size}: DejaVu Sans averages about 0.6 em a character. */
    public double textWidth(String s, double size) {
        return s.length() * size * 0.6;
    }
}
