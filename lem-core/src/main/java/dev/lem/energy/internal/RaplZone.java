package dev.lem.energy.internal;

import dev.lem.env.SysFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * One zone of the powercap tree as found on disk, e.g. {@code intel-rapl:0} named {@code package-0}
 * or {@code intel-rapl:0:1} named {@code dram}.
 *
 * @param dirName        the zone's directory name, e.g. {@code intel-rapl:0:1}
 * @param dir            the zone's directory
 * @param mmio           true for an {@code intel-rapl-mmio:*} zone (a second interface to a zone)
 * @param topLevel       true for {@code intel-rapl:N}, false for a sub-zone {@code intel-rapl:N:M}
 * @param index          N of {@code intel-rapl:N[:M]}
 * @param name           the zone's {@code name} file, e.g. {@code package-0}, {@code dram}, {@code psys}
 * @param parentName     the parent zone's name for a sub-zone (e.g. {@code package-1}), else empty
 * @param firstReading   {@code energy_uj} at discovery, µJ, when readable
 * @param unreadable     why {@code energy_uj} could not be read, when it could not
 * @param maxRangeUj     {@code max_energy_range_uj}, µJ, when readable and positive
 * @param powerBoundW    the highest power limit or maximum the zone declares, W, when any is readable
 */
record RaplZone(String dirName, Path dir, boolean mmio, boolean topLevel, int index, String name,
        Optional<String> parentName, OptionalLong firstReading, Optional<String> unreadable, OptionalLong maxRangeUj,
        OptionalDouble powerBoundW) {

    private static final Pattern DIR = Pattern.compile("(intel-rapl|intel-rapl-mmio):(\\d+)(?::(\\d+))?");
    private static final Pattern PACKAGE = Pattern.compile("package-(\\d+)");

    /** True for a zone directory's name, {@code intel-rapl:N}, {@code intel-rapl:N:M} or the MMIO forms. */
    static boolean isZoneName(String dirName) {
        return DIR.matcher(dirName).matches();
    }

    /** True for a control type's directory ({@code intel-rapl}, {@code intel-rapl-mmio}) holding nested zones. */
    static boolean isControlType(String dirName) {
        return dirName.equals("intel-rapl") || dirName.equals("intel-rapl-mmio");
    }

    /** Reads a zone directory of the flat layout; empty when the name is not a RAPL zone's. */
    static Optional<RaplZone> read(Path dir, SysFiles.LongReader reader) {
        return read(dir, null, reader);
    }

    /**
     * Reads a zone directory; empty when the name is not a RAPL zone's.
     *
     * @param parentZone the package zone whose directory holds this one (nested layout), or null: a sub-zone's
     *                   package is then looked up beside it ({@code intel-rapl:N} next to {@code intel-rapl:N:M})
     */
    static Optional<RaplZone> read(Path dir, @Nullable RaplZone parentZone, SysFiles.LongReader reader) {
        String dirName = dir.getFileName().toString();
        Matcher m = DIR.matcher(dirName);
        if (!m.matches()) {
            return Optional.empty();
        }
        boolean mmio = m.group(1).endsWith("mmio");
        boolean top = m.group(3) == null;
        int index = Integer.parseInt(m.group(2));
        String name = SysFiles.firstLine(dir.resolve("name")).orElse(dirName);
        Optional<String> parent = top ? Optional.empty()
                : parentZone != null ? Optional.of(parentZone.name())
                : SysFiles.firstLine(dir.resolveSibling(m.group(1) + ":" + index).resolve("name"))
                        .or(() -> SysFiles.firstLine(dir.getParent().resolve("name")));
        OptionalLong first = OptionalLong.empty();
        Optional<String> unreadable = Optional.empty();
        try {
            first = OptionalLong.of(reader.read(dir.resolve("energy_uj")));
        } catch (IOException e) {
            unreadable = Optional.of(SysFiles.why(e));
        }
        OptionalLong max;
        try {
            max = OptionalLong.of(reader.read(dir.resolve("max_energy_range_uj")));
        } catch (IOException | RuntimeException e) {
            max = OptionalLong.empty();
        }
        if (max.isPresent() && max.getAsLong() <= 0) {
            max = OptionalLong.empty();
        }
        return Optional.of(new RaplZone(dirName, dir, mmio, top, index, name, parent, first, unreadable, max,
                powerBound(dir)));
    }

    /** The largest of the zone's {@code constraint_*_max_power_uw} and {@code constraint_*_power_limit_uw}. */
    private static OptionalDouble powerBound(Path dir) {
        long best = 0;
        for (int c = 0; c < 4; c++) {
            for (String f : new String[] {"max_power_uw", "power_limit_uw"}) {
                best = Math.max(best, SysFiles.tryLong(dir.resolve("constraint_" + c + "_" + f)).orElse(0));
            }
        }
        return best > 0 ? OptionalDouble.of(best / 1e6) : OptionalDouble.empty();
    }

    boolean readable() {
        return unreadable.isEmpty();
    }

    /** The package number this zone belongs to: N of {@code package-N} in its own or its parent's name. */
    int packageNumber() {
        Matcher m = PACKAGE.matcher(topLevel ? name : parentName.orElse(""));
        return m.matches() ? Integer.parseInt(m.group(1)) : index;
    }

    /** {@code package-N}, {@code dram}, {@code psys}, ... qualified by the parent for sub-zones. */
    String qualifiedName() {
        return topLevel ? name : parentName.orElse("?") + "/" + name;
    }

    Path energyFile() {
        return dir.resolve("energy_uj");
    }
}
