package dev.lem.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lem.campaign.CampaignSettings;
import dev.lem.campaign.CampaignStructure;
import dev.lem.config.KeyedRecords;
import dev.lem.config.Parameter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** docs/campaigns.md explains every campaign key and structure; this fails when a key is added without it. */
class CampaignDocsTest {
    @Test
    void everyCampaignKeyAndStructureIsDocumented() throws IOException {
        String doc = Files.readString(Path.of("..", "docs", "campaigns.md"));
        for (Parameter p : KeyedRecords.keys(CampaignSettings.class)) {
            String last = p.path().substring(p.path().lastIndexOf('.') + 1);
            assertThat(doc).as("docs/campaigns.md mentions " + p.path()).containsAnyOf("`" + p.path() + "`",
                    p.path() + ":", last + ":");
        }
        for (CampaignStructure s : CampaignStructure.values()) {
            assertThat(doc).contains("`" + s + "`");
        }
    }

    @Test
    void theExampleCampaignFileIsValid() {
        CliTestSupport.Run r = CliTestSupport.lem("campaign", "grid", Path.of("..", "configs", "campaign-grid.yaml")
                .toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("4 experiment(s) x 3 cycle(s) = 12 units", "backend=openai",
                "backend=djl batching.batch_size=8");
    }
}
