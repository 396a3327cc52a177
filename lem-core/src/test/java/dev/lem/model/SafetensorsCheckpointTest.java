package dev.lem.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lem.LemException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsCheckpointTest {
    private static final ModelArchitecture TINY = new ModelArchitecture("llama", 64, 3, 4, 2, 16, 160, 300, 512,
            false, false, false, true, "silu", "rmsnorm", 1e-5, "rope", 1e4, Optional.empty(), Optional.empty(),
            List.of(), "bfloat16");

    @Test
    void singleFileCountEqualsArchitectureCount(@TempDir Path dir) throws Exception {
        SafetensorsFixtures.writeLlamaFolder(dir, TINY);
        SafetensorsCheckpoint c = SafetensorsCheckpoint.find(dir).orElseThrow();
        long expected = ParameterCount.of(TINY).total();
        assertThat(c.parameterCount()).isEqualTo(expected);
        assertThat(c.dataBytes()).isEqualTo(expected * 2);
        assertThat(c.parametersByDtype()).containsExactly(Map.entry("BF16", expected));
        assertThat(c.tensors()).hasSize(2 + 9 * 3 + 1);
        SafetensorsCheckpoint.ParameterAgreement agreement = c.agreement(HfConfigReader.read(dir));
        assertThat(agreement.agrees()).isTrue();
        assertThat(agreement.explanation()).contains(String.format(java.util.Locale.ROOT, "%,d", expected));
    }

    @Test
    void shardedCheckpointIsReadThroughItsIndex(@TempDir Path dir) throws Exception {
        Map<String, List<Long>> all = SafetensorsFixtures.llamaTensors(TINY);
        Map<String, List<Long>> first = new LinkedHashMap<>();
        Map<String, List<Long>> second = new LinkedHashMap<>();
        StringBuilder weightMap = new StringBuilder();
        int i = 0;
        for (Map.Entry<String, List<Long>> e : all.entrySet()) {
            boolean one = i++ < all.size() / 2;
            (one ? first : second).put(e.getKey(), e.getValue());
            weightMap.append(weightMap.length() == 0 ? "" : ",").append('"').append(e.getKey()).append("\":\"")
                    .append(one ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors").append('"');
        }
        SafetensorsFixtures.write(dir.resolve("model-00001-of-00002.safetensors"), first, "F32");
        SafetensorsFixtures.write(dir.resolve("model-00002-of-00002.safetensors"), second, "F32");
        long total = ParameterCount.of(TINY).total();
        Files.writeString(dir.resolve("model.safetensors.index.json"),
                "{\"metadata\":{\"total_size\":" + total * 4 + "},\"weight_map\":{" + weightMap + "}}");

        SafetensorsCheckpoint c = SafetensorsCheckpoint.read(dir);
        assertThat(c.files()).hasSize(2);
        assertThat(c.parameterCount()).isEqualTo(total);
        assertThat(c.declaredTotalBytes()).contains(total * 4);
        assertThat(c.dataBytes()).isEqualTo(total * 4);
    }

    @Test
    void missingShardIsNamed(@TempDir Path dir) throws Exception {
        SafetensorsFixtures.write(dir.resolve("a.safetensors"), Map.of("w", List.of(2L, 2L)), "F32");
        Files.writeString(dir.resolve("model.safetensors.index.json"),
                "{\"weight_map\":{\"w\":\"a.safetensors\",\"v\":\"b.safetensors\"}}");
        assertThatThrownBy(() -> SafetensorsCheckpoint.read(dir)).isInstanceOf(LemException.class)
                .hasMessageContaining("names shard b.safetensors").hasMessageContaining("incomplete");
    }

    @Test
    void shardOutsideTheFolderIsRefused(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("model.safetensors.index.json"), "{\"weight_map\":{\"w\":\"../x.safetensors\"}}");
        assertThatThrownBy(() -> SafetensorsCheckpoint.read(dir)).hasMessageContaining("lies outside");
    }

    @Test
    void gpt2CausalMaskBuffersAreNotParameters(@TempDir Path dir) throws Exception {
        Map<String, List<Long>> t = new LinkedHashMap<>();
        t.put("h.0.attn.bias", List.of(1L, 1L, 8L, 8L));
        t.put("h.0.attn.c_attn.bias", List.of(24L));
        t.put("h.0.attn.masked_bias", List.of());
        Path file = dir.resolve("model.safetensors");
        SafetensorsFixtures.write(file, t, "F32");
        SafetensorsCheckpoint c = SafetensorsCheckpoint.read(file);
        assertThat(c.parameterCount()).isEqualTo(24);
        assertThat(c.buffers()).containsExactlyInAnyOrder("h.0.attn.bias", "h.0.attn.masked_bias");
    }

    @Test
    void storedHeadOfATiedModelIsExplained(@TempDir Path dir) throws Exception {
        ModelArchitecture untied = TINY;
        SafetensorsFixtures.write(dir.resolve("model.safetensors"), SafetensorsFixtures.llamaTensors(untied), "F16");
        ModelArchitecture tied = new ModelArchitecture("llama", 64, 3, 4, 2, 16, 160, 300, 512, true, false, false,
                true, "silu", "rmsnorm", 1e-5, "rope", 1e4, Optional.empty(), Optional.empty(), List.of(), "float16");
        SafetensorsCheckpoint.ParameterAgreement a = SafetensorsCheckpoint.read(dir).agreement(tied);
        assertThat(a.agrees()).isFalse();
        assertThat(a.checkpointCount() - a.architectureCount()).isEqualTo(300L * 64);
        assertThat(a.explanation()).contains("stores an LM head").contains("tie_word_embeddings: true");
    }

    @Test
    void folderWithoutSafetensorsHasNoCheckpoint(@TempDir Path dir) {
        assertThat(SafetensorsCheckpoint.find(dir)).isEmpty();
        assertThatThrownBy(() -> SafetensorsCheckpoint.read(dir)).hasMessageContaining("No .safetensors file in");
    }

    @Test
    void headerLongerThanTheFileIsRejected(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("bad.safetensors");
        Files.write(file, ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(1_000).array());
        assertThatThrownBy(() -> SafetensorsCheckpoint.read(file)).isInstanceOf(LemException.class)
                .hasMessageContaining("is not a safetensors file").hasMessageContaining("header length 1000");
    }

    @Test
    void truncatedDataIsRejected(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("cut.safetensors");
        SafetensorsFixtures.write(file, Map.of("w", List.of(4L, 4L)), "F32");
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(f.length() - 4);
        }
        assertThatThrownBy(() -> SafetensorsCheckpoint.read(file)).hasMessageContaining("truncated or corrupt");
    }

    @Test
    void sizeThatDisagreesWithDtypeAndShapeIsRejected(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("odd.safetensors");
        byte[] h = "{\"w\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,8]}}".getBytes();
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length).array());
            f.write(h);
            f.setLength(8 + h.length + 8);
        }
        assertThatThrownBy(() -> SafetensorsCheckpoint.read(file)).hasMessageContaining("should take 16 bytes");
    }
}
