package dev.lem.campaign;

import dev.lem.config.Choice;

/** The order in which a campaign runs its units (one cycle of one experiment each): {@code structure}. */
public enum CampaignStructure implements Choice {
    /** Cycle rounds: in round k every experiment runs its cycle k, always in the order they are listed. */
    @Doc("cycle rounds, every experiment once per round, in the listed order")
    INTERLEAVED,
    /** Cycle rounds, each in a new random order (seeded by {@code seed} and the round): drift cannot favour one. */
    @Doc("cycle rounds, each round in a new seeded random order (drift and heat spread over every experiment)")
    SHUFFLED,
    /** Every cycle of one experiment, then the next experiment (fewest model switches; most exposed to drift). */
    @Doc("all cycles of one experiment, then the next (fewest switches, most exposed to drift)")
    GROUPED;

    @Override
    public String toString() {
        return Choice.word(this);
    }
}
