package dev.lem.campaign;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** A clock that moves only when something sleeps on it: waits take no real time and are recorded. */
public final class ScriptedPause implements Pause {
    private Instant now;
    private long nanos;
    public final List<Duration> sleeps = new ArrayList<>();

    public ScriptedPause(Instant start) {
        this.now = start;
    }

    @Override
    public synchronized Instant now() {
        return now;
    }

    @Override
    public synchronized long nanoTime() {
        return nanos;
    }

    @Override
    public synchronized void sleep(Duration d) {
        if (d.isNegative() || d.isZero()) {
            return;
        }
        sleeps.add(d);
        now = now.plus(d);
        nanos += d.toNanos();
    }

    /** Moves the clock without a sleep (time spent working). */
    public synchronized void advance(Duration d) {
        now = now.plus(d);
        nanos += d.toNanos();
    }

    /** Total time slept. */
    public synchronized Duration slept() {
        return sleeps.stream().reduce(Duration.ZERO, Duration::plus);
    }
}
