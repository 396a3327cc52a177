package dev.lem.campaign.slurm;

import dev.lem.LemException;

/** Slurm cannot be used: a command is missing, or Slurm refused what LEM asked; the message says what to do. */
public class SlurmException extends LemException {
    private static final long serialVersionUID = 1L;

    public SlurmException(String message) {
        super(message);
    }

    public SlurmException(String message, Throwable cause) {
        super(message, cause);
    }
}
