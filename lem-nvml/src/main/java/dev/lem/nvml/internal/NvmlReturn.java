package dev.lem.nvml.internal;

import java.util.Map;

/**
 * NVML's return codes ({@code nvmlReturn_t}) with their {@code nvml.h} names and a sentence a user
 * can act on. Codes not listed here are reported by number with the library's own
 * {@code nvmlErrorString}.
 */
public final class NvmlReturn {
    public static final int SUCCESS = 0;
    public static final int UNINITIALIZED = 1;
    public static final int INVALID_ARGUMENT = 2;
    public static final int NOT_SUPPORTED = 3;
    public static final int NO_PERMISSION = 4;
    public static final int NOT_FOUND = 6;
    public static final int DRIVER_NOT_LOADED = 9;
    public static final int LIBRARY_NOT_FOUND = 12;
    public static final int FUNCTION_NOT_FOUND = 13;
    public static final int GPU_IS_LOST = 15;
    public static final int RESET_REQUIRED = 16;
    public static final int LIB_RM_VERSION_MISMATCH = 18;
    public static final int NO_DATA = 21;
    public static final int GPU_NOT_FOUND = 28;
    public static final int UNKNOWN = 999;

    private record Info(String name, String meaning) {
    }

    private static final Map<Integer, Info> CODES = Map.ofEntries(
            entry(0, "SUCCESS", "success"),
            entry(1, "UNINITIALIZED", "NVML was not initialised (nvmlInit_v2 was not called or was already shut down)"),
            entry(2, "INVALID_ARGUMENT", "an argument was invalid (a stale device handle or an index out of range)"),
            entry(3, "NOT_SUPPORTED", "this device does not support the query"),
            entry(4, "NO_PERMISSION", "permission denied: the user cannot access the GPU "
                    + "(check the permissions of /dev/nvidia* or run in a group that may use the GPU)"),
            entry(5, "ALREADY_INITIALIZED", "NVML is already initialised"),
            entry(6, "NOT_FOUND", "no such object (device, UUID or MIG instance)"),
            entry(7, "INSUFFICIENT_SIZE", "the buffer was too small"),
            entry(8, "INSUFFICIENT_POWER", "a power cable is not connected properly"),
            entry(9, "DRIVER_NOT_LOADED", "the NVIDIA kernel driver is not loaded (check `nvidia-smi` and `lsmod | grep nvidia`)"),
            entry(10, "TIMEOUT", "the driver timed out"),
            entry(11, "IRQ_ISSUE", "the kernel detected an interrupt problem with the GPU"),
            entry(12, "LIBRARY_NOT_FOUND", "NVML's shared library could not be found or loaded"),
            entry(13, "FUNCTION_NOT_FOUND", "this NVML library lacks the function (the driver is older than the API)"),
            entry(14, "CORRUPTED_INFOROM", "the GPU's infoROM is corrupted"),
            entry(15, "GPU_IS_LOST", "the GPU has fallen off the bus or stopped responding; readings from it are lost "
                    + "until it is reset"),
            entry(16, "RESET_REQUIRED", "the GPU needs a reset before it can be used again"),
            entry(17, "OPERATING_SYSTEM", "the operating system blocked the request"),
            entry(18, "LIB_RM_VERSION_MISMATCH", "the NVML library does not match the loaded kernel driver "
                    + "(the driver was upgraded without a reboot, or a container carries another NVML)"),
            entry(19, "IN_USE", "the GPU is in use"),
            entry(20, "MEMORY", "NVML ran out of memory"),
            entry(21, "NO_DATA", "no data is available yet"),
            entry(22, "VGPU_ECC_NOT_SUPPORTED", "not available on a vGPU with ECC enabled"),
            entry(23, "INSUFFICIENT_RESOURCES", "the driver ran out of resources"),
            entry(24, "FREQ_NOT_SUPPORTED", "the frequency is not supported"),
            entry(25, "ARGUMENT_VERSION_MISMATCH", "the structure version is not supported by this driver"),
            entry(26, "DEPRECATED", "the function is deprecated"),
            entry(27, "NOT_READY", "the system is not ready for the request"),
            entry(28, "GPU_NOT_FOUND", "no GPU was found"),
            entry(29, "INVALID_STATE", "the resource is not in a state that allows the request"),
            entry(999, "UNKNOWN", "an internal driver error occurred"));

    private NvmlReturn() {
    }

    private static Map.Entry<Integer, Info> entry(int code, String name, String meaning) {
        return Map.entry(code, new Info("NVML_ERROR_" + name, meaning));
    }

    /** The {@code nvml.h} name of a code, e.g. {@code NVML_ERROR_GPU_IS_LOST}; {@code NVML_SUCCESS} for 0. */
    public static String name(int code) {
        if (code == SUCCESS) {
            return "NVML_SUCCESS";
        }
        Info info = CODES.get(code);
        return info == null ? "NVML error " + code : info.name();
    }

    /** {@code NVML_ERROR_X (n): meaning}, falling back to {@code fallback} (the library's own text) for new codes. */
    public static String describe(int code, String fallback) {
        Info info = CODES.get(code);
        String meaning = info != null ? info.meaning() : fallback.isBlank() ? "undocumented error" : fallback;
        return name(code) + " (" + code + "): " + meaning;
    }

    /** True for codes that mean "this device or driver cannot do that", a capability rather than a failure. */
    public static boolean isCapability(int code) {
        return code == NOT_SUPPORTED || code == FUNCTION_NOT_FOUND;
    }
}
