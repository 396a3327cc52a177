/**
 * Implementation of the JUnit extension (not API): settings, the shared meters, overlap tracking, the budget's
 * verdict and the LEM results written per test.
 */
@NullMarked
package dev.lem.junit.internal;

import org.jspecify.annotations.NullMarked;
