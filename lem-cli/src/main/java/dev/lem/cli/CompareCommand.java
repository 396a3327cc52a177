package dev.lem.cli;

import dev.lem.Metric;
import dev.lem.report.ComparisonTable;
import dev.lem.result.ExperimentResult;
import dev.lem.results.ResultsRepository;
import dev.lem.stats.CiMethod;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code lem compare A B [--metric M]... [--fail-if-worse PCT]}. */
@Command(name = "compare", description = {"Compare experiment B with experiment A, metric by metric: B - A and "
        + "B / A with intervals over whole cycles, a verdict and a sentence each. Exits 0; with --fail-if-worse, 1 "
        + "when B is clearly worse than A by more than PCT percent on any metric (a CI regression gate)."})
final class CompareCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "A", description = "The baseline experiment id.")
    String a;

    @Parameters(index = "1", paramLabel = "B", description = "The experiment compared with it.")
    String b;

    @Option(names = "--metric", paramLabel = "METRIC", converter = MetricConverter.class,
            description = "A metric to compare (repeat for several; default: throughput, latency, energy and carbon "
                    + "metrics available in either).")
    List<Metric> metrics;

    @Option(names = "--fail-if-worse", paramLabel = "PCT", description = "Exit 1 when B is worse than A by more than "
            + "PCT percent on a compared metric and the interval excludes no change (latency, energy lower is better; "
            + "throughput higher).")
    Double failIfWorse;

    @Option(names = "--ci-method", paramLabel = "METHOD", description = "Interval method: auto, t, percentile or bca "
            + "(bootstrap); default: A's stats.ci_method.")
    String ciMethod;

    @Mixin
    ResultsDirOption results;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        if (failIfWorse != null && (!(failIfWorse >= 0) || failIfWorse.isInfinite())) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--fail-if-worse (" + failIfWorse
                    + ") must be a percentage >= 0, e.g. 5");
        }
        CiMethod method = null;
        if (ciMethod != null) {
            try {
                method = CiMethod.named(ciMethod);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--ci-method " + ciMethod
                        + ": expected auto, t, percentile or bca");
            }
        }
        ResultsRepository repo = results.repository();
        ExperimentResult ra = ResultsCommand.load(repo, a);
        ExperimentResult rb = ResultsCommand.load(repo, b);
        List<Metric> ms = metrics == null || metrics.isEmpty() ? ComparisonTable.DEFAULT_METRICS.stream()
                .filter(m -> ra.summary().find(m).isPresent() || rb.summary().find(m).isPresent()).toList() : metrics;
        ComparisonTable t = method == null ? ComparisonTable.of(ra, rb, ms) : ComparisonTable.of(ra, rb, ms, method);
        var out = spec.commandLine().getOut();
        var err = spec.commandLine().getErr();
        out.print(t.toText());
        for (ExperimentResult r : List.of(ra, rb)) {
            if (!r.isComplete()) {
                err.println("lem: warning: " + r.id() + " is " + r.status().name().toLowerCase(Locale.ROOT) + " ("
                        + r.statusReason() + "): its figures are over the cycles that completed");
            }
        }
        if (failIfWorse == null) {
            return 0;
        }
        List<ComparisonTable.Row> worse = t.regressions(failIfWorse);
        boolean askedButMissing = metrics != null && !metrics.isEmpty() && !t.unavailable().isEmpty();
        if (worse.isEmpty() && !askedButMissing) {
            out.println("Gate passed: B is not clearly worse than A by more than " + failIfWorse + "% on any compared "
                    + "metric.");
            return 0;
        }
        for (ComparisonTable.Row r : worse) {
            err.println(String.format(Locale.ROOT, "lem: regression: %s is %.1f%% worse (more than %s%%): %s",
                    r.metric().key(), r.percentWorse().orElse(0.0), failIfWorse, r.sentence()));
        }
        if (askedButMissing) {
            t.unavailable().forEach((m, why) -> err.println("lem: cannot gate on " + m.key() + ": " + why));
        }
        return LemCommand.EXIT_FAILED;
    }
}
