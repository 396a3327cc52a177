package dev.lem.flops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.lem.model.ModelArchitecture;
import dev.lem.model.ParameterCount;
import dev.lem.model.SyntheticPresets;
import dev.lem.spi.FlopsEstimator;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class FlopsEstimatorsTest {

    /**
     * Counts FLOPs the way a dense backend executes a batched forward pass, from the shapes of its
     * matrix products (2·m·k·n each) — independently of {@link ArchitectureFlops}.
     */
    private static double denseForward(ModelArchitecture a, int batch, long tokens, long cached, long logitRows) {
        long rows = batch * tokens;
        long keys = cached + tokens;
        double f = 0;
        for (int layer = 0; layer < a.numLayers(); layer++) {
            f += mm(rows, a.hiddenSize(), a.qDim());                    // q
            f += 2 * mm(rows, a.hiddenSize(), a.kvDim());               // k, v
            for (int head = 0; head < batch * a.numAttentionHeads(); head++) {
                f += mm(tokens, a.headDim(), keys);                     // Q K^T
                f += mm(tokens, keys, a.headDim());                     // softmax(.) V
            }
            f += mm(rows, a.qDim(), a.hiddenSize());                    // o
            int mlpMatrices = a.gatedMlp() ? 2 : 1;
            f += mlpMatrices * mm(rows, a.hiddenSize(), a.intermediateSize()); // gate+up, or fc
            f += mm(rows, a.intermediateSize(), a.hiddenSize());        // down, or proj
        }
        return f + mm(batch * logitRows, a.hiddenSize(), a.vocabSize()); // LM head
    }

    private static double mm(long m, long k, long n) {
        return 2.0 * m * k * n;
    }

    private static List<FlopsEstimator> loadedInRunnerOrder() {
        List<FlopsEstimator> all = new ArrayList<>();
        ServiceLoader.load(FlopsEstimator.class).forEach(all::add);
        all.sort(Comparator.comparing(FlopsEstimator::confidence)
                .thenComparing(Comparator.comparingInt(FlopsEstimator::priority).reversed()));
        return all;
    }

    private static Optional<FlopsEstimate> best(FlopsInput in) {
        return loadedInRunnerOrder().stream().map(e -> e.estimate(in)).flatMap(Optional::stream).findFirst();
    }

    @ParameterizedTest
    @ValueSource(strings = {"tiny-llama", "tiny-gpt2", "SmolLM2-135M"})
    void countedFlopsOfOneRequestEqualTheArchitectureFormula(String preset) {
        ModelArchitecture a = SyntheticPresets.get(preset);
        int prompt = 13;
        int output = 6;
        double prefill = denseForward(a, 1, prompt, 0, 1);
        double decode = 0;
        for (int i = 0; i < output - 1; i++) {
            decode += denseForward(a, 1, 1, prompt + i, 1);
        }
        FlopsInput in = new FlopsInput(Optional.of(a), Optional.empty(),
                List.of(new FlopsInput.RequestTokens(prompt, output)),
                Map.of(CountedFlopsEstimator.PREFILL_COUNTER, prefill, CountedFlopsEstimator.DECODE_COUNTER, decode));

        FlopsEstimate counted = new CountedFlopsEstimator().estimate(in).orElseThrow();
        FlopsEstimate analytic = new ArchitectureFlopsEstimator().estimate(in).orElseThrow();
        assertThat(counted.prefillFlops()).isCloseTo(analytic.prefillFlops(), within(analytic.prefillFlops() * 1e-12));
        assertThat(counted.decodeFlops()).isCloseTo(analytic.decodeFlops(), within(analytic.decodeFlops() * 1e-12));
        assertThat(best(in)).get().extracting(FlopsEstimate::estimator).isEqualTo("counted");
    }

    @Test
    void paddedBatchCountsMoreThanTheRequestsNeedAndSaysSo() {
        ModelArchitecture a = SyntheticPresets.get("tiny-llama");
        int[] prompts = {3, 7, 5};
        int[] outputs = {4, 2, 6};
        // left-padded to 7 prompt tokens; the static batch decodes 5 steps for every row
        double prefill = denseForward(a, 3, 7, 0, 1);
        double decode = 0;
        for (int i = 0; i < 5; i++) {
            decode += denseForward(a, 3, 1, 7 + i, 1);
        }
        double padding = (4 + 0 + 2) + (2 + 4 + 0);
        Map<String, Double> counters = Map.of(CountedFlopsEstimator.PREFILL_COUNTER, prefill,
                CountedFlopsEstimator.DECODE_COUNTER, decode, CountedFlopsEstimator.PADDING_COUNTER, padding);
        List<FlopsInput.RequestTokens> requests = List.of(new FlopsInput.RequestTokens(3, 4),
                new FlopsInput.RequestTokens(7, 2), new FlopsInput.RequestTokens(5, 6));
        FlopsInput in = new FlopsInput(Optional.of(a), Optional.empty(), requests, counters);

        FlopsEstimate counted = new CountedFlopsEstimator().estimate(in).orElseThrow();
        FlopsEstimate analytic = new ArchitectureFlopsEstimator().estimate(in).orElseThrow();
        assertThat(counted.confidence()).isEqualTo(FlopsConfidence.COUNTED);
        assertThat(counted.totalFlops()).isEqualTo(prefill + decode).isGreaterThan(analytic.totalFlops());
        assertThat(counted.notes()).contains("padding included (12 padded token slots)");
        // without padding the same batch would have cost exactly the architecture figure
        double unpadded = 0;
        for (int r = 0; r < 3; r++) {
            unpadded += denseForward(a, 1, prompts[r], 0, 1);
            for (int i = 0; i < outputs[r] - 1; i++) {
                unpadded += denseForward(a, 1, 1, prompts[r] + i, 1);
            }
        }
        assertThat(analytic.totalFlops()).isCloseTo(unpadded, within(unpadded * 1e-12));
    }

    @Test
    void runnerOrderIsCountedThenArchitectureThenParameters() {
        assertThat(loadedInRunnerOrder()).extracting(FlopsEstimator::name)
                .containsExactly("counted", "architecture", "parameters");
        assertThat(loadedInRunnerOrder()).allMatch(FlopsEstimator::isAvailable);
    }

    @Test
    void eachEstimatorStepsAsideWhenItLacksItsInput() {
        ModelArchitecture a = SyntheticPresets.get("tiny-llama");
        List<FlopsInput.RequestTokens> reqs = List.of(new FlopsInput.RequestTokens(10, 3));
        FlopsInput noCounters = new FlopsInput(Optional.of(a), Optional.empty(), reqs, Map.of());
        assertThat(best(noCounters)).get().extracting(FlopsEstimate::estimator).isEqualTo("architecture");

        FlopsInput onlyParams = new FlopsInput(Optional.empty(), Optional.of(1_000L), reqs, Map.of());
        FlopsEstimate p = best(onlyParams).orElseThrow();
        assertThat(p.estimator()).isEqualTo("parameters");
        assertThat(p.confidence()).isEqualTo(FlopsConfidence.PARAMETERS);
        assertThat(p.prefillFlops()).isEqualTo(2.0 * 1_000 * 10);
        assertThat(p.decodeFlops()).isEqualTo(2.0 * 1_000 * 2);

        assertThat(best(new FlopsInput(Optional.empty(), Optional.empty(), reqs, Map.of()))).isEmpty();
    }

    @Test
    void countedStepsAsideWhenADecodeCounterIsMissingButDecodeHappened() {
        ModelArchitecture a = SyntheticPresets.get("tiny-llama");
        Map<String, Double> onlyPrefill = new HashMap<>(Map.of(CountedFlopsEstimator.PREFILL_COUNTER, 1e6));
        FlopsInput decoded = new FlopsInput(Optional.of(a), Optional.empty(),
                List.of(new FlopsInput.RequestTokens(10, 3)), onlyPrefill);
        assertThat(new CountedFlopsEstimator().estimate(decoded)).isEmpty();
        FlopsInput oneToken = new FlopsInput(Optional.of(a), Optional.empty(),
                List.of(new FlopsInput.RequestTokens(10, 1)), onlyPrefill);
        FlopsEstimate e = new CountedFlopsEstimator().estimate(oneToken).orElseThrow();
        assertThat(e.prefillFlops()).isEqualTo(1e6);
        assertThat(e.decodeFlops()).isZero();
        assertThat(e.notes()).contains("no padded token slots");
    }

    @Test
    void parameterEstimatorFallsBackToTheArchitecturesCount() {
        ModelArchitecture a = SyntheticPresets.get("GPT-2");
        FlopsEstimate e = new ParameterFlopsEstimator().estimate(new FlopsInput(Optional.of(a), Optional.empty(),
                List.of(new FlopsInput.RequestTokens(4, 1)), Map.of())).orElseThrow();
        assertThat(e.prefillFlops()).isEqualTo(2.0 * ParameterCount.of(a).total() * 4);
        assertThat(e.notes()).contains("124,439,808 parameters");
    }

    @Test
    void architectureEstimateNotesRequestsWithoutPromptCounts() {
        FlopsEstimate e = new ArchitectureFlopsEstimator().estimate(new FlopsInput(
                Optional.of(SyntheticPresets.get("tiny-llama")), Optional.empty(),
                List.of(new FlopsInput.RequestTokens(0, 5), new FlopsInput.RequestTokens(8, 5)), Map.of())).orElseThrow();
        assertThat(e.notes()).contains("1 request(s) reported 0 prompt tokens");
    }
}
