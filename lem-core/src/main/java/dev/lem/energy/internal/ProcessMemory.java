package dev.lem.energy.internal;

import dev.lem.env.SysFiles;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * Resident memory of this process and its descendants (e.g. a model server LEM started), bytes: the sum of
 * {@code VmRSS} in {@code /proc/<pid>/status}. The list of descendants is refreshed every
 * {@value #CHILDREN_REFRESH_NANOS} ns only (listing processes walks all of {@code /proc}). Where
 * {@code /proc} is missing it falls back to the JVM's committed heap and non-heap memory.
 * Not thread-safe.
 */
final class ProcessMemory implements LongSupplier {
    static final long CHILDREN_REFRESH_NANOS = 1_000_000_000L;
    private final Path proc;
    private final LongSupplier clock;
    private final boolean procReadable;
    private List<Long> children = List.of();
    private long childrenAt = Long.MIN_VALUE;

    ProcessMemory(Path proc, LongSupplier clock) {
        this.proc = proc;
        this.clock = clock;
        this.procReadable = Files.isReadable(proc.resolve("self/status"));
    }

    /** What is measured, for the result's notes. */
    String description() {
        return procReadable ? "resident set (VmRSS) of this process and its child processes"
                : "this JVM's committed heap and non-heap memory (/proc is not readable here): a lower bound";
    }

    @Override
    public long getAsLong() {
        if (!procReadable) {
            MemoryMXBean m = ManagementFactory.getMemoryMXBean();
            return m.getHeapMemoryUsage().getCommitted() + m.getNonHeapMemoryUsage().getCommitted();
        }
        long now = clock.getAsLong();
        if (now - childrenAt >= CHILDREN_REFRESH_NANOS) {
            children = ProcessHandle.current().descendants().map(ProcessHandle::pid).toList();
            childrenAt = now;
        }
        long total = vmRss(proc.resolve("self/status"));
        for (long pid : children) {
            total += Math.max(0, vmRss(proc.resolve(pid + "/status")));
        }
        return total;
    }

    /** {@code VmRSS} of a status file, bytes; -1 when unreadable. */
    static long vmRss(Path status) {
        return SysFiles.kibField(status, "VmRSS").orElse(-1);
    }
}
