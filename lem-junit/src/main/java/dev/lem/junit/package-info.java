/**
 * The JUnit extension of LEM: {@link dev.lem.junit.MeasureEnergy} records the energy of each test per domain, with
 * how it was obtained, in the test report and a LEM results file; {@link dev.lem.junit.EnergyBudget} fails a test
 * whose energy exceeds its budget (per invocation or per unit the test counts with {@link dev.lem.junit.EnergyUnits};
 * a repeated test on the upper bound of its confidence interval).
 */
@NullMarked
package dev.lem.junit;

import org.jspecify.annotations.NullMarked;
