package dev.lem.metrics;

import dev.lem.stats.Percentiles;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Divides a cycle's energy among its requests by their share of in-flight token-time (docs/quality.md):
 *
 * <ol>
 *   <li>the cycle's energy E is spread evenly over the time from the first request's dispatch to the last request's
 *       end (average power E / span: the energy meters give one figure per window, not per instant);</li>
 *   <li>that span is cut at every dispatch, end and token arrival; within each piece, the requests in flight share
 *       its energy in proportion to the tokens each holds — its prompt tokens plus the output tokens it has received
 *       so far (its share of the KV cache and of attention's work);</li>
 *   <li>a piece with requests in flight that hold no token yet (a server that reported no prompt count) is shared
 *       equally; a piece with no request in flight stays unattributed.</li>
 * </ol>
 *
 * So each request's energy is Σ over the pieces it was in flight of E/span × Δt × (its tokens / tokens in flight),
 * and the attributed energies plus the unattributed remainder add up to E exactly. Failed requests are attributed
 * like the others (they held memory and compute) and reported apart.
 */
public final class EnergyAttribution {
    private EnergyAttribution() {
    }

    /**
     * One request on a timeline shared by every request of the cycle.
     *
     * @param startNanos   dispatch
     * @param endNanos     final event
     * @param promptTokens prompt tokens (0 when unknown)
     * @param chunkNanos   arrival of each token-bearing chunk, in order
     * @param chunkTokens  tokens of each chunk
     * @param ok           completed normally
     */
    public record Span(long startNanos, long endNanos, int promptTokens, long[] chunkNanos, int[] chunkTokens,
            boolean ok) {

        /**
         * The span of a request record, shifted by {@code offsetNanos} onto the shared timeline.
         *
         * @param r the request's record
         * @param offsetNanos what to add to its times
         * @return the span
         */
        public static Span of(RequestRecord r, long offsetNanos) {
            long[] at = new long[r.chunkNanos().size()];
            int[] n = new int[at.length];
            for (int i = 0; i < at.length; i++) {
                at[i] = r.chunkNanos().get(i) + offsetNanos;
                n[i] = r.chunkTokens().get(i);
            }
            return new Span(r.startNanos() + offsetNanos, Math.max(r.endNanos(), r.startNanos()) + offsetNanos,
                    r.promptTokens(), at, n, r.ok());
        }
    }

    /**
     * Each request's energy.
     *
     * @param joules           per request, in the order given, J
     * @param unattributedJoules energy of pieces with no request in flight, J
     */
    public record Shares(double[] joules, double unattributedJoules) {
    }

    /**
     * Divides {@code joules} among {@code spans}.
     *
     * @param spans  the cycle's requests on one timeline
     * @param joules the cycle's energy, J
     * @return each request's energy and the unattributed rest
     */
    public static Shares attribute(List<Span> spans, double joules) {
        int n = spans.size();
        double[] out = new double[n];
        if (n == 0) {
            return new Shares(out, joules);
        }
        long t0 = Long.MAX_VALUE;
        long t1 = Long.MIN_VALUE;
        int events = 0;
        for (Span s : spans) {
            t0 = Math.min(t0, s.startNanos());
            t1 = Math.max(t1, s.endNanos());
            events += 2 + s.chunkNanos().length;
        }
        if (t1 <= t0) {
            // every request took no time: share equally
            Arrays.fill(out, joules / n);
            return new Shares(out, 0);
        }
        long[] cuts = new long[events];
        int k = 0;
        for (Span s : spans) {
            cuts[k++] = s.startNanos();
            cuts[k++] = s.endNanos();
            for (long c : s.chunkNanos()) {
                cuts[k++] = Math.min(Math.max(c, t0), t1);
            }
        }
        Arrays.sort(cuts);
        double power = joules / (t1 - t0);
        double unattributed = 0;
        int[] next = new int[n];
        long[] held = new long[n];
        for (int i = 0; i < n; i++) {
            held[i] = Math.max(0, spans.get(i).promptTokens());
        }
        double[] weight = new double[n];
        for (int c = 0; c + 1 < cuts.length; c++) {
            long a = cuts[c];
            long b = cuts[c + 1];
            if (b == a) {
                continue;
            }
            double tokens = 0;
            int inFlight = 0;
            for (int i = 0; i < n; i++) {
                Span s = spans.get(i);
                while (next[i] < s.chunkNanos().length && s.chunkNanos()[next[i]] <= a) {
                    held[i] += s.chunkTokens()[next[i]++];
                }
                boolean flying = s.startNanos() <= a && a < s.endNanos();
                weight[i] = flying ? held[i] : -1;
                if (flying) {
                    inFlight++;
                    tokens += held[i];
                }
            }
            double e = power * (b - a);
            if (inFlight == 0) {
                unattributed += e;
                continue;
            }
            for (int i = 0; i < n; i++) {
                if (weight[i] >= 0) {
                    out[i] += tokens > 0 ? e * weight[i] / tokens : e / inFlight;
                }
            }
        }
        return new Shares(out, unattributed);
    }

    /**
     * The distribution of a cycle's per-request energy: {@link #attribute} over the requests (each shifted by its
     * offset onto one timeline), summarised over the completed ones.
     *
     * @param spans  the cycle's requests on one timeline
     * @param joules the cycle's energy, J
     * @return the summary; empty when no request completed
     */
    public static Optional<RequestEnergy> summarize(List<Span> spans, double joules) {
        Shares s = attribute(spans, joules);
        int completed = (int) spans.stream().filter(Span::ok).count();
        if (completed == 0) {
            return Optional.empty();
        }
        double[] ok = new double[completed];
        double failed = 0;
        int j = 0;
        for (int i = 0; i < spans.size(); i++) {
            if (spans.get(i).ok()) {
                ok[j++] = s.joules()[i];
            } else {
                failed += s.joules()[i];
            }
        }
        Arrays.sort(ok);
        double sum = Arrays.stream(ok).sum();
        return Optional.of(new RequestEnergy(completed, sum / completed, Percentiles.linear(ok, 0.5),
                Percentiles.linear(ok, 0.9), Percentiles.linear(ok, 0.99), ok[completed - 1], sum, failed,
                s.unattributedJoules()));
    }
}
