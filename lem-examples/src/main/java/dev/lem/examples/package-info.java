/**
 * Example mains, benchmarks, a JUnit energy test and a jshell script, each runnable from the README.
 */
@NullMarked
package dev.lem.examples;

import org.jspecify.annotations.NullMarked;
