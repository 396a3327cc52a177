package dev.lem.backend.djl.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lem.backend.djl.fixtures.SafetensorsWriter;
import dev.lem.spi.BackendException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SafetensorsTest {
    @TempDir
    Path dir;

    private static final double[] VALUES = {0, 1, -2.5, 0.1, 1e-3, -65504, 3.14159, 6e-8};

    @ParameterizedTest
    @ValueSource(strings = {"F32", "BF16", "F16"})
    void readsEveryFloatDtypeAsFloat32(String dtype) throws Exception {
        Map<String, SafetensorsWriter.Tensor> t = new LinkedHashMap<>();
        t.put("a.weight", new SafetensorsWriter.Tensor(VALUES, new long[] {2, 4}));
        t.put("b.bias", new SafetensorsWriter.Tensor(new double[] {5, 6, 7}, new long[] {3}));
        SafetensorsWriter.write(dir, t, dtype, 1);

        Map<String, Safetensors.Tensor> read = Safetensors.readFolder(dir);
        assertThat(read).containsOnlyKeys("a.weight", "b.bias");
        Safetensors.Tensor a = read.get("a.weight");
        assertThat(a.dtype()).isEqualTo(dtype);
        assertThat(a.shape()).containsExactly(2, 4);
        FloatBuffer out = FloatBuffer.allocate(8);
        Safetensors.readFloats(a, out);
        for (int i = 0; i < VALUES.length; i++) {
            assertThat((double) out.get(i)).as("element " + i).isEqualTo(SafetensorsWriter.round(VALUES[i], dtype));
        }
    }

    @Test
    void halfPrecisionDecodingCoversSubnormalsInfinityAndNaN() {
        assertThat(Safetensors.halfToFloat((short) 0x0001)).isEqualTo(0x1p-24f);
        assertThat(Safetensors.halfToFloat((short) 0x3c00)).isEqualTo(1f);
        assertThat(Safetensors.halfToFloat((short) 0xc000)).isEqualTo(-2f);
        assertThat(Safetensors.halfToFloat((short) 0x7bff)).isEqualTo(65504f);
        assertThat(Safetensors.halfToFloat((short) 0x7c00)).isEqualTo(Float.POSITIVE_INFINITY);
        assertThat(Safetensors.halfToFloat((short) 0x7e00)).isNaN();
        assertThat(Safetensors.halfToFloat((short) 0x8000)).isEqualTo(-0f);
    }

    @Test
    void shardsAreFoundThroughTheIndex() throws Exception {
        Map<String, SafetensorsWriter.Tensor> t = new LinkedHashMap<>();
        for (int i = 0; i < 5; i++) {
            t.put("w" + i, new SafetensorsWriter.Tensor(new double[] {i}, new long[] {1}));
        }
        SafetensorsWriter.write(dir, t, "F32", 3);
        assertThat(Files.list(dir).filter(p -> p.toString().endsWith(".safetensors")).count()).isEqualTo(3);
        Map<String, Safetensors.Tensor> read = Safetensors.readFolder(dir);
        assertThat(read).containsOnlyKeys("w0", "w1", "w2", "w3", "w4");
        assertThat(read.get("w4").file().getFileName().toString()).isEqualTo("model-00003-of-00003.safetensors");
    }

    @Test
    void aMissingShardIsNamed() throws Exception {
        Map<String, SafetensorsWriter.Tensor> t = new LinkedHashMap<>();
        t.put("w0", new SafetensorsWriter.Tensor(new double[] {0}, new long[] {1}));
        t.put("w1", new SafetensorsWriter.Tensor(new double[] {1}, new long[] {1}));
        SafetensorsWriter.write(dir, t, "F32", 2);
        Files.delete(dir.resolve("model-00002-of-00002.safetensors"));
        assertThatThrownBy(() -> Safetensors.readFolder(dir)).isInstanceOf(BackendException.class)
                .hasMessageContaining("model-00002-of-00002.safetensors").hasMessageContaining("missing");
    }

    @Test
    void corruptHeadersAreRejectedWithTheFileName() throws Exception {
        Path f = dir.resolve("model.safetensors");
        Files.write(f, ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN).putLong(1L << 40).array());
        assertThatThrownBy(() -> Safetensors.readHeader(f)).isInstanceOf(BackendException.class)
                .hasMessageContaining("Corrupt safetensors file").hasMessageContaining(f.toString());

        byte[] json = "{\"x\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,8]}}".getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + json.length + 8).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(json.length).put(json);
        Files.write(f, b.array());
        assertThatThrownBy(() -> Safetensors.readHeader(f)).hasMessageContaining("\"x\"")
                .hasMessageContaining("should hold 16 bytes");
    }

    @Test
    void quantisedDtypesAreRefusedByName() throws Exception {
        byte[] json = "{\"q\":{\"dtype\":\"I8\",\"shape\":[4],\"data_offsets\":[0,4]}}".getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + json.length + 4).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(json.length).put(json);
        Path f = dir.resolve("model.safetensors");
        Files.write(f, b.array());
        Safetensors.Tensor q = Safetensors.readHeader(f).get(0);
        assertThatThrownBy(() -> Safetensors.readFloats(q, FloatBuffer.allocate(4)))
                .isInstanceOf(BackendException.class).hasMessageContaining("dtype I8")
                .hasMessageContaining("supported: F32, F16, BF16, F64");
    }

    @Test
    void aFolderWithOnlyPytorchBinSaysSo() throws Exception {
        Files.write(dir.resolve("pytorch_model.bin"), new byte[] {1});
        assertThatThrownBy(() -> Safetensors.readFolder(dir)).isInstanceOf(BackendException.class)
                .hasMessageContaining("pytorch_model.bin").hasMessageContaining("safetensors");
        assertThat(List.of(dir.toFile().list())).hasSize(1);
    }
}
