package dev.lem.energy.internal;

import dev.lem.env.SysFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

/** A fake powercap tree under a temporary directory, laid out as Linux lays out /sys/class/powercap. */
final class FakePowercap {
    /** The range of a 32-bit counter of 15.3 µJ units, as Intel parts report it. */
    static final long INTEL_RANGE_UJ = 262_143_328_850L;

    final Path root;
    private final Set<Path> denied = new HashSet<>();

    FakePowercap(Path root) {
        this.root = root;
    }

    /** A zone directory such as {@code intel-rapl:0} with its {@code name}; counter at 0, range Intel's. */
    Zone zone(String dir, String name) {
        Zone z = new Zone(root.resolve(dir));
        write(z.dir.resolve("name"), name + "\n");
        z.energy(0).max(INTEL_RANGE_UJ);
        return z;
    }

    /** A reader that refuses the given files as Linux does for energy_uj without root. */
    SysFiles.LongReader reader() {
        return p -> {
            if (denied.contains(p)) {
                throw new AccessDeniedException(p.toString());
            }
            return SysFiles.readLong(p);
        };
    }

    void deny(Path file) {
        denied.add(file);
    }

    RaplTree scan() {
        return RaplTree.scan(root, reader());
    }

    static void write(Path file, String text) {
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One zone of the fake tree. */
    final class Zone {
        final Path dir;

        Zone(Path dir) {
            this.dir = dir;
        }

        Zone energy(long uj) {
            write(dir.resolve("energy_uj"), uj + "\n");
            return this;
        }

        Zone max(long uj) {
            write(dir.resolve("max_energy_range_uj"), uj + "\n");
            return this;
        }

        Zone noMax() {
            try {
                Files.deleteIfExists(dir.resolve("max_energy_range_uj"));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return this;
        }

        /** Declares a long-term power limit (constraint_0_power_limit_uw), W. */
        Zone limitWatts(double w) {
            write(dir.resolve("constraint_0_power_limit_uw"), (long) (w * 1e6) + "\n");
            return this;
        }

        Zone denyEnergy() {
            deny(dir.resolve("energy_uj"));
            return this;
        }

        Zone denyMax() {
            deny(dir.resolve("max_energy_range_uj"));
            return this;
        }
    }
}
