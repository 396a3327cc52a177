/*
 * Jlama's side of the peer comparison (see README.md beside this file): loads a Hugging Face folder written by
 * LEM's PeerCheckpoint with Jlama 0.8.4 in float32 (weights and working memory), then greedily generates from a
 * prompt of space-separated letters, timing every generated token as Jlama hands it over. Prints one line per run:
 *   jlama run <i>: prompt_tokens <p>, new_tokens <n>, decode_ms_per_token <d>, prefill_ms <f>
 * where decode_ms_per_token is (time of the last token - time of the first) / (n - 1), LEM's definition of a step.
 *
 * Run with a JDK 21+ (it uses Jlama's Vector API code): java --add-modules jdk.incubator.vector -cp <jlama jars>
 *   JlamaDecode.java <folder> <prompt words> <new tokens> <runs>
 */
import com.github.tjake.jlama.model.AbstractModel;
import com.github.tjake.jlama.model.ModelSupport;
import com.github.tjake.jlama.model.functions.Generator;
import com.github.tjake.jlama.safetensors.DType;
import com.github.tjake.jlama.safetensors.prompt.PromptContext;
import java.io.File;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

public class JlamaDecode {
    public static void main(String[] args) {
        File folder = new File(args[0]);
        int words = Integer.parseInt(args[1]);
        int newTokens = Integer.parseInt(args[2]);
        int runs = Integer.parseInt(args[3]);
        StringBuilder prompt = new StringBuilder();
        for (int i = 0; i < words; i++) {
            prompt.append(i == 0 ? "" : " ").append((char) ('a' + (i * 7) % 26));
        }
        AbstractModel model = ModelSupport.loadModel(folder, DType.F32, DType.F32);
        for (int run = 0; run <= runs; run++) { // run 0 warms up
            List<Long> stamps = new ArrayList<>();
            long start = System.nanoTime();
            // Jlama's token budget counts the prompt too
            Generator.Response r = model.generate(UUID.randomUUID(), PromptContext.of(prompt.toString()), 0.0f,
                    words + newTokens, (text, ms) -> stamps.add(System.nanoTime()));
            if (run == 0) {
                continue;
            }
            int n = stamps.size();
            double decode = n > 1 ? (stamps.get(n - 1) - stamps.get(0)) / 1e6 / (n - 1) : Double.NaN;
            double prefill = n > 0 ? (stamps.get(0) - start) / 1e6 : Double.NaN;
            System.out.printf(Locale.ROOT, "jlama run %d: prompt_tokens %d, new_tokens %d, decode_ms_per_token %.2f,"
                    + " prefill_ms %.1f, finish %s%n", run, r.promptTokens, n, decode, prefill, r.finishReason);
        }
        model.close();
    }
}
