package dev.lem.nvml;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.jna.Library;
import com.sun.jna.Native;
import dev.lem.config.ExperimentConfig;
import dev.lem.nvml.internal.Nvml;
import dev.lem.spi.MeterContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.Assumptions;

/**
 * Drives the fake {@code libnvidia-ml.so} built from {@code src/test/c/fake_nvml.c}: the test
 * loads the same library the binding loads (through {@code jna.library.path}) and scripts it with
 * the fake's control functions. Also a virtual clock shared by the fake and the meter, so scripted
 * energies are exact.
 */
final class FakeNvml {
    /** The fake's control functions. */
    interface Control extends Library {
        void fake_nvml_reset(int count);

        int fake_nvml_set(int gpu, int mig, String key, long value);

        int fake_nvml_set_text(int gpu, int mig, String key, String value);

        int fake_nvml_set_global(String key, long value);

        long fake_nvml_get_global(String key);
    }

    private final Control control;
    private long nanos;

    private FakeNvml(Control control) {
        this.control = control;
    }

    /** Loads the fake, or skips the test saying why it cannot. */
    static FakeNvml load() {
        String dir = System.getProperty("lem.test.fake.nvml.dir", "");
        String variant = System.getProperty("lem.test.fake.nvml.variant", "");
        Assumptions.assumeTrue(System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux"),
                "the fake libnvidia-ml.so is built and loaded on Linux only");
        Assumptions.assumeTrue(!dir.isEmpty() && !variant.isEmpty(),
                "run through Maven (surefire execution fake-full or fake-old), which sets the fake library's folder");
        Path lib = Path.of(dir, variant, "libnvidia-ml.so");
        Assumptions.assumeTrue(Files.isRegularFile(lib), "the fake NVML library " + lib + " was not built: gcc was "
                + "not found when Maven ran generate-test-resources; install gcc to run the NVML tests");
        return new FakeNvml(Native.load("nvidia-ml", Control.class));
    }

    /** Starts over with {@code gpus} default GPUs on the virtual clock at 0 ms. */
    FakeNvml reset(int gpus) {
        assertThat(Nvml.openSessions()).as("NVML sessions left open by an earlier test").isZero();
        control.fake_nvml_reset(gpus);
        timeMs(0);
        return this;
    }

    /** Every session closed and every nvmlInit_v2 paired with nvmlShutdown; for {@code @AfterEach}. */
    static void assertPaired(FakeNvml fake) {
        if (fake == null) {
            return; // the test was skipped before the fake was loaded
        }
        assertThat(Nvml.openSessions()).as("NVML sessions left open").isZero();
        assertThat(fake.get("init_depth")).as("every nvmlInit_v2 paired with nvmlShutdown").isZero();
    }

    /** Sets a numeric knob of a GPU (see {@code KNOBS} in fake_nvml.c). */
    FakeNvml set(int gpu, String key, long value) {
        assertThat(control.fake_nvml_set(gpu, -1, key, value)).as("fake knob %s", key).isZero();
        return this;
    }

    /** Sets a numeric knob of MIG device {@code mig} of GPU {@code gpu}. */
    FakeNvml mig(int gpu, int mig, String key, long value) {
        assertThat(control.fake_nvml_set(gpu, mig, key, value)).as("fake knob %s", key).isZero();
        return this;
    }

    FakeNvml text(int gpu, String key, String value) {
        assertThat(control.fake_nvml_set_text(gpu, -1, key, value)).isZero();
        return this;
    }

    FakeNvml global(String key, long value) {
        assertThat(control.fake_nvml_set_global(key, value)).as("fake global %s", key).isZero();
        return this;
    }

    long get(String key) {
        return control.fake_nvml_get_global(key);
    }

    /** Moves the virtual clock (fake and {@link #clock()}) to {@code ms}. */
    void timeMs(long ms) {
        global("time_ms", ms);
        nanos = ms * 1_000_000L;
    }

    /**
     * The fake's own virtual clock, ns, for tests in which NVML calls cost time (energy_read_cost_ms): reads on it
     * see the time the calls spent. Keep {@link #timeMs} for moving it.
     */
    LongSupplier fakeClock() {
        return () -> control.fake_nvml_get_global("time_ms") * 1_000_000L;
    }

    /** Moves the fake's virtual clock on by {@code ms} (and {@link #clock()} with it). */
    void advanceMs(long ms) {
        timeMs(control.fake_nvml_get_global("time_ms") + ms);
    }

    /** Switches the fake to the real monotonic clock. */
    void realTime() {
        global("time_ms", -1);
    }

    /** The virtual clock for the meter, in ns. */
    LongSupplier clock() {
        return () -> nanos;
    }

    /** A meter context with {@code CUDA_VISIBLE_DEVICES} set to {@code visible} (null: unset). */
    static MeterContext context(String visible) {
        Map<String, String> env = new HashMap<>();
        if (visible != null) {
            env.put("CUDA_VISIBLE_DEVICES", visible);
        }
        return new MeterContext(ExperimentConfig.defaults().energy(), env, 0);
    }

    /** UUID the fake gives GPU {@code i} by default. */
    static String gpuUuid(int i) {
        return String.format("GPU-%08x-1111-2222-3333-44444444444%d", 0xabc00000 + i, i);
    }

    /** UUID the fake gives MIG device {@code mig} of GPU {@code gpu} by default. */
    static String migUuid(int gpu, int mig) {
        return String.format("MIG-%08x-5555-6666-7777-8888888888%d%d", 0xdef00000 + gpu, gpu, mig);
    }
}
