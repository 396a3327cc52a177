/**
 * Implementation of the serving package that is not API: the remote GPU energy meter, which reads a DCGM exporter
 * on the host of a served model that runs elsewhere.
 */
@NullMarked
package dev.lem.serving.internal;

import org.jspecify.annotations.NullMarked;
