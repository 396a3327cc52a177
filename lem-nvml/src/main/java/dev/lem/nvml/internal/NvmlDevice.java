package dev.lem.nvml.internal;

import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.PointerByReference;
import java.util.Optional;

/**
 * One GPU or MIG device inside an open {@link NvmlSession}, with typed reads in SI-style units
 * converted here, once: watts (from mW), joules (from mJ), °C, MHz, bytes, percent.
 *
 * <p>Every read throws {@link NvmlException} naming the function, this device and the code;
 * {@link NvmlException#isCapability()} tells "this device or driver cannot" from a failure. The
 * handle is private and every call checks that the session is still open.
 */
public final class NvmlDevice {
    /** NVML architecture codes ({@code nvmlDeviceArchitecture_t}). */
    private static final String[] ARCHITECTURES = {"unknown", "unknown", "kepler", "maxwell", "pascal", "volta",
        "turing", "ampere", "ada", "hopper", "blackwell"};
    /** {@code NVML_FI_DEV_POWER_INSTANT}: instantaneous power, mW. */
    private static final int FIELD_POWER_INSTANT = 186;
    /** {@code NVML_DEVICE_ARCH_AMPERE}. */
    public static final int ARCH_AMPERE = 7;

    private final NvmlSession session;
    private final Pointer handle;
    private final String label;

    NvmlDevice(NvmlSession session, Pointer handle, String label) {
        this.session = session;
        this.handle = handle;
        this.label = label;
    }

    /** How this device is named in messages and ids, e.g. {@code gpu[0]} or {@code gpu[0].mig[1]}. */
    public String label() {
        return label;
    }

    private NvmlLibrary lib() {
        return session.lib();
    }

    private void run(String function, java.util.function.IntSupplier call) {
        session.check(function, label, session.call(function, call));
    }

    private int readInt(String function, IntOut call) {
        int[] out = new int[1];
        run(function, () -> call.read(out));
        return out[0];
    }

    private long readUnsignedInt(String function, IntOut call) {
        return Integer.toUnsignedLong(readInt(function, call));
    }

    private String readText(String function, TextOut call) {
        byte[] buf = new byte[96];
        run(function, () -> call.read(buf, buf.length));
        return Native.toString(buf, "US-ASCII");
    }

    @FunctionalInterface
    private interface IntOut {
        int read(int[] out);
    }

    @FunctionalInterface
    private interface TextOut {
        int read(byte[] buf, int length);
    }

    /** Product name, e.g. {@code NVIDIA H100 80GB HBM3}. */
    public String name() {
        return readText("nvmlDeviceGetName", (b, n) -> lib().nvmlDeviceGetName(handle, b, n));
    }

    /** {@code GPU-…} or {@code MIG-…} UUID. */
    public String uuid() {
        return readText("nvmlDeviceGetUUID", (b, n) -> lib().nvmlDeviceGetUUID(handle, b, n));
    }

    /** Architecture name, e.g. {@code hopper}, and NVML's code for it. */
    public Architecture architecture() {
        int code = readInt("nvmlDeviceGetArchitecture", o -> lib().nvmlDeviceGetArchitecture(handle, o));
        String name = code >= 0 && code < ARCHITECTURES.length ? ARCHITECTURES[code] : "unknown(" + code + ")";
        return new Architecture(code, name);
    }

    /** @param code NVML's {@code nvmlDeviceArchitecture_t} @param name lower-case name */
    public record Architecture(int code, String name) {
    }

    /** CUDA compute capability, e.g. {@code 9.0}. */
    public String computeCapability() {
        int[] major = new int[1];
        int[] minor = new int[1];
        run("nvmlDeviceGetCudaComputeCapability",
                () -> lib().nvmlDeviceGetCudaComputeCapability(handle, major, minor));
        return major[0] + "." + minor[0];
    }

    /** Energy since the driver was loaded, J (NVML counts mJ; Volta and newer). */
    public double totalEnergyJoules() {
        long[] mj = new long[1];
        run("nvmlDeviceGetTotalEnergyConsumption", () -> lib().nvmlDeviceGetTotalEnergyConsumption(handle, mj));
        return mj[0] / 1000.0;
    }

    /** Board power draw, W (NVML reports mW; a ~1 s average on Ampere and newer, except A100). */
    public double powerWatts() {
        return readUnsignedInt("nvmlDeviceGetPowerUsage", o -> lib().nvmlDeviceGetPowerUsage(handle, o)) / 1000.0;
    }

    /**
     * Instantaneous board power, W ({@code NVML_FI_DEV_POWER_INSTANT} through
     * {@code nvmlDeviceGetFieldValues}; newer drivers). Unlike {@link #powerWatts()} it is not a
     * 1-second average on Ampere and newer.
     */
    public double powerInstantWatts() {
        NvmlLibrary.FieldValue f = new NvmlLibrary.FieldValue();
        f.fieldId = FIELD_POWER_INSTANT;
        run("nvmlDeviceGetFieldValues", () -> lib().nvmlDeviceGetFieldValues(handle, 1, f));
        session.check("nvmlDeviceGetFieldValues(NVML_FI_DEV_POWER_INSTANT)", label, f.nvmlReturn);
        long raw = switch (f.valueType) {
            case 0 -> (long) Double.longBitsToDouble(f.value);
            case 1 -> f.value & 0xFFFF_FFFFL;
            case 5 -> (int) f.value;
            default -> f.value;
        };
        return raw / 1000.0;
    }

    /** Power management limit, W. */
    public double powerLimitWatts() {
        return readUnsignedInt("nvmlDeviceGetPowerManagementLimit",
                o -> lib().nvmlDeviceGetPowerManagementLimit(handle, o)) / 1000.0;
    }

