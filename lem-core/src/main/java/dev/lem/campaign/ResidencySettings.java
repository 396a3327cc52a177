package dev.lem.campaign;

import dev.lem.config.Key;

/**
 * Which models stay loaded between units ({@code residency.*}). Experiments with equal backend settings share
 * one loaded backend (a batch-size grid loads its model once); others stay resident while their weights fit the
 * budget, least recently used unloaded first. Loads are measured apart from the cycles and followed by warm-up.
 *
 * @param memoryBudgetGb budget for the weights of the in-process models kept loaded together, in GB; 0 means half
 *                       the physical memory for CPU models and one model at a time on a GPU
 * @param forceColdStart unload after every unit, so that each unit loads, warms up and measures (cold-start studies)
 */
public record ResidencySettings(
        @Key(doc = "Weights of in-process models kept loaded together may take this much memory; 0 means half the "
                + "physical memory for CPU models and one model at a time on a GPU.", defaultValue = "0", min = 0,
                max = 1_000_000, unit = "GB") double memoryBudgetGb,
        @Key(doc = "Unload the model after every unit (cold-start studies): every unit loads, warms up and measures.",
                defaultValue = "false") boolean forceColdStart) {
}
