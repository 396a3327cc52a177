package dev.lem.cli;

import dev.lem.result.Progress;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Consumer;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * How {@code lem run} and {@code lem campaign} show progress: a live bar on a terminal (units done of the total, what
 * runs now, the time left; drawn by the progressbar library), plain lines when the output is not a terminal (a log
 * file, a Slurm job), nothing with {@code --quiet}. Warnings are printed in every mode.
 */
final class ProgressDisplay implements AutoCloseable {
    /** How progress is shown. */
    enum Mode {
        BAR, LINES, QUIET
    }

    private final Mode mode;
    private final PrintWriter err;
    private final String task;
    private final PrintStream terminal;
    private ProgressBar bar;
    private volatile Optional<Duration> eta = Optional.empty();

    private ProgressDisplay(Mode mode, PrintWriter err, String task, PrintStream terminal) {
        this.mode = mode;
        this.err = err;
        this.task = task;
        this.terminal = terminal;
    }

    /**
     * The display for a command.
     *
     * @param quiet  {@code --quiet}: no progress at all
     * @param err    where lines go when there is no terminal
     * @param task   the bar's label, e.g. "campaign" or "lem run"
     */
    static ProgressDisplay open(boolean quiet, PrintWriter err, String task) {
        Mode mode = quiet ? Mode.QUIET : interactive() ? Mode.BAR : Mode.LINES;
        return new ProgressDisplay(mode, err, task, System.err);
    }

    /** The mode chosen. */
    Mode mode() {
        return mode;
    }

    /**
     * Whether this process writes to a terminal: {@code System.console()} exists and, on Java 22 and later (where it
     * exists even when the output is redirected), says it is a terminal.
     */
    static boolean interactive() {
        java.io.Console c = System.console();
        if (c == null) {
            return false;
        }
        try {
            return (Boolean) java.io.Console.class.getMethod("isTerminal").invoke(c);
        } catch (ReflectiveOperationException e) {
            return true; // Java 17-21: a console exists only on a terminal
        }
    }

    /** Receives one-line messages ("loading ...", "warming up ..."). */
    Consumer<String> messages() {
        return m -> {
            switch (mode) {
                case QUIET -> { }
                case LINES -> line("lem: " + m);
                case BAR -> {
                    synchronized (this) {
                        if (bar != null) {
                            bar.setExtraMessage(shorten(m));
                        } else {
                            line("lem: " + m);
                        }
                    }
                }
            }
        };
    }

    /** Receives units done of the total. */
    Consumer<Progress> updates() {
        return p -> {
            eta = p.eta();
            switch (mode) {
                case QUIET -> { }
                case LINES -> {
                    if (p.current().endsWith(" done") || p.current().endsWith(" failed")) {
                        line("lem: " + p.done() + "/" + p.total() + " " + p.current()
                                + p.eta().map(e -> ", about " + human(e) + " left").orElse(""));
                    }
                }
                case BAR -> {
                    synchronized (this) {
                        if (bar == null) {
                            bar = new ProgressBarBuilder().setTaskName(task).setInitialMax(p.total())
                                    .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(250).continuousUpdate()
                                    .setConsumer(new ConsoleProgressBarConsumer(terminal))
                                    .setEtaFunction(state -> eta).build();
                        }
                        bar.maxHint(p.total());
                        bar.stepTo(p.done());
                        bar.setExtraMessage(shorten(p.current()));
                    }
                }
            }
        };
    }

    /** Prints a line in every mode but quiet (a bar is redrawn below it). */
    void line(String text) {
        synchronized (this) {
            err.println(text);
            err.flush();
        }
    }

    private static String shorten(String s) {
        return s.length() > 60 ? s.substring(0, 57) + "..." : s;
    }

    static String human(Duration d) {
        long s = d.toSeconds();
        return s < 90 ? s + " s" : s < 5400 ? Math.round(s / 60.0) + " min" : String.format(java.util.Locale.ROOT,
                "%.1f h", s / 3600.0);
    }

    @Override
    public synchronized void close() {
        if (bar != null) {
            bar.close();
            bar = null;
        }
    }
}
