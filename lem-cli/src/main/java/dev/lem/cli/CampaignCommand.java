package dev.lem.cli;

import dev.lem.Campaign;
import dev.lem.campaign.CampaignDefinition;
import dev.lem.campaign.CampaignManifest;
import dev.lem.campaign.CampaignResult;
import dev.lem.campaign.CampaignSettings;
import dev.lem.campaign.CampaignState;
import dev.lem.campaign.ManifestStore;
import dev.lem.campaign.SlurmOptions;
import dev.lem.campaign.SlurmSubmission;
import dev.lem.campaign.slurm.SlurmClient;
import dev.lem.campaign.slurm.SlurmJob;
import dev.lem.config.KeyedRecords;
import dev.lem.config.Parameter;
import dev.lem.results.ResultsException;
import dev.lem.results.ResultsJson;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code lem campaign run|grid|submit|status|list|resume|worker|aggregate|keys}. */
@Command(name = "campaign", description = "Many experiments (a grid or a list of configs) run cycle by cycle, "
        + "with gaps, a manifest and resume; here or on a Slurm cluster.",
        subcommands = {CampaignCommand.Run.class, CampaignCommand.Grid.class, CampaignCommand.Submit.class,
                CampaignCommand.Status.class, CampaignCommand.ListCmd.class, CampaignCommand.Resume.class,
                CampaignCommand.Worker.class, CampaignCommand.Aggregate.class, CampaignCommand.Keys.class},
        footer = {"", "Campaign files and their keys: docs/campaigns.md and `lem campaign keys`; on a cluster: "
                + "docs/scale-out.md."})
final class CampaignCommand extends ParentCommand {

    /** Applies {@code --set key=value} (campaign settings) and {@code --results-dir} to a campaign file. */
    static Campaign.Builder builder(Path file, List<String> overrides, Path resultsDir) {
        Campaign.Builder b = Campaign.builder(CampaignDefinition.read(file));
        for (String o : overrides) {
            int eq = o.indexOf('=');
            if (eq <= 0) {
                throw new dev.lem.config.ConfigException("--set", "\"" + o + "\" is not key=value, e.g. --set "
                        + "cycles=5 (campaign keys: lem campaign keys)");
            }
            b.set(o.substring(0, eq).trim(), scalar(o.substring(eq + 1).trim()));
        }
        if (resultsDir != null) {
            b.resultsDir(resultsDir);
        }
        return b;
    }

    /**
     * Ids as given, with each campaign id replaced by its experiments' ids (those that recorded results), in
     * manifest order: a campaign's report or effects are those of its experiments.
     */
    static List<String> expandCampaigns(List<String> ids, Path resultsDir) {
        List<String> out = new ArrayList<>();
        for (String id : ids) {
            if (!dev.lem.campaign.CampaignIds.valid(id)) {
                out.add(id);
                continue;
            }
            CampaignManifest m = new ManifestStore(resultsDir).read(id);
            m.experiments().stream().map(dev.lem.campaign.ManifestExperiment::experimentId)
                    .filter(x -> java.nio.file.Files.isDirectory(resultsDir.resolve("raw").resolve(x)))
                    .forEach(out::add);
        }
        return out;
    }

    private static Object scalar(String text) {
        if (text.matches("-?\\d+")) {
            return Long.parseLong(text);
        }
        if (text.matches("-?\\d*\\.\\d+([eE]-?\\d+)?")) {
            return Double.parseDouble(text);
        }
        if (text.equals("true") || text.equals("false")) {
            return Boolean.parseBoolean(text);
        }
        return text;
    }

