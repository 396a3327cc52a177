package dev.lem.backend.djl.internal;

import dev.lem.spi.BackendException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A reader of the safetensors format: an 8-byte little-endian header length, a JSON header naming
 * each tensor's dtype, shape and byte range, then the raw data. Tensors are memory-mapped one chunk
 * at a time and converted to float32 while copied, so {@code BF16}, {@code F16} and {@code F64}
 * checkpoints never reach DJL in their own dtype (a bf16 tensor aborts DJL's PyTorch layer) and no
 * file is ever read whole into the Java heap.
 */
final class Safetensors {
    /** Largest JSON header accepted (the format's own limit is 100 MB). */
    static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;
    private static final int CHUNK_BYTES = 64 * 1024 * 1024;
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private Safetensors() {
    }

    /**
     * One tensor of a checkpoint.
     *
     * @param offset absolute byte offset of the data in {@code file}
     * @param bytes  length of the data in bytes
     */
    record Tensor(String name, String dtype, long[] shape, Path file, long offset, long bytes) {
        long elements() {
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            return n;
        }
    }

    /** The bytes per element of a supported dtype, or -1. */
    static int elementBytes(String dtype) {
        return switch (dtype) {
            case "F32" -> 4;
            case "F16", "BF16" -> 2;
            case "F64" -> 8;
            default -> -1;
        };
    }

    /**
     * Every tensor of a model folder: {@code model.safetensors}, or the shards listed in
     * {@code model.safetensors.index.json}, or else every {@code *.safetensors} file in the folder.
     */
    static Map<String, Tensor> readFolder(Path folder) {
        List<Path> files = new ArrayList<>();
        Path index = folder.resolve("model.safetensors.index.json");
        if (Files.isRegularFile(index)) {
            try {
                JsonNode map = JSON.readTree(Files.readString(index)).get("weight_map");
                if (map == null || !map.isObject()) {
                    throw new BackendException(index + " has no \"weight_map\" object; the sharded checkpoint is"
                            + " incomplete: download the model again");
                }
                TreeSet<String> shards = new TreeSet<>();
                map.properties().forEach(e -> shards.add(e.getValue().asString()));
                for (String shard : shards) {
                    Path p = folder.resolve(shard).normalize();
                    if (!p.startsWith(folder.normalize()) || !Files.isRegularFile(p)) {
                        throw new BackendException("Shard \"" + shard + "\" named in " + index
                                + " is missing: download the model again");
                    }
                    files.add(p);
                }
            } catch (IOException | JacksonException e) {
                throw new BackendException("Cannot read " + index + ": " + e.getMessage(), e);
            }
        } else if (Files.isRegularFile(folder.resolve("model.safetensors"))) {
            files.add(folder.resolve("model.safetensors"));
        } else {
            try (Stream<Path> s = Files.list(folder)) {
                s.filter(p -> p.getFileName().toString().endsWith(".safetensors")).sorted().forEach(files::add);
            } catch (IOException e) {
                throw new BackendException("Cannot list " + folder + ": " + e.getMessage(), e);
            }
        }
        if (files.isEmpty()) {
            boolean bin = Files.isRegularFile(folder.resolve("pytorch_model.bin"))
                    || Files.isRegularFile(folder.resolve("pytorch_model.bin.index.json"));
            throw new BackendException("No *.safetensors weights in " + folder
                    + (bin ? " (only pytorch_model.bin, which the djl backend does not read: download the"
                            + " safetensors revision of the model or convert it)"
                            : ": point the model at a Hugging Face folder with model.safetensors"));
        }
        Map<String, Tensor> all = new LinkedHashMap<>();
        for (Path f : files) {
            for (Tensor t : readHeader(f)) {
                if (all.put(t.name(), t) != null) {
                    throw new BackendException("Tensor \"" + t.name() + "\" appears in more than one shard of "
                            + folder);
                }
            }
        }
        return all;
    }

    /** The tensors described by one file's header. */
    static List<Tensor> readHeader(Path file) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            while (len.hasRemaining() && ch.read(len) >= 0) {
                // fill the 8 bytes
            }
            if (len.hasRemaining()) {
                throw bad(file, "shorter than 8 bytes");
            }
            long headerLen = len.flip().getLong();
            if (headerLen <= 0 || headerLen > MAX_HEADER_BYTES || 8 + headerLen > size) {
                throw bad(file, "header length " + headerLen + " is invalid for a file of " + size + " bytes");
            }
            ByteBuffer header = ByteBuffer.allocate((int) headerLen);
            while (header.hasRemaining() && ch.read(header) >= 0) {
                // fill the header
            }
            long dataStart = 8 + headerLen;
            JsonNode root = JSON.readTree(new String(header.array(), java.nio.charset.StandardCharsets.UTF_8));
            List<Tensor> out = new ArrayList<>();
            for (var e : root.properties()) {
                if (e.getKey().equals("__metadata__")) {
                    continue;
                }
                out.add(tensor(file, e.getKey(), e.getValue(), dataStart, size));
            }
            return out;
        } catch (IOException | JacksonException e) {
            throw new BackendException("Cannot read safetensors file " + file + ": " + e.getMessage(), e);
        }
    }

    private static Tensor tensor(Path file, String name, JsonNode n, long dataStart, long fileSize) {
        String dtype = n.path("dtype").asString("");
        JsonNode shapeNode = n.path("shape");
        JsonNode offsets = n.path("data_offsets");
        if (!shapeNode.isArray() || !offsets.isArray() || offsets.size() != 2) {
            throw bad(file, "tensor \"" + name + "\" lacks shape or data_offsets");
        }
        long[] shape = new long[shapeNode.size()];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = shapeNode.get(i).asLong();
        }
        long begin = offsets.get(0).asLong();
        long end = offsets.get(1).asLong();
        if (begin < 0 || end < begin || dataStart + end > fileSize) {
            throw bad(file, "tensor \"" + name + "\" has data offsets [" + begin + ", " + end
                    + ") outside the file");
        }
        Tensor t = new Tensor(name, dtype, shape, file, dataStart + begin, end - begin);
        int eb = elementBytes(dtype);
        if (eb > 0 && t.elements() * eb != t.bytes()) {
            throw bad(file, "tensor \"" + name + "\" of shape " + Arrays.toString(shape) + " and dtype " + dtype
                    + " should hold " + t.elements() * eb + " bytes but its offsets span " + t.bytes());
        }
        return t;
    }

    private static BackendException bad(Path file, String what) {
        return new BackendException("Corrupt safetensors file " + file + ": " + what
                + "; download the model again");
    }

    /**
     * Copies a tensor into {@code dst} as float32, converting from its stored dtype.
     *
     * @throws BackendException for dtypes other than F32, F16, BF16 and F64 (e.g. quantised ones)
     */
    static void readFloats(Tensor t, FloatBuffer dst) {
        int eb = elementBytes(t.dtype());
        if (eb < 0) {
            throw new BackendException("Tensor \"" + t.name() + "\" in " + t.file() + " has dtype " + t.dtype()
                    + ", which the djl backend does not read (supported: F32, F16, BF16, F64); quantised"
                    + " checkpoints need a serving backend such as vllm");
        }
        if (dst.remaining() < t.elements()) {
            throw new IllegalArgumentException("destination too small for " + t.name());
        }
        long chunk = (CHUNK_BYTES / eb) * (long) eb;
        try (FileChannel ch = FileChannel.open(t.file(), StandardOpenOption.READ)) {
            for (long pos = 0; pos < t.bytes(); pos += chunk) {
                long n = Math.min(chunk, t.bytes() - pos);
                MappedByteBuffer m = ch.map(FileChannel.MapMode.READ_ONLY, t.offset() + pos, n);
                m.order(ByteOrder.LITTLE_ENDIAN);
                convert(t.dtype(), m, dst);
            }
        } catch (IOException e) {
            throw new BackendException("Cannot read tensor \"" + t.name() + "\" from " + t.file() + ": "
                    + e.getMessage(), e);
        }
    }

    private static void convert(String dtype, ByteBuffer src, FloatBuffer dst) {
        switch (dtype) {
            case "F32" -> dst.put(src.asFloatBuffer());
            case "BF16" -> {
                var s = src.asShortBuffer();
                while (s.hasRemaining()) {
                    dst.put(Float.intBitsToFloat((s.get() & 0xffff) << 16));
                }
            }
            case "F16" -> {
                var s = src.asShortBuffer();
                while (s.hasRemaining()) {
                    dst.put(halfToFloat(s.get()));
                }
            }
            case "F64" -> {
                var d = src.asDoubleBuffer();
                while (d.hasRemaining()) {
                    dst.put((float) d.get());
                }
            }
            default -> throw new IllegalStateException(dtype);
        }
    }

    /** IEEE 754 binary16 to float32 (exact; Java 17 has no Float.float16ToFloat). */
    static float halfToFloat(short h) {
        int bits = h & 0xffff;
        int sign = (bits & 0x8000) << 16;
        int exp = (bits >>> 10) & 0x1f;
        int mant = bits & 0x3ff;
        if (exp == 0) {
            float f = mant * 0x1p-24f;
            return sign != 0 ? -f : f;
        }
        if (exp == 31) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
        }
        return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
    }
}
