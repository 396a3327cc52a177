package dev.lem.workload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.lem.config.PromptsConfig;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class SyntheticPromptsTest {
    private static final PromptsConfig.SyntheticPrompts SPEC =
            new PromptsConfig.SyntheticPrompts(200, 40.0, Optional.of(64), 16.0);

    @Test
    void lengthsFollowTheConfiguredMeanAndSpread() {
        int n = 4000;
        double sum = 0;
        double sq = 0;
        double outSum = 0;
        for (int i = 0; i < n; i++) {
            int in = SyntheticPrompts.inputTokens(SPEC, 7, i);
            assertThat(in).isPositive();
            sum += in;
            sq += (double) in * in;
            outSum += SyntheticPrompts.outputTokens(SPEC, 128, 7, i);
        }
        double mean = sum / n;
        assertThat(mean).isCloseTo(200, within(3.0));
        assertThat(Math.sqrt(sq / n - mean * mean)).isCloseTo(40, within(3.0));
        assertThat(outSum / n).isCloseTo(64, within(1.5));
    }

    @Test
    void outputMeanDefaultsToMaxOutputTokensAndZeroSpreadIsExact() {
        var spec = new PromptsConfig.SyntheticPrompts(10, 0.0, Optional.empty(), 0.0);
        assertThat(SyntheticPrompts.outputTokens(spec, 77, 1, 5)).isEqualTo(77);
        assertThat(SyntheticPrompts.inputTokens(spec, 1, 5)).isEqualTo(10);
    }

    @Test
    void textsAreSeededAndDifferFromTheFirstWord() {
        List<String> a = SyntheticPrompts.texts(SPEC, 20, 3);
        assertThat(SyntheticPrompts.texts(SPEC, 20, 3)).isEqualTo(a);
        assertThat(SyntheticPrompts.texts(SPEC, 20, 4)).isNotEqualTo(a);
        assertThat(a.stream().map(t -> t.substring(0, t.indexOf(' ') < 0 ? t.length() : t.indexOf(' ')) + t.length())
                .distinct()).hasSizeGreaterThan(15);
        assertThat(a.get(0).split(" ")).hasSize(SyntheticPrompts.inputTokens(SPEC, 3, 0) - 1);
    }

    @Test
    void calibrationHitsTheTargetExactlyWithATokenizerThatSplitsSomeWords() {
        // a tokenizer with a BOS token that splits words longer than 5 letters in two
        Function<String, Optional<Integer>> tok = s -> {
            int n = 1;
            for (String w : s.split(" ")) {
                n += w.length() > 5 ? 2 : 1;
            }
            return Optional.of(n);
        };
        for (int target : new int[] {2, 17, 128, 999}) {
            String text = SyntheticPrompts.calibrated(target, 5, target, tok);
            assertThat(tok.apply(text)).as("target " + target).hasValue(target);
        }
        assertThat(SyntheticPrompts.calibrated(50, 5, 1, s -> Optional.empty()).split(" ")).hasSize(49);
    }
}
