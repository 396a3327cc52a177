package dev.lem.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lem.config.ExperimentConfig;
import dev.lem.result.ExperimentResult;
import dev.lem.results.ScriptedResults;
import dev.lem.spi.EngineSetting;
import dev.lem.spi.EngineSetting.Source;
import dev.lem.spi.ModelInfo;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** {@code lem results show} lists the engine settings whose values are known. */
class ResultViewEngineSettingsTest {
    @Test
    void knownEngineSettingsAreShownWithTheirSource() {
        ExperimentResult base = ScriptedResults.experiment("20260101T000000Z-abcdef", ExperimentConfig.defaults(),
                List.of(new ScriptedResults.Cycle(1.0, 2, 4, 3.0)));
        ModelInfo m = new ModelInfo("m", "server", "http://x", Optional.empty(), "unknown", false, Optional.empty(),
                Map.of(), List.of(new EngineSetting("max_num_seqs", 64, Source.SET_BY_LEM, null, "options.max_num_seqs"),
                        new EngineSetting("block_size", 16L, Source.REPORTED_BY_SERVER, "16", "read from the server"),
                        new EngineSetting("swap_space", null, Source.ENGINE_DEFAULT, null, "engine default: 4")));
        ExperimentResult r = new ExperimentResult(base.schemaVersion(), base.id(), base.createdAt(), base.config(),
                base.environment(), Optional.of(m), base.processes(), base.cycles(), base.summary(),
                base.carbonIntensity(), base.metricDefinitions(), base.warnings(), base.status(), base.statusReason());
        String view = ResultView.summary(r, Path.of("results"));
        assertThat(view).contains("Engine settings").containsPattern("max_num_seqs\\s+64\\s+set by LEM")
                .containsPattern("block_size\\s+16\\s+reported by the server\\s+16").doesNotContain("swap_space");
        assertThat(ResultView.summary(base, Path.of("results"))).doesNotContain("Engine settings");
    }
}
