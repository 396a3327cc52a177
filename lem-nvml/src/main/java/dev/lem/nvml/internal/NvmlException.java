package dev.lem.nvml.internal;

import dev.lem.LemException;

/**
 * An NVML call that did not return {@code NVML_SUCCESS}. The message names the function, the
 * device and the code with its meaning, e.g. {@code nvmlDeviceGetPowerUsage on gpu[0]:
 * NVML_ERROR_GPU_IS_LOST (15): the GPU has fallen off the bus ...}.
 */
public final class NvmlException extends LemException {
    private static final long serialVersionUID = 1L;

    private final int code;
    private final String function;

    NvmlException(String function, String target, int code, String libraryText) {
        super(function + (target.isEmpty() ? "" : " on " + target) + ": " + NvmlReturn.describe(code, libraryText));
        this.code = code;
        this.function = function;
    }

    /** The {@code nvmlReturn_t} value. */
    public int code() {
        return code;
    }

    /** The NVML function that failed. */
    public String function() {
        return function;
    }

    /** True when the device or driver lacks the feature (not supported, or the function is missing). */
    public boolean isCapability() {
        return NvmlReturn.isCapability(code);
    }

    /** True when the GPU is gone for the rest of the run. */
    public boolean isGpuLost() {
        return code == NvmlReturn.GPU_IS_LOST || code == NvmlReturn.RESET_REQUIRED;
    }
}
