package dev.lem.campaign.slurm;

import dev.lem.LemException;

/** Slurm cannot be used: a command is missing, or Slurm refused what LEM asked; the message says what to do. */
public class SlurmException extends LemException {
    private static final long serialVersionUID = 1L;

    /**
     * A Slurm error.
     *
     * @param message what went wrong and what to do
     */
    public SlurmException(String message) {
        super(message);
    }

    /**
     * A Slurm error with its cause.
     *
     * @param message what went wrong and what to do
     * @param cause   the error that caused it
     */
    public SlurmException(String message, Throwable cause) {
        super(message, cause);
    }
}
