package dev.lem.config;

/**
 * Which backends a configuration key has an effect on. A key set explicitly for a backend outside its
 * scope is accepted with a warning naming the key and the backend (a campaign grid does not expand it
 * for such backends).
 */
public enum BackendScope {
    /** Every backend. */
    ALL("all backends"),
    /** Backends that run the model in this JVM and compute batches (djl). */
    IN_PROCESS("in-process backends (djl)"),
    /** Backends that send requests to a server (vllm, trtllm, openai). */
    SERVED("served backends (vllm, trtllm, openai)"),
    /** Served backends that start the server themselves ({@code server.managed: true}). */
    MANAGED_SERVER("managed servers (vllm, trtllm with server.managed: true)");

    private final String display;

    BackendScope(String display) {
        this.display = display;
    }

    /** {@return how the scope reads in docs and messages} */
    public String display() {
        return display;
    }

    /**
     * Whether a key of this scope has an effect.
     *
     * @param inProcess     the backend runs the model in this JVM
     * @param managedServer the backend is served and starts its server
     * @return whether a key of this scope has an effect
     */
    public boolean applies(boolean inProcess, boolean managedServer) {
        return switch (this) {
            case ALL -> true;
            case IN_PROCESS -> inProcess;
            case SERVED -> !inProcess;
            case MANAGED_SERVER -> !inProcess && managedServer;
        };
    }
}
