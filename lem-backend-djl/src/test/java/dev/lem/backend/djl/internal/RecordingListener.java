package dev.lem.backend.djl.internal;

import dev.lem.spi.Completion;
import dev.lem.spi.GenerationListener;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/** Records what a backend reports, for assertions. */
final class RecordingListener implements GenerationListener {
    final Map<String, List<Integer>> tokens = new LinkedHashMap<>();
    final Map<String, StringBuilder> text = new LinkedHashMap<>();
    final Map<String, Completion> completions = new LinkedHashMap<>();
    final Map<String, String> failures = new LinkedHashMap<>();
    final Map<String, Double> counters = new LinkedHashMap<>();
    final List<String> phases = new ArrayList<>();
    final List<Long> stamps = new ArrayList<>();

    @Override
    public synchronized void requestStarted(String id, long nanoTime) {
        tokens.put(id, new ArrayList<>());
        text.put(id, new StringBuilder());
        stamps.add(nanoTime);
    }

    @Override
    public synchronized void tokens(String id, long nanoTime, int count, @Nullable List<Integer> ids,
            @Nullable String piece) {
        tokens.get(id).addAll(ids);
        if (piece != null) {
            text.get(id).append(piece);
        }
        stamps.add(nanoTime);
    }

    @Override
    public synchronized void requestCompleted(String id, long nanoTime, Completion completion) {
        completions.put(id, completion);
    }

    @Override
    public synchronized void requestFailed(String id, long nanoTime, String cause) {
        failures.put(id, cause);
    }

    @Override
    public synchronized void phaseStarted(String phase, long nanoTime) {
        phases.add("+" + phase);
    }

    @Override
    public synchronized void phaseEnded(String phase, long nanoTime) {
        phases.add("-" + phase);
    }

    @Override
    public synchronized void count(String counter, double amount) {
        counters.merge(counter, amount, Double::sum);
    }

    int[] tokenArray(String id) {
        return tokens.get(id).stream().mapToInt(Integer::intValue).toArray();
    }
}
