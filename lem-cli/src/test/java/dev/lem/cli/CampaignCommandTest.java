package dev.lem.cli;

import static dev.lem.cli.CliTestSupport.lem;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lem.campaign.CampaignManifest;
import dev.lem.campaign.CampaignState;
import dev.lem.campaign.ManifestStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The campaign commands as a newcomer uses them, mistakes included. */
class CampaignCommandTest {
    @TempDir
    Path dir;

    private Path campaign(String text) throws IOException {
        return Files.writeString(dir.resolve("campaign.yaml"), text.formatted(dir.resolve("results")));
    }

    private static final String GRID = """
            name: newcomer
            base:
              backend: simulated
              max_output_tokens: 2
              prompts: {limit: 2}
              warmup: {mode: fixed, runs: 0}
              energy: {idle_baseline_s: 0}
              server: {url: "http://127.0.0.1:9"}
            vary:
              backend: [simulated, openai]
              batching.batch_size: [1, 2, 4]
            cycles: 2
            results_dir: %s
            """;

    @Test
    void gridPreviewsTheExpansionAndRunsNothing() throws IOException {
        Path f = campaign(GRID);
        CliTestSupport.Run r = lem("campaign", "grid", f.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("Campaign newcomer: 4 experiment(s) x 2 cycle(s) = 8 units, shuffled order (seed 42)",
                "backend=simulated batching.batch_size=4", "backend=openai",
                "duplicate: backend=openai batching.batch_size=2: the same experiment as backend=openai");
        assertThat(r.out()).as("a base key for the other backend is not a warning in a grid").doesNotContain("Warnings:");
        assertThat(Files.exists(dir.resolve("results"))).isFalse();
        CliTestSupport.Run json = lem("campaign", "grid", f.toString(), "--json");
        assertThat(json.exitCode()).isZero();
        assertThat(json.out()).contains("\"units\" : 8", "\"label\" : \"backend=openai\"", "\"skipped\"");
        CliTestSupport.Run set = lem("campaign", "grid", f.toString(), "--set", "cycles=5");
        assertThat(set.out()).contains("x 5 cycle(s) = 20 units");
    }

    @Test
    void mistakesInACampaignFileAreNamedWithExitCode2() throws IOException {
        Path f = campaign("""
                base: {backend: simulated}
                vary: {batch_size: [1, 2]}
                structure: random
                results_dir: %s
                """);
        CliTestSupport.Run r = lem("campaign", "run", f.toString());
        assertThat(r.exitCode()).isEqualTo(LemCommand.EXIT_BAD_INPUT);
        assertThat(r.err()).contains("vary.batch_size: unknown key; did you mean \"batching.batch_size\"?",
                "structure: ").contains("interleaved").doesNotContain("\tat ");
        CliTestSupport.Run missing = lem("campaign", "run", dir.resolve("nope.yaml").toString());
        assertThat(missing.exitCode()).isEqualTo(LemCommand.EXIT_BAD_INPUT);
        assertThat(missing.err()).contains("nope.yaml", "file not found");
    }

    @Test
    void runThenStatusListAndAResumeOfACompleteCampaign() throws Exception {
        Path f = campaign(GRID.replace("backend: [simulated, openai]", "backend: [simulated]"));
        CliTestSupport.Run run = lem("campaign", "run", f.toString(), "--quiet");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("Campaign newcomer (c", "): complete", "6 of 6 units done",
                "backend=simulated batching.batch_size=2  complete  2", "experiments.csv");
        String id = run.out().substring(run.out().indexOf("(c") + 1, run.out().indexOf("(c") + 25);
        CliTestSupport.Run status = lem("campaign", "status", id, "--results-dir", dir.resolve("results").toString());
        assertThat(status.out()).contains("state: complete", "units: 6 of 6 done (100%), 0 failed, 0 to run")
                .doesNotContain("Resume:");
        CliTestSupport.Run list = lem("campaign", "list", "--results-dir", dir.resolve("results").toString());
        assertThat(list.out()).contains(id, "newcomer", "complete", "6 of 6 done");
        CliTestSupport.Run resume = lem("campaign", "resume", id, "--results-dir", dir.resolve("results").toString());
        assertThat(resume.exitCode()).isZero();
        assertThat(resume.err()).contains("is complete: nothing to run");
        // killed after its last unit but before it recorded the end: status says to resume, and resuming finishes it
        ManifestStore store = new ManifestStore(dir.resolve("results"));
        CampaignManifest m = store.read(id);
        Process gone = new ProcessBuilder("true").start();
        assertThat(gone.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        store.write(new CampaignManifest(m.schemaVersion(), m.campaignId(), m.settings(), m.resultsDir(), m.source(),
                m.createdAt(), CampaignState.RUNNING, Optional.empty(), gone.pid(), m.host(), m.experiments(),
                m.skipped(), m.units(), m.notes(), m.slurm()));
        CliTestSupport.Run stopped = lem("campaign", "status", id, "--results-dir", dir.resolve("results").toString());
        assertThat(stopped.out()).contains("stopped without recording it", "6 of 6 done", "Resume: lem campaign resume "
                + id, "every unit is done");
        CliTestSupport.Run finish = lem("campaign", "resume", id, "--results-dir", dir.resolve("results").toString(),
                "--quiet");
        assertThat(finish.exitCode()).as(finish.err()).isZero();
        assertThat(store.read(id).state()).isEqualTo(CampaignState.COMPLETE);
        // a campaign id stands for its experiments in a report
        CliTestSupport.Run report = lem("report", id, "-o", dir.resolve("campaign.html").toString(), "--results-dir",
                dir.resolve("results").toString());
        assertThat(report.exitCode()).as(report.err()).isZero();
        assertThat(report.out()).contains("Report of 3 experiments");
        assertThat(Files.readString(dir.resolve("campaign.html"))).contains("Campaign newcomer");
        // the experiments are ordinary results too
        CliTestSupport.Run results = lem("results", "list", "--results-dir", dir.resolve("results").toString());
        assertThat(results.out().lines().filter(l -> l.contains("2 of 2") && l.contains("complete"))).hasSize(3);
    }

    @Test
    void anUnknownCampaignSaysWhereItLookedAndHowToList() {
        CliTestSupport.Run r = lem("campaign", "status", "c20260101T000000Z-abcdef", "--results-dir",
                dir.toString());
        assertThat(r.exitCode()).isEqualTo(LemCommand.EXIT_FAILED);
        assertThat(r.err()).contains("No campaign c20260101T000000Z-abcdef in " + dir, "lem campaign list");
        CliTestSupport.Run bad = lem("campaign", "status", "../etc", "--results-dir", dir.toString());
        assertThat(bad.err()).contains("is not a campaign id");
    }

    @Test
    void keysListEverySetting() {
        CliTestSupport.Run r = lem("campaign", "keys");
        assertThat(r.out()).contains("structure  (one of: interleaved, shuffled, grouped; default shuffled)",
                "gaps.adaptive.max_wait_s", "residency.force_cold_start", "schedule.start_at", "vary ");
    }

    @Test
    void modelsOverTheResidencyBudgetAreUnloadedLeastRecentlyUsedFirst() throws IOException {
        // two DJL backends (different thread counts: different backend settings), a budget smaller than one model
        Path f = campaign("""
                base:
                  backend: djl
                  model: synthetic:tiny-llama
                  max_output_tokens: 2
                  prompts: {limit: 2}
                  warmup: {mode: fixed, runs: 0}
                  energy: {idle_baseline_s: 0}
                vary:
                  options.threads: [1, 2]
                cycles: 2
                structure: interleaved
                residency: {memory_budget_gb: 0.000001}
                results_dir: %s
                """);
        CliTestSupport.Run r = lem("campaign", "run", f.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.err()).contains("unloading djl (", "the resident models would exceed the residency budget");
        var store = new dev.lem.campaign.ManifestStore(dir.resolve("results"));
        var m = store.read(store.ids().get(0));
        assertThat(m.units()).as("every unit reloads: the other model was unloaded to fit the budget")
                .allSatisfy(u -> assertThat(u.loadedModel()).isTrue());
        var repo = new dev.lem.results.ResultsRepository(dir.resolve("results"));
        assertThat(m.experiments()).allSatisfy(e -> assertThat(repo.readAggregated(e.experimentId()).orElseThrow()
                .processes().get(0).unload()).as("the unload is measured and recorded").isPresent());

        // with room for both, each loads once
        Path roomy = campaign(Files.readString(f).replace("memory_budget_gb: 0.000001", "memory_budget_gb: 64")
                .replace("%", "%%"));
        CliTestSupport.Run r2 = lem("campaign", "run", roomy.toString(), "--quiet");
        assertThat(r2.exitCode()).as(r2.err()).isZero();
        String first = m.campaignId();
        var m2 = store.read(store.ids().stream().filter(id -> !id.equals(first)).findFirst().orElseThrow());
        assertThat(m2.units().stream().filter(u -> u.loadedModel()).count()).isEqualTo(2);
    }
}
