package dev.lem.backend.djl.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lem.backend.djl.fixtures.TinyCheckpoint;
import dev.lem.config.DecodingConfig;
import dev.lem.spi.GenerationRequest;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The backend against Hugging Face transformers itself: checkpoints saved by transformers and the
 * logits and greedy generations it computed in float64 (see {@code src/test/resources/hf-golden}).
 * Logits must agree within {@value ReferenceAgreementTest#TOLERANCE}, and greedy continuations of a
 * left-padded batch must be identical.
 */
class HuggingFaceGoldenTest {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String[] FILES = {"config.json", "generation_config.json", "model.safetensors", "golden.json"};

    @TempDir
    Path dir;

    static Stream<Arguments> variants() {
        return Stream.of("llama", "qwen2-bf16", "llama3", "mistral", "gpt2", "llama3 (transformers 5 keys only)")
                .flatMap(v -> ReferenceAgreementTest.EXECUTORS.stream().map(e -> Arguments.of(v, e)));
    }

    @ParameterizedTest(name = "{0} ({1})")
    @MethodSource("variants")
    void logitsAndGreedyGenerationsMatchTransformers(String variant, String executor) throws Exception {
        String name = variant.split(" ")[0];
        for (String f : FILES) {
            try (InputStream in = getClass().getResourceAsStream("/hf-golden/" + name + "/" + f)) {
                Files.copy(in, dir.resolve(f));
            }
        }
        if (variant.contains("transformers 5")) {
            // drop the classic keys the golden script added: only rope_parameters is left
            var config = (tools.jackson.databind.node.ObjectNode) JSON.readTree(Files.readString(dir.resolve("config.json")));
            config.remove("rope_theta");
            config.remove("rope_scaling");
            Files.writeString(dir.resolve("config.json"), JSON.writeValueAsString(config));
        }
        Files.writeString(dir.resolve("tokenizer.json"), TinyCheckpoint.tokenizerJson(!name.equals("gpt2")));
        JsonNode golden = JSON.readTree(Files.readString(dir.resolve("golden.json")));
        try (DjlBackend backend = TestBackends.backend(dir.toString(), Map.of("options.executor", executor))) {
            backend.load();
            DecoderModel model = backend.model();
            assertThat(model.executor().optionValue()).isEqualTo(executor);
            int n = golden.get("sequence").size();
            int[] tokens = new int[n];
            for (int q = 0; q < n; q++) {
                tokens[q] = golden.get("sequence").get(q).asInt();
            }
            float[] logits = ReferenceAgreementTest.allLogits(model, tokens);
            int vocab = model.arch.vocabSize();
            double worst = 0;
            for (int p = 0; p < n; p++) {
                for (int v = 0; v < vocab; v++) {
                    worst = Math.max(worst, Math.abs(logits[p * vocab + v] - golden.get("logits").get(p).get(v).asDouble()));
                }
            }
            assertThat(worst).as(name + ": largest logit difference from transformers").isLessThan(
                    ReferenceAgreementTest.TOLERANCE);

            List<GenerationRequest> batch = new ArrayList<>();
            JsonNode prompts = golden.get("prompts");
            for (int i = 0; i < prompts.size(); i++) {
                List<Integer> p = new ArrayList<>();
                prompts.get(i).forEach(t -> p.add(t.asInt()));
                batch.add(new GenerationRequest("r" + i, "", p, 10, 0, DecodingConfig.greedyDecoding(true), 1, false));
            }
            RecordingListener l = new RecordingListener();
            backend.generate(batch, l);
            for (int i = 0; i < prompts.size(); i++) {
                List<Integer> expected = new ArrayList<>();
                golden.get("batched_greedy").get(i).forEach(t -> expected.add(t.asInt()));
                assertThat(l.tokens.get("r" + i)).as(name + " row " + i).isEqualTo(expected);
                RecordingListener alone = new RecordingListener();
                backend.generate(List.of(batch.get(i)), alone);
                List<Integer> single = new ArrayList<>();
                golden.get("single_greedy").get(i).forEach(t -> single.add(t.asInt()));
                assertThat(alone.tokens.get("r" + i)).as(name + " prompt " + i + " alone").isEqualTo(single);
                // libtorch's products decode a lone row as two (the copy is padding); LEM's decode kernel keeps it one
                assertThat(alone.counters.get("tokens.padding")).as("the copy of a lone row, each decode step")
                        .isEqualTo(backend.model().kernelForOneRow() ? 0.0 : 9.0);
            }
        }
    }
}
