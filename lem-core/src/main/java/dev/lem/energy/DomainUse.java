package dev.lem.energy;

import com.fasterxml.jackson.annotation.JsonValue;

/**
 * Whether the measured workload uses a domain's device. The headline energy figures count only the domains the
 * workload uses; the others (a GPU next to a model that runs on the CPU, the GPUs a served model's server does not
 * use) are still measured and reported apart, never added to the headline and never dropped.
 */
public enum DomainUse {
    /** The workload runs on it (the model's device, the CPU and memory): counted in the energy figures. */
    WORKLOAD("used by the workload"),
    /** Measured, but the workload does not run on it: shown apart, not counted. */
    NOT_USED("not used by the workload");

    private final String description;

    DomainUse(String description) {
        this.description = description;
    }

    /** {@return a few words for messages, e.g. {@code "not used by the workload"}} */
    public String description() {
        return description;
    }

    /** {@return the label in results files: the name in lower case, e.g. {@code not_used}} */
    @JsonValue
    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
