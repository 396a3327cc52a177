package dev.lem.backend.vllm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** vLLM's /metrics text, in the V1 and the older naming, read into time-series values. */
class VllmMetricsParseTest {
    private static final String V1 = """
            # HELP vllm:num_requests_running Number of requests in model execution batches.
            # TYPE vllm:num_requests_running gauge
            vllm:num_requests_running{engine="0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 12.0
            vllm:num_requests_running{engine="1",model_name="meta-llama/Llama-3.1-8B-Instruct"} 10.0
            vllm:num_requests_waiting{engine="0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 3.0
            vllm:kv_cache_usage_perc{engine="0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 0.5
            vllm:kv_cache_usage_perc{engine="1",model_name="meta-llama/Llama-3.1-8B-Instruct"} 0.3
            vllm:prefix_cache_queries_total{engine="0",model_name="meta-llama/Llama-3.1-8B-Instruct"} %s
            vllm:prefix_cache_hits_total{engine="0",model_name="meta-llama/Llama-3.1-8B-Instruct"} %s
            vllm:num_preemptions_total{engine="0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 2.0
            vllm:prompt_tokens_total{engine="0",model_name="meta-llama/Llama-3.1-8B-Instruct"} 5000.0
            vllm:generation_tokens_total{engine="0",model_name="meta-llama/Llama-3.1-8B-Instruct"} %s
            vllm:time_to_first_token_seconds_bucket{engine="0",le="0.001",model_name="m"} 0.0
            vllm:time_to_first_token_seconds_sum{engine="0",model_name="m"} %s
            vllm:time_to_first_token_seconds_count{engine="0",model_name="m"} %s
            """;

    @Test
    void gaugesCountersAndIntervalRates() {
        VllmMetricsSource s = new VllmMetricsSource(null, java.time.Duration.ZERO);
        Map<String, Double> a = s.read(V1.formatted("1000", "250", "20000", "10", "100"), Double.NaN);
        assertThat(a).containsEntry("vllm.requests_running", 22.0).containsEntry("vllm.requests_waiting", 3.0)
                .containsEntry("vllm.preemptions_total", 2.0).containsEntry("vllm.generation_tokens_total", 20000.0);
        assertThat(a.get("vllm.kv_cache_usage_fraction")).isCloseTo(0.4, within(1e-12));
        assertThat(a).doesNotContainKeys("vllm.prefix_cache_hit_rate_fraction", "vllm.generation_tokens_per_s");
        Map<String, Double> b = s.read(V1.formatted("2000", "1000", "25000", "22", "120"), 0.5);
        assertThat(b.get("vllm.prefix_cache_hit_rate_fraction")).isCloseTo(0.75, within(1e-12));
        assertThat(b.get("vllm.generation_tokens_per_s")).isCloseTo(10_000.0, within(1e-9));
        assertThat(b.get("vllm.server_ttft_mean_s")).isCloseTo(0.6, within(1e-12));
        assertThat(b.get("vllm.prompt_tokens_per_s")).isZero();
    }

    @Test
    void olderMetricNamesAreRead() {
        VllmMetricsSource s = new VllmMetricsSource(null, java.time.Duration.ZERO);
        Map<String, Double> a = s.read("""
                vllm:gpu_cache_usage_perc{model_name="m"} 0.25
                vllm:num_preemptions_total{model_name="m"} 1
                vllm:generation_tokens_total{model_name="m"} 10
                """, Double.NaN);
        assertThat(a).containsEntry("vllm.kv_cache_usage_fraction", 0.25).containsEntry("vllm.preemptions_total", 1.0);
    }

    @Test
    void phaseTimesAreTheSumsOfTheRequestPrefillAndDecodeHistograms() {
        String body = """
                # HELP vllm:request_prefill_time_seconds Histogram of time spent in PREFILL phase for request.
                # TYPE vllm:request_prefill_time_seconds histogram
                vllm:request_prefill_time_seconds_sum{engine="0",model_name="m"} 12.5
                vllm:request_prefill_time_seconds_bucket{engine="0",le="0.3",model_name="m"} 30.0
                vllm:request_prefill_time_seconds_bucket{engine="0",le="+Inf",model_name="m"} 40.0
                vllm:request_prefill_time_seconds_count{engine="0",model_name="m"} 40.0
                vllm:request_prefill_time_seconds_sum{engine="1",model_name="m"} 2.5
                # HELP vllm:request_decode_time_seconds Histogram of time spent in DECODE phase for request.
                # TYPE vllm:request_decode_time_seconds histogram
                vllm:request_decode_time_seconds_sum{engine="0",model_name="m"} 80.0
                vllm:request_decode_time_seconds_count{engine="0",model_name="m"} 40.0
                vllm:request_decode_time_seconds_sum{engine="1",model_name="m"} 20.0
                """;
        assertThat(VllmBackend.phaseCounters(body)).containsEntry("engine.prefill_time_s", 15.0)
                .containsEntry("engine.decode_time_s", 100.0);
        assertThat(VllmBackend.phaseCounters("vllm:request_prefill_time_seconds_sum{engine=\"0\"} 1.0\n"))
                .as("both or neither").isEmpty();
    }
}
