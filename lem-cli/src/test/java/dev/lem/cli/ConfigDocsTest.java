package dev.lem.cli;

import static dev.lem.cli.CliTestSupport.lem;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** docs/configuration.md is generated from the schema; this fails when someone forgets to regenerate it. */
class ConfigDocsTest {
    @Test
    void configurationDocMatchesTheSchema() throws IOException {
        Path doc = Path.of("..", "docs", "configuration.md");
        assertThat(doc).as("docs/configuration.md").isRegularFile();
        assertThat(Files.readString(doc))
                .as("docs/configuration.md is out of date: regenerate it with "
                        + "./lem config keys --markdown > docs/configuration.md")
                .isEqualTo(lem("config", "keys", "--markdown").out());
    }
}
