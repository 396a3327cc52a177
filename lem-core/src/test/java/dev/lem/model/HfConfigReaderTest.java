package dev.lem.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lem.LemException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HfConfigReaderTest {
    private static Map<String, Object> llama(Map<String, Object> extra) {
        Map<String, Object> c = new java.util.HashMap<>(Map.of("model_type", "llama", "hidden_size", 64,
                "num_hidden_layers", 2, "num_attention_heads", 4, "num_key_value_heads", 2, "intermediate_size", 128,
                "vocab_size", 1000, "max_position_embeddings", 512, "eos_token_id", List.of(2, 3)));
        c.putAll(extra);
        return c;
    }

    @Test
    void classicRopeKeysAreRead() {
        ModelArchitecture a = HfConfigReader.fromMap(llama(Map.of("rope_theta", 500000.0, "rope_scaling",
                Map.of("rope_type", "llama3", "factor", 32.0, "low_freq_factor", 1.0, "high_freq_factor", 4.0,
                        "original_max_position_embeddings", 8192))), "config.json");
        assertThat(a.ropeTheta()).isEqualTo(500000.0);
        assertThat(a.ropeScaling()).contains(new RopeScaling("llama3", 32.0, 1.0, 4.0, 8192));
        assertThat(a.eosTokenIds()).containsExactly(2, 3);
        assertThat(a.headDim()).isEqualTo(16);
    }

    @Test
    void transformers5RopeParametersAreReadWhenTheClassicKeysAreAbsent() {
        ModelArchitecture a = HfConfigReader.fromMap(llama(Map.of("rope_parameters", Map.of("rope_theta", 500000.0,
                "rope_type", "llama3", "factor", 8.0, "low_freq_factor", 1.0, "high_freq_factor", 4.0,
                "original_max_position_embeddings", 8192))), "config.json");
        assertThat(a.ropeTheta()).isEqualTo(500000.0);
        assertThat(a.ropeScaling()).contains(new RopeScaling("llama3", 8.0, 1.0, 4.0, 8192));
        ModelArchitecture plain = HfConfigReader.fromMap(llama(Map.of("rope_parameters",
                Map.of("rope_theta", 100000.0, "rope_type", "default"))), "config.json");
        assertThat(plain.ropeTheta()).isEqualTo(100000.0);
        assertThat(plain.ropeScaling()).isEmpty();
    }

    @Test
    void missingFieldsAndImpossibleShapesAreNamed() {
        Map<String, Object> c = llama(Map.of());
        c.remove("hidden_size");
        assertThatThrownBy(() -> HfConfigReader.fromMap(c, "x/config.json")).isInstanceOf(LemException.class)
                .hasMessageContaining("x/config.json: required field \"hidden_size\" is missing");
        assertThatThrownBy(() -> HfConfigReader.fromMap(llama(Map.of("num_key_value_heads", 3)), "y.json"))
                .hasMessageContaining("num_attention_heads (4) must be a multiple of num_key_value_heads (3)");
    }

    @Test
    void aConfigThatIsNotJsonIsNamedWithLineColumnAndTheFix(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws java.io.IOException {
        java.nio.file.Path html = java.nio.file.Files.writeString(dir.resolve("config.json"),
                "{\n  \"model_type\": \"llama\",\n  <html>\n}");
        assertThatThrownBy(() -> HfConfigReader.read(dir)).isInstanceOf(LemException.class)
                .hasMessageStartingWith("Cannot read " + html + ": it is not valid JSON at line 3, column 3 (")
                .hasMessageContaining("download it again")
                .hasMessageNotContaining("#UNKNOWN");
        java.nio.file.Files.writeString(html, "[1, 2]");
        assertThatThrownBy(() -> HfConfigReader.read(html)).hasMessageContaining("it holds a JSON array, not a JSON object");
        java.nio.file.Files.write(html, new byte[] {(byte) 0xff, (byte) 0xfe, 0x7b, 0});
        assertThatThrownBy(() -> HfConfigReader.read(html)).hasMessageContaining("it is not UTF-8 text");
    }
}
