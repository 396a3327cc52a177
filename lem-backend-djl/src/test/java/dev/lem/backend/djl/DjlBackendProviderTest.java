package dev.lem.backend.djl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lem.config.ConfigException;
import dev.lem.config.ConfigResolver;
import dev.lem.config.ValueSource;
import dev.lem.spi.BackendContext;
import dev.lem.spi.BackendProvider;
import dev.lem.spi.InferenceBackend;
import dev.lem.spi.PluginUnavailableException;
import java.nio.file.Path;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DjlBackendProviderTest {
    @TempDir
    Path dir;

    private BackendContext context(String... settings) {
        ConfigResolver r = ConfigResolver.withDefaults().set("model", "synthetic:tiny-llama", ValueSource.BUILDER);
        for (int i = 0; i < settings.length; i += 2) {
            r.set(settings[i], settings[i + 1], ValueSource.BUILDER);
        }
        return BackendContext.of(r.resolve(), new DjlBackendProvider(), dir, 0);
    }

    @Test
    void isFoundByServiceLoaderAsDjlAndAvailableHere() {
        BackendProvider p = ServiceLoader.load(BackendProvider.class).stream().map(ServiceLoader.Provider::get)
                .filter(x -> x.name().equals("djl")).findFirst().orElseThrow();
        assertThat(p).isInstanceOf(DjlBackendProvider.class);
        assertThat(p.artifact()).isEqualTo("dev.lem:lem-backend-djl");
        assertThat(p.availability().reason()).isEmpty();
        assertThat(p.isAvailable()).isTrue();
    }

    @Test
    void creationChecksTheConfigurationButLoadsNothing() {
        DjlBackendProvider p = new DjlBackendProvider();
        assertThatThrownBy(() -> p.create(context("precision", "bf16", "options.executor", "eager")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("needs options.executor: compiled");
        assertThatThrownBy(() -> p.create(context("model", "no-such-org/no-such-model")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("huggingface-cli download");
        try (InferenceBackend b = p.create(context())) {
            assertThat(b.capabilities().batching()).isTrue();
            assertThat(b.capabilities().reportsPhases()).isTrue();
            assertThat(b.capabilities().inProcess()).isTrue();
            assertThat(b.countTokens("not loaded")).isEmpty();
        }
    }

    @Test
    void cudaOnCpuOnlyNativesIsAClearUnavailableError() {
        try (InferenceBackend b = new DjlBackendProvider().create(context("device", "cuda:0"))) {
            assertThatThrownBy(b::load).isInstanceOf(PluginUnavailableException.class)
                    .hasMessageContaining("PyTorch sees no GPU").hasMessageContaining("docs/djl.md")
                    .hasMessageContaining("device: cpu");
        }
    }

    @Test
    void loadReportsEngineFactsForTheResults() {
        try (InferenceBackend b = new DjlBackendProvider().create(context())) {
            b.load();
            assertThat(b.environment()).containsKeys("djl.engine", "djl.version", "djl.natives", "djl.device")
                    .containsEntry("djl.device", "cpu()");
            assertThat(b.environment().get("djl.engine")).startsWith("PyTorch 2.7.1");
        }
    }
}
