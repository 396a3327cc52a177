package dev.lem.nvml;

import dev.lem.nvml.internal.Nvml;
import dev.lem.nvml.internal.NvmlException;
import dev.lem.nvml.internal.NvmlSession;
import dev.lem.spi.Availability;
import dev.lem.spi.PluginUnavailableException;
import org.jspecify.annotations.Nullable;

/**
 * The availability check both providers share: can NVML be loaded and started, and does it see a
 * GPU. Probed on first use (not at construction) and remembered per provider instance.
 */
final class NvmlProbe {
    private volatile @Nullable Availability result;

    /** Never throws; an unavailable result says why and what to do. */
    Availability availability() {
        Availability a = result;
        if (a == null) {
            a = probe();
            result = a;
        }
        return a;
    }

    private static Availability probe() {
        try (NvmlSession s = Nvml.open()) {
            int n = s.deviceCount();
            return n > 0 ? Availability.ok()
                    : Availability.unavailable("NVML (driver " + s.driverVersion() + ") reports no NVIDIA GPU");
        } catch (PluginUnavailableException | NvmlException e) {
            return Availability.unavailable(e.getMessage());
        } catch (RuntimeException | LinkageError e) {
            return Availability.unavailable("NVML check failed: " + e);
        }
    }
}
