package dev.lem.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Canned events in the shapes vLLM, trtllm-serve and Triton send. */
class StreamChunksTest {

    private static StreamChunk completions(String json) {
        return StreamChunks.parse(StreamDialect.OPENAI_COMPLETIONS, json);
    }

    private static StreamChunk chat(String json) {
        return StreamChunks.parse(StreamDialect.OPENAI_CHAT, json);
    }

    @Test
    void vllmCompletionChunk() {
        StreamChunk c = completions("{\"id\":\"cmpl-5b1\",\"object\":\"text_completion\",\"created\":1723,\"model\":\"m\","
                + "\"choices\":[{\"index\":0,\"text\":\" Hi\",\"logprobs\":null,\"finish_reason\":null,"
                + "\"stop_reason\":null}],\"usage\":null}");
        assertThat(c.hasChoices()).isTrue();
        assertThat(c.text()).isEqualTo(" Hi");
        assertThat(c.tokenIds()).isNull();
        assertThat(c.completionTokens()).isEmpty();
        assertThat(c.finishReason()).isEmpty();
        assertThat(c.continuousUsage()).isFalse();
    }

    @Test
    void vllmTokenIdsAndContinuousUsage() {
        StreamChunk c = completions("{\"id\":\"cmpl-1\",\"choices\":[{\"index\":0,\"text\":\" a b\",\"token_ids\":[264,293],"
                + "\"finish_reason\":\"length\"}],\"usage\":{\"prompt_tokens\":12,\"total_tokens\":20,"
                + "\"completion_tokens\":8}}");
        assertThat(c.tokenIds()).containsExactly(264, 293);
        assertThat(c.continuousUsage()).isTrue();
        assertThat(c.completionTokens()).hasValue(8);
        assertThat(c.promptTokens()).hasValue(12);
        assertThat(c.finishReason()).hasValue("length");
    }

    @Test
    void usageChunkHasNoChoices() {
        StreamChunk c = completions("{\"id\":\"cmpl-1\",\"object\":\"text_completion\",\"created\":1,\"model\":\"m\","
                + "\"choices\":[],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":128,\"total_tokens\":140}}");
        assertThat(c.hasChoices()).isFalse();
        assertThat(c.continuousUsage()).isFalse();
        assertThat(c.completionTokens()).hasValue(128);
    }

    @Test
    void chatRoleChunkCarriesNoTextAndContentOrReasoningIsText() {
        StreamChunk role = chat("{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,"
                + "\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"logprobs\":null,\"finish_reason\":null}]}");
        assertThat(role.hasChoices()).isTrue();
        assertThat(role.text()).isEmpty();
        StreamChunk content = chat("{\"choices\":[{\"index\":0,\"delta\":{\"content\":\" sky\"},\"finish_reason\":null}]}");
        assertThat(content.text()).isEqualTo(" sky");
        StreamChunk reasoning = chat("{\"choices\":[{\"index\":0,\"delta\":{\"reasoning_content\":\" hmm\"}}]}");
        assertThat(reasoning.text()).isEqualTo(" hmm");
    }

    @Test
    void errorEventsInBothVllmShapesAndTritonsString() {
        assertThat(completions("{\"error\": {\"object\": \"error\", \"message\": \"KV cache exhausted\", "
                + "\"type\": \"InternalServerError\", \"param\": null, \"code\": 500}}").error())
                .hasValue("KV cache exhausted (code 500)");
        assertThat(completions("{\"object\":\"error\",\"message\":\"max_tokens is too large\",\"type\":\"BadRequestError\","
                + "\"param\":null,\"code\":400}").error()).hasValue("max_tokens is too large");
        assertThat(StreamChunks.parse(StreamDialect.TRITON, "{\"error\":\"in ensemble 'ensemble', Encountered error\"}")
                .error()).hasValue("in ensemble 'ensemble', Encountered error");
    }

    @Test
    void doneSentinelToleratesWhitespace() {
        assertThat(completions("[DONE]").done()).isTrue();
        assertThat(completions(" [DONE] \n").done()).isTrue();
        assertThat(StreamChunks.parse(StreamDialect.TRITON, "[DONE]").done()).isTrue();
    }

    @Test
    void trtllmServeChunkWithNullTokenIds() {
        StreamChunk c = completions("{\"id\":\"cmpl-8f\",\"object\":\"text_completion\",\"created\":1,\"model\":\"llama\","
                + "\"choices\":[{\"index\":0,\"text\":\" the\",\"token_ids\":null,\"logprobs\":null,"
                + "\"context_logits\":null,\"finish_reason\":null,\"stop_reason\":null,\"disaggregated_params\":null}],"
                + "\"usage\":null}");
        assertThat(c.text()).isEqualTo(" the");
        assertThat(c.tokenIds()).isNull();
    }

    @Test
    void tritonEventWithPerfMetricsAsStrings() {
        StreamChunk c = StreamChunks.parse(StreamDialect.TRITON, "{\"model_name\":\"ensemble\",\"model_version\":\"1\","
                + "\"sequence_end\":false,\"sequence_id\":0,\"sequence_start\":false,\"text_output\":\" world\","
                + "\"arrival_time_ns\":\"1723000000000000123\",\"first_token_time_ns\":\"1723000000050000123\","
                + "\"kv_cache_reused_blocks\":[3]}");
        assertThat(c.text()).isEqualTo(" world");
        assertThat(c.hasChoices()).isTrue();
        assertThat(c.serverMetrics()).as("exact differences of the integer stamps").containsEntry("ttft_ns", 5.0e7)
                .doesNotContainKey("queue_ns");
        assertThat(c.serverMetrics()).containsEntry("kv_cache_reused_blocks", 3.0);
    }

    @Test
    void malformedEventsAreRejectedWithAnExcerpt() {
        assertThatThrownBy(() -> completions("{\"choices\": [{\"text\": ")).hasMessageContaining("malformed event")
                .hasMessageContaining("choices");
        assertThatThrownBy(() -> completions("[1, 2]")).hasMessageContaining("not a JSON object");
    }
}
