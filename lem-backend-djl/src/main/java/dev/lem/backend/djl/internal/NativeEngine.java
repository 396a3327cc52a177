package dev.lem.backend.djl.internal;

import ai.djl.Device;
import ai.djl.engine.Engine;
import dev.lem.spi.Availability;
import dev.lem.spi.PluginUnavailableException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Starts DJL's PyTorch engine offline and picks the device. Natives come from Maven Central
 * ({@code ai.djl.pytorch:pytorch-native-cpu:2.7.1:linux-x86_64} and {@code pytorch-jni}) or from an
 * extracted libtorch named by {@code PYTORCH_LIBRARY_PATH}; they are unpacked under
 * {@code DJL_CACHE_DIR} (default {@code ~/.djl.ai}). Nothing is ever downloaded: {@code ai.djl.offline}
 * is set to true unless the user set it.
 */
final class NativeEngine {
    static final String ENGINE = "PyTorch";
    static final String NATIVES_HINT = "add ai.djl.pytorch:pytorch-native-cpu:2.7.1 (classifier linux-x86_64)"
            + " and ai.djl.pytorch:pytorch-jni:2.7.1-0.35.1 to the runtime classpath (lem-backend-djl"
            + " brings both), or set PYTORCH_LIBRARY_PATH to an extracted libtorch 2.7.1; see docs/djl.md";
    private static final String NATIVE_PROPERTIES = "native/lib/pytorch.properties";
    private static final String JNI_PROPERTIES = "jnilib/pytorch.properties";

    private NativeEngine() {
    }

    /** Cheap check (no native code loaded): DJL classes and some PyTorch natives are present. */
    static Availability availability() {
        return availability(NativeEngine.class.getClassLoader(), System.getenv("PYTORCH_LIBRARY_PATH"));
    }

    /** The check against a given class loader and {@code PYTORCH_LIBRARY_PATH} value (for tests). */
    static Availability availability(ClassLoader cl, @Nullable String libraryPath) {
        try {
            Class.forName("ai.djl.pytorch.engine.PtEngineProvider", false, cl);
        } catch (ClassNotFoundException | LinkageError e) {
            return Availability.unavailable("DJL's PyTorch engine is not on the classpath: add"
                    + " ai.djl.pytorch:pytorch-engine:0.35.1 (lem-backend-djl depends on it)");
        }
        if (cl.getResource(JNI_PROPERTIES) == null) {
            return Availability.unavailable("the DJL-PyTorch JNI bridge is not on the classpath (DJL would try to"
                    + " download it): " + NATIVES_HINT);
        }
        boolean bundled = cl.getResource(NATIVE_PROPERTIES) != null;
        if (!bundled && !present(libraryPath)) {
            return Availability.unavailable("no PyTorch native library: " + NATIVES_HINT);
        }
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        if (!present(libraryPath) && !(os.contains("linux") && (arch.equals("amd64") || arch.equals("x86_64")))) {
            return Availability.unavailable("the bundled PyTorch natives are for linux-x86_64, this is " + os + "/"
                    + arch + ": set PYTORCH_LIBRARY_PATH to a libtorch 2.7.1 for this platform");
        }
        return Availability.ok();
    }

    private static boolean present(@Nullable String path) {
        return path != null && !path.isBlank() && Files.isDirectory(Path.of(path));
    }

    /**
     * Starts the engine (first start extracts ~430 MB of natives, a few seconds).
     *
     * @throws PluginUnavailableException when the natives cannot be loaded
     */
    static synchronized Engine start() {
        if (System.getenv("ai.djl.offline") == null && System.getenv("DJL_OFFLINE") == null
                && System.getProperty("ai.djl.offline") == null) {
            // documented behaviour: never let DJL reach the network for natives
            System.setProperty("ai.djl.offline", "true");
        }
        try {
            Engine e = Engine.getEngine(ENGINE);
            if (e == null) {
                throw new PluginUnavailableException("DJL found no PyTorch engine: " + NATIVES_HINT);
            }
            return e;
        } catch (PluginUnavailableException e) {
            throw e;
        } catch (RuntimeException | UnsatisfiedLinkError | NoClassDefFoundError | ExceptionInInitializerError e) {
            throw new PluginUnavailableException("The PyTorch native library could not be loaded ("
                    + rootMessage(e) + "): " + NATIVES_HINT + ". Natives are extracted under "
                    + cacheDir() + " (DJL_CACHE_DIR); that folder must be writable.", e);
        }
    }

