package dev.lem.model;

import dev.lem.LemException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * What the {@code .safetensors} files of a checkpoint hold, read from their headers only (the weights
 * are never loaded): every tensor's name, dtype, shape and byte size. Handles a single
 * {@code model.safetensors}, a sharded checkpoint with {@code model.safetensors.index.json}, and a
 * folder of {@code *.safetensors} files without an index.
 *
 * <p>File layout (safetensors spec): an unsigned 64-bit little-endian header length N, then N bytes
 * of UTF-8 JSON mapping each tensor name to {@code {"dtype", "shape", "data_offsets": [begin, end]}}
 * (offsets relative to the end of the header), plus an optional {@code "__metadata__"} object.
 *
 * @param files              the files read, in order
 * @param tensors            every tensor in them
 * @param declaredTotalBytes {@code metadata.total_size} of the index file, when there is one
 */
public record SafetensorsCheckpoint(List<Path> files, List<Tensor> tensors, Optional<Long> declaredTotalBytes) {
    /** The safetensors format's own limit on the header size. */
    public static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;
    private static final String INDEX = "model.safetensors.index.json";
    private static final JsonMapper JSON = JsonMapper.builder().build();

    /**
     * Copies the lists and checks that {@code declaredTotalBytes} is set.
     *
     * @param files the files read, in order
     * @param tensors every tensor in them
     * @param declaredTotalBytes {@code metadata.total_size} of the index file, when there is one
     */
    public SafetensorsCheckpoint {
        files = List.copyOf(files);
        tensors = List.copyOf(tensors);
        Objects.requireNonNull(declaredTotalBytes, "declaredTotalBytes");
    }

    /**
     * One tensor of the checkpoint.
     *
     * @param name      tensor name, e.g. {@code model.layers.0.self_attn.q_proj.weight}
     * @param dtype     safetensors dtype code ({@code F32}, {@code BF16}, ...), as written in the file
     * @param shape     dimensions
     * @param dataBytes bytes of data in the file
     * @param file      the file holding it
     */
    public record Tensor(String name, String dtype, List<Long> shape, long dataBytes, Path file) {
        /**
         * Checks that the name and dtype are set and copies the shape.
         *
         * @param name tensor name
         * @param dtype safetensors dtype code, as written in the file
         * @param shape dimensions
         * @param dataBytes bytes of data in the file
         * @param file the file holding it
         */
        public Tensor {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(dtype, "dtype");
            shape = List.copyOf(shape);
        }

        /** {@return the number of elements (1 for a scalar)} */
        public long elements() {
            long n = 1;
            for (long s : shape) {
                n = Math.multiplyExact(n, s);
            }
            return n;
        }

        /**
         * True for stored buffers that are not parameters: GPT-2's causal mask ({@code attn.bias} of
         * rank 4) and {@code attn.masked_bias}, and rotary {@code inv_freq} tables.
         *
         * @return whether the tensor is a stored buffer
         */
        public boolean buffer() {
            return name.endsWith("attn.masked_bias") || name.endsWith("inv_freq")
                    || (name.endsWith("attn.bias") && shape.size() >= 3);
        }
    }

    /**
     * The checkpoint in {@code folder}, or empty when it holds no {@code .safetensors} file.
     *
     * @param folder the checkpoint's folder
     * @return the checkpoint; empty when the folder holds no {@code .safetensors} file
     * @throws LemException when a file is unreadable, truncated or not safetensors
     */
    public static Optional<SafetensorsCheckpoint> find(Path folder) {
        if (!Files.isDirectory(folder)) {
            return Optional.empty();
        }
        if (Files.isRegularFile(folder.resolve(INDEX))) {
            return Optional.of(readIndex(folder, folder.resolve(INDEX)));
        }
        List<Path> files;
        try (Stream<Path> s = Files.list(folder)) {
            files = s.filter(p -> p.getFileName().toString().endsWith(".safetensors")).sorted().toList();
        } catch (IOException e) {
            throw new LemException("Cannot list " + folder + ": " + e.getMessage(), e);
        }
        if (files.isEmpty()) {
            return Optional.empty();
        }
        List<Tensor> tensors = new ArrayList<>();
        files.forEach(f -> tensors.addAll(readHeader(f)));
        return Optional.of(new SafetensorsCheckpoint(files, tensors, Optional.empty()));
    }

