package dev.lem.backend.trtllm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Triton's metrics port text, as the TensorRT-LLM backend's README shows it (an ensemble whose core model is
 * {@code tensorrt_llm}; base Triton counters per model; GPU gauges), read into time-series values.
 */
class TritonMetricsParseTest {
    private static final String SCRAPE = """
            # HELP nv_trt_llm_request_metrics TRT LLM request metrics
            # TYPE nv_trt_llm_request_metrics gauge
            nv_trt_llm_request_metrics{model="tensorrt_llm",request_type="waiting",version="1"} 2
            nv_trt_llm_request_metrics{model="tensorrt_llm",request_type="context",version="1"} 1
            nv_trt_llm_request_metrics{model="tensorrt_llm",request_type="scheduled",version="1"} 6
            nv_trt_llm_request_metrics{model="tensorrt_llm",request_type="max",version="1"} 512
            nv_trt_llm_request_metrics{model="tensorrt_llm",request_type="active",version="1"} 7
            # HELP nv_trt_llm_runtime_memory_metrics TRT LLM runtime memory metrics
            # TYPE nv_trt_llm_runtime_memory_metrics gauge
            nv_trt_llm_runtime_memory_metrics{memory_type="pinned",model="tensorrt_llm",version="1"} 0
            nv_trt_llm_runtime_memory_metrics{memory_type="gpu",model="tensorrt_llm",version="1"} 1610236
            # HELP nv_trt_llm_kv_cache_block_metrics TRT LLM KV cache block metrics
            # TYPE nv_trt_llm_kv_cache_block_metrics gauge
            nv_trt_llm_kv_cache_block_metrics{kv_cache_block_type="tokens_per",model="tensorrt_llm",version="1"} 64
            nv_trt_llm_kv_cache_block_metrics{kv_cache_block_type="used",model="tensorrt_llm",version="1"} 1560
            nv_trt_llm_kv_cache_block_metrics{kv_cache_block_type="free",model="tensorrt_llm",version="1"} 4679
            nv_trt_llm_kv_cache_block_metrics{kv_cache_block_type="max",model="tensorrt_llm",version="1"} 6239
            # HELP nv_trt_llm_inflight_batcher_metrics TRT LLM inflight_batcher-specific metrics
            # TYPE nv_trt_llm_inflight_batcher_metrics gauge
            nv_trt_llm_inflight_batcher_metrics{inflight_batcher_specific_metric="micro_batch_id",model="tensorrt_llm",version="1"} 0
            nv_trt_llm_inflight_batcher_metrics{inflight_batcher_specific_metric="generation_requests",model="tensorrt_llm",version="1"} 6
            nv_trt_llm_inflight_batcher_metrics{inflight_batcher_specific_metric="total_context_tokens",model="tensorrt_llm",version="1"} 128
            # HELP nv_trt_llm_general_metrics General TRT LLM metrics
            # TYPE nv_trt_llm_general_metrics gauge
            nv_trt_llm_general_metrics{general_type="iteration_counter",model="tensorrt_llm",version="1"} %s
            nv_trt_llm_general_metrics{general_type="timestamp",model="tensorrt_llm",version="1"} 1700074049
            # HELP nv_inference_request_success Number of successful inference requests, all batch sizes
            # TYPE nv_inference_request_success counter
            nv_inference_request_success{model="ensemble",version="1"} %s
            nv_inference_request_success{model="tensorrt_llm",version="1"} 99999
            # HELP nv_inference_request_failure Number of failed inference requests, all batch sizes
            # TYPE nv_inference_request_failure counter
            nv_inference_request_failure{model="ensemble",version="1"} 0
            # HELP nv_inference_exec_count Number of model executions performed (does not include cached requests)
            # TYPE nv_inference_exec_count counter
            nv_inference_exec_count{model="ensemble",version="1"} %s
            # HELP nv_inference_request_duration_us Cumulative inference request duration in microseconds (includes cached requests)
            # TYPE nv_inference_request_duration_us counter
            nv_inference_request_duration_us{model="ensemble",version="1"} %s
            # HELP nv_inference_queue_duration_us Cumulative inference queuing duration in microseconds (includes cached requests)
            # TYPE nv_inference_queue_duration_us counter
            nv_inference_queue_duration_us{model="ensemble",version="1"} %s
            # HELP nv_inference_compute_infer_duration_us Cumulative compute inference duration in microseconds (does not include cached requests)
            # TYPE nv_inference_compute_infer_duration_us counter
            nv_inference_compute_infer_duration_us{model="ensemble",version="1"} %s
            # HELP nv_inference_pending_request_count Instantaneous number of pending requests awaiting execution per-model.
            # TYPE nv_inference_pending_request_count gauge
            nv_inference_pending_request_count{model="ensemble",version="1"} 3
            # HELP nv_gpu_utilization GPU utilization rate [0.0 - 1.0)
            # TYPE nv_gpu_utilization gauge
            nv_gpu_utilization{gpu_uuid="GPU-0f5b6a0a-aaaa"} 0.75
            nv_gpu_utilization{gpu_uuid="GPU-0f5b6a0a-bbbb"} 0.25
            # HELP nv_gpu_power_usage GPU power usage in watts
            # TYPE nv_gpu_power_usage gauge
            nv_gpu_power_usage{gpu_uuid="GPU-0f5b6a0a-aaaa"} 301.5
            nv_gpu_power_usage{gpu_uuid="GPU-0f5b6a0a-bbbb"} 98.5
            # HELP nv_energy_consumption GPU energy consumption in joules since the Triton Server started
            # TYPE nv_energy_consumption counter
            nv_energy_consumption{gpu_uuid="GPU-0f5b6a0a-aaaa"} 1000.0
            nv_energy_consumption{gpu_uuid="GPU-0f5b6a0a-bbbb"} 500.0
            """;

