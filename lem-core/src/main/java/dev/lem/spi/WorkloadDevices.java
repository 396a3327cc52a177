package dev.lem.spi;

import java.util.Map;
import java.util.Objects;

/**
 * Which accelerators the measured work runs on, so that a meter which sees more devices than the work uses can
 * tell them apart: the headline energy counts only the devices the work uses (and the CPU and memory); the others
 * are measured and reported as {@link dev.lem.energy.DomainUse#NOT_USED}.
 *
 * @param kind     every accelerator, the ones named by {@code selector}, or none
 * @param selector for {@link Kind#SELECTED}: the devices in {@code CUDA_VISIBLE_DEVICES} syntax (indices, GPU or MIG
 *                 UUIDs or unique prefixes, comma-separated); empty otherwise
 * @param source   where the choice comes from, for the result's notes, e.g. {@code "device: cpu (the model runs on
 *                 the CPU)"}
 */
public record WorkloadDevices(Kind kind, String selector, String source) {

    /** How the set is given. */
    public enum Kind {
        /** Every accelerator the meter sees. */
        ALL,
        /** The accelerators named by {@link #selector()}. */
        SELECTED,
        /** None: the work runs on the CPU. */
        NONE
    }

    /**
     * Checks that no component is null.
     *
     * @param kind every accelerator, the ones named by {@code selector}, or none
     * @param selector for {@link Kind#SELECTED}: the devices in {@code CUDA_VISIBLE_DEVICES} syntax; empty otherwise
     * @param source where the choice comes from, for the result's notes
     */
    public WorkloadDevices {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(selector, "selector");
        Objects.requireNonNull(source, "source");
    }

    /**
     * Every accelerator the meter sees.
     *
     * @param source where the choice comes from, for the result's notes
     * @return the choice
     */
    public static WorkloadDevices all(String source) {
        return new WorkloadDevices(Kind.ALL, "", source);
    }

    /**
     * The accelerators named in {@code CUDA_VISIBLE_DEVICES} syntax.
     *
     * @param selector the devices in {@code CUDA_VISIBLE_DEVICES} syntax
     * @param source where the choice comes from, for the result's notes
     * @return the choice
     */
    public static WorkloadDevices selected(String selector, String source) {
        return new WorkloadDevices(Kind.SELECTED, selector, source);
    }

    /**
     * No accelerator.
     *
     * @param source where the choice comes from, for the result's notes
     * @return the choice
     */
    public static WorkloadDevices none(String source) {
        return new WorkloadDevices(Kind.NONE, "", source);
    }

    /**
     * What a process uses by default, outside an experiment: the GPUs its {@code CUDA_VISIBLE_DEVICES} names, or
     * every GPU when it is unset.
     *
     * @param environment the process's environment variables
     * @return the choice
     */
    public static WorkloadDevices ofProcess(Map<String, String> environment) {
        String visible = environment.get("CUDA_VISIBLE_DEVICES");
        return visible == null ? all("CUDA_VISIBLE_DEVICES is unset")
                : selected(visible, "CUDA_VISIBLE_DEVICES=" + visible + " of this process");
    }

    /** e.g. {@code GPUs 0,1 (CUDA_VISIBLE_DEVICES=0,1 of this process)}. */
    @Override
    public String toString() {
        return switch (kind) {
            case ALL -> "every GPU (" + source + ")";
            case SELECTED -> "GPUs " + selector + " (" + source + ")";
            case NONE -> "no GPU (" + source + ")";
        };
    }
}