    /** Enforced power limit (the lowest of all limits in force), W. */
    public double enforcedPowerLimitWatts() {
        return readUnsignedInt("nvmlDeviceGetEnforcedPowerLimit",
                o -> lib().nvmlDeviceGetEnforcedPowerLimit(handle, o)) / 1000.0;
    }

    /** Default power management limit, W. */
    public double defaultPowerLimitWatts() {
        return readUnsignedInt("nvmlDeviceGetPowerManagementDefaultLimit",
                o -> lib().nvmlDeviceGetPowerManagementDefaultLimit(handle, o)) / 1000.0;
    }

    /** GPU die temperature, °C. */
    public double temperatureCelsius() {
        return readUnsignedInt("nvmlDeviceGetTemperature", o -> lib().nvmlDeviceGetTemperature(handle, 0, o));
    }

    /** SM clock, MHz. */
    public double smClockMhz() {
        return readUnsignedInt("nvmlDeviceGetClockInfo", o -> lib().nvmlDeviceGetClockInfo(handle, 1, o));
    }

    /** Memory clock, MHz. */
    public double memoryClockMhz() {
        return readUnsignedInt("nvmlDeviceGetClockInfo", o -> lib().nvmlDeviceGetClockInfo(handle, 2, o));
    }

    /**
     * Current clock-event (throttle) reason bits; falls back to the pre-535 name
     * {@code nvmlDeviceGetCurrentClocksThrottleReasons} when the driver lacks the new one.
     */
    public long clockEventReasons() {
        long[] bits = new long[1];
        int rc = session.call("nvmlDeviceGetCurrentClocksEventReasons",
                () -> lib().nvmlDeviceGetCurrentClocksEventReasons(handle, bits));
        if (rc == NvmlReturn.FUNCTION_NOT_FOUND) {
            run("nvmlDeviceGetCurrentClocksThrottleReasons",
                    () -> lib().nvmlDeviceGetCurrentClocksThrottleReasons(handle, bits));
        } else {
            session.check("nvmlDeviceGetCurrentClocksEventReasons", label, rc);
        }
        return bits[0];
    }

    /** Performance state 0 (P0, fastest) to 15; 32 means unknown. */
    public int performanceState() {
        return readInt("nvmlDeviceGetPerformanceState", o -> lib().nvmlDeviceGetPerformanceState(handle, o));
    }

    /** Utilisation over NVML's last sample period, percent (not available on MIG). */
    public Utilization utilization() {
        NvmlLibrary.Utilization u = new NvmlLibrary.Utilization();
        run("nvmlDeviceGetUtilizationRates", () -> lib().nvmlDeviceGetUtilizationRates(handle, u));
        return new Utilization(u.gpu, u.memory);
    }

    /** @param gpuPercent kernels running, % of time @param memoryPercent memory busy, % of time */
    public record Utilization(int gpuPercent, int memoryPercent) {
    }

    /** Device (or MIG slice) memory, bytes. */
    public Memory memory() {
        NvmlLibrary.Memory m = new NvmlLibrary.Memory();
        run("nvmlDeviceGetMemoryInfo", () -> lib().nvmlDeviceGetMemoryInfo(handle, m));
        return new Memory(m.total, m.used);
    }

    /** @param totalBytes installed (or slice) memory, bytes @param usedBytes allocated, bytes */
    public record Memory(long totalBytes, long usedBytes) {
    }

    /** True when persistence mode is on (Linux). */
    public boolean persistenceMode() {
        return readInt("nvmlDeviceGetPersistenceMode", o -> lib().nvmlDeviceGetPersistenceMode(handle, o)) == 1;
    }

    /** MIG mode now and after the next reset. */
    public MigMode migMode() {
        int[] current = new int[1];
        int[] pending = new int[1];
        run("nvmlDeviceGetMigMode", () -> lib().nvmlDeviceGetMigMode(handle, current, pending));
        return new MigMode(current[0] == 1, pending[0] == 1);
    }

    /** @param enabled MIG mode is on now @param pending MIG mode after the next GPU reset */
    public record MigMode(boolean enabled, boolean pending) {
    }

    /** The most MIG devices this GPU can hold (0 when it cannot do MIG). */
    public int maxMigDeviceCount() {
        return readInt("nvmlDeviceGetMaxMigDeviceCount", o -> lib().nvmlDeviceGetMaxMigDeviceCount(handle, o));
    }

    /** The MIG device in slot {@code index}, or empty when the slot holds none. */
    public Optional<NvmlDevice> migDevice(int index) {
        PointerByReference ref = new PointerByReference();
        int rc = session.call("nvmlDeviceGetMigDeviceHandleByIndex",
                () -> lib().nvmlDeviceGetMigDeviceHandleByIndex(handle, index, ref));
        if (rc == NvmlReturn.NOT_FOUND) {
            return Optional.empty();
        }
        session.check("nvmlDeviceGetMigDeviceHandleByIndex", label, rc);
        return Optional.of(session.wrap(ref.getValue(), label + ".mig[" + index + "]"));
    }

    /** GPU instance id of a MIG device. */
    public int gpuInstanceId() {
        return readInt("nvmlDeviceGetGpuInstanceId", o -> lib().nvmlDeviceGetGpuInstanceId(handle, o));
    }

    /** Compute instance id of a MIG device. */
    public int computeInstanceId() {
        return readInt("nvmlDeviceGetComputeInstanceId", o -> lib().nvmlDeviceGetComputeInstanceId(handle, o));
    }

    @Override
    public String toString() {
        return label;
    }
}
