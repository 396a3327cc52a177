package dev.lem.cli;

import static dev.lem.cli.CliTestSupport.lem;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** docs/parameters.md is generated from the engine snapshots and the options; this fails when it is stale. */
class ParametersDocsTest {
    @Test
    void parametersDocMatchesTheSnapshotsAndOptions() throws IOException {
        Path doc = Path.of("..", "docs", "parameters.md");
        assertThat(doc).as("docs/parameters.md").isRegularFile();
        assertThat(Files.readString(doc))
                .as("docs/parameters.md is out of date: regenerate it with "
                        + "./lem config parameters --markdown > docs/parameters.md")
                .isEqualTo(lem("config", "parameters", "--markdown").out());
    }

    @Test
    void theTextViewShowsEachEnginesCoverageAndWhatSetsEachArgument() {
        var r = lem("config", "parameters", "--backend", "vllm");
        assertThat(r.out()).contains("vllm     vLLM    0.11.1").contains("max_num_seqs")
                .contains("options.max_num_seqs").contains("served_model_name");
        assertThat(lem("config", "parameters", "--backend", "openai").out()).contains("drives no engine");
        assertThat(lem("config", "parameters", "--backend", "nope").err()).contains("no backend named \"nope\"");
    }
}
