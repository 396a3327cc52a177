package dev.lem.nvml.internal;

import com.sun.jna.Library;
import com.sun.jna.Native;
import dev.lem.spi.PluginUnavailableException;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Entry point to NVML: loads the library once per JVM, lazily, and hands out reference-counted
 * {@link NvmlSession}s. The first open session calls {@code nvmlInit_v2}, the last one closed calls
 * {@code nvmlShutdown}, so a meter, a telemetry source and availability probes share one
 * initialisation and every init is paired with a shutdown.
 *
 * <p>Where the library comes from: the system property {@value #LIBRARY_PROPERTY} (a name or an
 * absolute path) when set; otherwise {@code nvidia-ml} (found through {@code jna.library.path}, then
 * the system's library paths) and {@code libnvidia-ml.so.1} on Linux, {@code nvml} on Windows. So
 * {@code -Djna.library.path=/some/folder} is enough to use another {@code libnvidia-ml.so}.
 *
 * <p>No JNA error leaves this class: a missing library or a missing JNA is a
 * {@link PluginUnavailableException} with the reason.
 */
public final class Nvml {
    /** System property naming the NVML library to load (a library name or an absolute path). */
    public static final String LIBRARY_PROPERTY = "lem.nvml.library";

    private static final Logger LOG = LoggerFactory.getLogger(Nvml.class);
    private static final Object LOCK = new Object();
    private static int users; // guarded by LOCK

    private Nvml() {
    }

    /** What loading produced: the library, or why there is none. */
    record Loaded(@Nullable NvmlLibrary library, String path, String failure, Set<String> missingFunctions) {
    }

    /** Initialisation-on-demand holder: the library is loaded when first needed, once. */
    private static final class Holder {
        static final Loaded LOADED = load();
    }

    private static Loaded load() {
        String explicit = System.getProperty(LIBRARY_PROPERTY, "").trim();
        boolean windows = System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("windows");
        List<String> names = !explicit.isEmpty() ? List.of(explicit)
                : windows ? List.of("nvml", "C:\\Program Files\\NVIDIA Corporation\\NVSMI\\nvml.dll")
                : List.of("nvidia-ml", "libnvidia-ml.so.1");
        List<String> failures = new ArrayList<>();
        for (String name : names) {
            try {
                NvmlLibrary lib = Native.load(name, NvmlLibrary.class);
                String path = path(lib, name);
                LOG.debug("loaded NVML from {}", path);
                return new Loaded(lib, path, "", ConcurrentHashMap.newKeySet());
            } catch (UnsatisfiedLinkError | NoClassDefFoundError e) {
                if (e instanceof NoClassDefFoundError missing) {
                    return jnaMissing(missing);
                }
                failures.add(name + " (" + firstLine(e.getMessage()) + ")");
            }
        }
        String searched = System.getProperty("jna.library.path", "");
        return new Loaded(null, "", "NVML library not found: tried " + String.join("; ", failures)
                + (searched.isEmpty() ? "" : "; jna.library.path=" + searched)
                + ". Install the NVIDIA driver, or point -Djna.library.path at the folder holding libnvidia-ml.so"
                + " (or -D" + LIBRARY_PROPERTY + " at the file itself)", Set.of());
    }

    /**
     * The file the library was loaded from: JNA knows it when it found the file itself; when the
     * system loader searched (e.g. {@code libnvidia-ml.so.1} through ld.so.cache), Linux's
     * {@code /proc/self/maps} tells; otherwise the name with how it was found.
     */
    private static String path(NvmlLibrary lib, String name) {
        if (Proxy.getInvocationHandler(lib) instanceof Library.Handler h) {
            File file = h.getNativeLibrary().getFile();
            if (file != null && file.isFile()) {
                return file.getAbsolutePath();
            }
        }
        Path maps = Path.of("/proc/self/maps");
        if (Files.isReadable(maps)) {
            try (Stream<String> lines = Files.lines(maps)) {
                Optional<String> mapped = lines.map(l -> l.substring(l.lastIndexOf(' ') + 1))
                        .filter(p -> p.contains("/libnvidia-ml.so") || p.contains("/" + name)).findFirst();
                if (mapped.isPresent()) {
                    return mapped.get();
                }
            } catch (IOException | UncheckedIOException e) {
                LOG.debug("cannot read {}", maps, e);
            }
        }
        return name + " (found by the system library loader)";
    }

    /** The informative line of a JNA message ("Unable to load library 'x':" is followed by dlopen's reason). */
    private static String firstLine(@Nullable String message) {
        if (message == null) {
            return "no detail";
        }
        List<String> lines = message.lines().map(String::trim).filter(l -> !l.isEmpty()).toList();
        if (lines.isEmpty()) {
            return "no detail";
        }
        return lines.get(0).endsWith(":") && lines.size() > 1 ? lines.get(1) : lines.get(0);
    }

    private static Loaded loaded() {
        try {
            return Holder.LOADED;
        } catch (NoClassDefFoundError e) {
            return jnaMissing(e);
        }
    }

    private static Loaded jnaMissing(NoClassDefFoundError e) {
        return new Loaded(null, "", "JNA could not be loaded (" + e.getMessage() + "): add the Maven artifact "
                + "net.java.dev.jna:jna, and check that JNA may unpack its native part (-Djna.tmpdir)", Set.of());
    }

    /**
     * Opens a session, initialising NVML if no other session is open.
     *
     * @throws PluginUnavailableException when the library cannot be loaded or NVML cannot start,
     *                                    with the reason and what to do
     */
    public static NvmlSession open() {
        Loaded l = loaded();
        NvmlLibrary lib = l.library();
        if (lib == null) {
            throw new PluginUnavailableException(l.failure());
        }
        synchronized (LOCK) {
            if (users == 0) {
                int rc;
                try {
                    rc = lib.nvmlInit_v2();
                } catch (UnsatisfiedLinkError e) {
                    throw new PluginUnavailableException("the library at " + l.path()
                            + " is not NVML (it has no nvmlInit_v2): " + firstLine(e.getMessage()));
                }
                if (rc != NvmlReturn.SUCCESS) {
                    throw new PluginUnavailableException("NVML could not start (nvmlInit_v2 in " + l.path() + "): "
                            + NvmlReturn.describe(rc, errorString(lib, rc)));
                }
            }
            users++;
        }
        return new NvmlSession(lib, l.path(), l.missingFunctions());
    }

    /** Called once by each session's close. */
    static void release(NvmlLibrary lib) {
        synchronized (LOCK) {
            users--;
            if (users == 0) {
                int rc = lib.nvmlShutdown();
                if (rc != NvmlReturn.SUCCESS) {
                    LOG.debug("nvmlShutdown: {}", NvmlReturn.describe(rc, errorString(lib, rc)));
                }
            }
        }
    }

    /** Sessions open now (0 when NVML is shut down). */
    public static int openSessions() {
        synchronized (LOCK) {
            return users;
        }
    }

    static String errorString(NvmlLibrary lib, int rc) {
        try {
            String s = lib.nvmlErrorString(rc);
            return s == null ? "" : s;
        } catch (UnsatisfiedLinkError e) {
            return "";
        }
    }
}
