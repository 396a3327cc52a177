package dev.lem.campaign.slurm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lem.campaign.CampaignManifest;
import dev.lem.campaign.CampaignSettings;
import dev.lem.campaign.CampaignState;
import dev.lem.campaign.SlurmOptions;
import dev.lem.campaign.UnitOrder;
import dev.lem.config.ConfigException;
import dev.lem.config.KeyedRecords;
import dev.lem.results.ResultsJson;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The scripts a campaign is submitted with, and the options' checks. */
class SlurmScriptsTest {
    private static final String ID = "c20261205T140000Z-script";

    private static CampaignManifest manifest(String resultsDir) {
        CampaignSettings settings = KeyedRecords.read(CampaignSettings.class, Map.of("cycles", 5, "name",
                "batch sizes: 60 x 5"), "");
        return new CampaignManifest(ResultsJson.SCHEMA_VERSION, ID, settings, resultsDir, Optional.empty(),
                Instant.parse("2026-12-05T14:00:00Z"), CampaignState.PLANNED, Optional.empty(), 1, "login1", List.of(),
                List.of(), UnitOrder.units(60, settings), List.of(), List.of());
    }

    private static SlurmScripts.Submission submission(SlurmOptions o, String resultsDir) {
        return new SlurmScripts.Submission(manifest(resultsDir), o.check(), List.of("/shared/lem-0.1.0/bin/lem"), 1,
                8, 300, Path.of(resultsDir, "campaigns", ID, "slurm"), Instant.parse("2026-12-05T14:00:00Z"));
    }

    @Test
    void theWorkerScriptSaysWhatEachLineIsForAndRunsTheWorkerForEveryTask() {
        SlurmOptions o = SlurmOptions.defaults().withPartition("gpu").withAccount("proj-42").withGpusPerTask(1)
                .withTime("04:00:00").withMaxParallel(8).withSbatchArgs(List.of("--qos=high", "--mem=64G"));
        String s = SlurmScripts.worker(submission(o, "/shared/results"));
        assertThat(s).startsWith("#!/bin/bash\n# LEM campaign " + ID + " (batch sizes: 60 x 5): the worker array");
        assertThat(s).contains("#SBATCH --job-name=lem-batch-sizes-60-x-5\n", "#SBATCH --array=0-7\n",
                "#SBATCH --ntasks=1\n", "#SBATCH --gpus-per-task=1\n", "#SBATCH --partition=gpu\n",
                "#SBATCH --account=proj-42\n", "#SBATCH --time=04:00:00\n", "#SBATCH --qos=high\n",
                "#SBATCH --mem=64G\n",
                "#SBATCH --output=/shared/results/campaigns/" + ID + "/slurm/logs/worker-%A_%a.out\n",
                "LEM=(/shared/lem-0.1.0/bin/lem)\n",
                "exec \"${LEM[@]}\" campaign worker " + ID + " --results-dir /shared/results --slurm-task "
                        + "\"${SLURM_ARRAY_TASK_ID}\"\n",
                "# 8 workers for 300 units", "CUDA_VISIBLE_DEVICES", "O_EXCL", "lem campaign resume " + ID + " --slurm");
        // every #SBATCH line has a comment line above it, and all of them precede the first command
        List<String> lines = s.lines().toList();
        int firstCommand = lines.indexOf("set -euo pipefail");
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith("#SBATCH")) {
                assertThat(i).isLessThan(firstCommand);
                assertThat(lines.get(i - 1)).as("the line above " + lines.get(i)).matches("#( .*|SBATCH .*)");
            }
        }
        assertThat(lines.stream().filter(l -> l.startsWith("#SBATCH")).count()).isEqualTo(10);
    }

    @Test
    void theAggregationJobAsksForNoGpuAndRunsTheAggregation() {
        SlurmOptions o = SlurmOptions.defaults().withPartition("gpu").withGpusPerTask(4).withTime("30");
        String s = SlurmScripts.aggregate(submission(o, "/shared/results"));
        assertThat(s).contains("#SBATCH --job-name=lem-batch-sizes-60-x-5-aggregate\n", "#SBATCH --partition=gpu\n",
                "#SBATCH --time=30\n", "--dependency=afterany:", "exec \"${LEM[@]}\" campaign aggregate " + ID
                        + " --results-dir /shared/results\n");
        assertThat(s).doesNotContain("--gpus-per-task", "--array");
    }

    @Test
    void aPathWithSpacesIsQuotedForTheShell() {
        String s = SlurmScripts.worker(new SlurmScripts.Submission(manifest("/shared/my results"),
                SlurmOptions.defaults(), List.of("/usr/lib/jvm/java 17/bin/java", "-cp", "a.jar:b's.jar",
                        "dev.lem.cli.LemCommand"), 2, 1, 3, Path.of("/shared/my results/campaigns", ID, "slurm"),
                Instant.parse("2026-12-05T14:00:00Z")));
        assertThat(s).contains("LEM=('/usr/lib/jvm/java 17/bin/java' -cp 'a.jar:b'\\''s.jar' dev.lem.cli.LemCommand)",
                "--results-dir '/shared/my results'", "worker-2.sbatch", "#SBATCH --array=0-0\n",
                "#SBATCH --output=\"/shared/my results/campaigns/" + ID + "/slurm/logs/worker-%A_%a.out\"\n");
    }

    @Test
    void badOptionsAreRefusedTogetherEachNamingTheOptionAndTheFix() {
        SlurmOptions o = SlurmOptions.defaults().withPartition("gpu\n#SBATCH --x").withTime("2 hours")
                .withGpusPerTask(0).withMaxParallel(0).withSbatchArgs(List.of("--array=0-9", "qos=high",
                        "--mem=1G\n--x"));
        assertThatThrownBy(o::check).isInstanceOf(ConfigException.class).hasMessageContainingAll(
                "--partition", "is not a partition name", "--time", "\"2 hours\" is not a Slurm time limit",
                "--gpus-per-task", "0 is outside 1..1024", "--max-parallel", "--array=0-9", "LEM sets --array itself",
                "\"qos=high\" is not an sbatch option", "holds a line break");
        assertThat(((ConfigException) catchThrown(o)).problems()).hasSize(7);
    }

    private static Throwable catchThrown(SlurmOptions o) {
        try {
            o.check();
            return null;
        } catch (ConfigException e) {
            return e;
        }
    }

    @Test
    void slurmTimeFormsAreAccepted() {
        for (String t : List.of("30", "30:00", "04:00:00", "2-00", "2-12:00", "2-12:00:00", "UNLIMITED")) {
            assertThat(SlurmOptions.defaults().withTime(t).check().time()).hasValue(t);
        }
    }

    @Test
    void aResumesFlagsOverrideTheStoredOnesAndKeepTheRest() {
        SlurmOptions stored = SlurmOptions.defaults().withPartition("gpu").withTime("01:00:00").withMaxParallel(4)
                .withLemCommand(List.of("/shared/lem/bin/lem"));
        SlurmOptions resumed = stored.overriddenBy(SlurmOptions.defaults().withTime("02:00:00"));
        assertThat(resumed.partition()).hasValue("gpu");
        assertThat(resumed.time()).hasValue("02:00:00");
        assertThat(resumed.maxParallel()).hasValue(4);
        assertThat(resumed.lemCommand()).containsExactly("/shared/lem/bin/lem");
    }
}