    @Test
    void tritonCountersGaugesAndIntervalMeans() {
        TritonMetricsSource s = new TritonMetricsSource(null, URI.create("http://h:8002/metrics"), Duration.ZERO,
                "ensemble");
        Map<String, Double> a = s.read(SCRAPE.formatted("100", "40", "40", "4000000", "80000", "2000000"), Double.NaN);
        assertThat(a).as("the served model's counters, not the sum with tensorrt_llm's")
                .containsEntry("triton.requests_success_total", 40.0).containsEntry("triton.requests_failure_total", 0.0)
                .containsEntry("triton.pending_requests", 3.0).containsEntry("trtllm.active_requests", 7.0)
                .containsEntry("trtllm.context_requests", 1.0).containsEntry("trtllm.scheduled_requests", 6.0)
                .containsEntry("trtllm.queued_requests", 2.0).containsEntry("trtllm.max_requests", 512.0)
                .containsEntry("trtllm.context_tokens", 128.0).containsEntry("trtllm.generation_requests", 6.0)
                .containsEntry("triton.gpu_power_w", 400.0).containsEntry("triton.gpu_energy_j_total", 1500.0)
                .containsEntry("triton.gpu_util_fraction", 0.5);
        assertThat(a.get("trtllm.kv_cache_used_fraction")).isCloseTo(1560.0 / 6239, within(1e-12));
        assertThat(a).doesNotContainKeys("triton.requests_per_s", "triton.queue_mean_ms", "trtllm.iterations_per_s");
        // 0.5 s later: 10 more requests, 400 ms more queueing and 2.5 s more request time in all, 600 iterations
        Map<String, Double> b = s.read(SCRAPE.formatted("700", "50", "50", "6500000", "480000", "3000000"), 0.5);
        assertThat(b.get("triton.requests_per_s")).isCloseTo(20.0, within(1e-9));
        assertThat(b.get("triton.queue_mean_ms")).isCloseTo(40.0, within(1e-9));
        assertThat(b.get("triton.request_mean_ms")).isCloseTo(250.0, within(1e-9));
        assertThat(b.get("triton.compute_infer_mean_ms")).isCloseTo(100.0, within(1e-9));
        assertThat(b.get("trtllm.iterations_per_s")).isCloseTo(1200.0, within(1e-9));
        assertThat(s.columns()).containsAll(b.keySet());
    }
}
