package dev.lem.report.internal;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Pareto fronts and SLO picks over configurations, both coordinates to be minimised (negate a figure to be
 * maximised, such as throughput, before calling).
 */
public final class Pareto {
    private Pareto() {
    }

    /**
     * Which points are on the front: no other point is at least as good in both coordinates and better in one.
     * Points with a NaN coordinate are never on it.
     */
    public static boolean[] front(double[] x, double[] y) {
        int n = x.length;
        boolean[] on = new boolean[n];
        for (int i = 0; i < n; i++) {
            if (Double.isNaN(x[i]) || Double.isNaN(y[i])) {
                continue;
            }
            boolean dominated = false;
            for (int j = 0; j < n && !dominated; j++) {
                if (j == i || Double.isNaN(x[j]) || Double.isNaN(y[j])) {
                    continue;
                }
                dominated = x[j] <= x[i] && y[j] <= y[i] && (x[j] < x[i] || y[j] < y[i]);
            }
            on[i] = !dominated;
        }
        return on;
    }

    /**
     * The configuration with the lowest {@code cost} among those whose {@code latency} is at most {@code deadline};
     * -1 when none meets it. Ties go to the lower latency, then the lower index.
     */
    public static int cheapestMeeting(double[] latency, double[] cost, double deadline) {
        int best = -1;
        for (int i = 0; i < latency.length; i++) {
            if (Double.isNaN(latency[i]) || Double.isNaN(cost[i]) || latency[i] > deadline) {
                continue;
            }
            if (best < 0 || cost[i] < cost[best] || (cost[i] == cost[best] && latency[i] < latency[best])) {
                best = i;
            }
        }
        return best;
    }

    /**
     * A deadline from which on the cheapest configuration meeting it is {@code index}.
     *
     * @param deadline the smallest deadline with this pick
     * @param index    the configuration picked
     */
    public record Step(double deadline, int index) {
    }

    /**
     * Every deadline at which the cheapest configuration meeting it changes, in increasing order: below the first
     * deadline nothing meets it; from each step's deadline to the next, its configuration is the pick.
     */
    public static List<Step> sloSteps(double[] latency, double[] cost) {
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < latency.length; i++) {
            if (!Double.isNaN(latency[i]) && !Double.isNaN(cost[i])) {
                order.add(i);
            }
        }
        order.sort(Comparator.comparingDouble((Integer i) -> latency[i]).thenComparingInt(i -> i));
        List<Step> steps = new ArrayList<>();
        int current = -1;
        for (int i : order) {
            int pick = cheapestMeeting(latency, cost, latency[i]);
            if (pick != current) {
                steps.add(new Step(latency[i], pick));
                current = pick;
            }
        }
        return steps;
    }
}
