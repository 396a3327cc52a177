/**
 * Campaigns on a Slurm cluster through Slurm's own commands: the worker array's and the aggregation job's batch
 * scripts ({@link dev.lem.campaign.slurm.SlurmScripts}), {@code sbatch}, {@code squeue}, {@code sacct} and
 * {@code scancel} ({@link dev.lem.campaign.slurm.SlurmClient}). LEM never grows its own scheduler or agents.
 */
@NullMarked
package dev.lem.campaign.slurm;

import org.jspecify.annotations.NullMarked;
