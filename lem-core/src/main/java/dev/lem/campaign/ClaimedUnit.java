package dev.lem.campaign;

import java.util.Objects;

/**
 * A unit's state as the holder of its latest claim recorded it: the contents of {@code units/<seq>.json}, written
 * atomically (temporary file, fsync, rename) by that worker only, and merged over the manifest's copy of the unit
 * when the manifest is read. A state written under an older claim than the latest is the previous claimant's.
 *
 * @param schemaVersion results schema version
 * @param claim         the claim generation it was written under (0: written by a resume, outside any claim)
 * @param unit          the unit
 */
public record ClaimedUnit(int schemaVersion, int claim, ManifestUnit unit) {
    /**
     * Checks that the unit is set.
     *
     * @param schemaVersion results schema version
     * @param claim         the claim generation it was written under (0: written by a resume, outside any claim)
     * @param unit          the unit
     */
    public ClaimedUnit {
        Objects.requireNonNull(unit, "unit");
    }
}
