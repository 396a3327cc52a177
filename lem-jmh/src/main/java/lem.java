import dev.lem.jmh.LemProfiler;
import org.openjdk.jmh.profile.ProfilerException;

/**
 * {@code -prof lem}: JMH 1.37 finds a profiler by a built-in short name, by its full class name, or by
 * {@code Class.forName(name)}, so the short name of LEM's profiler is this class, in the unnamed package.
 * Everything is in {@link LemProfiler}.
 */
public final class lem extends LemProfiler {
    /**
     * With JMH's option line, e.g. {@code meters=rapl,nvml;interval=50ms}.
     *
     * @param initLine the options after {@code -prof lem:}
     * @throws ProfilerException with the option list for {@code help}, or the problems of a bad line
     */
    public lem(String initLine) throws ProfilerException {
        super(initLine);
    }

    /**
     * With every default.
     *
     * @throws ProfilerException never with the defaults; declared by JMH's profiler contract
     */
    public lem() throws ProfilerException {
        super();
    }
}
