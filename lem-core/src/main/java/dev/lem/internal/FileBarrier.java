package dev.lem.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;

/**
 * A barrier between the processes of one experiment, through marker files in the shared results
 * directory (works on one machine and across nodes sharing a filesystem).
 */
public final class FileBarrier {
    private FileBarrier() {
    }

    /**
     * Marks {@code rank} as arrived at {@code dir} and waits until {@code parties} ranks have.
     *
     * @return true when every party arrived, false on timeout (the caller proceeds and warns)
     */
    public static boolean await(Path dir, String name, int rank, int parties, Duration timeout)
            throws InterruptedException {
        if (parties <= 1) {
            return true;
        }
        try {
            Files.createDirectories(dir);
            Files.writeString(dir.resolve("." + name + "_" + rank), Long.toString(ProcessHandle.current().pid()));
        } catch (IOException e) {
            return false;
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (count(dir, name) >= parties) {
                return true;
            }
            Thread.sleep(5);
        }
        return false;
    }

    private static long count(Path dir, String name) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().startsWith("." + name + "_")).count();
        } catch (IOException e) {
            return 0;
        }
    }
}
