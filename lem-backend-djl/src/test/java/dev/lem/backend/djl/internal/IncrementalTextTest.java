package dev.lem.backend.djl.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class IncrementalTextTest {

    @Test
    void piecesNeverSplitACharacterAndAddUpToTheWholeText() {
        String text = "Zürich, Москва, 東京 — 🚀 done.";
        try (TextTokenizer t = TextTokenizer.synthetic(TextTokenizer.GPT2_VOCAB, Optional.empty())) {
            int[] ids = t.encode(text);
            assertThat(ids.length).as("byte-level BPE splits the multi-byte characters").isGreaterThan(text.length() / 2);
            IncrementalText inc = new IncrementalText(t);
            StringBuilder streamed = new StringBuilder();
            for (int id : ids) {
                String piece = inc.add(id);
                assertThat(piece).doesNotContain("\uFFFD");
                streamed.append(piece);
            }
            assertThat(streamed.toString()).isEqualTo(text);
        }
    }
}
