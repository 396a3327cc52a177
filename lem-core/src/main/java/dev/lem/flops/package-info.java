/**
 * FLOPs: the records estimators produce ({@link dev.lem.flops.FlopsEstimate}) and what they work from; estimators are plug-ins ({@link dev.lem.spi.FlopsEstimator}).
 */
@NullMarked
package dev.lem.flops;

import org.jspecify.annotations.NullMarked;
