package dev.lem.energy.internal;

import dev.lem.env.SysFiles;
import dev.lem.energy.DomainScope;
import dev.lem.energy.EnergyDomain;
import dev.lem.energy.MeasurementMethod;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The RAPL zones of a powercap tree and the choice of which to report, so that no energy is counted
 * twice:
 * <ul>
 *   <li>every {@code package-N} zone is reported (domain {@code cpu.package[N]}), and every {@code dram}
 *       zone (domain {@code dram[N]}): the package and DRAM are disjoint;</li>
 *   <li>{@code core} and {@code uncore} lie inside their package and are not reported;</li>
 *   <li>{@code psys} (the whole platform, a superset of the package) is reported only when no package
 *       zone is readable, and then no DRAM either;</li>
 *   <li>a zone that appears under both {@code intel-rapl} and {@code intel-rapl-mmio} (same name) is read
 *       once: from {@code intel-rapl} when readable, else from the MMIO copy.</li>
 * </ul>
 *
 * @param root     the powercap root scanned
 * @param zones    every RAPL zone found, in directory order
 * @param selected the zones to report, in domain order
 * @param skipped  zones not reported and why
 */
record RaplTree(Path root, List<RaplZone> zones, List<Selected> selected, List<String> skipped) {

    /** A reported zone and its domain. */
    record Selected(RaplZone zone, EnergyDomain domain) {
    }

    static final String METER = "rapl";

    /** Scans {@code root}; an unreadable or missing root gives a tree with no zones. */
    static RaplTree scan(Path root) {
        return scan(root, SysFiles::readLong);
    }

    /**
     * Scans {@code root}, reading counters with {@code reader}. Both layouts are found: the flat one of
     * {@code /sys/class/powercap} (every zone a directory, or a link, directly under the root) and the nested one
     * under {@code /sys/devices/virtual/powercap} (a control type {@code intel-rapl/} holding the packages, each
     * package holding its sub-zones). A zone seen twice (through a link and in its package) is read once.
     */
    static RaplTree scan(Path root, SysFiles.LongReader reader) {
        Map<String, RaplZone> zones = new LinkedHashMap<>();
        if (Files.isDirectory(root)) {
            walk(root, null, 0, reader, zones);
        }
        List<RaplZone> sorted = new ArrayList<>(zones.values());
        sorted.sort(Comparator.comparing(RaplZone::dirName));
        return select(root, sorted);
    }

    /** Depth of the nested layout: root / control type / package / sub-zone. */
    private static final int MAX_DEPTH = 3;

    private static void walk(Path dir, RaplZone parent, int depth, SysFiles.LongReader reader,
            Map<String, RaplZone> zones) {
        List<Path> children;
        try (Stream<Path> s = Files.list(dir)) {
            children = s.sorted(Comparator.comparing(p -> p.getFileName().toString())).toList();
        } catch (IOException | RuntimeException e) {
            return; // an unreadable directory adds no zone ("no zones" if none is found)
        }
        for (Path p : children) {
            String n = p.getFileName().toString();
            if (!Files.isDirectory(p)) {
                continue;
            }
            if (RaplZone.isZoneName(n)) {
                RaplZone z = zones.get(n);
                if (z == null) {
                    z = RaplZone.read(p, parent, reader).orElse(null);
                    if (z == null) {
                        continue;
                    }
                    zones.put(n, z);
                }
                if (depth < MAX_DEPTH && z.topLevel()) {
                    walk(p, z, depth + 1, reader, zones);
                }
            } else if (depth == 0 && RaplZone.isControlType(n)) {
                walk(p, null, depth + 1, reader, zones);
            }
        }
    }

