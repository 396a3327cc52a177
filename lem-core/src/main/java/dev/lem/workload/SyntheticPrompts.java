package dev.lem.workload;

import dev.lem.config.PromptsConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.function.Function;

/**
 * Prompts of chosen lengths in tokens, for load tests that need controlled input and output lengths
 * ({@code prompts.source: synthetic}).
 *
 * <p>Lengths: input ~ Normal(input_tokens_mean, input_tokens_std), output ~ Normal(output_tokens_mean,
 * output_tokens_std) (mean default: {@code max_output_tokens}), rounded and truncated at 1; prompt
 * {@code i}'s lengths and words depend only on the seed and {@code i}.
 *
 * <p>Text: a seeded sequence of common English words, nearly all one token each in the usual BPE
 * vocabularies (GPT-2, Llama, Mistral, Qwen), so {@code n} words are about {@code n} tokens. Each prompt's words differ
 * from the first word on, so a server's prefix cache does not share them. With a tokenizer (the server's
 * {@code /tokenize}), {@link #calibrated} adjusts the word count until the server counts exactly the
 * target (or the closest count it can reach); without one the length is the word-count estimate.
 */
public final class SyntheticPrompts {
    private static final String[] WORDS = ("the of and to in is it you that he was for on are with as his they be at "
            + "one have this from or had by word but what some we can out other were all there when up use your how "
            + "said an each she which do their time if will way about many then them write would like so these her "
            + "long make thing see him two has look more day could go come did number sound no most people my over "
            + "know water than call first who may down side been now find any new work part take get place made live "
            + "where after back little only round man year came show every good me give our under name very through "
            + "just form great think say help low line differ turn cause much mean before move right boy old too same "
            + "tell does set three want air well also play small end put home read hand port large spell add even land "
            + "here must big high such follow act why ask men change went light kind off need house picture try us "
            + "again animal point mother world near build self earth father head stand own page should country found "
            + "answer school grow study still learn plant cover food sun four between state keep eye never last let "
            + "thought city tree cross farm hard start might story saw far sea draw left late run while press close "
            + "night real life few north open seem together next white children begin got walk example ease paper "
            + "group always music those both mark often letter until mile river car feet care second book carry took "
            + "science eat room friend began idea fish mountain stop once base hear horse cut sure watch color face "
            + "wood main enough plain girl usual young ready above ever red list though feel talk bird soon body dog "
            + "family direct pose leave song measure door product black short numeral class wind question happen "
            + "complete ship area half rock order fire south problem piece told knew pass since top whole king space "
            + "heard best hour better true during hundred five remember step early hold west ground interest reach "
            + "fast verb sing listen six table travel less morning ten simple several vowel toward war lay against "
            + "pattern slow center love person money serve appear road map rain rule govern pull cold notice voice "
            + "unit power town fine certain fly fall lead cry dark machine note wait plan figure star box noun field "
            + "rest correct able pound done beauty drive stood contain front teach week final gave green quick "
            + "develop ocean warm free minute strong special mind behind clear tail produce fact street inch multiply "
            + "nothing course stay wheel full force blue object decide surface deep moon island foot system busy test "
            + "record boat common gold possible plane stead dry wonder laugh thousand ago ran check game shape equate "
            + "miss brought heat snow tire bring yes distant fill east paint language among").split(" ");
    private static final int MAX_CALIBRATION_STEPS = 6;

    private SyntheticPrompts() {
    }

    /**
     * Prompt {@code index}'s input length, tokens.
     *
     * @param spec the synthetic prompt settings
     * @param seed the random seed
     * @param index the prompt's index
     * @return input tokens
     */
    public static int inputTokens(PromptsConfig.SyntheticPrompts spec, long seed, int index) {
        return sample(spec.inputTokensMean(), spec.inputTokensStd(), rng(seed, index, 1));
    }

    /**
     * Prompt {@code index}'s output length, tokens (mean: {@code output_tokens_mean}, else {@code maxOutputTokens}).
     *
     * @param spec the synthetic prompt settings
     * @param maxOutputTokens {@code max_output_tokens}, the mean when {@code output_tokens_mean} is not set
     * @param seed the random seed
     * @param index the prompt's index
     * @return output tokens
     */
    public static int outputTokens(PromptsConfig.SyntheticPrompts spec, int maxOutputTokens, long seed, int index) {
        return sample(spec.outputTokensMean().orElse(maxOutputTokens), spec.outputTokensStd(), rng(seed, index, 2));
    }

    /**
     * {@code count} prompts with the word-count length estimate (no tokenizer).
     *
     * @param spec the synthetic prompt settings
     * @param count the number of prompts
     * @param seed the random seed
     * @return the prompts, in index order
     */
    public static List<String> texts(PromptsConfig.SyntheticPrompts spec, int count, long seed) {
        List<String> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            out.add(words(seed, i, Math.max(1, inputTokens(spec, seed, i) - 1)));
        }
        return out;
    }

    /**
     * Prompt {@code index} with exactly {@code targetTokens} tokens as {@code counter} counts them (a
     * server's {@code /tokenize}, which includes a BOS token where the model adds one), or the closest
     * reachable count; the word-count estimate when the counter knows nothing.
     *
     * @param targetTokens the tokens wanted
     * @param seed the random seed
     * @param index the prompt's index
     * @param counter tokens of a text, empty when unknown
     * @return the prompt
     */
    public static String calibrated(int targetTokens, long seed, int index, Function<String, Optional<Integer>> counter) {
        int words = Math.max(1, targetTokens - 1);
        String best = words(seed, index, words);
        int bestError = Integer.MAX_VALUE;
        for (int step = 0; step < MAX_CALIBRATION_STEPS; step++) {
            String text = words(seed, index, words);
            Optional<Integer> n = counter.apply(text);
            if (n.isEmpty()) {
                return best;
            }
            int error = n.get() - targetTokens;
            if (Math.abs(error) < Math.abs(bestError) || (Math.abs(error) == Math.abs(bestError) && error < 0)) {
                best = text;
                bestError = error;
            }
            if (error == 0) {
                return text;
            }
            int next = Math.max(1, words - error);
            if (next == words) {
                break;
            }
            words = next;
        }
        return best;
    }

    /**
     * The first {@code n} words of prompt {@code index}'s word sequence.
     *
     * @param seed the random seed
     * @param index the prompt's index
     * @param n the number of words
     * @return the words, separated by spaces
     */
    public static String words(long seed, int index, int n) {
        SplittableRandom r = rng(seed, index, 3);
        StringBuilder sb = new StringBuilder(n * 6);
        for (int i = 0; i < n; i++) {
            if (i > 0) {
                sb.append(' ');
            }
            sb.append(WORDS[r.nextInt(WORDS.length)]);
        }
        return sb.toString();
    }

    private static int sample(double mean, double std, SplittableRandom r) {
        if (std <= 0) {
            return Math.max(1, (int) Math.round(mean));
        }
        double g = gaussian(r);
        return (int) Math.max(1, Math.round(mean + std * g));
    }

    private static double gaussian(SplittableRandom r) {
        // Box-Muller (SplittableRandom has no nextGaussian on Java 17)
        double u1 = 1.0 - r.nextDouble();
        double u2 = r.nextDouble();
        return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    }

    private static SplittableRandom rng(long seed, int index, int stream) {
        return new SplittableRandom(seed * 0x9E3779B97F4A7C15L + index * 0xBF58476D1CE4E5B9L + stream);
    }
}
