package dev.lem.serving.internal;

/**
 * JVM-wide settings of {@code java.net.http} that LEM's clients need, applied before the first client is built.
 *
 * <p>The read buffer ({@code jdk.httpclient.bufsize}) becomes 2 KiB instead of the JDK's 16 KiB unless the user set it.
 * Every read of the JDK client is a slice of such a buffer, and one live slice keeps the whole buffer alive: with 1,000
 * streams each holding a 16 KiB buffer for the second or so its slices last, the young collections copied and then
 * promoted those buffers (G1 pauses of 10-30 ms every ~3 s at 25,000 chunks/s, the old generation growing by ~7 MiB a
 * collection); with 2 KiB the old generation stayed flat and the client's GC time fell from 362 to 150 ms over the
 * same run ({@code ServingClientBenchmark}, docs/performance.md). A streamed event is a few hundred bytes, so reads
 * stay whole. The JDK reads the property once, when its client code is first used in the JVM; a client built earlier
 * by other code keeps the JDK's default.
 */
public final class JdkHttpClientSettings {
    /** The property the JDK's HTTP client reads its buffer size from. */
    public static final String BUFFER_SIZE_PROPERTY = "jdk.httpclient.bufsize";
    /** The read buffer LEM asks for, bytes. */
    public static final int READ_BUFFER_BYTES = 2048;

    static {
        if (System.getProperty(BUFFER_SIZE_PROPERTY) == null) {
            System.setProperty(BUFFER_SIZE_PROPERTY, Integer.toString(READ_BUFFER_BYTES));
        }
    }

    private JdkHttpClientSettings() {
    }

    /** Applies the settings (once per JVM: the class's initialisation does it); call before building a client. */
    public static void apply() {
        // the static initialiser has run by now
    }
}
