package dev.lem.report.internal;

/** Escaping for HTML and SVG text and attributes. */
public final class Svg {
    private Svg() {
    }

    /** Escapes {@code & < > " '} for element text and double- or single-quoted attributes. */
    public static String esc(String s) {
        StringBuilder b = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> b.append("&amp;");
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> {
                    // control characters other than tab and newline are not allowed in XML
                    if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
                        b.append('\uFFFD');
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.toString();
    }

    /** A coordinate with at most two decimals, no exponent, no trailing zeros. */
    public static String num(double v) {
        if (!Double.isFinite(v)) {
            throw new IllegalArgumentException("not a finite coordinate: " + v);
        }
        long scaled = Math.round(v * 100);
        if (scaled % 100 == 0) {
            return Long.toString(scaled / 100);
        }
        String sign = scaled < 0 ? "-" : "";
        long a = Math.abs(scaled);
        String frac = String.format(java.util.Locale.ROOT, "%02d", a % 100);
        if (frac.endsWith("0")) {
            frac = frac.substring(0, 1);
        }
        return sign + (a / 100) + "." + frac;
    }
}
