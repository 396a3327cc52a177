package dev.lem.backend.djl.internal;

import java.util.Arrays;

/**
 * Turns generated token ids into text pieces as they arrive. Byte-level and SentencePiece tokens do
 * not map one-to-one to characters, so each step decodes a short window of recent tokens and emits
 * the text it adds once it no longer ends in an incomplete character (U+FFFD).
 */
final class IncrementalText {
    private final TextTokenizer tokenizer;
    private int[] ids = new int[16];
    private int size;
    private int prefixOffset;
    private int readOffset;

    IncrementalText(TextTokenizer tokenizer) {
        this.tokenizer = tokenizer;
    }

    /** Adds a token; returns the new text it completes (possibly empty). */
    String add(int id) {
        if (size == ids.length) {
            ids = Arrays.copyOf(ids, size * 2);
        }
        ids[size++] = id;
        String prefix = tokenizer.decode(ids, prefixOffset, readOffset);
        String full = tokenizer.decode(ids, prefixOffset, size);
        if (full.length() > prefix.length() && !full.endsWith("\uFFFD")) {
            prefixOffset = readOffset;
            readOffset = size;
            return full.substring(prefix.length());
        }
        return "";
    }
}
