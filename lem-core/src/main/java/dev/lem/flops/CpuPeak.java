package dev.lem.flops;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * An estimated peak of a CPU, for MFU when the model runs on the CPU: {@code cores × clock × FLOPs per cycle per
 * core}, the FLOPs per cycle from the widest vector instruction set the CPU reports, with two fused multiply-add units
 * per core assumed (one FMA is two FLOPs):
 *
 * <table>
 *   <caption>FLOPs per cycle per core</caption>
 *   <tr><th>instruction set</th><th>fp32</th><th>bf16 / fp16</th></tr>
 *   <tr><td>AMX ({@code amx_bf16})</td><td>as AVX-512</td><td>1024 (Intel: 1024 BF16 ops per cycle per core)</td></tr>
 *   <tr><td>AVX-512 ({@code avx512f}), Intel</td><td>64 (2 FMA × 16 lanes × 2)</td><td>128 with
 *       {@code avx512_bf16}/{@code avx512_fp16}, else as fp32</td></tr>
 *   <tr><td>AVX-512, AMD (Zen 4 executes it on 256-bit units)</td><td>32</td><td>64 with {@code avx512_bf16}, else
 *       as fp32</td></tr>
 *   <tr><td>AVX2 with FMA</td><td>32 (2 FMA × 8 lanes × 2)</td><td>as fp32</td></tr>
 *   <tr><td>AVX</td><td>16</td><td>as fp32</td></tr>
 *   <tr><td>SSE2, Arm NEON ({@code asimd})</td><td>8 / 16</td><td>as fp32</td></tr>
 * </table>
 *
 * Labelled {@code estimated}: parts with one FMA unit (some Xeon Silver/Bronze), Zen 5 (full-width AVX-512) and
 * turbo clocks differ; give the real figure with {@code flops.peak_tflops}.
 */
public final class CpuPeak {
    private CpuPeak() {
    }

    /**
     * The CPU's estimated dense peak for {@code dtype}, or empty with no cores or clock known.
     *
     * @param cores  physical cores doing the work
     * @param mhz    the clock, MHz
     * @param flags  the vector instruction sets ({@code avx512f}, {@code avx2}, ...)
     * @param vendor {@code GenuineIntel}, {@code AuthenticAMD}, ... (empty when unknown)
     * @param dtype  the data type the model computes in
     * @param clockSource where the clock was read, named in the basis
     * @return the peak, with its basis; empty with no cores or clock known
     */
    public static Optional<Peak> estimate(int cores, double mhz, List<String> flags, String vendor, String dtype,
            String clockSource) {
        if (cores < 1 || !(mhz > 0)) {
            return Optional.empty();
        }
        String type = PeakTable.normaliseDtype(dtype).orElse("fp32");
        boolean amd = vendor.toLowerCase(Locale.ROOT).contains("amd");
        boolean half = type.equals("bf16") || type.equals("fp16");
        int perCycle;
        String set;
        if (half && flags.contains("amx_bf16") && type.equals("bf16")) {
            perCycle = 1024;
            set = "AMX (1024 bf16 FLOPs per cycle per core)";
        } else if (flags.contains("avx512f")) {
            int fp32 = amd ? 32 : 64;
            boolean fast = half && (flags.contains("avx512_bf16") && type.equals("bf16")
                    || flags.contains("avx512_fp16") && type.equals("fp16"));
            perCycle = fast ? 2 * fp32 : fp32;
            set = "AVX-512" + (amd ? " on 256-bit units (AMD Zen 4)" : "") + (fast ? " " + type : "")
                    + ", 2 FMA units assumed";
        } else if (flags.contains("avx2") && flags.contains("fma")) {
            perCycle = 32;
            set = "AVX2 + FMA, 2 FMA units assumed";
        } else if (flags.contains("avx")) {
            perCycle = 16;
            set = "AVX";
        } else if (flags.contains("asimd")) {
            perCycle = 16;
            set = "Arm NEON, 2 FMA units assumed";
        } else {
            perCycle = 8;
            set = "SSE2";
        }
        double tflops = cores * mhz * 1e6 * perCycle / 1e12;
        String basis = String.format(Locale.ROOT, "estimated CPU peak: %d cores x %.2f GHz (%s) x %d %s FLOPs per "
                + "cycle (%s); set flops.peak_tflops for the real figure", cores, mhz / 1000, clockSource, perCycle,
                half && perCycle > 64 || perCycle == 1024 ? type : (half ? type + " at the fp32 rate" : "fp32"), set);
        return Optional.of(new Peak("cpu", type, tflops, 1, basis));
    }
}
