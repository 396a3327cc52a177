package dev.lem.nvml.internal;

import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.PointerByReference;
import java.util.Optional;
import java.util.Set;
import java.util.function.IntSupplier;

/**
 * One {@code nvmlInit_v2}…{@code nvmlShutdown} scope (reference-counted by {@link Nvml}). Device
 * handles obtained here live in {@link NvmlDevice}s that refuse to be used once the session is
 * closed, so no handle outlives its initialisation.
 *
 * <p>Every call goes through {@link #call}: a symbol the loaded NVML lacks (an older driver) is
 * remembered and reported as {@code NVML_ERROR_FUNCTION_NOT_FOUND} from then on, without another
 * lookup. <b>Thread safety:</b> safe for concurrent use (NVML itself is thread-safe).
 */
public final class NvmlSession implements AutoCloseable {
    private final NvmlLibrary lib;
    private final String libraryPath;
    private final Set<String> missingFunctions;
    private volatile boolean open = true;

    NvmlSession(NvmlLibrary lib, String libraryPath, Set<String> missingFunctions) {
        this.lib = lib;
        this.libraryPath = libraryPath;
        this.missingFunctions = missingFunctions;
    }

    /** Where the NVML library was loaded from. */
    public String libraryPath() {
        return libraryPath;
    }

    /** True until {@link #close()}. */
    public boolean isOpen() {
        return open;
    }

    /**
     * Runs one NVML call and returns its code; a missing symbol gives
     * {@link NvmlReturn#FUNCTION_NOT_FOUND}.
     *
     * @throws IllegalStateException when the session is closed (a handle used out of scope)
     */
    int call(String function, IntSupplier nativeCall) {
        if (!open) {
            throw new IllegalStateException("NVML session is closed: " + function + " called after nvmlShutdown");
        }
        if (missingFunctions.contains(function)) {
            return NvmlReturn.FUNCTION_NOT_FOUND;
        }
        try {
            return nativeCall.getAsInt();
        } catch (UnsatisfiedLinkError e) {
            missingFunctions.add(function);
            return NvmlReturn.FUNCTION_NOT_FOUND;
        }
    }

    /** Throws {@link NvmlException} unless {@code rc} is success. */
    void check(String function, String target, int rc) {
        if (rc != NvmlReturn.SUCCESS) {
            throw new NvmlException(function, target, rc,
                    rc == NvmlReturn.FUNCTION_NOT_FOUND ? "" : Nvml.errorString(lib, rc));
        }
    }

    NvmlLibrary lib() {
        return lib;
    }

    /** Number of GPUs NVML sees (all of them, whatever {@code CUDA_VISIBLE_DEVICES} says). */
    public int deviceCount() {
        int[] n = new int[1];
        check("nvmlDeviceGetCount_v2", "", call("nvmlDeviceGetCount_v2", () -> lib.nvmlDeviceGetCount_v2(n)));
        return n[0];
    }

    /** The driver version, e.g. {@code 580.159.04}. */
    public String driverVersion() {
        byte[] buf = new byte[80];
        check("nvmlSystemGetDriverVersion", "",
                call("nvmlSystemGetDriverVersion", () -> lib.nvmlSystemGetDriverVersion(buf, buf.length)));
        return Native.toString(buf, "US-ASCII");
    }

    /** The CUDA driver API version as {@code major.minor}, e.g. {@code 13.0}, when NVML reports it. */
    public Optional<String> cudaDriverVersion() {
        int[] v = new int[1];
        int rc = call("nvmlSystemGetCudaDriverVersion_v2", () -> lib.nvmlSystemGetCudaDriverVersion_v2(v));
        if (rc == NvmlReturn.FUNCTION_NOT_FOUND) {
            rc = call("nvmlSystemGetCudaDriverVersion", () -> lib.nvmlSystemGetCudaDriverVersion(v));
        }
        return rc == NvmlReturn.SUCCESS ? Optional.of(v[0] / 1000 + "." + v[0] % 1000 / 10) : Optional.empty();
    }

    /** The GPU at an NVML index (PCI bus order), labelled {@code gpu[index]}. */
    public NvmlDevice device(int index) {
        PointerByReference ref = new PointerByReference();
        check("nvmlDeviceGetHandleByIndex_v2", "gpu[" + index + "]",
                call("nvmlDeviceGetHandleByIndex_v2", () -> lib.nvmlDeviceGetHandleByIndex_v2(index, ref)));
        return new NvmlDevice(this, ref.getValue(), "gpu[" + index + "]");
    }

    NvmlDevice wrap(Pointer handle, String label) {
        return new NvmlDevice(this, handle, label);
    }

    /** Ends this session; the last one open shuts NVML down. Idempotent. */
    @Override
    public void close() {
        synchronized (this) {
            if (!open) {
                return;
            }
            open = false;
        }
        Nvml.release(lib);
    }
}