    /**
     * Reads one {@code .safetensors} file, an index file, or a folder (see {@link #find}).
     *
     * @param path the file or folder
     * @return the checkpoint
     */
    public static SafetensorsCheckpoint read(Path path) {
        if (Files.isDirectory(path)) {
            return find(path).orElseThrow(() -> new LemException("No .safetensors file in " + path
                    + ": download the model's weights, or use its config.json alone for an architecture-based count"));
        }
        if (path.getFileName().toString().endsWith(".index.json")) {
            return readIndex(path.toAbsolutePath().getParent(), path);
        }
        return new SafetensorsCheckpoint(List.of(path), readHeader(path), Optional.empty());
    }

    private static SafetensorsCheckpoint readIndex(Path folder, Path index) {
        Map<?, ?> json = JsonFiles.readObject(index, "download the model's safetensors index again");
        if (!(json.get("weight_map") instanceof Map<?, ?> weightMap) || weightMap.isEmpty()) {
            throw new LemException(index + ": no \"weight_map\" object; this is not a safetensors index");
        }
        Optional<Long> declared = json.get("metadata") instanceof Map<?, ?> m && m.get("total_size") instanceof Number n
                ? Optional.of(n.longValue()) : Optional.empty();
        TreeSet<String> shardNames = new TreeSet<>();
        weightMap.values().forEach(v -> shardNames.add(String.valueOf(v)));
        Path base = folder.toAbsolutePath().normalize();
        List<Path> files = new ArrayList<>();
        List<Tensor> tensors = new ArrayList<>();
        for (String shard : shardNames) {
            Path file = base.resolve(shard).normalize();
            if (!file.startsWith(base)) {
                throw new LemException(index + ": shard \"" + shard + "\" lies outside " + base);
            }
            if (!Files.isRegularFile(file)) {
                throw new LemException(index + " names shard " + shard + " but " + file
                        + " does not exist: the download is incomplete; download the model again");
            }
            files.add(file);
            tensors.addAll(readHeader(file));
        }
        return new SafetensorsCheckpoint(files, tensors, declared);
    }

