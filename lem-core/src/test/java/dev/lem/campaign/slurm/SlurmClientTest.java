package dev.lem.campaign.slurm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Slurm's commands as LEM runs them: their output parsed from canned real output (Slurm 22.05, the one-node cluster
 * of .ci/slurm-up.sh), sbatch's answers and refusals through stand-in commands. The real commands are exercised by
 * lem-cli's SlurmClusterTest.
 */
class SlurmClientTest {
    @TempDir
    Path bin;

    /** {@code squeue --noheader --states=all --array --jobs 4 --format %i|%A|%T|%N|%r} after {@code scancel 4_1}. */
    static final String SQUEUE = """
            4_1|6|CANCELLED|vm|None
            4_2|4|RUNNING|vm|None
            4_0|5|RUNNING|vm|None
            8|8|PENDING||Dependency
            """;

    /** {@code sacct --noheader --parsable2 --allocations --format JobID,JobIDRaw,State,NodeList,ExitCode}. */
    static final String SACCT = """
            12_0|13|COMPLETED|gpu-a01|0:0
            12_1|14|TIMEOUT|gpu-a02|0:0
            12_2|15|CANCELLED by 1001|gpu-a03|0:15
            12_3|12|NODE_FAIL|gpu-a04|1:0
            12_[4-7]|12|PENDING|None assigned|0:0
            16|16|PENDING|None assigned|0:0
            """;

    private void command(String name, String body) throws IOException {
        Path f = bin.resolve(name);
        Files.writeString(f, "#!/bin/sh\n" + body + "\n");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    @Test
    void squeueOutputIsReadPerTaskWithItsOwnJobId() {
        List<SlurmJob> jobs = SlurmClient.parseSqueue(SQUEUE);
        assertThat(jobs).extracting(SlurmJob::id).containsExactly("4_1", "4_2", "4_0", "8");
        assertThat(jobs.get(0).jobId()).isEqualTo("6");
        assertThat(jobs.get(0).active()).isFalse();
        assertThat(jobs.get(1).active()).isTrue();
        assertThat(jobs.get(3).describe()).isEqualTo("pending (Dependency)");
    }

    @Test
    void sacctOutputIsReadWithItsStatesAndExitCodes() {
        List<SlurmJob> jobs = SlurmClient.parseSacct(SACCT);
        assertThat(jobs).extracting(SlurmJob::describe).containsExactly("completed", "timed out", "cancelled",
                "node failure", "pending", "pending");
        assertThat(jobs.get(2).state()).isEqualTo("CANCELLED");
        assertThat(jobs.get(2).exitCode()).hasValue("0:15");
        assertThat(jobs.get(4).node()).isEmpty();
        assertThat(new SlurmJob("1_0", "2", "PREEMPTED", "n1", "", java.util.Optional.empty(), "sacct").describe())
                .isEqualTo("preempted");
    }

    @Test
    void aMissingSbatchIsAnErrorNamingWhatToInstallAndTheLocalAlternative() {
        assertThatThrownBy(() -> SlurmClient.in(bin).require("sbatch", "handing a campaign to Slurm"))
                .isInstanceOf(SlurmException.class)
                .hasMessageContainingAll("sbatch not found in " + bin, "apt-get install slurm-client", "module load slurm",
                        "lem campaign run FILE");
    }

    @Test
    void sbatchGivesTheJobIdAlsoOnAFederation() throws IOException {
        command("sbatch", "echo \"$@\" >> \"$(dirname \"$0\")/args\"; echo '4711;cluster-a'");
        Path script = Files.writeString(bin.resolve("w.sbatch"), "#!/bin/bash\n");
        assertThat(SlurmClient.in(bin).submit(script, List.of("--dependency=afterany:12"))).isEqualTo("4711");
        assertThat(Files.readString(bin.resolve("args")).strip()).isEqualTo("--parsable --dependency=afterany:12 "
                + script);
    }

    @Test
    void sbatchsRefusalIsReportedWithItsOwnWords() throws IOException {
        command("sbatch", "echo 'sbatch: error: invalid partition specified: nope' >&2; "
                + "echo 'sbatch: error: Batch job submission failed: Invalid partition name specified' >&2; exit 1");
        Path script = Files.writeString(bin.resolve("w.sbatch"), "#!/bin/bash\n");
        assertThatThrownBy(() -> SlurmClient.in(bin).submit(script, List.of())).isInstanceOf(SlurmException.class)
                .hasMessageContainingAll("sbatch refused w.sbatch (exit 1)", "invalid partition specified: nope",
                        "Invalid partition name specified");
    }

    @Test
    void statesComeFromSqueueByJobIdAndAJobSlurmForgotIsAbsent() throws IOException {
        command("squeue", "cat <<'EOF'\n" + SQUEUE + "EOF");
        assertThat(SlurmClient.in(bin).states(List.of("4", "5", "6"))).hasValue(Map.of("6", "CANCELLED", "4",
                "RUNNING", "5", "RUNNING", "8", "PENDING"));
        command("squeue", "echo 'slurm_load_jobs error: Invalid job id specified' >&2; exit 1");
        assertThat(SlurmClient.in(bin).states(List.of("99999"))).hasValue(Map.of());
        command("squeue", "echo 'slurm_load_jobs error: Unable to contact slurm controller' >&2; exit 1");
        assertThat(SlurmClient.in(bin).states(List.of("4"))).isEmpty();
    }

    @Test
    void jobsComeFromSacctWhenAccountingIsOnAndFromSqueueOtherwise() throws IOException {
        command("squeue", "cat <<'EOF'\n" + SQUEUE + "EOF");
        command("sacct", "echo 'Slurm accounting storage is disabled' >&2; exit 1");
        assertThat(SlurmClient.in(bin).jobs(List.of("4", "8")).orElseThrow()).extracting(SlurmJob::source)
                .containsOnly("squeue");
        command("sacct", "cat <<'EOF'\n" + SACCT + "EOF");
        List<SlurmJob> jobs = SlurmClient.in(bin).jobs(List.of("12", "16")).orElseThrow();
        assertThat(jobs).extracting(SlurmJob::id).contains("12_0", "12_1", "12_2", "12_3", "16")
                .doesNotContain("12_[4-7]");
    }
}
