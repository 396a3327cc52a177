package dev.lem.results.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lem.results.ResultsException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFilesTest {
    @TempDir
    Path dir;

    /** Child process: rewrites the file with 8 MB of one letter, alternating letters, until killed. */
    public static void main(String[] args) {
        Path target = Path.of(args[0]);
        for (int i = 0; ; i++) {
            AtomicFiles.write(target, String.valueOf((char) ('A' + i % 26)).repeat(8 << 20));
        }
    }

    @Test
    void aWriteKilledMidwayLeavesACompletePreviousOrNewFile() throws Exception {
        Path target = dir.resolve("result.json");
        AtomicFiles.write(target, "Z".repeat(8 << 20));
        for (int attempt = 0; attempt < 3; attempt++) {
            List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), AtomicFilesTest.class.getName(), target.toString());
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            Thread.sleep(400 + 150L * attempt);
            p.destroyForcibly();
            assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
            String text = Files.readString(target);
            assertThat(text).hasSize(8 << 20);
            char first = text.charAt(0);
            assertThat(text.chars().allMatch(c -> c == first)).as("one complete version, never a torn mix").isTrue();
        }
        try (Stream<Path> s = Files.list(dir)) {
            assertThat(s.filter(f -> !f.equals(target)).allMatch(f -> f.getFileName().toString().startsWith(".")))
                    .as("leftovers of killed writes are hidden temporary files").isTrue();
        }
    }

    @Test
    void aFailedWriteKeepsTheOldFileAndSaysWhy() throws IOException {
        Path target = dir.resolve("ro/result.json");
        AtomicFiles.write(target, "old");
        Assumptions.assumeTrue(Files.getFileStore(dir).supportsFileAttributeView("posix"), "needs POSIX permissions");
        Files.setPosixFilePermissions(target.getParent(), PosixFilePermissions.fromString("r-xr-xr-x"));
        try {
            Assumptions.assumeFalse(Files.isWritable(target.getParent()),
                    "the test runs as root, which ignores directory permissions");
            assertThatThrownBy(() -> AtomicFiles.write(target, "new"))
                    .isInstanceOf(ResultsException.class)
                    .hasMessageStartingWith("Cannot write " + target)
                    .hasMessageContaining("check free space and permissions");
            assertThat(Files.readString(target)).isEqualTo("old");
        } finally {
            Files.setPosixFilePermissions(target.getParent(), PosixFilePermissions.fromString("rwxr-xr-x"));
        }
    }

    @Test
    void aWriteIntoAPathBlockedByAFileFailsClearlyAndLeavesNothingBehind() throws IOException {
        Path blocker = dir.resolve("blocker");
        Files.writeString(blocker, "I am a file, not a directory");
        assertThatThrownBy(() -> AtomicFiles.write(blocker.resolve("x.json"), "data"))
                .isInstanceOf(ResultsException.class)
                .hasMessageStartingWith("Cannot write " + blocker.resolve("x.json"));
        assertThat(Files.readString(blocker)).isEqualTo("I am a file, not a directory");
    }

    @Test
    void filesGetTheUmaskModeLikeAnyOtherFileNotOwnerOnly() throws IOException {
        Assumptions.assumeTrue(Files.getFileStore(dir).supportsFileAttributeView("posix"), "needs POSIX permissions");
        Path plain = Files.writeString(dir.resolve("plain.txt"), "x");
        Path atomic = dir.resolve("result.json");
        AtomicFiles.write(atomic, "{}");
        assertThat(Files.getPosixFilePermissions(atomic)).as("the same mode as a file created the ordinary way")
                .isEqualTo(Files.getPosixFilePermissions(plain));
        AtomicFiles.write(atomic, "{\"again\": 1}");
        assertThat(Files.getPosixFilePermissions(atomic)).isEqualTo(Files.getPosixFilePermissions(plain));
    }
}
