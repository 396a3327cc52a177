package dev.lem.energy;

import com.fasterxml.jackson.annotation.JsonValue;

/** How an energy figure was obtained. Every energy figure LEM reports carries one. */
public enum MeasurementMethod {
    /** Read from a hardware energy counter (NVML total-energy counter, RAPL {@code energy_uj}). */
    MEASURED,
    /** Power samples integrated over time (trapezoid rule), where no counter exists. */
    INTEGRATED,
    /** Modelled, e.g. TDP scaled by utilisation or watts per GB of RAM; not a reading. */
    ESTIMATED,
    /** A share of a measured or integrated figure assigned by a documented rule (e.g. a MIG slice). */
    ATTRIBUTED;

    /** {@return the label in results files: the name in lower case, e.g. {@code measured}} */
    @JsonValue
    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
