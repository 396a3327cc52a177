package dev.lem.flops;

import dev.lem.LemException;
import dev.lem.model.TensorDtype;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * Dense peak compute per data type and peak memory bandwidth of common GPUs, from vendors' datasheets
 * (each row names its source). The built-in table is {@code dev/lem/flops/gpu-peaks.json}; figures are
 * dense (structured-sparsity figures are never used). There is no CPU table: a CPU's peak depends on
 * its cores, clocks and vector units, so users give it with {@code flops.peak_tflops}.
 *
 * <p>Immutable and thread-safe.
 */
public final class PeakTable {
    /** Data types the table has compute peaks for. */
    public static final List<String> DTYPES = List.of("fp32", "tf32", "fp16", "bf16", "fp8");
    private static final String RESOURCE = "/dev/lem/flops/gpu-peaks.json";
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final List<Device> devices;

    /**
     * One row of the table.
     *
     * @param id               short id, e.g. {@code h100-sxm}
     * @param name             marketing name
     * @param match            case-insensitive pattern found in the name the driver reports
     * @param peakBandwidthGbS memory bandwidth, GB/s
     * @param peakTflops       dense TFLOP/s by data type; a type the hardware lacks is absent
     * @param source           the datasheet the figures come from
     */
    public record Device(String id, String name, Pattern match, double peakBandwidthGbS,
            Map<String, Double> peakTflops, String source) {
        /**
         * Checks that the text components and pattern are set and copies {@code peakTflops}.
         *
         * @param id short id
         * @param name marketing name
         * @param match case-insensitive pattern found in the name the driver reports
         * @param peakBandwidthGbS memory bandwidth, GB/s
         * @param peakTflops dense TFLOP/s by data type
         * @param source the datasheet the figures come from
         */
        public Device {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(match, "match");
            Objects.requireNonNull(source, "source");
            peakTflops = Map.copyOf(peakTflops);
        }
    }

    private PeakTable(List<Device> devices) {
        this.devices = List.copyOf(devices);
    }

    private static final class BuiltIn {
        static final PeakTable TABLE = load();

        private static PeakTable load() {
            try (InputStream in = PeakTable.class.getResourceAsStream(RESOURCE)) {
                if (in == null) {
                    throw new IllegalStateException("resource " + RESOURCE + " is missing from lem-core");
                }
                return fromJson(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new IllegalStateException("cannot read " + RESOURCE, e);
            }
        }
    }

    /** {@return the table shipped with LEM} */
    public static PeakTable builtIn() {
        return BuiltIn.TABLE;
    }

