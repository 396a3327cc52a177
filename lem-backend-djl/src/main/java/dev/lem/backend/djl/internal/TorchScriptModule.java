package dev.lem.backend.djl.internal;

import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValue;
import ai.djl.pytorch.jni.IValueUtils;
import ai.djl.pytorch.jni.JniUtils;
import dev.lem.spi.BackendException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * A TorchScript module compiled by libtorch from source text, with no Python involved. The source is
 * packed into the archive layout {@code torch.jit.load} reads (a zip holding {@code code/__torch__.py},
 * a pickled module object in {@code data.pkl}, an empty {@code constants.pkl} and the file-format
 * {@code version}); loading it makes libtorch's TorchScript compiler compile the class. The module has
 * no parameters: tensors are passed to its methods as arguments.
 *
 * <p>Why: each eager DJL operation is one JNI call plus Java-side bookkeeping (2–6 µs here), while a
 * TorchScript method runs a whole forward pass in one call, its operations dispatched by libtorch's
 * interpreter inside the native library.
 */
final class TorchScriptModule implements AutoCloseable {
    /**
     * The archive's file-format version: 10 is the newest libtorch 2.x reads, and operators are
     * resolved with their current schemas (older versions select upgraders with older signatures).
     */
    static final int FILE_FORMAT_VERSION = 10;

    private final PtSymbolBlock block;

    private TorchScriptModule(PtSymbolBlock block) {
        this.block = block;
    }

    /**
     * Compiles {@code source}, which must define {@code class <className>(Module)} with the usual
     * {@code __parameters__ = []}, {@code __buffers__ = []} and {@code training : bool} lines, onto the
     * manager's device.
     *
     * @throws BackendException when libtorch rejects the source (the message is libtorch's, naming the line)
     */
    static TorchScriptModule compile(String className, String source, NDManager manager) {
        byte[] archive = archive(className, source);
        try {
            return new TorchScriptModule(JniUtils.loadModule((PtNDManager) manager, new ByteArrayInputStream(archive),
                    false, false));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (RuntimeException e) {
            throw new BackendException("libtorch could not compile the generated TorchScript program for this model ("
                    + NativeEngine.rootMessage(e) + "); options.executor: eager runs the model without it", e);
        }
    }

    /** Runs a method; the caller closes the arguments and the result. */
    IValue run(String method, IValue... arguments) {
        return IValueUtils.runMethod(block, method, arguments);
    }

    @Override
    public void close() {
        block.close();
    }

    /** The archive bytes for a module of class {@code __torch__.<className>} defined by {@code source}. */
    static byte[] archive(String className, String source) {
        if (!className.matches("[A-Za-z_][A-Za-z0-9_]*")) {
            throw new IllegalArgumentException("not a class name: " + className);
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            store(zip, "archive/data.pkl", moduleObject(className));
            store(zip, "archive/constants.pkl", new byte[] {(byte) 0x80, 2, ')', '.'}); // an empty tuple
            store(zip, "archive/version", (FILE_FORMAT_VERSION + "\n").getBytes(StandardCharsets.US_ASCII));
            store(zip, "archive/code/__torch__.py", source.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /**
     * A pickle (protocol 2) of an instance of {@code __torch__.<className>} whose only attribute is
     * {@code training = False}: GLOBAL, EMPTY_TUPLE, NEWOBJ, then a state dict applied by BUILD.
     */
    private static byte[] moduleObject(String className) {
        ByteArrayOutputStream p = new ByteArrayOutputStream();
        p.write(0x80);
        p.write(2);
        p.writeBytes(("c__torch__\n" + className + "\n").getBytes(StandardCharsets.US_ASCII));
        p.write(')');
        p.write(0x81);
        p.write('}');
        byte[] key = "training".getBytes(StandardCharsets.US_ASCII);
        p.write('X');
        p.writeBytes(new byte[] {(byte) key.length, 0, 0, 0});
        p.writeBytes(key);
        p.write(0x89); // False
        p.write('s');
        p.write('b');
        p.write('.');
        return p.toByteArray();
    }

    /** Uncompressed entries, as torch writes them (libtorch reads records in place). */
    private static void store(ZipOutputStream zip, String name, byte[] data) throws IOException {
        ZipEntry e = new ZipEntry(name);
        e.setMethod(ZipEntry.STORED);
        e.setSize(data.length);
        e.setCompressedSize(data.length);
        CRC32 crc = new CRC32();
        crc.update(data);
        e.setCrc(crc.getValue());
        zip.putNextEntry(e);
        zip.write(data);
        zip.closeEntry();
    }
}