    private static RaplTree select(Path root, List<RaplZone> zones) {
        List<String> skipped = new ArrayList<>();
        Map<String, RaplZone> unique = new LinkedHashMap<>();
        for (RaplZone z : zones) {
            String key = z.qualifiedName();
            RaplZone other = unique.get(key);
            if (other == null) {
                unique.put(key, z);
            } else {
                RaplZone keep = preferred(other, z);
                RaplZone drop = keep == other ? z : other;
                unique.put(key, keep);
                skipped.add(drop.dirName() + " (" + key + "): duplicate of " + keep.dirName());
            }
        }
        boolean packageReadable = unique.values().stream().anyMatch(z -> isPackage(z) && z.readable());
        boolean usePsys = !packageReadable
                && unique.values().stream().anyMatch(z -> z.topLevel() && z.name().equals("psys") && z.readable());
        List<Selected> selected = new ArrayList<>();
        for (RaplZone z : unique.values()) {
            String n = z.name();
            String label = z.dirName() + " (" + z.qualifiedName() + ")";
            if (isPackage(z) || n.equals("dram")) {
                if (usePsys) {
                    skipped.add(label + ": not readable or covered by psys, which is reported instead");
                } else if (isPackage(z)) {
                    selected.add(new Selected(z, domain("cpu.package[" + z.packageNumber() + "]", "cpu", n)));
                } else {
                    selected.add(new Selected(z, domain("dram[" + z.packageNumber() + "]", "dram", z.qualifiedName())));
                }
            } else if (z.topLevel() && n.equals("psys")) {
                if (packageReadable) {
                    skipped.add(label + ": covers the packages, which are reported instead");
                } else {
                    selected.add(new Selected(z, domain("psys", "psys", "psys")));
                }
            } else if (n.equals("core") || n.equals("uncore")) {
                skipped.add(label + ": part of its package, not summed");
            } else {
                skipped.add(label + ": unknown zone name, not reported");
            }
        }
        return new RaplTree(root, List.copyOf(zones), List.copyOf(selected), List.copyOf(skipped));
    }

    private static boolean isPackage(RaplZone z) {
        return z.topLevel() && z.name().startsWith("package-");
    }

    /** Of two copies of one zone: intel-rapl over intel-rapl-mmio, unless only the MMIO copy is readable. */
    private static RaplZone preferred(RaplZone a, RaplZone b) {
        if (a.readable() != b.readable()) {
            return a.readable() ? a : b;
        }
        return a.mmio() && !b.mmio() ? b : a;
    }

    private static EnergyDomain domain(String id, String kind, String device) {
        return new EnergyDomain(id, kind, device, DomainScope.MACHINE, MeasurementMethod.MEASURED, METER);
    }

    /** The reported zones whose counters can be read. */
    List<Selected> readable() {
        return selected.stream().filter(s -> s.zone().readable()).toList();
    }

    /** True when a readable reported zone has this kind ({@code cpu}, {@code dram}, {@code psys}). */
    boolean covers(String kind) {
        return readable().stream().anyMatch(s -> s.domain().kind().equals(kind));
    }

    /**
     * Why no zone can be read, as a sentence with the fix; empty when at least one can.
     */
    Optional<String> whyUnusable() {
        if (!readable().isEmpty()) {
            return Optional.empty();
        }
        if (!Files.isDirectory(root)) {
            return Optional.of("no powercap tree at " + root + ": RAPL is not exposed here (not Linux, a virtual "
                    + "machine or container without RAPL, or the kernel's intel_rapl_msr driver is not loaded: "
                    + "sudo modprobe intel_rapl_msr)");
        }
        if (zones.isEmpty()) {
            return Optional.of("no RAPL zone (intel-rapl:*) under " + root + ": the kernel's RAPL driver is not "
                    + "loaded (sudo modprobe intel_rapl_msr) or this machine does not expose RAPL");
        }
        if (selected.isEmpty()) {
            return Optional.of("no package, dram or psys zone under " + root + " (found: "
                    + zones.stream().map(z -> z.dirName() + "=" + z.name()).collect(Collectors.joining(", ")) + ")");
        }
        String denied = selected.stream().map(s -> s.zone().dir().resolve("energy_uj") + " ("
                + s.zone().unreadable().orElse("") + ")").collect(Collectors.joining(", "));
        boolean permission = selected.stream().anyMatch(s -> s.zone().unreadable().orElse("").contains("permission"));
        if (permission) {
            return Optional.of("RAPL energy counters are not readable by this user: " + denied + ". Since Linux 5.10 "
                    + "energy_uj is readable by root only (CVE-2020-8694). Grant read access until the next boot with "
                    + "`sudo chmod a+r " + root + "/intel-rapl:*/energy_uj " + root + "/intel-rapl:*:*/energy_uj`, "
                    + "or for good with a udev rule, e.g. /etc/udev/rules.d/99-rapl.rules containing "
                    + "ACTION==\"add\", SUBSYSTEM==\"powercap\", RUN+=\"/bin/chmod a+r /sys%p/energy_uj\"");
        }
        return Optional.of("RAPL energy counters cannot be read: " + denied);
    }
}
