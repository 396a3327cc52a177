package dev.lem.config;

import java.util.List;
import java.util.Optional;

/**
 * A served model ({@code server.*}); used by the vllm, trtllm and openai backends.
 *
 * @param url               base URL, e.g. http://localhost:8000
 * @param api               completions, chat or triton
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
 */
public record ServerConfig(Optional<String> url, String api, Optional<String> modelName, Optional<String> apiKeyEnv,
        double connectTimeoutS, double firstTokenTimeoutS, double idleTimeoutS, double requestTimeoutS,
        int maxRetries, boolean managed, List<String> args, double startupTimeoutS, boolean sameHost) {

    public ServerConfig {
        args = List.copyOf(args);
    }
}
