package dev.lem.campaign;

import java.time.Duration;
import java.time.Instant;

/**
 * The clock a campaign waits on: real in a campaign, scripted in tests (so that gaps, schedules and ETAs are
 * tested without waiting).
 */
public interface Pause {
    /** {@return now, on the wall clock} */
    Instant now();

    /** {@return monotonic time, ns} */
    long nanoTime();

    /**
     * Waits.
     *
     * @param d how long to wait
     * @throws InterruptedException when the thread is interrupted while waiting
     */
    void sleep(Duration d) throws InterruptedException;

    /** {@return the system clock} */
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
