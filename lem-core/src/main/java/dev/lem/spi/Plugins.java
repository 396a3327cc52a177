package dev.lem.spi;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Discovery of plug-ins through {@link ServiceLoader}. A provider that fails to load or whose
 * availability check throws is skipped and reported, never fatal.
 */
public final class Plugins {
    private static final Logger LOG = LoggerFactory.getLogger(Plugins.class);
    private static final int MAX_PROVIDERS = 1000;

    /** Where the well-known backends live, for "add this artifact" messages. */
    public static final Map<String, String> KNOWN_BACKEND_ARTIFACTS = Map.of(
            "djl", "dev.lem:lem-backend-djl",
            "vllm", "dev.lem:lem-backend-vllm-client",
            "trtllm", "dev.lem:lem-backend-trtllm",
            "openai", "dev.lem:lem-core");

    private Plugins() {
    }

    /**
     * Providers of one kind that could be instantiated, highest priority first.
     *
     * @param <T> the plug-in interface
     * @param type the plug-in interface's class, as {@link java.util.ServiceLoader} looks it up
     * @param kind the kind's name for reports, e.g. {@code backend}
     * @param broken receives a report for every provider that failed to load
     * @return the providers, highest priority first
     */
    public static <T extends LemPlugin> List<T> load(Class<T> type, String kind, List<PluginReport> broken) {
        List<T> out = new ArrayList<>();
        Iterator<T> it = ServiceLoader.load(type, classLoader()).iterator();
        for (int guard = 0; guard < MAX_PROVIDERS; guard++) {
            try {
                if (!it.hasNext()) {
                    break;
                }
                out.add(it.next());
            } catch (ServiceConfigurationError | RuntimeException | LinkageError e) {
                LOG.debug("skipping a {} provider that failed to load", kind, e);
                broken.add(new PluginReport(kind, brokenName(e), brokenName(e), false,
                        "failed to load: " + rootMessage(e), 0, "", ""));
            }
        }
        out.sort(Comparator.comparingInt(Plugins::safePriority).reversed());
        return out;
    }

    /**
     * Availability that never throws: a throwing check is reported as unavailable with its message.
     *
     * @param p the plug-in
     * @return its availability
     */
    public static Availability availability(LemPlugin p) {
        return availability(p, p::availability);
    }

    /**
     * {@link EnergyMeterProvider#availability(MeterContext)}, never throwing.
     *
     * @param p the meter provider
     * @param context the meter context
     * @return its availability in that context
     */
    public static Availability availability(EnergyMeterProvider p, MeterContext context) {
        return availability(p, () -> p.availability(context));
    }

    private static Availability availability(LemPlugin p, java.util.function.Supplier<Availability> check) {
        try {
            Availability a = check.get();
            return a == null ? Availability.unavailable("availability() returned null") : a;
        } catch (RuntimeException | LinkageError e) {
            LOG.debug("availability check of {} threw", p.getClass().getName(), e);
            return Availability.unavailable("availability check failed: " + rootMessage(e));
        }
    }

    /** {@return reports of every plug-in of every kind} */
    public static List<PluginReport> reports() {
        List<PluginReport> all = new ArrayList<>();
        all.addAll(reports(BackendProvider.class, "backend"));
        all.addAll(reports(EnergyMeterProvider.class, "energy_meter"));
        all.addAll(reports(TelemetrySourceProvider.class, "telemetry"));
        all.addAll(reports(FlopsEstimator.class, "flops"));
        all.addAll(reports(HttpTransportProvider.class, "http_client"));
        return all;
    }

    private static <T extends LemPlugin> List<PluginReport> reports(Class<T> type, String kind) {
        List<PluginReport> out = new ArrayList<>();
        List<PluginReport> broken = new ArrayList<>();
        for (T p : load(type, kind, broken)) {
            Availability a = availability(p);
            out.add(new PluginReport(kind, safeName(p), p.getClass().getName(), a.available(), a.reason(),
                    safePriority(p), safe(p::artifact), safe(p::description), safeDetails(p)));
        }
        out.addAll(broken);
        return out;
    }

    /**
     * True when the plug-in answers to {@code selector}: its name, an alias, or its class name.
     *
     * @param p the plug-in
     * @param selector a name, alias or class name, in any case
     * @return whether the plug-in answers to it
     */
    public static boolean matches(LemPlugin p, String selector) {
        String s = selector.toLowerCase(Locale.ROOT);
        if (safeName(p).equalsIgnoreCase(selector) || p.getClass().getName().equals(selector)
                || p.getClass().getSimpleName().equals(selector)) {
            return true;
        }
        try {
            return p.aliases().stream().anyMatch(a -> a.toLowerCase(Locale.ROOT).equals(s));
        } catch (RuntimeException e) {
            return false;
        }
    }

    /**
     * The backend provider that answers to a name, alias or class name, whether or not it can run here.
     *
     * @param selector a name, alias or class name
     * @return the provider; empty when none answers
     */
    public static java.util.Optional<BackendProvider> findBackend(String selector) {
        return load(BackendProvider.class, "backend", new ArrayList<>()).stream().filter(p -> matches(p, selector))
                .findFirst();
    }

