package dev.lem.spi;

/**
 * One domain's cumulative energy and the instant it describes.
 *
 * @param joules cumulative joules since the meter opened
 * @param nanos  when the value was read, on the clock the reader was given (System.nanoTime() by default): the
 *               midpoint of the read that produced it
 */
public record EnergyReading(double joules, long nanos) {
}
