package dev.lem.report.internal;

import java.util.List;
import java.util.Locale;

/**
 * A colour with opacity.
 *
 * @param r     red, 0..255
 * @param g     green, 0..255
 * @param b     blue, 0..255
 * @param alpha opacity, 0..1
 */
public record Rgb(int r, int g, int b, double alpha) {
    /** Text and axes. */
    public static final Rgb INK = new Rgb(0x22, 0x22, 0x22, 1);
    /** Grid lines. */
    public static final Rgb GRID = new Rgb(0xdd, 0xdd, 0xdd, 1);
    /** Dominated points, excluded cycles: present but not in focus. */
    public static final Rgb MUTED = new Rgb(0x9e, 0x9e, 0x9e, 1);
    /** Warnings (throttling, outliers). */
    public static final Rgb ALERT = new Rgb(0xc6, 0x28, 0x28, 1);
    /** Background. */
    public static final Rgb WHITE = new Rgb(255, 255, 255, 1);

    /**
     * The Okabe–Ito palette (Okabe and Ito 2008), distinguishable with every common form of colour blindness;
     * black left out (used for text), yellow last (faint on white).
     */
    public static final List<Rgb> PALETTE = List.of(hex(0x0072B2), hex(0xD55E00), hex(0x009E73), hex(0xE69F00),
            hex(0xCC79A7), hex(0x56B4E9), hex(0x000000), hex(0xF0E442));

    public Rgb {
        if (r < 0 || r > 255 || g < 0 || g > 255 || b < 0 || b > 255 || !(alpha >= 0 && alpha <= 1)) {
            throw new IllegalArgumentException("colour out of range: " + r + "," + g + "," + b + "," + alpha);
        }
    }

    /** An opaque colour from {@code 0xRRGGBB}. */
    public static Rgb hex(int rgb) {
        return new Rgb((rgb >> 16) & 0xff, (rgb >> 8) & 0xff, rgb & 0xff, 1);
    }

    /** The i-th palette colour, cycling. */
    public static Rgb series(int i) {
        return PALETTE.get(Math.floorMod(i, PALETTE.size()));
    }

    /** The same colour with another opacity. */
    public Rgb withAlpha(double a) {
        return new Rgb(r, g, b, a);
    }

    /** {@code #rrggbb}, opacity aside. */
    public String css() {
        return String.format(Locale.ROOT, "#%02x%02x%02x", r, g, b);
    }

    /** The colour as one int, 0xAARRGGBB. */
    public int argb() {
        return ((int) Math.round(alpha * 255) << 24) | (r << 16) | (g << 8) | b;
    }
}
