package dev.lem.campaign;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lem.config.KeyedRecords;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class UnitOrderTest {
    static CampaignSettings settings(String structure, int cycles, long seed) {
        return KeyedRecords.read(CampaignSettings.class, Map.of("structure", structure, "cycles", cycles, "seed", seed),
                "");
    }

    private static List<Integer> experiments(List<ManifestUnit> units, int round) {
        return units.stream().filter(u -> u.round() == round).map(ManifestUnit::experiment).toList();
    }

    @Test
    void interleavedRunsEveryExperimentOncePerRoundInListedOrder() {
        List<ManifestUnit> units = UnitOrder.units(3, settings("interleaved", 2, 1));
        assertThat(units).extracting(ManifestUnit::experiment).containsExactly(0, 1, 2, 0, 1, 2);
        assertThat(units).extracting(ManifestUnit::cycle).containsExactly(0, 0, 0, 1, 1, 1);
        assertThat(units).extracting(ManifestUnit::seq).containsExactly(0, 1, 2, 3, 4, 5);
        assertThat(units).allSatisfy(u -> assertThat(u.status()).isEqualTo(UnitStatus.PENDING));
    }

    @Test
    void shuffledGivesEachRoundItsOwnSeededOrderReproducibly() {
        CampaignSettings s = settings("shuffled", 4, 42);
        List<ManifestUnit> a = UnitOrder.units(6, s);
        List<ManifestUnit> b = UnitOrder.units(6, s);
        assertThat(a).isEqualTo(b);
        for (int r = 0; r < 4; r++) {
            assertThat(experiments(a, r)).as("round %d runs every experiment once", r)
                    .containsExactlyInAnyOrder(0, 1, 2, 3, 4, 5);
        }
        assertThat(List.of(experiments(a, 0), experiments(a, 1), experiments(a, 2), experiments(a, 3)))
                .as("a new order each round").doesNotHaveDuplicates();
        assertThat(experiments(UnitOrder.units(6, settings("shuffled", 4, 43)), 0))
                .as("another seed, another order").isNotEqualTo(experiments(a, 0));
        // a round's order does not depend on how many rounds there are
        assertThat(experiments(UnitOrder.units(6, settings("shuffled", 2, 42)), 1)).isEqualTo(experiments(a, 1));
    }

    @Test
    void groupedRunsEveryCycleOfOneExperimentBeforeTheNext() {
        List<ManifestUnit> units = UnitOrder.units(2, settings("grouped", 3, 1));
        assertThat(units).extracting(ManifestUnit::experiment).containsExactly(0, 0, 0, 1, 1, 1);
        assertThat(units).extracting(ManifestUnit::cycle).containsExactly(0, 1, 2, 0, 1, 2);
    }
}