    /** {@code lem campaign run FILE}. */
    @Command(name = "run", description = "Run a campaign file: every experiment, cycle by cycle, then a summary.")
    static final class Run implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "FILE", description = "Campaign file (YAML or JSON).")
        Path file;

        @Option(names = {"-s", "--set"}, paramLabel = "KEY=VALUE", description = "Override a campaign setting, e.g. "
                + "--set cycles=5 --set structure=grouped.")
        List<String> overrides = new ArrayList<>();

        @Option(names = "--results-dir", paramLabel = "DIR", description = "Results folder (default: the base "
                + "config's results_dir).")
        Path resultsDir;

        @Option(names = {"-q", "--quiet"}, description = "No progress (warnings and the summary still print).")
        boolean quiet;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter err = spec.commandLine().getErr();
            ProgressDisplay display = ProgressDisplay.open(quiet, err, "campaign");
            Campaign c = builder(file, overrides, resultsDir).onProgress(display.messages())
                    .onProgressUpdate(display.updates()).build();
            c.plan().skipped().forEach(s -> err.println("lem: skipped " + s));
            err.flush();
            CampaignResult r;
            try (display) {
                r = c.run();
            }
            return CampaignView.finish(r, spec.commandLine().getOut(), err);
        }
    }

    /** {@code lem campaign grid FILE}. */
    @Command(name = "grid", description = "Preview the experiments a campaign file expands to, and the combinations "
            + "skipped with why; runs nothing.")
    static final class Grid implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "FILE", description = "Campaign file (YAML or JSON).")
        Path file;

        @Option(names = {"-s", "--set"}, paramLabel = "KEY=VALUE", description = "Override a campaign setting.")
        List<String> overrides = new ArrayList<>();

        @Option(names = "--json", description = "Print JSON.")
        boolean json;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            Campaign c = builder(file, overrides, null).build();
            PrintWriter out = spec.commandLine().getOut();
            if (json) {
                Map<String, Object> doc = new LinkedHashMap<>();
                doc.put("settings", KeyedRecords.tree(c.plan().settings()));
                doc.put("results_dir", c.plan().resultsDir().toString());
                doc.put("units", c.plan().units());
                List<Map<String, Object>> experiments = new ArrayList<>();
                c.plan().experiments().forEach(p -> {
                    Map<String, Object> e = new LinkedHashMap<>();
                    e.put("label", p.label());
                    e.put("varied", p.varied());
                    e.put("source", p.source());
                    e.put("config", p.config().toTree());
                    e.put("warnings", p.warnings());
                    experiments.add(e);
                });
                doc.put("experiments", experiments);
                doc.put("skipped", c.plan().skipped());
                doc.put("notes", c.plan().notes());
                out.println(ResultsJson.write(doc));
            } else {
                out.print(CampaignView.plan(c));
            }
            return 0;
        }
    }

    /** {@code lem campaign submit FILE --slurm}. */
    @Command(name = "submit", description = "Hand a campaign file to Slurm: one job array whose tasks each run units "
            + "of the campaign (lem campaign worker), and an aggregation job after it. The results folder must be on "
            + "a filesystem every node shares.")
    static final class Submit implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "FILE", description = "Campaign file (YAML or JSON).")
        Path file;

        @Option(names = {"-s", "--set"}, paramLabel = "KEY=VALUE", description = "Override a campaign setting.")
        List<String> overrides = new ArrayList<>();

        @Option(names = "--results-dir", paramLabel = "DIR", description = "Results folder, on a shared filesystem "
                + "(default: the campaign file's results_dir).")
        Path resultsDir;

        @Mixin
        SlurmFlags slurm;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            if (!slurm.slurm) {
                throw new dev.lem.config.ConfigException("--slurm", "name the scheduler: `lem campaign submit "
                        + file + " --slurm` (Slurm is the one LEM hands campaigns to); to run it on this machine, "
                        + "`lem campaign run " + file + "`");
            }
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            Campaign c = builder(file, overrides, resultsDir).onProgress(m -> err.println("lem: " + m)).build();
            c.plan().skipped().forEach(s -> err.println("lem: skipped " + s));
            err.flush();
            SlurmOptions o = slurm.options(true);
            if (slurm.dryRun) {
                out.print(CampaignView.dryRun(c.slurmPlan(o)));
                return 0;
            }
            SlurmSubmission s = c.submit(o);
            out.print(CampaignView.submitted(new ManifestStore(c.plan().resultsDir()), s));
            return 0;
        }
    }

    /** {@code lem campaign worker ID}. */
    @Command(name = "worker", description = "Run units of a campaign handed to Slurm until none is left to claim: "
            + "what each array task runs. Several workers may run at once, on one node or many.")
    static final class Worker implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "ID")
        String id;

        @Mixin
        ResultsDirOption results;

        @Option(names = "--slurm-task", paramLabel = "N", description = "The array task this worker is "
                + "($SLURM_ARRAY_TASK_ID); recorded with every unit it runs, as Slurm's variables are.")
        Integer slurmTask;

        @Option(names = {"-q", "--quiet"}, description = "No progress.")
        boolean quiet;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter err = spec.commandLine().getErr();
            String env = System.getenv("SLURM_ARRAY_TASK_ID");
            if (slurmTask != null && env != null && !env.equals(String.valueOf(slurmTask))) {
                err.println("lem: warning: --slurm-task " + slurmTask + " differs from SLURM_ARRAY_TASK_ID=" + env
                        + "; Slurm's value is recorded");
            }
            CampaignManifest m;
            try (ProgressDisplay display = ProgressDisplay.open(quiet, err, "worker")) {
                m = Campaign.work(results.dir, id, display.messages(), display.updates());
            }
            spec.commandLine().getOut().println("campaign " + id + ": " + m.count(dev.lem.campaign.UnitStatus.DONE)
                    + " of " + m.units().size() + " units done, " + m.count(dev.lem.campaign.UnitStatus.FAILED)
                    + " failed; no unit left for this worker");
            return 0;
        }
    }

    /** {@code lem campaign aggregate ID}. */
    @Command(name = "aggregate", description = "Merge what a campaign's workers wrote, once they have stopped (the "
            + "job that follows a Slurm worker array): end markers, each experiment's aggregate, the tables.")
    static final class Aggregate implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "ID")
        String id;

        @Mixin
        ResultsDirOption results;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            CampaignResult r = Campaign.aggregate(results.dir, id);
            return CampaignView.finish(r, spec.commandLine().getOut(), spec.commandLine().getErr());
        }
    }

    /** {@code lem campaign status ID}. */
    @Command(name = "status", description = "Where a campaign stands: units done, failed and left, the time left.")
    static final class Status implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "ID")
        String id;

        @Mixin
        ResultsDirOption results;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            CampaignManifest m = new ManifestStore(results.dir).read(id);
            PrintWriter out = spec.commandLine().getOut();
            if (m.clustered()) {
                java.util.Optional<List<SlurmJob>> jobs = SlurmClient.fromEnvironment().jobs(
                        m.slurmJobIds());
                out.print(CampaignView.status(m, jobs));
            } else {
                out.print(CampaignView.status(m));
            }
            return 0;
        }
    }

    /** {@code lem campaign list}. */
    @Command(name = "list", description = "One line per campaign.")
    static final class ListCmd implements Callable<Integer> {
        @Mixin
        ResultsDirOption results;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            ManifestStore store = new ManifestStore(results.dir);
            Table t = new Table("id", "name", "state", "units", "experiments", "created");
            for (String id : store.ids()) {
                try {
                    CampaignManifest m = store.read(id);
                    t.row(id, m.settings().name().orElse(""), CampaignView.state(m), m.count(
                            dev.lem.campaign.UnitStatus.DONE) + " of " + m.units().size() + " done",
                            m.experiments().size(), m.createdAt());
                } catch (ResultsException e) {
                    t.row(id, "", "unreadable", "", "", "");
                    spec.commandLine().getErr().println("lem: warning: " + e.getMessage());
                }
            }
            PrintWriter out = spec.commandLine().getOut();
            out.print(t.isEmpty() ? "No campaigns under " + store.resultsDir() + ".\n" : t.toString());
            return 0;
        }
    }

    /** {@code lem campaign resume ID}. */
    @Command(name = "resume", description = "Run the units of a campaign that are not done (after kill -9, Ctrl-C, a "
            + "power loss or failed units); none twice, none lost.")
    static final class Resume implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "ID")
        String id;

        @Mixin
        ResultsDirOption results;

        @Option(names = {"-q", "--quiet"}, description = "No progress.")
        boolean quiet;

        @Mixin
        SlurmFlags slurm;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter err = spec.commandLine().getErr();
            if (!slurm.slurm && slurm.anyGiven()) {
                throw new dev.lem.config.ConfigException("--slurm", "Slurm options were given without --slurm: "
                        + "`lem campaign resume " + id + " --slurm ...` hands the units not done to Slurm again");
            }
            if (slurm.slurm) {
                if (slurm.dryRun) {
                    throw new dev.lem.config.ConfigException("--dry-run", "is for `lem campaign submit`; `lem "
                            + "campaign status " + id + "` shows what a resume would run");
                }
                CampaignManifest m = new ManifestStore(results.dir).read(id);
                boolean needCommand = m.slurm().isEmpty() || m.slurm().get(m.slurm().size() - 1).options()
                        .lemCommand().isEmpty();
                java.util.Optional<SlurmSubmission> s = Campaign.resumeOnSlurm(results.dir, id,
                        slurm.options(needCommand), msg -> err.println("lem: " + msg));
                if (s.isEmpty()) {
                    spec.commandLine().getOut().println("Campaign " + id + ": every unit is done; aggregated.");
                    return 0;
                }
                spec.commandLine().getOut().print(CampaignView.submitted(new ManifestStore(results.dir), s.get()));
                return 0;
            }
            CampaignResult r;
            try (ProgressDisplay display = ProgressDisplay.open(quiet, err, "campaign")) {
                r = Campaign.resume(results.dir, id, display.messages(), display.updates());
            }
            return CampaignView.finish(r, spec.commandLine().getOut(), err);
        }
    }

    /** {@code lem campaign keys}. */
    @Command(name = "keys", description = "List the campaign settings (the keys of a campaign file besides base, "
            + "configs, vary and results_dir).")
    static final class Keys implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            out.println("base         a config file (base: base.yaml) or inline settings: what the grid varies");
            out.println("vary         experiment keys and the values to try, e.g. batching.batch_size: [1, 4, 8]");
            out.println("configs      config files run as they are, next to the grid");
            out.println("results_dir  the results folder of every experiment and of the campaign");
            out.println();
            for (Parameter p : KeyedRecords.keys(CampaignSettings.class)) {
                out.println(p.path() + "  (" + p.rule() + (p.unit().isEmpty() ? "" : ", " + p.unit()) + "; default "
                        + p.defaultText() + ")");
                out.println("    " + p.description());
            }
            return 0;
        }
    }

    /** Exit code of a finished campaign run: 0 when complete. */
    static int exitCode(CampaignResult r) {
        return r.state() == CampaignState.COMPLETE ? 0 : LemCommand.EXIT_FAILED;
    }
}