    /**
     * A table in the built-in file's format: {@code {"devices": [{"id", "name", "match",
     * "bandwidth_gb_s", "tflops": {"bf16": ...}, "source"}]}}.
     *
     * @param json the table as JSON
     * @return the table
     * @throws LemException naming the row and field that is wrong
     */
    public static PeakTable fromJson(String json) {
        Map<?, ?> root;
        try {
            root = JSON.readValue(json, Map.class);
        } catch (JacksonException e) {
            throw new LemException("peak table is not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (!(root.get("devices") instanceof List<?> rows)) {
            throw new LemException("peak table has no \"devices\" list");
        }
        List<Device> out = new ArrayList<>();
        for (int i = 0; i < rows.size(); i++) {
            String where = "peak table devices[" + i + "]";
            if (!(rows.get(i) instanceof Map<?, ?> row) || !(row.get("tflops") instanceof Map<?, ?> tflops)
                    || !(row.get("bandwidth_gb_s") instanceof Number bw) || bw.doubleValue() <= 0) {
                throw new LemException(where + " needs \"tflops\" and a positive \"bandwidth_gb_s\"");
            }
            Map<String, Double> peaks = new LinkedHashMap<>();
            for (Map.Entry<?, ?> e : tflops.entrySet()) {
                String dtype = String.valueOf(e.getKey());
                if (!DTYPES.contains(dtype) || !(e.getValue() instanceof Number n) || n.doubleValue() <= 0) {
                    throw new LemException(where + ".tflops." + dtype + " (" + e.getValue()
                            + ") must be a positive number for one of " + DTYPES);
                }
                peaks.put(dtype, n.doubleValue());
            }
            Pattern match;
            try {
                match = Pattern.compile(text(row, "match", where), Pattern.CASE_INSENSITIVE);
            } catch (PatternSyntaxException e) {
                throw new LemException(where + ".match is not a valid regular expression: " + e.getDescription(), e);
            }
            out.add(new Device(text(row, "id", where), text(row, "name", where), match, bw.doubleValue(), peaks,
                    text(row, "source", where)));
        }
        return new PeakTable(out);
    }

    private static String text(Map<?, ?> row, String key, String where) {
        if (!(row.get(key) instanceof String s) || s.isBlank()) {
            throw new LemException(where + "." + key + " must be a non-empty string");
        }
        return s;
    }

    /** {@return every row, in matching order} */
    public List<Device> devices() {
        return devices;
    }

    /**
     * The row for {@code deviceName}: its id, or the first row whose pattern occurs in the name.
     *
     * @param deviceName an id, or the name the driver reports
     * @return the row; empty when no row matches
     */
    public Optional<Device> device(String deviceName) {
        String n = deviceName.trim();
        for (Device d : devices) {
            if (d.id().equalsIgnoreCase(n)) {
                return Optional.of(d);
            }
        }
        return devices.stream().filter(d -> d.match().matcher(n).find()).findFirst();
    }

    /**
     * The table's name for a data type: {@code fp32}, {@code tf32}, {@code fp16}, {@code bf16} or
     * {@code fp8}, from any spelling {@link TensorDtype} knows ({@code float32}, {@code BF16},
     * {@code torch.float16}, {@code F8_E4M3}) or {@code tf32}.
     *
     * @param dtype the data type, in any spelling
     * @return the table's name; empty for a type the table has no column for
     */
    public static Optional<String> normaliseDtype(String dtype) {
        String d = dtype.trim().toLowerCase(Locale.ROOT);
        if (d.equals("tf32") || d.equals("tensorfloat32")) {
            return Optional.of("tf32");
        }
        return TensorDtype.find(d).filter(TensorDtype::floatingPoint).filter(t -> t != TensorDtype.F64)
                .map(t -> t.label().startsWith("fp8") ? "fp8" : t.label());
    }

    /**
     * The peak of {@code deviceName} for {@code dtype}, when the table has both.
     *
     * @param deviceName an id, or the name the driver reports
     * @param dtype the data type, in any spelling
     * @return the peak; empty when the table lacks the device or the type
     */
    public Optional<Peak> lookup(String deviceName, String dtype) {
        Optional<String> type = normaliseDtype(dtype);
        return device(deviceName).flatMap(d -> type.flatMap(t -> Optional.ofNullable(d.peakTflops().get(t))
                .map(tf -> new Peak(d.name(), t, tf, d.peakBandwidthGbS(), d.source()))));
    }

    /**
     * Why {@link #lookup} gives nothing for these arguments (empty string when it gives a peak).
     *
     * @param deviceName an id, or the name the driver reports
     * @param dtype the data type, in any spelling
     * @return the reason, one line
     */
    public String whyAbsent(String deviceName, String dtype) {
        Optional<String> type = normaliseDtype(dtype);
        Optional<Device> d = device(deviceName);
        if (d.isEmpty()) {
            return "no peak for device \"" + deviceName + "\" in LEM's table (" + devices.size()
                    + " GPUs, see docs/flops.md): set flops.peak_tflops and flops.peak_bandwidth_gb_s";
        }
        if (type.isEmpty()) {
            return "\"" + dtype + "\" is not a data type with a compute peak: use one of " + DTYPES;
        }
        if (!d.get().peakTflops().containsKey(type.get())) {
            return d.get().name() + " has no " + type.get() + " peak (the hardware lacks it; it has "
                    + d.get().peakTflops().keySet() + "): set flops.peak_tflops";
        }
        return "";
    }
}
