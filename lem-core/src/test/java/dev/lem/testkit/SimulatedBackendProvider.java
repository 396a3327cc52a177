package dev.lem.testkit;

import dev.lem.spi.BackendContext;
import dev.lem.spi.BackendProvider;
import dev.lem.spi.InferenceBackend;
import dev.lem.config.Option;
import java.util.List;
import java.util.Set;

/** Registers {@link SimulatedBackend} as backend {@code simulated} (test classpath only). */
public final class SimulatedBackendProvider implements BackendProvider {
    @Override
    public String name() {
        return "simulated";
    }

    @Override
    public Set<String> aliases() {
        return Set.of("sim");
    }

    @Override
    public String description() {
        return "test backend: real timing, no model";
    }

    @Override
    public String artifact() {
        return "dev.lem:lem-core:test-jar";
    }

    @Override
    public boolean inProcess() {
        return true;
    }

    @Override
    public List<Option<?>> options() {
        return SimulatedBackend.OPTIONS;
    }

    @Override
    public InferenceBackend create(BackendContext context) {
        return new SimulatedBackend(context.settings());
    }
}
