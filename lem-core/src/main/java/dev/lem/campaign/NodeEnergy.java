package dev.lem.campaign;

import dev.lem.energy.DomainEnergy;
import dev.lem.energy.DomainScope;
import dev.lem.energy.EnergyDomain;
import dev.lem.env.Placement;
import dev.lem.result.ProcessResult;
import dev.lem.results.CsvExport;
import dev.lem.results.ResultsRepository;
import java.nio.file.Files;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A campaign's energy per node and per device, each joule counted once: {@code nodes.csv} of a campaign handed to
 * Slurm, where two tasks may share a node.
 *
 * <p>Each unit's cycle measured its own window with the meters of the node that ran it. A device domain (a GPU) and a
 * machine domain (a CPU package, the RAM) measure the whole device or machine, so when two units' windows overlap on
 * one node — two tasks sharing it — each window includes the other's work over the overlap. Summing them would count
 * the overlap twice. Here the windows of one domain on one node (one device on one node, for device domains) are
 * taken in time order, and of each window only the part not already covered by an earlier one is counted, pro rata
 * to its duration (constant power within a window assumed: such rows say so). Process domains (a process's own
 * share) are summed. Every unit keeps its own figures in {@code units.csv}, measured as they were.
 */
public final class NodeEnergy {
    /** The columns of {@code nodes.csv}; energies in J, times in s. */
    public static final List<String> COLUMNS = List.of("campaign_id", "node", "domain", "kind", "scope", "device",
            "method", "units", "energy_j_summed", "energy_j_counted_once", "overlap_s", "note");

    private NodeEnergy() {
    }

    private record Window(Instant start, Instant end, DomainEnergy energy) {
        double seconds() {
            return java.time.Duration.between(start, end).toNanos() / 1e9;
        }
    }

    /**
     * {@code nodes.csv}: one row per node and energy domain (per device for device domains), over the campaign's
     * done units whose process results have energy.
     *
     * @param m    the campaign
     * @param repo the results folder its experiments' process results are read from
     * @return the CSV text, with a header line of {@link #COLUMNS}; energies in J, overlaps in s
     */
    public static String csv(CampaignManifest m, ResultsRepository repo) {
        Map<List<String>, List<Window>> groups = new TreeMap<>(Comparator.comparing(Object::toString));
        Map<List<String>, EnergyDomain> domains = new LinkedHashMap<>();
        for (ManifestExperiment e : m.experiments()) {
            if (!Files.isDirectory(repo.rawDirectory(e.experimentId()))) {
                continue;
            }
            Map<Integer, ProcessResult> byCycle = new TreeMap<>();
            repo.readProcessResults(e.experimentId(), new ArrayList<>()).forEach(p -> byCycle.put(p.cycle(), p));
            for (ManifestUnit u : m.units()) {
                if (u.experiment() != e.index() || u.status() != UnitStatus.DONE || !byCycle.containsKey(u.cycle())) {
                    continue;
                }
                ProcessResult p = byCycle.get(u.cycle());
                if (p.energy().isEmpty()) {
                    continue;
                }
                String node = p.placement().map(Placement::node).orElse(p.host());
                Instant start = p.startedAt();
                Instant end = start.plusNanos(p.durationNanos());
                for (DomainEnergy d : p.energy().get().domains()) {
                    EnergyDomain dom = d.domain();
                    String device = dom.scope() == DomainScope.DEVICE ? (dom.device().isEmpty() ? dom.id()
                            : dom.device()) : "";
                    List<String> key = dom.scope() == DomainScope.PROCESS
                            ? List.of(node, dom.id(), "process", "")
                            : List.of(node, dom.scope() == DomainScope.DEVICE ? "device:" + device : dom.id(),
                                    dom.scope().name(), device);
                    groups.computeIfAbsent(key, k -> new ArrayList<>()).add(new Window(start, end, d));
                    domains.putIfAbsent(key, dom);
                }
            }
        }
        StringBuilder sb = new StringBuilder(String.join(",", COLUMNS)).append('\n');
        groups.forEach((key, windows) -> {
            EnergyDomain dom = domains.get(key);
            double summed = windows.stream().mapToDouble(w -> w.energy().joules()).sum();
            double once;
            double overlap = 0;
            if (dom.scope() == DomainScope.PROCESS) {
                once = summed;
            } else {
                windows.sort(Comparator.comparing(Window::start));
                once = 0;
                Instant covered = Instant.MIN;
                for (Window w : windows) {
                    double len = w.seconds();
                    Instant from = w.start().isAfter(covered) ? w.start() : covered;
                    double fresh = from.isBefore(w.end()) ? java.time.Duration.between(from, w.end()).toNanos() / 1e9
                            : 0;
                    once += len > 0 ? w.energy().joules() * fresh / len : w.energy().joules();
                    overlap += Math.max(0, len - fresh);
                    covered = w.end().isAfter(covered) ? w.end() : covered;
                }
            }
            String note = overlap > 0 ? String.format(java.util.Locale.ROOT, "windows of units on this node overlapped "
                    + "for %.3g s; the overlap is counted once, apportioned by time (constant power within a window "
                    + "assumed)", overlap) : "";
            List<String> row = List.of(m.campaignId(), key.get(0), dom.id(), dom.kind(), dom.scope().name()
                    .toLowerCase(java.util.Locale.ROOT), dom.device(), dom.method().label() + (overlap > 0
                            ? "; overlap apportioned" : ""), Integer.toString(windows.size()), Double.toString(summed),
                    Double.toString(once), Double.toString(overlap), note);
            sb.append(String.join(",", row.stream().map(CsvExport::quote).toList())).append('\n');
        });
        return sb.toString();
    }

    /**
     * The other units whose run (start to end of their last attempt) overlapped this one's on the same node: their
     * machine-wide and shared-device figures include each other's work over the overlap.
     *
     * @param m the campaign
     * @param u the unit
     * @return the overlapping units' numbers (1-based, {@code seq + 1}) in run order; empty when {@code u} has no
     *         node, start or end recorded
     */
    public static List<Integer> sharedNodeWith(CampaignManifest m, ManifestUnit u) {
        Optional<String> node = u.placement().map(Placement::node);
        if (node.isEmpty() || u.startedAt().isEmpty() || u.endedAt().isEmpty()) {
            return List.of();
        }
        List<Integer> out = new ArrayList<>();
        for (ManifestUnit o : m.units()) {
            if (o.seq() == u.seq() || o.startedAt().isEmpty() || o.endedAt().isEmpty()
                    || !o.placement().map(Placement::node).equals(node)) {
                continue;
            }
            if (o.startedAt().get().isBefore(u.endedAt().get()) && u.startedAt().get().isBefore(o.endedAt().get())) {
                out.add(o.seq() + 1);
            }
        }
        return out;
    }
}
