package dev.lem.serving;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/** Writes an executable shell script that runs {@link ScriptedServerMain} with this JVM and class path. */
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
                + ScriptedServerMain.class.getName() + " \"$@\" " + extraArgs + "\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        return script;
    }
}
