package dev.lem.flops;

import dev.lem.model.ModelArchitecture;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What FLOPs estimators work from, for one cycle of one process.
 *
 * @param architecture    the model's architecture, when known
 * @param parameterCount  the model's parameter count, when known
 * @param requests        prompt and output token counts of each completed request
 * @param backendCounters counters the backend reported (e.g. {@code flops.prefill}, {@code flops.decode})
 */
public record FlopsInput(Optional<ModelArchitecture> architecture, Optional<Long> parameterCount,
        List<RequestTokens> requests, Map<String, Double> backendCounters) {
    /**
     * Copies the requests and counters.
     *
     * @param architecture the model's architecture, when known
     * @param parameterCount the model's parameter count, when known
     * @param requests prompt and output token counts of each completed request
     * @param backendCounters counters the backend reported
     */
    public FlopsInput {
        requests = List.copyOf(requests);
        backendCounters = Map.copyOf(backendCounters);
    }

    /**
     * Token counts of one request.
     *
     * @param promptTokens prompt tokens
     * @param outputTokens output tokens
     */
    public record RequestTokens(int promptTokens, int outputTokens) {
    }
}
