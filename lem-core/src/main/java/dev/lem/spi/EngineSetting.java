package dev.lem.spi;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One engine setting a served (or in-process) engine ran with, recorded in the results so that two runs can
 * be compared setting by setting: its value in typed form (a number, {@code true}/{@code false}, text, a list),
 * where the value came from, and what the server itself reported for it.
 *
 * @param name     the engine argument, as the engine names it ({@code max_num_seqs},
 *                 {@code kv_cache_config.enable_block_reuse}), or a fact the server reports
 *                 ({@code num_gpu_blocks})
 * @param value    the value in effect, typed; null when not known (an engine default that was not reported,
 *                 a server configured outside LEM)
 * @param source   where the value came from
 * @param reported what the server reported for it, typed as the server wrote it (text of a metrics label, a
 *                 number from {@code /v1/models}); null when it reports nothing
 * @param note     the LEM key that set it, the engine's documented default, or why it is unknown
 */
public record EngineSetting(String name, @Nullable Object value, Source source, @Nullable Object reported,
        String note) {

    /** Where an engine setting's value came from. */
    public enum Source {
        /** Set by LEM from a typed option ({@code options.<name>}) and passed to the managed server. */
        SET_BY_LEM("set by LEM"),
        /** Set by LEM from a core key (e.g. {@code seed}) and passed to the managed server. */
        CORE_KEY("set by LEM from a core key"),
        /** Passed through verbatim ({@code server.args} or {@code extra:}), checked with the option's rule. */
        PASSED_THROUGH("passed through"),
        /** Not set: the engine's own default applies (the note says what the engine documents). */
        ENGINE_DEFAULT("engine default"),
        /** Read from the server ({@code /v1/models}, {@code /metrics} labels). */
        REPORTED_BY_SERVER("reported by the server"),
        /** Declared under {@code options:} for a server LEM did not start (checked where the server reports it). */
        DECLARED("declared for a server configured outside LEM"),
        /** A server LEM did not start, which does not report this setting. */
        OUTSIDE_LEM("as configured outside LEM");

        private final String display;

        Source(String display) {
            this.display = display;
        }

        /** {@return how the source reads in results and listings} */
        public String display() {
            return display;
        }
    }

    /**
     * Checks that the name and source are set; a {@code null} note becomes empty.
     *
     * @param name the engine argument, as the engine names it, or a fact the server reports
     * @param value the value in effect, typed; null when not known
     * @param source where the value came from
     * @param reported what the server reported for it, typed as the server wrote it; null when it reports nothing
     * @param note the LEM key that set it, the engine's documented default, or why it is unknown
     */
    public EngineSetting {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(source, "source");
        note = note == null ? "" : note;
    }

    /**
     * The same setting with what the server reported.
     *
     * @param reportedValue what the server reported, or null
     * @return the copy
     */
    public EngineSetting withReported(@Nullable Object reportedValue) {
        return new EngineSetting(name, value, source, reportedValue, note);
    }

    @Override
    public String toString() {
        return name + " = " + (value == null ? "unknown" : value) + " (" + source.display()
                + (reported == null ? "" : "; server reports " + reported) + (note.isEmpty() ? "" : "; " + note) + ")";
    }
}
