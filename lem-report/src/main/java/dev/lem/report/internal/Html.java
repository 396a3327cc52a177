package dev.lem.report.internal;

/** A small HTML writer: tags with escaped attributes and text. Not thread-safe. */
public final class Html {
    private final StringBuilder b;

    public Html(int capacity) {
        b = new StringBuilder(capacity);
    }

    /** Opens {@code tag} with attribute name/value pairs (values escaped; a null value leaves the pair out). */
    public Html open(String tag, String... attrs) {
        b.append('<').append(tag);
        for (int i = 0; i + 1 < attrs.length; i += 2) {
            if (attrs[i + 1] != null) {
                b.append(' ').append(attrs[i]).append("=\"").append(Svg.esc(attrs[i + 1])).append('"');
            }
        }
        b.append('>');
        return this;
    }

    public Html close(String tag) {
        b.append("</").append(tag).append('>');
        return this;
    }

    /** {@code <tag attrs>text</tag>}, the text escaped. */
    public Html el(String tag, String text, String... attrs) {
        return open(tag, attrs).text(text).close(tag);
    }

    /** Escaped text. */
    public Html text(String s) {
        b.append(Svg.esc(s));
        return this;
    }

    /** Markup as is (generated SVG, fixed markup). */
    public Html raw(String s) {
        b.append(s);
        return this;
    }

    public Html nl() {
        b.append('\n');
        return this;
    }

    public int length() {
        return b.length();
    }

    @Override
    public String toString() {
        return b.toString();
    }
}
