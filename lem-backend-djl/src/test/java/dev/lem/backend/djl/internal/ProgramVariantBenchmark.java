package dev.lem.backend.djl.internal;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Compares variants of a model's generated TorchScript program on the same weights in one process:
 * decode steps of the program as generated against the same program with textual edits, variants
 * taking turns round by round, so that they see the same drift of the machine. Not a test: a benchmark
 * main (how the RMSNorm form and the RoPE alternative in docs/performance.md were measured).
 *
 * <pre>
 * NORM='h = torch.div(x, torch.hypot(torch.linalg_vector_norm(x, 2, [-1], True), w[2]))'
 * java -cp ... dev.lem.backend.djl.internal.ProgramVariantBenchmark synthetic:SmolLM2-135M \
 *     "$NORM=&gt;h = torch.rms_norm(x, [576], None, 1.0e-5)"
 * </pre>
 *
 * Each argument after the model is one variant: edits {@code from=>to} joined by {@code &&}, applied to
 * the generated source ({@code \n} in {@code to} is a line break). Print the source with
 * {@code -Dprint=true}. {@code -Drows=2} (default: a lone request is decoded as two rows on the CPU),
 * {@code -Drounds=40}, {@code -Dsteps=30}. Reports each variant's median step time per round and the
 * paired difference to the base program: median and mean with a 95 % interval. Compare forms of the
 * same function: a variant that changes the values can change the speed through the values themselves
 * (removing a residual addition made a SmolLM2 step three times slower here, most likely because the
 * products' inputs shrank into denormal numbers).
 */
public final class ProgramVariantBenchmark {
    private ProgramVariantBenchmark() {
    }

    @SuppressWarnings("try")
    public static void main(String[] args) {
        if (args.length < 1) {
            System.err.println("usage: ProgramVariantBenchmark <model> ['from=>to[&&from=>to…]' …]");
            System.exit(2);
        }
        int rows = Integer.getInteger("rows", 2);
        int rounds = Integer.getInteger("rounds", 40);
        int steps = Integer.getInteger("steps", 30);
        try (DjlBackend backend = TestBackends.backend(args[0], Map.of("options.executor", "compiled"))) {
            backend.load();
            DecoderModel model = backend.model();
            String base = model.programSource();
            if (Boolean.getBoolean("print")) {
                System.out.println(base);
            }
            List<String> names = new ArrayList<>(List.of("as generated"));
            List<TorchScriptModule> programs = new ArrayList<>();
            programs.add(null); // the model's own, taken below
            for (int i = 1; i < args.length; i++) {
                String source = base;
                for (String edit : args[i].split("&&")) {
                    String[] fromTo = edit.split("=>", 2);
                    if (fromTo.length != 2 || !source.contains(fromTo[0])) {
                        throw new IllegalArgumentException("variant " + i + ": \"" + fromTo[0]
                                + "\" is not in the program (print it with -Dprint=true)");
                    }
                    source = source.replace(fromTo[0], fromTo[1].replace("\\n", "\n"));
                }
                names.add(args[i]);
                programs.add(TorchScriptModule.compile(ProgramBuilder.CLASS_NAME, source, model.manager));
            }
            int start = 16;
            int capacity = start + steps + 1;
            model.prepare(capacity);
            double[][] medians = new double[programs.size()][rounds];
            float[] logits = new float[rows * model.arch.vocabSize()];
            try (NDManager batch = model.manager.newSubManager()) {
                KvCache cache = model.newCache(batch, rows, capacity);
                long[] ids = new long[rows * start];
                long[] positions = new long[rows * start];
                for (int i = 0; i < ids.length; i++) {
                    ids[i] = 100 + (i * 31) % 1000 % model.arch.vocabSize();
                    positions[i] = i % start;
                }
                try (NDScope scope = new NDScope()) {
                    model.nextTokenLogits(ids, positions, rows, start, null, cache, 0, rows, logits);
                }
                if (programs.size() > 1) { // take hold of the model's own program
                    programs.set(0, model.swapProgram(programs.get(1)));
                    model.swapProgram(programs.get(0));
                }
                for (int r = 0; r < rounds; r++) {
                    for (int v = 0; v < programs.size(); v++) {
                        if (programs.size() > 1) {
                            model.swapProgram(programs.get(v));
                        }
                        medians[v][r] = medianStep(model, cache, rows, start, steps, logits);
                    }
                }
                if (programs.size() > 1) {
                    model.swapProgram(programs.get(0));
                }
            }
            for (int v = 1; v < programs.size(); v++) {
                programs.get(v).close();
            }
            report(names, medians);
        }
    }

    @SuppressWarnings("try")
    private static double medianStep(DecoderModel model, KvCache cache, int rows, int start, int steps,
            float[] logits) {
        double[] ms = new double[steps];
        for (int s = 0; s < steps; s++) {
            long[] next = new long[rows];
            long[] positions = new long[rows];
            Arrays.fill(next, 100 + s);
            Arrays.fill(positions, start + s);
            try (NDScope scope = new NDScope()) {
                long t0 = System.nanoTime();
                model.nextTokenLogits(next, positions, rows, 1, null, cache, start + s, rows, logits);
                ms[s] = (System.nanoTime() - t0) / 1e6;
            }
        }
        Arrays.sort(ms);
        return ms[steps / 2];
    }

    private static void report(List<String> names, double[][] medians) {
        int rounds = medians[0].length;
        for (int v = 0; v < names.size(); v++) {
            double[] m = medians[v].clone();
            Arrays.sort(m);
            System.out.printf(Locale.ROOT, "variant %d: median step %.2f ms (rounds %.2f–%.2f) — %s%n", v,
                    m[rounds / 2], m[0], m[rounds - 1], names.get(v));
        }
        for (int v = 1; v < names.size(); v++) {
            double[] d = new double[rounds];
            for (int r = 0; r < rounds; r++) {
                d[r] = medians[v][r] - medians[0][r];
            }
            double mean = Arrays.stream(d).average().orElse(0);
            double sd = Math.sqrt(Arrays.stream(d).map(x -> (x - mean) * (x - mean)).sum() / Math.max(1, rounds - 1));
            Arrays.sort(d);
            System.out.printf(Locale.ROOT, "variant %d − as generated, paired over %d rounds: median %+.3f ms,"
                    + " mean %+.3f ± %.3f ms (95 %% interval of the mean)%n", v, rounds, d[rounds / 2], mean,
                    1.96 * sd / Math.sqrt(rounds));
        }
    }
}
