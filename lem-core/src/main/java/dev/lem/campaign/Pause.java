package dev.lem.campaign;

import java.time.Duration;
import java.time.Instant;

/**
 * The clock a campaign waits on: real in a campaign, scripted in tests (so that gaps, schedules and ETAs are
 * tested without waiting).
 */
public interface Pause {
    /** Now, on the wall clock. */
    Instant now();

    /** Monotonic time, ns. */
    long nanoTime();

    /** Waits. */
    void sleep(Duration d) throws InterruptedException;

    /** The system clock. */
    static Pause system() {
        return new Pause() {
            @Override
            public Instant now() {
                return Instant.now();
            }

            @Override
            public long nanoTime() {
                return System.nanoTime();
            }

            @Override
            public void sleep(Duration d) throws InterruptedException {
                if (!d.isNegative() && !d.isZero()) {
                    Thread.sleep(d.toMillis(), (int) (d.toNanos() % 1_000_000));
                }
            }
        };
    }
}
