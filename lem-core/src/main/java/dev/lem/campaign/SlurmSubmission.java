package dev.lem.campaign;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * One hand-over of a campaign to Slurm, as its manifest records it: the worker array and the aggregation job that
 * runs after it, the scripts submitted (kept in the campaign's {@code slurm/} folder), and the options used.
 *
 * @param campaignId      the campaign
 * @param number          1 for {@code lem campaign submit}, then one more per {@code lem campaign resume --slurm}
 * @param submittedAt     when it was submitted
 * @param host            where {@code sbatch} ran
 * @param arrayJobId      the worker array's job id ({@code squeue} shows its tasks as {@code <id>_<task>})
 * @param aggregateJobId  the aggregation job's id (it depends on the array: {@code afterany})
 * @param tasks           array tasks (workers) submitted
 * @param units           units not done when it was submitted
 * @param workerScript    the array's script, relative to the campaign's folder
 * @param aggregateScript the aggregation job's script, relative to the campaign's folder
 * @param options         the options it was submitted with
 */
public record SlurmSubmission(String campaignId, int number, Instant submittedAt, String host, String arrayJobId,
        Optional<String> aggregateJobId, int tasks, int units, String workerScript, String aggregateScript,
        SlurmOptions options) {
    /**
     * Checks that the campaign and the array's job id are set; reads a {@code null} aggregation job id as none.
     *
     * @param campaignId      the campaign
     * @param number          1 for {@code lem campaign submit}, then one more per {@code lem campaign resume --slurm}
     * @param submittedAt     when it was submitted
     * @param host            where {@code sbatch} ran
     * @param arrayJobId      the worker array's job id
     * @param aggregateJobId  the aggregation job's id; empty or {@code null} when none was submitted
     * @param tasks           array tasks (workers) submitted
     * @param units           units not done when it was submitted
     * @param workerScript    the array's script, relative to the campaign's folder
     * @param aggregateScript the aggregation job's script, relative to the campaign's folder
     * @param options         the options it was submitted with
     */
    public SlurmSubmission {
        Objects.requireNonNull(campaignId, "campaignId");
        Objects.requireNonNull(arrayJobId, "arrayJobId");
        aggregateJobId = aggregateJobId == null ? Optional.empty() : aggregateJobId;
    }

    @Override
    public String toString() {
        return "submission " + number + " of campaign " + campaignId + ": array job " + arrayJobId + " (" + tasks + " task" + (tasks == 1 ? "" : "s")
                + " for " + units + " unit" + (units == 1 ? "" : "s") + ")" + aggregateJobId.map(a -> ", aggregation "
                        + "job " + a).orElse("") + ", " + submittedAt;
    }
}
