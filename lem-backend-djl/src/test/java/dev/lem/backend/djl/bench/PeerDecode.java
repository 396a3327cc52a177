package dev.lem.backend.djl.bench;

import dev.lem.backend.djl.DjlBackendProvider;
import dev.lem.config.ConfigResolver;
import dev.lem.config.DecodingConfig;
import dev.lem.config.ValueSource;
import dev.lem.spi.Completion;
import dev.lem.spi.GenerationListener;
import dev.lem.spi.GenerationRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * LEM's side of the peer comparison with Jlama (see {@code benchmarks/jlama/README.md}): loads a Hugging Face folder
 * (written by {@code PeerCheckpoint}) with the djl backend, batch 1, greedy, and prints one line per run in the same
 * format as {@code JlamaDecode}: {@code lem run <i>: prompt_tokens <p>, new_tokens <n>, decode_ms_per_token <d>,
 * prefill_ms <f>}, plus the copy bandwidth read before and after each run (the bound moves with it on a virtual
 * machine). Not a test: {@code PeerDecode <folder> <prompt words> <new tokens> <runs> [key=value backend settings]}.
 */
public final class PeerDecode {
    private PeerDecode() {
    }

    public static void main(String[] args) {
        String folder = args[0];
        int words = Integer.parseInt(args[1]);
        int newTokens = Integer.parseInt(args[2]);
        int runs = Integer.parseInt(args[3]);
        ConfigResolver r = ConfigResolver.withDefaults().set("model", folder, ValueSource.BUILDER);
        for (int i = 4; i < args.length; i++) {
            r.override(args[i]); // key=value, parsed as lem run --set parses it
        }
        StringBuilder prompt = new StringBuilder();
        for (int i = 0; i < words; i++) {
            prompt.append(i == 0 ? "" : " ").append((char) ('a' + (i * 7) % 26));
        }
        DjlBackendProvider provider = new DjlBackendProvider();
        try (var backend = provider.create(dev.lem.spi.BackendContext.of(r.resolve(), provider,
                java.nio.file.Files.createTempDirectory("peer-decode"), 0))) {
            backend.load();
            System.out.println("lem environment: " + backend.environment().get("djl.decode_kernel") + "; threads "
                    + backend.environment().get("djl.intra_op_threads"));
            for (int run = 0; run <= runs; run++) { // run 0 warms up
                double before = DjlBenchmark.copyBandwidth();
                Stamps stamps = new Stamps();
                long start = System.nanoTime();
                backend.generate(List.of(new GenerationRequest("p", prompt.toString(), null, newTokens, 0,
                        DecodingConfig.greedyDecoding(true), 7, false)), stamps);
                double after = DjlBenchmark.copyBandwidth();
                if (run == 0) {
                    continue;
                }
                int n = stamps.times.size();
                double decode = n > 1 ? (stamps.times.get(n - 1) - stamps.times.get(0)) / 1e6 / (n - 1) : Double.NaN;
                System.out.printf(Locale.ROOT, "lem run %d: prompt_tokens %d, new_tokens %d, decode_ms_per_token %.2f,"
                        + " prefill_ms %.1f, copy_gbps_before %.1f, copy_gbps_after %.1f%n", run,
                        stamps.promptTokens, n, decode, (stamps.times.get(0) - start) / 1e6, before / 1e9, after / 1e9);
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** When each token arrived. */
    private static final class Stamps implements GenerationListener {
        final List<Long> times = new ArrayList<>();
        int promptTokens;

        @Override
        public void requestStarted(String id, long nanoTime) {
        }

        @Override
        public void tokens(String id, long nanoTime, int count, @Nullable List<Integer> ids, @Nullable String text) {
            for (int i = 0; i < count; i++) {
                times.add(nanoTime);
            }
        }

        @Override
        public void requestCompleted(String id, long nanoTime, Completion completion) {
            promptTokens = completion.promptTokens();
        }

        @Override
        public void requestFailed(String id, long nanoTime, String cause) {
            throw new IllegalStateException(cause);
        }
    }
}
