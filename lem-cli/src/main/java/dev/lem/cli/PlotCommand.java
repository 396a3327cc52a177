package dev.lem.cli;

import dev.lem.Metric;
import dev.lem.report.Figure;
import dev.lem.report.Plots;
import dev.lem.result.ExperimentResult;
import dev.lem.results.ResultsRepository;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code lem plot <id>... --metric M [--vs M2] --png|--svg}: a figure for a paper. */
@Command(name = "plot", description = {"Draw a figure for a paper: a metric across experiments with its intervals, or "
        + "(--vs) one metric against another with error bars in both directions; 3.5 in wide (one column of a "
        + "two-column paper), 8 pt text."})
final class PlotCommand implements Callable<Integer> {
    @Parameters(arity = "1..*", paramLabel = "ID", description = "Experiment ids (`lem results list`).")
    List<String> ids;

    @Option(names = "--metric", required = true, paramLabel = "METRIC", converter = MetricConverter.class,
            description = "The metric (the y axis with --vs), e.g. energy_per_output_token_j.")
    Metric metric;

    @Option(names = "--vs", paramLabel = "METRIC", converter = MetricConverter.class,
            description = "Plot --metric against this one (x axis), e.g. tpot_mean_ms.")
    Metric vs;

    @Option(names = "--pareto", description = "With --vs: join the Pareto front and grey the dominated points.")
    boolean pareto;

    static final class Format {
        @Option(names = "--png", description = "PNG (300 dpi unless --dpi).")
        boolean png;

        @Option(names = "--svg", description = "SVG (vector; the default).")
        boolean svg;
    }

    @ArgGroup(exclusive = true)
    Format format;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE",
            description = "The file to write (default: <metric>[-vs-<metric>].svg or .png).")
    Path output;

    @Option(names = "--width-in", paramLabel = "INCHES", defaultValue = "3.5",
            description = "Width in inches: 3.5 for one column, 7 for a full page (default: ${DEFAULT-VALUE}).")
    double widthInches;

    @Option(names = "--dpi", paramLabel = "DPI", defaultValue = "300", description = "PNG resolution (default: "
            + "${DEFAULT-VALUE}).")
    int dpi;

    @Option(names = "--title", paramLabel = "TEXT", description = "A title above the plot (papers put it in the "
            + "caption; none by default).")
    String title;

    @Mixin
    ResultsDirOption results;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        if (pareto && vs == null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--pareto needs --vs METRIC (the x axis)");
        }
        boolean png = format != null && format.png;
        if (output != null) {
            String name = output.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
            if (!name.endsWith(".svg") && !name.endsWith(".png")) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--output " + output
                        + ": name the file .svg or .png");
            }
            if (format != null && name.endsWith(".svg") == png) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--output " + output + " does not match "
                        + (png ? "--png" : "--svg"));
            }
            png = name.endsWith(".png");
        }
        ResultsRepository repo = results.repository();
        List<ExperimentResult> rs = new ArrayList<>();
        for (String id : new LinkedHashSet<>(ids)) {
            rs.add(ResultsCommand.load(repo, id));
        }
        Figure f = vs == null ? Plots.metric(rs, metric) : pareto ? Plots.pareto(rs, metric, vs)
                : Plots.scatter(rs, metric, vs);
        try {
            f = f.withWidthInches(widthInches);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--width-in: " + e.getMessage());
        }
        if (title != null) {
            f = f.withTitle(title);
        }
        Path file = output != null ? output : Path.of(metric.key() + (vs == null ? "" : "-vs-" + vs.key())
                + (png ? ".png" : ".svg"));
        if (png) {
            if (dpi < 30 || dpi > 2400) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--dpi (" + dpi + ") must be between 30 "
                        + "and 2400");
            }
            f.writePng(file, dpi);
        } else {
            f.writeSvg(file);
        }
        spec.commandLine().getOut().println("Figure: " + file.toAbsolutePath() + " (" + rs.size() + " experiment"
                + (rs.size() == 1 ? "" : "s") + ", " + widthInches + " in wide" + (png ? ", " + dpi + " dpi" : "")
                + ")");
        f.omitted().forEach(o -> spec.commandLine().getErr().println("lem: warning: not on the figure: " + o));
        rs.stream().filter(r -> !r.isComplete()).forEach(r -> spec.commandLine().getErr().println("lem: warning: "
                + r.id() + " is " + r.status().name().toLowerCase(java.util.Locale.ROOT) + "; the figure tags it"));
        return 0;
    }
}