    /** {@return every backend provider that could be instantiated, highest priority first} */
    public static List<BackendProvider> backends() {
        return load(BackendProvider.class, "backend", new ArrayList<>());
    }

    /**
     * Why no backend answers to {@code selector}: the artifact to add for a known backend, else the
     * closest known name, and the backends found (lower-case first word, for a configuration problem).
     *
     * @param selector the name no backend answers to
     * @return the reason, one line
     */
    public static String unknownBackend(String selector) {
        return unknownBackend(selector, false);
    }

    private static String unknownBackend(String selector, boolean sentence) {
        List<PluginReport> broken = new ArrayList<>();
        List<BackendProvider> all = load(BackendProvider.class, "backend", broken);
        List<String> names = all.stream().map(Plugins::safeName).sorted().toList();
        String lower = selector.toLowerCase(Locale.ROOT);
        String artifact = KNOWN_BACKEND_ARTIFACTS.get(lower);
        StringBuilder msg = new StringBuilder(artifact == null ? (sentence ? "Unknown" : "unknown") + " backend \""
                + selector + "\"" : (sentence ? "Backend" : "backend") + " \"" + selector
                + "\" is not on the classpath: add the Maven artifact " + artifact
                + " (the lem command includes every backend)");
        if (artifact == null) {
            names.stream().filter(n -> dev.lem.config.ConfigSchema.distance(n, lower) <= 2)
                    .min(java.util.Comparator.comparingInt(n -> dev.lem.config.ConfigSchema.distance(n, lower)))
                    .ifPresent(n -> msg.append("; did you mean \"").append(n).append("\"?"));
        }
        String found = names.isEmpty() ? "none" : String.join(", ", names);
        msg.append(sentence ? ". Backends found: " + found : " (backends found: " + found + ")");
        broken.stream().filter(b -> b.className().contains(selector) || b.reason().contains(selector))
                .forEach(b -> msg.append("; ").append(b.className()).append(' ').append(b.reason()));
        return msg.toString();
    }

    /**
     * The backend provider for a name, alias or class name.
     *
     * @param selector a name, alias or class name
     * @return the provider, available here
     * @throws PluginUnavailableException when none matches (naming the artifact to add) or the match
     *                                    cannot run here (with its reason)
     */
    public static BackendProvider backend(String selector) {
        List<PluginReport> broken = new ArrayList<>();
        List<BackendProvider> all = load(BackendProvider.class, "backend", broken);
        List<BackendProvider> matching = all.stream().filter(p -> matches(p, selector)).toList();
        if (matching.isEmpty()) {
            throw new PluginUnavailableException(unknownBackend(selector, true));
        }
        List<String> reasons = new ArrayList<>();
        for (BackendProvider p : matching) {
            Availability a = availability(p);
            if (a.available()) {
                return p;
            }
            reasons.add(a.reason());
        }
        throw new PluginUnavailableException("Backend \"" + selector + "\" cannot run here: "
                + String.join("; ", reasons));
    }

    /**
     * The name, or the class name when {@code name()} throws.
     *
     * @param p the plug-in
     * @return its name, or its class name
     */
    public static String safeName(LemPlugin p) {
        try {
            String n = p.name();
            return n == null || n.isBlank() ? p.getClass().getName() : n;
        } catch (RuntimeException e) {
            return p.getClass().getName();
        }
    }

    private static int safePriority(LemPlugin p) {
        try {
            return p.priority();
        } catch (RuntimeException e) {
            return Integer.MIN_VALUE;
        }
    }

    private static List<String> safeDetails(LemPlugin p) {
        try {
            List<String> d = p.details();
            return d == null ? List.of() : d;
        } catch (RuntimeException | LinkageError e) {
            LOG.debug("details of {} failed", p.getClass().getName(), e);
            return List.of("details unavailable: " + rootMessage(e));
        }
    }

    private static String safe(java.util.function.Supplier<String> s) {
        try {
            String v = s.get();
            return v == null ? "" : v;
        } catch (RuntimeException e) {
            return "";
        }
    }

    private static final java.util.regex.Pattern PROVIDER = java.util.regex.Pattern.compile("Provider (\\S+)");

    private static String brokenName(Throwable e) {
        java.util.regex.Matcher m = PROVIDER.matcher(String.valueOf(e.getMessage()));
        return m.find() ? m.group(1) : e.getClass().getName();
    }

    /**
     * The innermost cause's message, for one-line reasons.
     *
     * @param e the exception
     * @return the innermost cause's simple class name and message, e.g. {@code IOException: disk full}
     */
    public static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        String m = t.getMessage();
        return t.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    }

    private static ClassLoader classLoader() {
        ClassLoader cl = Thread.currentThread().getContextClassLoader();
        return cl != null ? cl : Plugins.class.getClassLoader();
    }
}
