package dev.lem.nvml.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * {@code CUDA_VISIBLE_DEVICES} as CUDA reads it: a comma-separated list of GPU indices, GPU UUIDs
 * ({@code GPU-…}, a unique prefix is enough), MIG UUIDs ({@code MIG-…}) or the pre-R470 MIG form
 * {@code MIG-GPU-<uuid>/<gpu instance>/<compute instance>}. Like CUDA, the list ends at the first
 * entry that is none of these; the entries after it are ignored (and reported in {@link #notes()}).
 *
 * @param raw     the variable's value, empty when unset (every GPU is visible)
 * @param entries the valid entries, in order
 * @param notes   what was ignored and why
 */
public record VisibleDevices(Optional<String> raw, List<Entry> entries, List<String> notes) {
    private static final Pattern INDEX = Pattern.compile("\\d{1,4}");
    private static final Pattern LEGACY_MIG = Pattern.compile("(?i)MIG-(GPU-[0-9a-f-]+)/(\\d+)/(\\d+)");
    private static final Pattern UUID = Pattern.compile("(?i)(GPU|MIG)-[0-9a-f][0-9a-f-]*");

    public VisibleDevices {
        entries = List.copyOf(entries);
        notes = List.copyOf(notes);
    }

    /** One valid entry. */
    public sealed interface Entry permits Index, Uuid, LegacyMig {
    }

    /** @param index CUDA device ordinal */
    public record Index(int index) implements Entry {
    }

    /** @param prefix a GPU or MIG UUID or a unique prefix of one @param mig true for {@code MIG-…} */
    public record Uuid(String prefix, boolean mig) implements Entry {
    }

    /** @param gpuUuid parent GPU UUID @param gpuInstance GPU instance id @param computeInstance compute instance id */
    public record LegacyMig(String gpuUuid, int gpuInstance, int computeInstance) implements Entry {
    }

    /** True when the variable is unset, so every GPU NVML sees is visible. */
    public boolean all() {
        return raw.isEmpty();
    }

    /** Parses the value of {@code CUDA_VISIBLE_DEVICES} ({@code null} when unset). */
    public static VisibleDevices parse(@Nullable String value) {
        if (value == null) {
            return new VisibleDevices(Optional.empty(), List.of(), List.of());
        }
        List<Entry> entries = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        String[] parts = value.split(",", -1);
        for (int i = 0; i < parts.length; i++) {
            String p = parts[i].trim();
            Matcher legacy = LEGACY_MIG.matcher(p);
            if (INDEX.matcher(p).matches()) {
                entries.add(new Index(Integer.parseInt(p)));
            } else if (legacy.matches()) {
                entries.add(new LegacyMig(legacy.group(1), Integer.parseInt(legacy.group(2)),
                        Integer.parseInt(legacy.group(3))));
            } else if (UUID.matcher(p).matches()) {
                entries.add(new Uuid(p, p.toUpperCase(Locale.ROOT).startsWith("MIG-")));
            } else {
                if (!(p.isEmpty() && parts.length == 1)) {
                    notes.add("CUDA_VISIBLE_DEVICES entry \"" + p + "\" is not a GPU index, GPU UUID or MIG UUID: "
                            + "CUDA ignores it" + (i + 1 < parts.length ? " and every entry after it" : ""));
                }
                break;
            }
        }
        return new VisibleDevices(Optional.of(value), entries, notes);
    }
}
