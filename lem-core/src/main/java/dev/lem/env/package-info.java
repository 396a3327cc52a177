/**
 * Environment capture: JVM, OS, CPU, memory, container detection, and facts contributed by plug-ins.
 */
@NullMarked
package dev.lem.env;

import org.jspecify.annotations.NullMarked;
