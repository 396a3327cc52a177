package dev.lem.campaign;

import dev.lem.config.Key;
import java.util.Optional;

/**
 * A campaign's own settings: the keys of a campaign file other than {@code base}, {@code configs}, {@code vary}
 * and {@code results_dir} ({@code lem campaign keys} lists them; docs/campaigns.md explains them).
 *
 * @param name      a name shown in listings and reports
 * @param cycles    cycles every experiment runs (the campaign's rounds); overrides each experiment's own
 * @param structure the order of the units
 * @param seed      seed of the shuffled orders
 * @param retries   further attempts of a unit that fails before it is marked failed
 * @param baseline  the experiment (its label) the others are compared against
 * @param gaps      pauses between units
 * @param residency which models stay loaded
 * @param schedule  when cycle rounds may start
 */
public record CampaignSettings(
        @Key(doc = "A name shown in listings and reports.") Optional<String> name,
        @Key(doc = "Cycles every experiment runs: the campaign's cycle rounds. Overrides each experiment's own "
                + "cycles.", defaultValue = "3", min = 1, max = 10_000, unit = "cycles") int cycles,
        @Key(doc = "The order of the units (one cycle of one experiment each).", defaultValue = "shuffled")
        CampaignStructure structure,
        @Key(doc = "Seed of the shuffled orders (one order per round, reproducible).", defaultValue = "42") long seed,
        @Key(doc = "Further attempts of a unit that fails (after the backend is restarted) before it is marked "
                + "failed; the campaign goes on.", defaultValue = "1", min = 0, max = 100) int retries,
        @Key(doc = "The experiment, by label or name, the others are compared against in the summary.")
        Optional<String> baseline,
        @Key(doc = "Pauses between units.") GapSettings gaps,
        @Key(doc = "Which models stay loaded between units.") ResidencySettings residency,
        @Key(doc = "When cycle rounds may start.") ScheduleSettings schedule) {
}