    /**
     * The tensors described by one file's header.
     *
     * @param file the {@code .safetensors} file
     * @return the tensors, in header order
     * @throws LemException when the file is not a valid safetensors file
     */
    public static List<Tensor> readHeader(Path file) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, lenBuf, 0);
            long headerLength = lenBuf.flip().getLong();
            if (size < 8 || headerLength <= 0 || headerLength > MAX_HEADER_BYTES || headerLength > size - 8) {
                throw new LemException(file + " is not a safetensors file: header length " + headerLength
                        + " does not fit a file of " + size + " bytes");
            }
            ByteBuffer header = ByteBuffer.allocate((int) headerLength);
            readFully(ch, header, 8);
            Map<?, ?> json = JSON.readValue(header.array(), Map.class);
            return tensors(file, json, size - 8 - headerLength);
        } catch (NoSuchFileException e) {
            throw new LemException("Safetensors file " + file + " does not exist", e);
        } catch (IOException | JacksonException e) {
            throw new LemException("Cannot read the safetensors header of " + file + ": " + e.getMessage(), e);
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long position) throws IOException {
        long pos = position;
        while (buf.hasRemaining()) {
            int n = ch.read(buf, pos);
            if (n < 0) {
                throw new IOException("the file ends inside its header");
            }
            pos += n;
        }
    }

    private static List<Tensor> tensors(Path file, Map<?, ?> json, long dataSize) {
        List<Tensor> out = new ArrayList<>();
        for (Map.Entry<?, ?> e : new TreeMap<>(json).entrySet()) {
            String name = String.valueOf(e.getKey());
            if (name.equals("__metadata__")) {
                continue;
            }
            if (!(e.getValue() instanceof Map<?, ?> t) || !(t.get("dtype") instanceof String dtype)
                    || !(t.get("shape") instanceof List<?> shapeList)
                    || !(t.get("data_offsets") instanceof List<?> offsets) || offsets.size() != 2) {
                throw new LemException(file + ": tensor \"" + name + "\" lacks dtype, shape or data_offsets");
            }
            List<Long> shape = new ArrayList<>();
            for (Object o : shapeList) {
                if (!(o instanceof Number n) || n.longValue() < 0) {
                    throw new LemException(file + ": tensor \"" + name + "\" has a bad shape " + shapeList);
                }
                shape.add(n.longValue());
            }
            long begin = ((Number) offsets.get(0)).longValue();
            long end = ((Number) offsets.get(1)).longValue();
            if (begin < 0 || end < begin || end > dataSize) {
                throw new LemException(file + ": tensor \"" + name + "\" has data_offsets [" + begin + ", " + end
                        + "] outside the " + dataSize + " data bytes: the file is truncated or corrupt");
            }
            Tensor tensor = new Tensor(name, dtype, shape, end - begin, file);
            Optional<TensorDtype> known = TensorDtype.find(dtype);
            if (known.isPresent() && tensor.elements() * known.get().bytes() != tensor.dataBytes()) {
                throw new LemException(file + ": tensor \"" + name + "\" (" + dtype + " " + shape + ") should take "
                        + tensor.elements() * known.get().bytes() + " bytes but data_offsets give " + tensor.dataBytes());
            }
            out.add(tensor);
        }
        return out;
    }

    /**
     * {@return the number of parameters: elements of every tensor except stored buffers
     * (see {@link Tensor#buffer()})}
     */
    public long parameterCount() {
        return tensors.stream().filter(t -> !t.buffer()).mapToLong(Tensor::elements).sum();
    }

    /** {@return bytes of tensor data in the files (buffers included)} */
    public long dataBytes() {
        return tensors.stream().mapToLong(Tensor::dataBytes).sum();
    }

    /** {@return parameters by safetensors dtype code, buffers excluded} */
    public Map<String, Long> parametersByDtype() {
        Map<String, Long> out = new TreeMap<>();
        tensors.stream().filter(t -> !t.buffer()).forEach(t -> out.merge(t.dtype(), t.elements(), Long::sum));
        return out;
    }

    /** {@return names of the stored tensors that are not counted as parameters} */
    public List<String> buffers() {
        return tensors.stream().filter(Tensor::buffer).map(Tensor::name).toList();
    }

    /**
     * Whether this checkpoint's parameter count agrees with {@code architecture}'s, and if not, a likely why.
     *
     * @param architecture the model's architecture, from its config
     * @return the agreement, with a likely reason when the counts differ
     */
    public ParameterAgreement agreement(ModelArchitecture architecture) {
        long expected = ParameterCount.of(architecture).total();
        long actual = parameterCount();
        if (expected == actual) {
            return new ParameterAgreement(expected, actual, true, String.format(Locale.ROOT,
                    "the checkpoint's %,d parameters equal the architecture's count", actual));
        }
        long diff = actual - expected;
        long head = (long) architecture.vocabSize() * architecture.hiddenSize();
        String why;
        if (diff == head && architecture.tieWordEmbeddings()) {
            why = "the checkpoint stores an LM head although config.json says tie_word_embeddings: true";
        } else if (diff == -head && !architecture.tieWordEmbeddings()) {
            why = "the checkpoint has no LM head although config.json says tie_word_embeddings: false";
        } else if (tensors.stream().anyMatch(t -> t.dtype().startsWith("I") || t.dtype().startsWith("U"))) {
            why = "the checkpoint holds integer tensors (a quantised checkpoint packs several weights per element)";
        } else {
            why = "config.json may not describe these weights (another model type, or extra modules)";
        }
        return new ParameterAgreement(expected, actual, false, String.format(Locale.ROOT,
                "the checkpoint holds %,d parameters but the architecture gives %,d (difference %+,d): %s",
                actual, expected, diff, why));
    }

    /**
     * The two parameter counts side by side.
     *
     * @param architectureCount from {@link ParameterCount#of}
     * @param checkpointCount   from the safetensors headers
     * @param agrees            true when they are equal
     * @param explanation       one sentence; when they differ, the likely cause
     */
    public record ParameterAgreement(long architectureCount, long checkpointCount, boolean agrees,
            String explanation) {
    }
}
