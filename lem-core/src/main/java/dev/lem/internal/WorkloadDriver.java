package dev.lem.internal;

import dev.lem.config.ExperimentConfig;
import dev.lem.spi.BackendCapabilities;
import dev.lem.spi.GenerationRequest;
import dev.lem.spi.InferenceBackend;
import dev.lem.spi.Plugins;
import dev.lem.workload.Batcher;
import dev.lem.workload.LoadGenerator;
import dev.lem.workload.LoadReport;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs requests through a backend as the configuration says: batches in order ({@code traffic.pattern}
 * batch, or auto with an in-process backend), or traffic through a {@link LoadGenerator}. One per process.
 */
final class WorkloadDriver {
    private static final Logger LOG = LoggerFactory.getLogger(WorkloadDriver.class);
    private final ExperimentConfig config;
    private final InferenceBackend backend;
    private final BackendCapabilities caps;
    private @Nullable LoadGenerator loadGenerator;

    WorkloadDriver(ExperimentConfig config, InferenceBackend backend, BackendCapabilities caps) {
        this.config = config;
        this.backend = backend;
        this.caps = caps;
    }

    /** {@return the engine's cumulative counters now (empty when it has none, or reading them failed)} */
    java.util.Map<String, Double> engineCounters() {
        try {
            return backend.engineCounters();
        } catch (RuntimeException e) {
            LOG.debug("reading the engine's counters failed", e);
            return java.util.Map.of();
        }
    }

    /** Whether requests are computed as batches. */
    boolean batches() {
        return config.traffic().pattern().batches(caps.inProcess());
    }

    /** Requests in one warm-up run: a batch, or the closed loop's concurrency. */
    int unitSize() {
        return batches() ? config.batching().batchSize() : Math.max(1, config.traffic().concurrency());
    }

    /**
     * The work of one run, prepared: batches formed (prompts tokenised to sort or fill them) or traffic requests
     * sized (synthetic prompts through the server's {@code /tokenize}) with the traffic warm-up done.
     */
    static final class Prepared {
        private final @Nullable List<List<GenerationRequest>> batches;
        private final List<GenerationRequest> requests;

        private Prepared(@Nullable List<List<GenerationRequest>> batches, List<GenerationRequest> requests) {
            this.batches = batches;
            this.requests = requests;
        }
    }

    /**
     * Does every preparation of a run (tokenisation, prompt sizing, the traffic warm-up) now, so that
     * {@link #drive(Prepared, RequestRecorder)} inside a measured window sends its first request at once.
     *
     * @param requests the requests of the run
     * @return the prepared run
     */
    Prepared prepare(List<GenerationRequest> requests) throws InterruptedException {
        if (batches()) {
            return new Prepared(Batcher.batches(requests, config.batching(),
                    r -> backend.countTokens(r.prompt()).orElse(Math.max(1, r.prompt().length() / 4))), requests);
        }
        if (loadGenerator == null) {
            loadGenerator = LoadGenerator.create(config, backend);
        }
        return new Prepared(null, loadGenerator.prepare(requests));
    }

    /**
     * Prepares and runs {@code requests} to completion, reporting to {@code recorder}.
     *
     * @return notes of the traffic run (empty for batches)
     */
    List<String> drive(List<GenerationRequest> requests, RequestRecorder recorder) throws InterruptedException {
        return drive(prepare(requests), recorder);
    }

    /**
     * Runs a prepared run to completion, reporting to {@code recorder}; nothing but the requests happens here.
     *
     * @return notes of the traffic run (empty for batches)
     */
    List<String> drive(Prepared run, RequestRecorder recorder) throws InterruptedException {
        if (run.batches != null) {
            for (List<GenerationRequest> batch : run.batches) {
                batch.forEach(r -> recorder.expect(r.id(), null));
                try {
                    backend.generate(batch, recorder);
                } catch (RuntimeException e) {
                    LOG.debug("batch failed", e);
                    recorder.failUnfinished(batch.stream().map(GenerationRequest::id).toList(),
                            "the backend failed the batch: " + Plugins.rootMessage(e));
                }
            }
            return List.of();
        }
        LoadReport report = java.util.Objects.requireNonNull(loadGenerator).run(run.requests, recorder,
                recorder::expect);
        LOG.debug("traffic: {}", report);
        return new ArrayList<>(report.notes());
    }
}
