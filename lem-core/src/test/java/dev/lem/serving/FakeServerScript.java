package dev.lem.serving;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

/**
 * Writes an executable shell script that runs {@link ScriptedServerMain} with this JVM and class path: a stand-in
 * {@code vllm} or {@code trtllm-serve} that serves the OpenAI API and records the arguments it was started with
 * ({@link #argv}).
 */
public final class FakeServerScript {
    private FakeServerScript() {
    }

    /**
     * @param dir       where to write it
     * @param name      file name, e.g. {@code vllm}
     * @param extraArgs arguments appended to the ones the backend passes (e.g. {@code --exit-code 3})
     */
    public static Path write(Path dir, String name, String extraArgs) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String cp = System.getProperty("java.class.path");
        Path script = dir.resolve(name);
        Files.writeString(script, "#!/bin/sh\nexec '" + java + "' -Xmx128m -cp '" + cp + "' "
                + ScriptedServerMain.class.getName() + " \"$@\" " + ScriptedServerMain.EXTRAS + " --argv-file '"
                + argvFile(script) + "' " + extraArgs + "\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        return script;
    }

    private static Path argvFile(Path script) {
        return script.resolveSibling(script.getFileName() + ".argv");
    }

    /**
     * The arguments the last server started by {@code script} received (one per list element), as the backend
     * passed them.
     */
    public static List<String> argv(Path script) throws IOException {
        return Files.readAllLines(argvFile(script), StandardCharsets.UTF_8);
    }
}
