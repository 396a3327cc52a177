package dev.lem.serving;

import java.util.Objects;

/**
 * One streamed request for {@link ServingClient#stream}.
 *
 * @param requestId       the id every listener event carries
 * @param path            the endpoint, e.g. {@code /v1/completions}
 * @param body            the JSON request body (UTF-8)
 * @param dialect         how to read the streamed events
 * @param maxOutputTokens the request's output limit, used to tell {@code length} from {@code stop} when the
 *                        server does not say why it stopped
 */
public record StreamCall(String requestId, String path, byte[] body, StreamDialect dialect, int maxOutputTokens) {
    /**
     * Checks that the object components are set.
     *
     * @param requestId the id every listener event carries
     * @param path the endpoint
     * @param body the JSON request body (UTF-8)
     * @param dialect how to read the streamed events
     * @param maxOutputTokens the request's output limit
     */
    public StreamCall {
        Objects.requireNonNull(requestId, "requestId");
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(body, "body");
        Objects.requireNonNull(dialect, "dialect");
    }
}
