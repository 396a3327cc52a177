package dev.lem.cli;

import dev.lem.Lem;
import dev.lem.LemException;
import dev.lem.config.ConfigException;
import dev.lem.result.RunStatus;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The {@code lem} command. Exit codes: 0 success, 1 the experiment or command failed, 2 bad input
 * (configuration, arguments), 3 an internal error. Errors print a short message; {@code --verbose}
 * adds the stack trace.
 */
@Command(name = "lem", mixinStandardHelpOptions = true, versionProvider = LemCommand.Version.class,
        description = "Measures what LLM inference really costs: energy, carbon, latency, throughput, FLOPs.",
        subcommands = {RunCommand.class, CampaignCommand.class, ResumeCommand.class, ConfigCommand.class,
                ResultsCommand.class, AggregateCommand.class, ReportCommand.class, PlotCommand.class,
                CompareCommand.class, EffectsCommand.class, PluginsCommand.class, ModelCommand.class,
                GenerateCommand.class,
                CommandLine.HelpCommand.class})
public final class LemCommand extends ParentCommand {
    /** Exit code for bad input. */
    public static final int EXIT_BAD_INPUT = 2;
    /** Exit code for a failed experiment or command. */
    public static final int EXIT_FAILED = 1;
    /** Exit code for an unexpected internal error. */
    public static final int EXIT_INTERNAL = 3;

    @Option(names = "--verbose", scope = CommandLine.ScopeType.INHERIT,
            description = "Print stack traces of errors.")
    boolean verbose;

    /** The top-level command; {@link #execute} builds its command line. */
    public LemCommand() {
        // the same as the implicit constructor; declared so that it can carry this comment
    }


    /**
     * The {@code lem} command: runs the command line and exits the JVM with its exit code
     * ({@code 0} success, {@link #EXIT_FAILED}, {@link #EXIT_BAD_INPUT}, {@link #EXIT_INTERNAL}).
     * Sets {@code ai.djl.offline=true} unless the system property is already set, so nothing is
     * downloaded unless asked for, and {@code java.awt.headless=true} likewise (figures are drawn off screen).
     *
     * @param args the command line, e.g. {@code run configs/quickstart.yaml}
     */
    public static void main(String[] args) {
        System.setProperty("ai.djl.offline", System.getProperty("ai.djl.offline", "true"));
        // figures are drawn off screen (lem plot): never reach for a display, even where DISPLAY is set
        System.setProperty("java.awt.headless", System.getProperty("java.awt.headless", "true"));
        quietLogging();
        exitOnSignals();
        System.exit(execute(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /**
     * SIGINT (Ctrl-C) and SIGTERM end the command with the usual exit code (130, 143) after naming the signal
     * for the running experiment, whose shutdown hook records "interrupted by SIGINT after cycle k of n" and
     * aggregates the cycles that completed. Done here, in the command, never in the library (a library must not
     * take over an application's signals).
     */
    static void exitOnSignals() {
        for (String name : new String[] {"INT", "TERM"}) {
            try {
                sun.misc.Signal.handle(new sun.misc.Signal(name), sig -> {
                    System.setProperty(RunStatus.SIGNAL_PROPERTY, "SIG" + sig.getName());
                    System.exit(128 + sig.getNumber());
                });
            } catch (IllegalArgumentException | UnsupportedOperationException e) {
                // the JVM reserves this signal (or the platform lacks it): the default handling stays
            }
        }
    }

    /**
     * The command prints its own progress and warnings, so libraries log warnings and errors only (set here,
     * not in a simplelogger.properties on the classpath, so a library user who puts the lem jar on a jshell or
     * application classpath keeps slf4j-simple's INFO default and sees LEM's progress). Each setting can be
     * overridden with {@code -D} in JAVA_OPTS.
     */
    static void quietLogging() {
        java.util.Map<String, String> defaults = new java.util.LinkedHashMap<>();
        defaults.put("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        defaults.put("org.slf4j.simpleLogger.logFile", "System.err");
        defaults.put("org.slf4j.simpleLogger.showDateTime", "false");
        defaults.put("org.slf4j.simpleLogger.showThreadName", "false");
        defaults.put("org.slf4j.simpleLogger.levelInBrackets", "true");
        // the command prints configuration warnings itself ("lem: warning: ...")
        defaults.put("org.slf4j.simpleLogger.log.dev.lem.Experiment", "error");
        // DJL probes for CUDA on every start and warns when the CPU natives find no GPU driver; not a problem
        defaults.put("org.slf4j.simpleLogger.log.ai.djl.util.cuda.CudaUtils", "error");
        defaults.forEach((k, v) -> {
            if (System.getProperty(k) == null) {
                System.setProperty(k, v);
            }
        });
    }

    /**
     * Runs the command line with the given streams, without exiting the JVM (used by tests and by
     * code that embeds the command).
     *
     * @param args the command line, e.g. {@code results list}
     * @param out  where normal output goes; flushed before returning
     * @param err  where errors and warnings go; flushed before returning
     * @return the exit code: {@code 0} on success, else {@link #EXIT_FAILED}, {@link #EXIT_BAD_INPUT} or
     *         {@link #EXIT_INTERNAL}
     */
    public static int execute(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cl = new CommandLine(new LemCommand());
        addHelpOptions(cl);
        cl.setOut(out);
        cl.setErr(err);
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setExecutionExceptionHandler((ex, line, parsed) -> handle(ex, line, err));
        cl.setParameterExceptionHandler((ex, a) -> {
            err.println("lem: " + ex.getMessage());
            CommandLine.UnmatchedArgumentException.printSuggestions(ex, err);
            err.println("Try `" + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help`.");
            return EXIT_BAD_INPUT;
        });
        try {
            return cl.execute(args);
        } finally {
            out.flush();
            err.flush();
        }
    }

    /** Gives every subcommand {@code -h/--help}, so {@code lem run --help} works like {@code lem help run}. */
    private static void addHelpOptions(CommandLine cl) {
        for (CommandLine sub : cl.getSubcommands().values()) {
            CommandLine.Model.CommandSpec spec = sub.getCommandSpec();
            if (spec.findOption("--help") == null && !(sub.getCommand() instanceof CommandLine.HelpCommand)) {
                spec.addOption(CommandLine.Model.OptionSpec.builder("-h", "--help").usageHelp(true)
                        .description("Show this help message and exit.").build());
            }
            addHelpOptions(sub);
        }
    }

    private static int handle(Exception ex, CommandLine line, PrintWriter err) {
        boolean verbose = isVerbose(line);
        int code;
        if (ex instanceof ConfigException) {
            err.println("lem: " + ex.getMessage());
            code = EXIT_BAD_INPUT;
        } else if (ex instanceof LemException) {
            err.println("lem: " + ex.getMessage());
            code = EXIT_FAILED;
        } else {
            err.println("lem: internal error: " + ex + (verbose ? "" : " (run with --verbose for details)"));
            code = EXIT_INTERNAL;
        }
        if (verbose) {
            ex.printStackTrace(err);
        }
        err.flush();
        return code;
    }

    private static boolean isVerbose(CommandLine line) {
        CommandLine root = line;
        while (root.getParent() != null) {
            root = root.getParent();
        }
        return ((LemCommand) root.getCommand()).verbose;
    }

    /** {@code lem --version}. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"lem " + Lem.version() + " (Java " + System.getProperty("java.version") + ")"};
        }
    }
}