    /**
     * The device for a {@code device} setting: {@code cpu}, {@code cuda}, {@code cuda:N} or
     * {@code auto} (the first GPU when PyTorch sees one, else the CPU).
     */
    static Device device(Engine engine, String setting) {
        String s = setting.trim().toLowerCase(Locale.ROOT);
        if (s.equals("cpu")) {
            return Device.cpu();
        }
        int gpus = engine.getGpuCount();
        if (s.equals("auto")) {
            return gpus > 0 ? Device.gpu(0) : Device.cpu();
        }
        int index = s.equals("cuda") ? 0 : Integer.parseInt(s.substring("cuda:".length()));
        if (gpus == 0) {
            throw new PluginUnavailableException("device \"" + setting + "\" was requested but PyTorch sees no GPU:"
                    + " the natives in use are " + flavor() + ". Use CUDA natives (Maven coordinates or"
                    + " PYTORCH_LIBRARY_PATH, see docs/djl.md) on a machine with an NVIDIA GPU, or set device: cpu");
        }
        if (index >= gpus) {
            throw new PluginUnavailableException("device \"" + setting + "\" was requested but PyTorch sees " + gpus
                    + " GPU(s) (cuda:0 to cuda:" + (gpus - 1) + "); check CUDA_VISIBLE_DEVICES");
        }
        return Device.gpu(index);
    }

    /** True when {@code setting} is a device string this backend understands. */
    static boolean validDevice(String setting) {
        return setting.trim().toLowerCase(Locale.ROOT).matches("cpu|auto|cuda|cuda:\\d{1,3}");
    }

    /** The natives' flavour as DJL reports it, e.g. {@code cpu} or {@code cu124}. */
    static String flavor() {
        String f = System.getProperty("ai.djl.pytorch.flavor");
        if (f == null) {
            try (var in = NativeEngine.class.getClassLoader().getResourceAsStream(NATIVE_PROPERTIES)) {
                if (in != null) {
                    java.util.Properties p = new java.util.Properties();
                    p.load(in);
                    f = p.getProperty("flavor") + " (" + p.getProperty("classifier") + ", libtorch "
                            + p.getProperty("version") + ")";
                }
            } catch (java.io.IOException e) {
                f = null;
            }
        }
        if (f == null && System.getenv("PYTORCH_LIBRARY_PATH") != null) {
            f = "libtorch from PYTORCH_LIBRARY_PATH=" + System.getenv("PYTORCH_LIBRARY_PATH");
        }
        return f == null ? "unknown" : f;
    }

    /** Facts for the result's environment section. */
    static Map<String, String> facts(Engine engine, Device device) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("djl.engine", ENGINE + " " + engine.getVersion());
        m.put("djl.version", Engine.getDjlVersion());
        m.put("djl.natives", flavor());
        m.put("djl.device", device.toString());
        m.put("djl.cache_dir", cacheDir().toString());
        m.put("djl.intra_op_threads", String.valueOf(ai.djl.pytorch.jni.JniUtils.getNumThreads()));
        return m;
    }

    static Path cacheDir() {
        String dir = System.getProperty("DJL_CACHE_DIR", System.getenv("DJL_CACHE_DIR"));
        return dir != null ? Path.of(dir) : Path.of(System.getProperty("user.home"), ".djl.ai");
    }

    static String rootMessage(Throwable t) {
        Throwable c = t;
        while (c.getCause() != null && c.getCause() != c) {
            c = c.getCause();
        }
        return c.getMessage() == null ? c.getClass().getSimpleName() : c.getMessage();
    }
}
