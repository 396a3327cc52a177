package dev.lem.campaign;

import dev.lem.config.Key;
import java.util.List;

/**
 * When cycle rounds may start ({@code schedule.*}): to spread a campaign's cycles over a day, e.g. to sample
 * different hours of grid carbon intensity. Waiting is resumable: the times are absolute.
 *
 * @param startAt       earliest start of round 1, 2, ... (ISO-8601 instants such as {@code 2026-12-05T14:00:00Z}, or
 *                      local date-times taken in this machine's time zone); rounds beyond the list are not held
 * @param minIntervalS  least time between the starts of consecutive rounds
 */
public record ScheduleSettings(
        @Key(doc = "Earliest start of cycle round 1, 2, ...: ISO-8601 instants (2026-12-05T14:00:00Z) or local "
                + "date-times (2026-12-05T14:00) in this machine's time zone.", defaultValue = "[]") List<String> startAt,
        @Key(doc = "Least time between the starts of consecutive cycle rounds.", defaultValue = "0", min = 0,
                max = 31_536_000, unit = "s") double minIntervalS) {
    /**
     * Copies the start times.
     *
     * @param startAt earliest start of round 1, 2, ...; rounds beyond the list are not held
     * @param minIntervalS least time between the starts of consecutive rounds, s
     */
    public ScheduleSettings {
        startAt = List.copyOf(startAt);
    }

    /**
     * The start times as instants.
     *
     * @return the instants, in list order
     * @throws dev.lem.config.ConfigException naming each entry that is not a time, with the forms accepted
     */
    public List<java.time.Instant> instants() {
        List<java.time.Instant> out = new java.util.ArrayList<>();
        List<dev.lem.config.ConfigProblem> problems = new java.util.ArrayList<>();
        for (int i = 0; i < startAt.size(); i++) {
            String s = startAt.get(i).trim();
            try {
                out.add(java.time.Instant.parse(s));
            } catch (java.time.format.DateTimeParseException notInstant) {
                try {
                    out.add(java.time.LocalDateTime.parse(s).atZone(java.time.ZoneId.systemDefault()).toInstant());
                } catch (java.time.format.DateTimeParseException e) {
                    problems.add(new dev.lem.config.ConfigProblem("schedule.start_at[" + i + "]", "\"" + s + "\" is not "
                            + "a time: write an instant (2026-12-05T14:00:00Z) or a local date-time (2026-12-05T14:00)"));
                }
            }
        }
        for (int i = 1; i < out.size() && problems.isEmpty(); i++) {
            if (out.get(i).isBefore(out.get(i - 1))) {
                problems.add(new dev.lem.config.ConfigProblem("schedule.start_at[" + i + "]", startAt.get(i)
                        + " is before the previous start; list the rounds' start times in order"));
            }
        }
        if (!problems.isEmpty()) {
            throw new dev.lem.config.ConfigException(problems);
        }
        return out;
    }
}
