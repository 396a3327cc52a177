package dev.lem.quality;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lem.config.ConfigException;
import dev.lem.config.QualityConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class QualityTextsTest {
    @TempDir
    Path dir;

    static QualityConfig.Perplexity dataset(String d, String field) {
        return new QualityConfig.Perplexity(Optional.of(d), field, 2048, 512, 256);
    }

    @Test
    void theBuiltInTextIsMobyDickChaptersOneToThree() {
        QualityText t = QualityTexts.load(dataset("builtin", "text"));
        assertThat(t.name()).contains("Moby-Dick").contains("public domain");
        assertThat(t.text()).startsWith("CHAPTER 1. Loomings.\n\nCall me Ishmael.").contains("CHAPTER 2. The Carpet-Bag.")
                .contains("CHAPTER 3. The Spouter-Inn.");
        assertThat(t.text().strip()).endsWith("I turned in, and never slept better in my life.");
        assertThat(t.text().length()).isGreaterThan(50_000);
    }

    @Test
    void aTextFileIsOneTextAndAJsonLinesFileJoinsItsFieldsByABlankLine() throws Exception {
        Path txt = Files.writeString(dir.resolve("a.txt"), "one two three");
        assertThat(QualityTexts.load(dataset(txt.toString(), "text")).text()).isEqualTo("one two three");
        Path jsonl = Files.writeString(dir.resolve("b.jsonl"), "{\"body\": \"first\"}\n\n{\"body\": \"second\", \"id\": 2}\n");
        QualityText t = QualityTexts.load(dataset(jsonl.toString(), "body"));
        assertThat(t.text()).isEqualTo("first\n\nsecond");
        assertThat(t.name()).contains("2 texts").contains("field body");
    }

    @Test
    void badFilesNameTheKeyAndTheFix() throws Exception {
        Path jsonl = Files.writeString(dir.resolve("c.jsonl"), "{\"text\": \"ok\"}\n{\"title\": \"no text\"}\n");
        assertThatThrownBy(() -> QualityTexts.load(dataset(jsonl.toString(), "text"))).isInstanceOf(ConfigException.class)
                .hasMessageContaining("quality.perplexity.field").hasMessageContaining("line 2")
                .hasMessageContaining("fields: title");
        Path broken = Files.writeString(dir.resolve("d.jsonl"), "not json\n");
        assertThatThrownBy(() -> QualityTexts.load(dataset(broken.toString(), "text")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("quality.perplexity.dataset")
                .hasMessageContaining("line 1 is not JSON");
        assertThatThrownBy(() -> QualityTexts.load(dataset(dir.resolve("missing.txt").toString(), "text")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("does not exist");
        Path empty = Files.writeString(dir.resolve("e.txt"), "  \n");
        assertThatThrownBy(() -> QualityTexts.load(dataset(empty.toString(), "text")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("is empty");
    }
}
