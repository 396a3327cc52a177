/**
 * Campaigns: many configurations x cycles run as units (one cycle of one experiment each) in an interleaved,
 * shuffled or grouped order, with thermal gaps, schedules and model residency; grid planning; the manifest and its
 * store; resume. A campaign handed to Slurm keeps its units' claims and states in a shared folder
 * ({@link dev.lem.campaign.UnitLedger}); {@code dev.lem.campaign.slurm} submits it. docs/campaigns.md and
 * docs/scale-out.md explain both.
 */
@NullMarked
package dev.lem.campaign;

import org.jspecify.annotations.NullMarked;
