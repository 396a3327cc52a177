/**
 * Quality beside energy: the texts perplexity is measured on ({@link dev.lem.quality.QualityTexts}), the sliding
 * window that scores them through a backend's {@link dev.lem.spi.TokenScorer} ({@link dev.lem.quality.Perplexity}),
 * its result with an interval across the text's windows ({@link dev.lem.quality.PerplexityResult}), and quality
 * scores users attach to results from their own evaluations ({@link dev.lem.quality.QualityScore}). See
 * docs/quality.md.
 */
@NullMarked
package dev.lem.quality;

import org.jspecify.annotations.NullMarked;
