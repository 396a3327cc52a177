package dev.lem.serving;

import dev.lem.config.ConfigException;
import dev.lem.config.ServerApi;
import dev.lem.spi.BackendSettings;
import dev.lem.config.ServerConfig;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * How to reach a served model, checked: the {@code server.*} settings of a configuration with the URL
 * normalised, durations converted and the API key looked up. The key itself is never stored in results.
 *
 * @param baseUri          scheme, host and port, e.g. {@code http://localhost:8000}, without a trailing
 *                         {@code /} or {@code /v1}
 * @param api              the API to call
 * @param modelName        the model name sent to the server
 * @param modelNameGiven   true when {@code server.model_name} or {@code model} was set explicitly
 * @param apiKey           the bearer token, when {@code server.api_key_env} names one
 * @param connectTimeout   longest wait to open a connection
 * @param firstTokenTimeout longest wait from sending a request to its first token (retries included)
 * @param idleTimeout      longest gap between two reads of a stream
 * @param requestTimeout   longest whole request
 * @param maxRetries       retries of a request that failed before the first byte of its stream
 * @param sameHost         the server runs on this machine
 */
public record ServerSettings(
        URI baseUri,
        ServerApi api,
        String modelName,
        boolean modelNameGiven,
        Optional<String> apiKey,
        Duration connectTimeout,
        Duration firstTokenTimeout,
        Duration idleTimeout,
        Duration requestTimeout,
        int maxRetries,
        boolean sameHost) {

    /** Port of a managed server when {@code server.url} does not give one. */
    public static final int DEFAULT_PORT = 8000;

    /**
     * Checks that the object components are set and that {@code maxRetries} is not negative.
     *
     * @param baseUri scheme, host and port, without a trailing {@code /} or {@code /v1}
     * @param api the API to call
     * @param modelName the model name sent to the server
     * @param modelNameGiven true when {@code server.model_name} or {@code model} was set explicitly
     * @param apiKey the bearer token, when {@code server.api_key_env} names one
     * @param connectTimeout longest wait to open a connection
     * @param firstTokenTimeout longest wait from sending a request to its first token
     * @param idleTimeout longest gap between two reads of a stream
     * @param requestTimeout longest whole request
     * @param maxRetries retries of a request that failed before the first byte of its stream
     * @param sameHost the server runs on this machine
     * @throws IllegalArgumentException when {@code maxRetries} is negative
     */
    public ServerSettings {
        Objects.requireNonNull(baseUri, "baseUri");
        Objects.requireNonNull(api, "api");
        Objects.requireNonNull(modelName, "modelName");
        Objects.requireNonNull(apiKey, "apiKey");
        if (maxRetries < 0) {
            throw new IllegalArgumentException("maxRetries (" + maxRetries + ") must be >= 0");
        }
    }

    /**
     * Reads the {@code server.*} settings of a backend's configuration.
     *
     * @param config the backend's settings
     * @param backend the backend's name, for messages
     * @param env     environment lookup (for the API key)
     * @return the server settings
     * @throws ConfigException naming the setting, the value and the fix
     */
    public static ServerSettings from(BackendSettings config, String backend, Function<String, String> env) {
        ServerConfig s = config.server();
        URI uri;
        if (s.url().isPresent()) {
            uri = parseUrl(s.url().get());
        } else if (s.managed()) {
            uri = URI.create("http://127.0.0.1:" + DEFAULT_PORT);
        } else {
            throw new ConfigException("server.url", "is required for backend " + backend
                    + ": the base URL of the server, e.g. http://localhost:8000 (or set server.managed: true)");
        }
        Optional<String> key = Optional.empty();
        if (s.apiKeyEnv().isPresent()) {
            String value = env.apply(s.apiKeyEnv().get());
            if (value == null || value.isBlank()) {
                throw new ConfigException("server.api_key_env", "environment variable " + s.apiKeyEnv().get()
                        + " is not set: export it with the API key, or remove server.api_key_env");
            }
            key = Optional.of(value.strip());
        }
        boolean given = s.modelName().isPresent() || config.modelExplicit();
        return new ServerSettings(uri, s.api(), s.modelName().orElse(config.model()), given, key,
                seconds(s.connectTimeoutS()), seconds(s.firstTokenTimeoutS()), seconds(s.idleTimeoutS()),
                seconds(s.requestTimeoutS()), s.maxRetries(), s.sameHost());
    }

    /**
     * A copy with another model name (the one the server turned out to serve).
     *
     * @param name the served model's name
     * @return the copy, with the name marked as given
     */
    public ServerSettings withModelName(String name) {
        return new ServerSettings(baseUri, api, name, true, apiKey, connectTimeout, firstTokenTimeout, idleTimeout,
                requestTimeout, maxRetries, sameHost);
    }

    /**
     * The absolute URI of a path on the server, e.g. {@code /v1/completions}.
     *
     * @param path the path
     * @return the URI
     */
    public URI resolve(String path) {
        return URI.create(baseUri + (path.startsWith("/") ? path : "/" + path));
    }

    /** {@return the port of the base URI (the scheme's default when absent)} */
    public int port() {
        return baseUri.getPort() > 0 ? baseUri.getPort() : "https".equals(baseUri.getScheme()) ? 443 : 80;
    }

    static URI parseUrl(String url) {
        String u = url.strip();
        while (u.endsWith("/")) {
            u = u.substring(0, u.length() - 1);
        }
        if (u.endsWith("/v1")) {
            u = u.substring(0, u.length() - 3);
        }
        URI uri;
        try {
            uri = new URI(u);
        } catch (URISyntaxException e) {
            throw new ConfigException("server.url", "\"" + url + "\" is not a URL: " + e.getReason()
                    + " (expected e.g. http://localhost:8000)");
        }
        if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme())) {
            throw new ConfigException("server.url", "\"" + url + "\" must start with http:// or https://");
        }
        if (uri.getHost() == null || uri.getHost().isEmpty()) {
            throw new ConfigException("server.url", "\"" + url + "\" has no host (expected e.g. http://localhost:8000)");
        }
        if (uri.getQuery() != null || uri.getFragment() != null) {
            throw new ConfigException("server.url", "\"" + url + "\" must not have a query or fragment");
        }
        return uri;
    }

    private static Duration seconds(double s) {
        return Duration.ofNanos(Math.round(s * 1e9));
    }
}
