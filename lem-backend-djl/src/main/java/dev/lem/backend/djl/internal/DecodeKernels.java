package dev.lem.backend.djl.internal;

import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.IValue;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import org.jspecify.annotations.Nullable;

/**
 * LEM's decode kernels: the operator {@code lem::small_linear(x, w)} ({@code out = x · Wᵀ} for 1 to
 * {@value DecoderModel#SMALL_ROWS} rows of float32 activations, W float32 or bf16, each weight row read once per call),
 * compiled from {@code src/main/c/lem_kernels.c} by the Maven build into this jar and registered with libtorch's
 * dispatcher through libtorch's stable C interface when the library is loaded, with LEM's packed layouts
 * ({@code lem::pack_columns}, {@code lem::pack_bf16_pairs}, read by {@code lem::packed_linear} for any number of rows)
 * and a decode step's attention in one call ({@code lem::decode_attention}). Compiled programs call them
 * ({@link ProgramBuilder}); everything else stays libtorch's.
 *
 * <p>Why (issue 18): at one row, libtorch's float32 product (MKL) read a 2,048 × 2,048 matrix at ~15 GB/s with two
 * threads where this kernel reads it at ~29 GB/s, and oneDNN's bf16 product at ~22 GB/s where this kernel reads it at
 * ~26 GB/s (docs/performance.md).
 *
 * <p>The kernel is used only when it loaded, registered and answered; otherwise the programs keep libtorch's products
 * and {@link #status()} says why, which the backend records.
 */
final class DecodeKernels {
    /** Which products a decode step uses ({@code options.decode_kernel}). */
    enum Choice {
        /** LEM's kernel where it applies (CPU, float32 or bf16 matrices, compiled executor) and loaded; else libtorch. */
        AUTO,
        /** LEM's kernel; an error when it cannot be used. */
        LEM,
        /** libtorch's products (MKL, oneDNN) only. */
        LIBTORCH
    }

    /** The library inside the jar. */
    static final String RESOURCE = "native/linux-x86_64/liblemkernels.so";

    /**
     * Whether the kernel is usable in this process, and which instruction set it runs with.
     *
     * @param available whether {@code lem::small_linear} is registered and answered
     * @param isa       {@code AVX-512 with BF16}, {@code AVX-512}, {@code AVX2} or {@code plain C} when available
     * @param reason    when not available, why
     */
    record Status(boolean available, @Nullable String isa, @Nullable String reason) {
        /**
         * {@return whether the kernel's packed float32 layout runs here ({@code lem::packed_linear}, AVX-512): the
         * program then packs float32 product matrices at load and uses it for every product}
         */
        boolean packedLayout() {
            return available && isa != null && isa.startsWith("AVX-512") && packedLayoutsAllowed;
        }

        /**
         * {@return whether the kernel's packed bf16 layout runs here ({@code lem::pack_bf16_pairs}, read by
         * {@code lem::packed_linear} with vdpbf16ps: AVX-512 with BF16): bf16 programs then pack their product matrices
         * in it at load and use it for every product}
         */
        boolean bf16PairsLayout() {
            return available && "AVX-512 with BF16".equals(isa) && packedLayoutsAllowed;
        }

        /**
         * {@return whether the programs call {@code lem::decode_attention} for decode steps (AVX-512): the attention of
         * one new token per row in one call instead of about ten torch operations}
         */
        boolean decodeAttention() {
            return available && isa != null && isa.startsWith("AVX-512");
        }

        /** {@return a one-line description for the results} */
        String describe() {
            return available ? "lem::small_linear (" + isa + "; float32 and bf16 matrices, 1 to " + DecoderModel.SMALL_ROWS
                    + " rows; libtorch's intra-op threads)" : "unavailable: " + reason;
        }
    }

    private static @Nullable Status status;

    /** False while {@link #plainLayoutsOnly()} holds: programs built meanwhile keep the plain layout. */
    private static volatile boolean packedLayoutsAllowed = true;

    /**
     * For tests: until the returned handle is closed, programs built in this process use the plain layout and the move
     * to oneDNN's prepacked one, as on a CPU without AVX-512, so that path is tested on every CPU.
     */
    static AutoCloseable plainLayoutsOnly() {
        packedLayoutsAllowed = false;
        return () -> packedLayoutsAllowed = true;
    }

    private DecodeKernels() {
    }

    /**
     * Loads the kernel library once per process (after starting the engine, so that libtorch is loaded) and checks
     * that its operators answer.
     */
    static synchronized Status status() {
        if (status == null) {
            status = load();
        }
        return status;
    }

    private static Status load() {
        if (!System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).contains("linux")
                || !System.getProperty("os.arch", "").matches("amd64|x86_64")) {
            return new Status(false, null, "built for Linux x86-64 only; this is " + System.getProperty("os.name")
                    + " " + System.getProperty("os.arch"));
        }
        byte[] library;
        try (InputStream in = DecodeKernels.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                return new Status(false, null, "not in this build (no C compiler was found when lem-backend-djl was "
                        + "built; see docs/djl.md, \"Decode kernels\")");
            }
            library = in.readAllBytes();
        } catch (IOException e) {
            return new Status(false, null, "could not read the library from the jar: " + e.getMessage());
        }
        NativeEngine.start();
        try {
            Path file = extract(library);
            System.load(file.toString());
        } catch (IOException | UnsatisfiedLinkError | SecurityException e) {
            return new Status(false, null, "could not be loaded: " + NativeEngine.rootMessage(e));
        }
        String probe = """
                class KernelProbe(Module):
                  __parameters__ = []
                  __buffers__ = []
                  training : bool
                  def forward(self: __torch__.KernelProbe) -> int:
                    return ops.lem.kernel_isa()
                """;
        try (NDManager manager = NDManager.newBaseManager(NativeEngine.ENGINE);
                TorchScriptModule module = TorchScriptModule.compile("KernelProbe", probe, manager);
                IValue isa = module.run("forward")) {
            long code = isa.toLong();
            return new Status(true, code == 4 ? "AVX-512 with BF16" : code == 3 ? "AVX-512" : code == 2 ? "AVX2"
                    : "plain C", null);
        } catch (RuntimeException e) {
            return new Status(false, null, "libtorch did not register its operators (" + NativeEngine.rootMessage(e)
                    + "); this libtorch may lack the stable C interface (aoti_torch_library_*, libtorch 2.7+)");
        }
    }

    /** Writes the library to the DJL cache folder under its content hash (once; shared by every JVM). */
    private static Path extract(byte[] library) throws IOException {
        String hash;
        try {
            hash = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(library)).substring(0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        Path dir = NativeEngine.cacheDir().resolve("lem-kernels").resolve(hash);
        Path file = dir.resolve("liblemkernels.so");
        if (Files.isRegularFile(file) && Files.size(file) == library.length) {
            return file;
        }
        Files.createDirectories(dir);
        Path part = Files.createTempFile(dir, "liblemkernels", ".part");
        Files.write(part, library);
        Files.move(part, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return file;
    }
}
