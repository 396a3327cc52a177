package dev.lem.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lem.config.ConfigException;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class GenerateCommandTest {
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    /** Parses the arguments as picocli does and runs the command's logic directly (exceptions propagate). */
    private int run(String... args) {
        GenerateCommand cmd = new GenerateCommand();
        new CommandLine(cmd).parseArgs(args);
        return cmd.run(new PrintWriter(out, true), new PrintWriter(err, true));
    }

    @Test
    void jsonGivesTokenIdsTextAndOneTimePerToken() throws Exception {
        int code = run("--model", "synthetic:tiny-llama", "--prompt", "Hello world", "--max-new-tokens", "5",
                "--greedy", "--json", "--threads", "1");
        assertThat(code).isZero();
        JsonNode j = JsonMapper.builder().build().readTree(out.toString());
        assertThat(j.get("synthetic_weights").asBoolean()).isTrue();
        assertThat(j.get("prompt_tokens").asInt()).isEqualTo(3);
        int n = j.get("token_ids").size();
        assertThat(n).isBetween(1, 5);
        assertThat(j.get("token_times_ms").size()).isEqualTo(n);
        assertThat(j.get("ttft_ms").asDouble()).isPositive();
        assertThat(j.get("finish_reason").asString()).isIn("length", "stop");
        double previous = 0;
        for (JsonNode t : j.get("token_times_ms")) {
            assertThat(t.asDouble()).isGreaterThanOrEqualTo(previous);
            previous = t.asDouble();
        }
    }

    @Test
    void plainModeStreamsTheTextAndSaysTheWeightsAreSynthetic() {
        int code = run("--model", "synthetic:tiny-gpt2", "--prompt", "Once upon a time", "--max-new-tokens", "4",
                "--threads", "1");
        assertThat(code).isZero();
        assertThat(out.toString()).isNotBlank();
        assertThat(err.toString()).contains("synthetic (seeded random) weights").contains("new tokens")
                .contains("first token after");
    }

    @Test
    void badInputIsAConfigurationError() {
        assertThatThrownBy(() -> run("--model", "synthetic:nope", "--prompt", "x"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("Unknown synthetic model");
        assertThatThrownBy(() -> run("--model", "synthetic:tiny-llama", "--prompt", "x", "--max-new-tokens", "0"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("max_output_tokens");
    }
}
