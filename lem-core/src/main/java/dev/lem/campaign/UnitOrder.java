package dev.lem.campaign;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * The run order of a campaign's units from its structure: cycle rounds (interleaved, or shuffled with a new
 * seeded order per round) or grouped by experiment. Reproducible: the same settings give the same order.
 */
public final class UnitOrder {
    private UnitOrder() {
    }

    /**
     * Every unit, pending, in run order.
     *
     * @param experiments how many experiments
     * @param settings    cycles, structure and seed
     * @return the units, in run order
     */
    public static List<ManifestUnit> units(int experiments, CampaignSettings settings) {
        List<ManifestUnit> out = new ArrayList<>();
        int cycles = settings.cycles();
        if (settings.structure() == CampaignStructure.GROUPED) {
            for (int e = 0; e < experiments; e++) {
                for (int c = 0; c < cycles; c++) {
                    out.add(ManifestUnit.pending(out.size(), c, e, c));
                }
            }
            return out;
        }
        for (int c = 0; c < cycles; c++) {
            for (int e : roundOrder(experiments, c, settings)) {
                out.add(ManifestUnit.pending(out.size(), c, e, c));
            }
        }
        return out;
    }

    /**
     * The order of the experiments in cycle round {@code round} (0-based).
     *
     * @param experiments how many experiments
     * @param round the cycle round (0-based)
     * @param settings cycles, structure and seed
     * @return the experiments' indices, in run order
     */
    public static List<Integer> roundOrder(int experiments, int round, CampaignSettings settings) {
        List<Integer> order = new ArrayList<>();
        for (int e = 0; e < experiments; e++) {
            order.add(e);
        }
        if (settings.structure() == CampaignStructure.SHUFFLED) {
            // one stream per round, derived from the seed: round k's order does not depend on the number of rounds
            Collections.shuffle(order, new Random(settings.seed() * 1_000_003L + round));
        }
        return order;
    }
}
