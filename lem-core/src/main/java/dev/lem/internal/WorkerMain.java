package dev.lem.internal;

import dev.lem.LemException;
import dev.lem.config.ExperimentConfig;
import dev.lem.results.ResultsJson;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Entry point of a worker process started by {@link WorkerLauncher}:
 * {@code WorkerMain <config.json> <experiment-id> <rank> <world-size>}. Exit code 0 on success, 1 on
 * failure (message on stderr), 2 on bad arguments.
 */
public final class WorkerMain {
    private WorkerMain() {
    }

    public static void main(String[] args) {
        if (args.length != 4) {
            System.err.println("usage: WorkerMain <config.json> <experiment-id> <rank> <world-size>");
            System.exit(2);
        }
        try {
            ExperimentConfig config = ResultsJson.read(Files.readString(Path.of(args[0])), ExperimentConfig.class, args[0]);
            int rank = Integer.parseInt(args[2]);
            int world = Integer.parseInt(args[3]);
            new ExperimentRunner(config, new ExperimentRunner.Options(args[1], rank, world, null, List.of(),
                    System.getenv(), m -> { }, List.of())).run();
            System.exit(0);
        } catch (LemException | IOException | NumberFormatException e) {
            System.err.println("rank " + args[2] + " failed: " + e.getMessage());
            System.exit(1);
        }
    }
}
