package dev.lem.backend.vllm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lem.config.EngineArgument;
import dev.lem.config.ParameterCoverage;
import org.junit.jupiter.api.Test;

/**
 * The share of vLLM's energy-relevant engine arguments the vllm backend models, computed from the checked-in
 * snapshot of vLLM's EngineArgs. Fails when an option claims an argument vLLM does not have, or when the share
 * drops below the target (at least 90%).
 */
class VllmParameterCoverageTest {
    private final ParameterCoverage coverage = VllmEngineOptions.coverage();

    @Test
    void theSnapshotNamesItsEngineVersionAndSource() {
        assertThat(coverage.snapshot().engine()).isEqualTo("vLLM");
        assertThat(coverage.snapshot().version()).isEqualTo("0.11.1");
        assertThat(coverage.snapshot().source()).contains("vllm/engine/arg_utils.py").contains("99d7eb5d");
        assertThat(coverage.snapshot().arguments()).hasSizeGreaterThan(140)
                .allSatisfy(a -> assertThat(a.reason()).as(a.name()).isNotBlank());
    }

    @Test
    void everyOptionClaimsARelevantArgumentOfTheSnapshot() {
        assertThat(coverage.mismatches()).isEmpty();
    }

    @Test
    void atLeastNinetyPercentOfTheRelevantArgumentsAreModelled() {
        assertThat(coverage.share()).as(coverage + "; missing: " + coverage.missing().stream()
                .map(EngineArgument::name).toList()).isGreaterThanOrEqualTo(0.90);
    }

    @Test
    void theIssuesListIsModelled() {
        for (String a : new String[] {"tensor_parallel_size", "pipeline_parallel_size", "max_num_seqs",
                "max_num_batched_tokens", "max_model_len", "gpu_memory_utilization", "block_size", "kv_cache_dtype",
                "dtype", "quantization", "enable_chunked_prefill", "enable_prefix_caching", "enforce_eager",
                "compilation_config.mode", "compilation_config.cudagraph_mode", "cudagraph_capture_sizes", "swap_space",
                "scheduling_policy", "speculative_config.method", "speculative_config.model",
                "speculative_config.num_speculative_tokens", "enable_lora", "max_loras", "max_lora_rank", "seed"}) {
            assertThat(coverage.modelledBy()).as(a).containsKey(a);
        }
    }
}
