package dev.lem.campaign;

import dev.lem.env.Placement;
import java.time.Instant;
import java.util.Objects;

/**
 * A worker's claim on a unit of a campaign handed to Slurm: the contents of {@code units/<seq>.claim-<generation>},
 * a file created with {@code O_EXCL} on the shared filesystem, so exactly one worker creates each generation. A
 * unit whose claimant stopped (its Slurm task ended, or its process is gone) is claimed again by creating the next
 * generation; claim files are never deleted, so the folder is the history of who ran what.
 *
 * @param schemaVersion results schema version
 * @param seq           the unit's position in the run order (0-based)
 * @param generation    1 for the first claim of the unit, then one more per take-over
 * @param claimedAt     when it was claimed (the claimant's clock)
 * @param by            the claimant: host, process, Slurm job and array task, devices
 */
public record UnitClaim(int schemaVersion, int seq, int generation, Instant claimedAt, Placement by) {
    /**
     * Checks that the time and the claimant are set.
     *
     * @param schemaVersion results schema version
     * @param seq           the unit's position in the run order (0-based)
     * @param generation    1 for the first claim of the unit, then one more per take-over
     * @param claimedAt     when it was claimed (the claimant's clock)
     * @param by            the claimant: host, process, Slurm job and array task, devices
     */
    public UnitClaim {
        Objects.requireNonNull(claimedAt, "claimedAt");
        Objects.requireNonNull(by, "by");
    }

    @Override
    public String toString() {
        return "claim " + generation + " of unit " + (seq + 1) + " by " + by + " at " + claimedAt;
    }
}
