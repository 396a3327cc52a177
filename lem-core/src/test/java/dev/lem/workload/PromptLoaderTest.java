package dev.lem.workload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lem.config.ConfigException;
import dev.lem.config.ConfigResolver;
import dev.lem.config.PromptsConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PromptLoaderTest {
    @TempDir
    Path dir;

    private PromptsConfig config(String... overrides) {
        ConfigResolver r = ConfigResolver.withDefaults();
        for (String o : overrides) {
            r.override(o);
        }
        return r.resolve().prompts();
    }

    @Test
    void theBuiltInSetHas48DistinctPrompts() {
        List<String> all = PromptLoader.builtIn();
        assertThat(all).hasSize(48).doesNotHaveDuplicates().allSatisfy(p -> assertThat(p).isNotBlank());
        assertThat(PromptLoader.load(config("prompts.limit=5"), 42, List.of())).containsExactlyElementsOf(all.subList(0, 5));
    }

    @Test
    void aLimitAboveTheSourceRepeatsItInOrderAndShuffleIsSeeded() {
        List<String> many = PromptLoader.load(config("prompts.limit=100"), 42, List.of());
        assertThat(many).hasSize(100);
        assertThat(many.get(48)).isEqualTo(many.get(0));
        List<String> a = PromptLoader.load(config("prompts.shuffle=true"), 7, List.of());
        assertThat(PromptLoader.load(config("prompts.shuffle=true"), 7, List.of())).isEqualTo(a);
        assertThat(PromptLoader.load(config("prompts.shuffle=true"), 8, List.of())).isNotEqualTo(a);
    }

    @Test
    void textJsonlAndShareGptFilesAreRead() throws IOException {
        Path txt = Files.writeString(dir.resolve("p.txt"), "first\n\n  second  \n");
        assertThat(PromptLoader.fromFile(txt, "prompt")).containsExactly("first", "second");
        Path jsonl = Files.writeString(dir.resolve("p.jsonl"), "{\"text\": \"a\"}\n{\"text\": \"b\"}\n");
        assertThat(PromptLoader.fromFile(jsonl, "text")).containsExactly("a", "b");
        Path sg = Files.writeString(dir.resolve("sg.json"), """
                [{"id": "1", "conversations": [{"from": "human", "value": "hi"}, {"from": "gpt", "value": "hello"}]},
                 {"id": "2", "conversations": [{"from": "gpt", "value": "x"}, {"from": "human", "value": "q2"}]},
                 {"id": "3"}]
                """);
        assertThat(PromptLoader.shareGpt(sg)).containsExactly("hi", "q2");
    }

    @Test
    void badFilesNameTheFieldTheFileAndTheLine() throws IOException {
        Path jsonl = Files.writeString(dir.resolve("bad.jsonl"), "{\"prompt\": \"ok\"}\n{\"other\": 1}\n");
        assertThatThrownBy(() -> PromptLoader.fromFile(jsonl, "prompt")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("prompts.field: " + jsonl + " line 2 has no text field \"prompt\"");
        Path broken = Files.writeString(dir.resolve("broken.jsonl"), "{nope\n");
        assertThatThrownBy(() -> PromptLoader.fromFile(broken, "prompt"))
                .hasMessageContaining("prompts.path: " + broken + " line 1 is not JSON");
        assertThatThrownBy(() -> PromptLoader.fromFile(dir.resolve("missing.txt"), "prompt"))
                .hasMessageContaining("does not exist");
        Path notArray = Files.writeString(dir.resolve("obj.json"), "{\"a\": 1}");
        assertThatThrownBy(() -> PromptLoader.shareGpt(notArray)).hasMessageContaining("is not a ShareGPT export");
        Path empty = Files.writeString(dir.resolve("empty.txt"), "\n\n");
        assertThatThrownBy(() -> PromptLoader.load(config("prompts.source=file", "prompts.path=" + empty), 1, List.of()))
                .hasMessageContaining("the prompt source has no prompts");
    }
}
