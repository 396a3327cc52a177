package dev.lem.config;

import java.util.List;
import java.util.Optional;

/**
 * A served model ({@code server.*}); used by the vllm, trtllm and openai backends.
 *
 * @param url               base URL, e.g. http://localhost:8000
 * @param api               the API to call
 * @param modelName         the name the server knows the model by
 * @param apiKeyEnv         environment variable holding the API key (the key is never stored)
 * @param connectTimeoutS   connection timeout, seconds
 * @param firstTokenTimeoutS longest wait for the first token, seconds
 * @param idleTimeoutS      longest gap between chunks, seconds
 * @param requestTimeoutS   longest whole request, seconds
 * @param maxRetries        retries before the first byte
 * @param managed           LEM starts and stops the server
 * @param args              extra arguments for a managed server
 * @param startupTimeoutS   longest wait for a managed server, seconds
 * @param sameHost          the server runs on this machine (local energy meters see it)
 * @param clientLatencyProbeStreams streams of the client latency probe at load (0: no probe)
 */
public record ServerConfig(
        @Key(doc = "Base URL of a served model, e.g. http://localhost:8000.", appliesTo = BackendScope.SERVED)
        Optional<String> url,
        @Key(doc = "The API to call.", defaultValue = "completions", appliesTo = BackendScope.SERVED) ServerApi api,
        @Key(doc = "The model name the server knows (default: model).", appliesTo = BackendScope.SERVED)
        Optional<String> modelName,
        @Key(doc = "Name of an environment variable holding the API key.", appliesTo = BackendScope.SERVED)
        Optional<String> apiKeyEnv,
        @Key(doc = "Connection timeout.", defaultValue = "10.0", min = 0.001, max = 3600, unit = "s",
                appliesTo = BackendScope.SERVED) double connectTimeoutS,
        @Key(doc = "Longest wait for the first token.", defaultValue = "300.0", min = 0.001, max = 86_400, unit = "s",
                appliesTo = BackendScope.SERVED) double firstTokenTimeoutS,
        @Key(doc = "Longest gap between two chunks.", defaultValue = "60.0", min = 0.001, max = 86_400, unit = "s",
                appliesTo = BackendScope.SERVED) double idleTimeoutS,
        @Key(doc = "Longest whole request.", defaultValue = "1800.0", min = 0.001, max = 604_800, unit = "s",
                appliesTo = BackendScope.SERVED) double requestTimeoutS,
        @Key(doc = "Retries of a request that failed before its first byte.", defaultValue = "2", min = 0, max = 100,
                appliesTo = BackendScope.SERVED) int maxRetries,
        @Key(doc = "Start the server (vllm serve / trtllm-serve) and stop it afterwards.", defaultValue = "false",
                appliesTo = BackendScope.SERVED) boolean managed,
        @Key(doc = "Extra command-line arguments for a managed server.", defaultValue = "[]",
                appliesTo = BackendScope.MANAGED_SERVER) List<String> args,
        @Key(doc = "Longest wait for a managed server's health.", defaultValue = "900.0", min = 1, max = 86_400,
                unit = "s", appliesTo = BackendScope.MANAGED_SERVER) double startupTimeoutS,
        @Key(doc = "The server runs on this machine, so local energy meters see its work; false reports no energy.",
                defaultValue = "true", appliesTo = BackendScope.SERVED) boolean sameHost,
        @Key(doc = "Streams of the client latency probe run once after load, outside every measured window: "
                + "the client's own added latency to a first chunk against a loopback echo, recorded in the results' backend "
                + "environment (client.added_latency.*); 0: no probe.", defaultValue = "50", min = 0, max = 10_000,
                appliesTo = BackendScope.SERVED) int clientLatencyProbeStreams) {

    /**
     * Copies the arguments.
     *
     * @param url base URL
     * @param api the API to call
     * @param modelName the name the server knows the model by
     * @param apiKeyEnv environment variable holding the API key
     * @param connectTimeoutS connection timeout, s
     * @param firstTokenTimeoutS longest wait for the first token, s
     * @param idleTimeoutS longest gap between chunks, s
     * @param requestTimeoutS longest whole request, s
     * @param maxRetries retries before the first byte
     * @param managed LEM starts and stops the server
     * @param args extra arguments for a managed server
     * @param startupTimeoutS longest wait for a managed server, s
     * @param sameHost the server runs on this machine
     * @param clientLatencyProbeStreams streams of the client latency probe at load (0: no probe)
     */
    public ServerConfig {
        args = List.copyOf(args);
    }
}
