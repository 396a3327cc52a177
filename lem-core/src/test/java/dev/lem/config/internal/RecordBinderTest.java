package dev.lem.config.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lem.config.Key;
import dev.lem.config.ValueType;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** A declaration that is incomplete or contradicts itself is refused when the schema is read, not at run time. */
class RecordBinderTest {
    record Undeclared(@Key(doc = "fine", defaultValue = "1") int a, int b) {
    }

    record NoDefault(@Key(doc = "a count") int count) {
    }

    record BadDefault(@Key(doc = "a count", defaultValue = "0", min = 1) int count) {
    }

    record OptionalWithDefault(@Key(doc = "x", defaultValue = "3") Optional<Integer> x) {
    }

    record Good(@Key(doc = "a count", defaultValue = "2", min = 1, unit = "runs") int countOfRuns,
            @Key(doc = "a name") Optional<String> name,
            @Key(doc = "words", defaultValue = "[a]") List<String> words,
            @Key(doc = "free") Map<String, Object> free) {
    }

    @Test
    void everyComponentMustBeAKeyWithAValidDefault() {
        assertThatThrownBy(() -> RecordBinder.describe(Undeclared.class)).hasMessageContaining("Undeclared.b is neither "
                + "a configuration key (@Key) nor marked @NotAKey");
        assertThatThrownBy(() -> RecordBinder.describe(NoDefault.class))
                .hasMessageContaining("count: a key that is not Optional needs a defaultValue");
        assertThatThrownBy(() -> RecordBinder.describe(BadDefault.class))
                .hasMessageContaining("count: default \"0\" is invalid").hasMessageContaining("below the minimum 1");
        assertThatThrownBy(() -> RecordBinder.describe(OptionalWithDefault.class))
                .hasMessageContaining("an Optional key is unset by default");
    }

    @Test
    void namesTypesAndDefaultsComeFromTheComponent() {
        RecordBinder.Section s = RecordBinder.describe(Good.class);
        assertThat(s.children()).extracting(RecordBinder.Node::path)
                .containsExactly("count_of_runs", "name", "words", "free");
        RecordBinder.Leaf count = (RecordBinder.Leaf) s.children().get(0);
        assertThat(count.parameter().type()).isEqualTo(ValueType.INTEGER);
        assertThat(count.parameter().defaultValue()).isEqualTo(2);
        assertThat(count.parameter().rule()).isEqualTo("integer >= 1");
        Good bound = RecordBinder.bind(s, Map.of("name", "x", "free.k", 1), Map.of());
        assertThat(bound).isEqualTo(new Good(2, Optional.of("x"), List.of("a"), Map.of("k", 1)));
        assertThat(RecordBinder.flatten(s, bound)).containsEntry("count_of_runs", 2).containsEntry("free.k", 1)
                .containsEntry("name", "x");
        assertThat(RecordBinder.snakeCase("intensityGPerKwh")).isEqualTo("intensity_g_per_kwh");
        assertThat(RecordBinder.snakeCase("e2eMs")).isEqualTo("e2e_ms");
    }
}
