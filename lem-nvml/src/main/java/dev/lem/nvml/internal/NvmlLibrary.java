package dev.lem.nvml.internal;

import com.sun.jna.Library;
import com.sun.jna.Pointer;
import com.sun.jna.Structure;
import com.sun.jna.Structure.FieldOrder;
import com.sun.jna.ptr.PointerByReference;

/**
 * The raw NVML C API ({@code nvml.h}), as JNA maps it: every function returns an
 * {@code nvmlReturn_t} (0 is success), results come back through out-parameters given as
 * one-element arrays, and units are NVML's own (mW, mJ, MHz, bytes, °C). Nothing here converts
 * or checks; {@link NvmlDevice} does that once.
 *
 * <p>JNA looks each symbol up on first call, so a function a driver lacks fails with
 * {@link UnsatisfiedLinkError} only when called: {@link NvmlSession} turns that into a
 * per-function capability ({@code NVML_ERROR_FUNCTION_NOT_FOUND}).
 *
 * <p>Handles ({@code nvmlDevice_t}) are opaque {@link Pointer}s that must not outlive the
 * {@code nvmlInit_v2}/{@code nvmlShutdown} pair they were obtained in.
 */
public interface NvmlLibrary extends Library {

    int nvmlInit_v2();

    int nvmlShutdown();

    String nvmlErrorString(int result);

    int nvmlSystemGetDriverVersion(byte[] version, int length);

    int nvmlSystemGetCudaDriverVersion_v2(int[] cudaDriverVersion);

    int nvmlSystemGetCudaDriverVersion(int[] cudaDriverVersion);

    int nvmlDeviceGetCount_v2(int[] deviceCount);

    int nvmlDeviceGetHandleByIndex_v2(int index, PointerByReference device);

    int nvmlDeviceGetHandleByUUID(String uuid, PointerByReference device);

    int nvmlDeviceGetIndex(Pointer device, int[] index);

    int nvmlDeviceGetName(Pointer device, byte[] name, int length);

    int nvmlDeviceGetUUID(Pointer device, byte[] uuid, int length);

    int nvmlDeviceGetArchitecture(Pointer device, int[] arch);

    int nvmlDeviceGetCudaComputeCapability(Pointer device, int[] major, int[] minor);

    int nvmlDeviceGetTotalEnergyConsumption(Pointer device, long[] energyMillijoules);

    int nvmlDeviceGetPowerUsage(Pointer device, int[] powerMilliwatts);

    int nvmlDeviceGetPowerManagementLimit(Pointer device, int[] limitMilliwatts);

    int nvmlDeviceGetEnforcedPowerLimit(Pointer device, int[] limitMilliwatts);

    int nvmlDeviceGetPowerManagementDefaultLimit(Pointer device, int[] defaultLimitMilliwatts);

    int nvmlDeviceGetTemperature(Pointer device, int sensorType, int[] temperatureCelsius);

    int nvmlDeviceGetClockInfo(Pointer device, int clockType, int[] clockMhz);

    int nvmlDeviceGetCurrentClocksEventReasons(Pointer device, long[] reasons);

    /** The name of {@link #nvmlDeviceGetCurrentClocksEventReasons} before driver 535. */
    int nvmlDeviceGetCurrentClocksThrottleReasons(Pointer device, long[] reasons);

    int nvmlDeviceGetPerformanceState(Pointer device, int[] pState);

    int nvmlDeviceGetUtilizationRates(Pointer device, Utilization utilization);

    int nvmlDeviceGetMemoryInfo(Pointer device, Memory memory);

    int nvmlDeviceGetPersistenceMode(Pointer device, int[] mode);

    /** Reads {@code valuesCount} fields; each entry carries its own return code ({@code nvmlFieldValue_t}). */
    int nvmlDeviceGetFieldValues(Pointer device, int valuesCount, FieldValue values);

    int nvmlDeviceGetMigMode(Pointer device, int[] currentMode, int[] pendingMode);

    int nvmlDeviceGetMaxMigDeviceCount(Pointer device, int[] count);

    int nvmlDeviceGetMigDeviceHandleByIndex(Pointer device, int index, PointerByReference migDevice);

    int nvmlDeviceIsMigDeviceHandle(Pointer device, int[] isMigDevice);

    int nvmlDeviceGetDeviceHandleFromMigDeviceHandle(Pointer migDevice, PointerByReference device);

    int nvmlDeviceGetGpuInstanceId(Pointer device, int[] id);

    int nvmlDeviceGetComputeInstanceId(Pointer device, int[] id);

    /** {@code nvmlUtilization_t}: percent of time over the last sample period, 0..100. */
    @FieldOrder({"gpu", "memory"})
    class Utilization extends Structure {
        public int gpu;
        public int memory;
    }

    /**
     * {@code nvmlFieldValue_t}: a field id in, a value out. {@code value} is the 8-byte
     * {@code nvmlValue_t} union, read according to {@code valueType} (0 double, 1 unsigned int,
     * 2 unsigned long, 3 unsigned long long, 4 signed long long, 5 signed int).
     */
    @FieldOrder({"fieldId", "scopeId", "timestamp", "latencyUsec", "valueType", "nvmlReturn", "value"})
    class FieldValue extends Structure {
        public int fieldId;
        public int scopeId;
        public long timestamp;
        public long latencyUsec;
        public int valueType;
        public int nvmlReturn;
        public long value;
    }

    /** {@code nvmlMemory_t} (version 1): device memory in bytes. */
    @FieldOrder({"total", "free", "used"})
    class Memory extends Structure {
        public long total;
        public long free;
        public long used;
    }
}
