package dev.lem.config;

import java.util.Objects;

/**
 * One argument of an inference engine's own argument list (a row of an {@link EngineSnapshot}), classified
 * by whether it can change what a measurement of energy, latency or throughput shows.
 *
 * @param name      the engine's name for it: a vLLM {@code EngineArgs} field ({@code max_num_seqs}), a
 *                  TensorRT-LLM LLM API field path ({@code kv_cache_config.enable_block_reuse}), a DJL setting
 * @param relevance whether it matters for energy, latency or throughput
 * @param reason    one line saying why (or why not)
 */
public record EngineArgument(String name, Relevance relevance, String reason) {

    /** Whether an engine argument matters for energy, latency or throughput. */
    public enum Relevance {
        /** It can change energy, latency or throughput: LEM should model it. */
        RELEVANT,
        /** It cannot (naming, logging, security, multimodal inputs LEM does not send, ...). */
        NOT_RELEVANT,
        /**
         * A structured argument (a JSON or YAML object) whose fields are listed as rows of their own
         * ({@code compilation_config} and {@code compilation_config.mode}); not counted itself.
         */
        GROUP;

        /** {@return the word a snapshot file uses: {@code yes}, {@code no}, {@code group}} */
        public String word() {
            return switch (this) {
                case RELEVANT -> "yes";
                case NOT_RELEVANT -> "no";
                case GROUP -> "group";
            };
        }
    }

    /**
     * Checks that no component is null.
     *
     * @param name the engine's name for it
     * @param relevance whether it matters for energy, latency or throughput
     * @param reason one line saying why (or why not)
     */
    public EngineArgument {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(relevance, "relevance");
        Objects.requireNonNull(reason, "reason");
    }

    /** {@return whether it counts towards coverage} */
    public boolean relevant() {
        return relevance == Relevance.RELEVANT;
    }
}
