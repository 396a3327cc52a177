package dev.lem.junit.internal;

import java.util.HashSet;
import java.util.Set;

/**
 * The test windows open at once in this run: each window learns how many others were open at some time while it
 * was, because the meters measure a whole machine or device and an overlapping window holds the other test's energy
 * too. Thread-safe.
 */
public final class Overlaps {
    private final Set<Ticket> open = new HashSet<>();

    /** One open window. */
    public static final class Ticket {
        private int others;
    }

    /** Registers a window opening now. */
    public synchronized Ticket open() {
        Ticket t = new Ticket();
        for (Ticket o : open) {
            o.others++;
            t.others++;
        }
        open.add(t);
        return t;
    }

    /** Registers the window's end; returns how many other windows it overlapped. */
    public synchronized int close(Ticket t) {
        open.remove(t);
        return t.others;
    }
}
