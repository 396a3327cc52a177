package dev.lem.backend.djl.internal;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.pytorch.engine.PtEngineProvider;
import dev.lem.spi.Availability;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The availability check, against class loaders that lack parts of DJL (no native code is loaded). */
class NativeEngineTest {
    @TempDir
    Path libtorch;

    private static URL jarOf(String resourceOrClass) throws Exception {
        URL u = NativeEngineTest.class.getClassLoader().getResource(resourceOrClass);
        String s = u.toString();
        return java.net.URI.create(s.substring("jar:".length(), s.indexOf("!/"))).toURL();
    }

    @Test
    void availableWithTheBundledNatives() {
        assertThat(NativeEngine.availability()).isEqualTo(Availability.ok());
    }

    @Test
    void eachMissingPieceIsNamed() throws Exception {
        URL engine = PtEngineProvider.class.getProtectionDomain().getCodeSource().getLocation();
        URL api = ai.djl.engine.Engine.class.getProtectionDomain().getCodeSource().getLocation();
        URL jni = jarOf("jnilib/pytorch.properties");
        try (URLClassLoader nothing = new URLClassLoader(new URL[0], null)) {
            assertThat(NativeEngine.availability(nothing, null).reason())
                    .contains("DJL's PyTorch engine is not on the classpath");
        }
        try (URLClassLoader noJni = new URLClassLoader(new URL[] {api, engine}, null)) {
            assertThat(NativeEngine.availability(noJni, null).reason()).contains("JNI bridge")
                    .contains("pytorch-jni:2.7.1-0.35.1");
        }
        try (URLClassLoader noNatives = new URLClassLoader(new URL[] {api, engine, jni}, null)) {
            Availability a = NativeEngine.availability(noNatives, null);
            assertThat(a.available()).isFalse();
            assertThat(a.reason()).contains("no PyTorch native library").contains("pytorch-native-cpu:2.7.1")
                    .contains("PYTORCH_LIBRARY_PATH");
            assertThat(NativeEngine.availability(noNatives, libtorch.toString()).available())
                    .as("an extracted libtorch named by PYTORCH_LIBRARY_PATH is enough").isTrue();
        }
    }
}
