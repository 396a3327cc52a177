package dev.lem.internal;

import dev.lem.LemException;
import dev.lem.config.ExperimentConfig;
import dev.lem.energy.EnergyMeters;
import dev.lem.energy.EnergyMonitor;
import dev.lem.energy.IdleBaseline;
import dev.lem.energy.MeasurementMethod;
import dev.lem.result.PhaseMeasurement;
import dev.lem.spi.BackendCapabilities;
import dev.lem.spi.BackendContext;
import dev.lem.spi.BackendProvider;
import dev.lem.spi.BackendSettings;
import dev.lem.spi.InferenceBackend;
import dev.lem.spi.EnergyMeter;
import dev.lem.spi.MeterContext;
import dev.lem.spi.ModelInfo;
import dev.lem.spi.PluginStatus;
import dev.lem.spi.Plugins;
import dev.lem.spi.TelemetrySource;
import dev.lem.spi.WorkloadDevices;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The two expensive things an experiment process holds — a backend with its loaded model, and a started energy
 * monitor — as objects that can outlive one experiment: a campaign shares a backend between experiments whose
 * backend settings are equal (one model load for a batch-size grid) and a monitor between experiments whose
 * energy settings are equal (one idle baseline).
 */
final class SessionResources {
    private static final Logger LOG = LoggerFactory.getLogger("dev.lem");

    private SessionResources() {
    }

    /** What identifies a backend instance that can serve an experiment: its name and everything it is given. */
    static Object backendKey(ExperimentConfig config) {
        BackendProvider provider = Plugins.backend(config.backend());
        return List.of(Plugins.safeName(provider), BackendSettings.of(config, provider));
    }

    /**
     * What identifies an energy monitor that can measure an experiment: its energy settings, whether the work is
     * visible to this host's meters, and the devices the workload uses (which decide what counts).
     */
    static Object monitorKey(ExperimentConfig config, boolean visible, WorkloadDevices devices) {
        return List.of(config.energy(), visible, devices.toString());
    }

    /**
     * The GPUs the workload uses: {@code energy.devices} when given; for an in-process backend the model's device
     * ({@code cuda:N} is the N-th GPU this process sees, none for {@code cpu}); for a managed server the GPUs its
     * {@code CUDA_VISIBLE_DEVICES} names (it inherits this process's); for a server LEM does not manage, every GPU.
     */
    static WorkloadDevices workloadDevices(ExperimentConfig config, BackendCapabilities caps,
            Map<String, String> environment) {
        List<String> given = config.energy().devices();
        if (!given.isEmpty()) {
            return WorkloadDevices.selected(String.join(",", given), "energy.devices");
        }
        String visible = environment.get("CUDA_VISIBLE_DEVICES");
        if (!caps.inProcess()) {
            if (!config.server().managed()) {
                return WorkloadDevices.all("the server is not managed by LEM, so every GPU is counted; name the "
                        + "server's GPUs in energy.devices");
            }
            return visible == null ? WorkloadDevices.all("the managed server sees every GPU (CUDA_VISIBLE_DEVICES "
                    + "is unset)") : WorkloadDevices.selected(visible, "CUDA_VISIBLE_DEVICES=" + visible
                            + " of the managed server");
        }
        String device = config.device().trim().toLowerCase(java.util.Locale.ROOT);
        if (device.equals("cpu")) {
            return WorkloadDevices.none("device: cpu (the model runs on the CPU)");
        }
        int ordinal = 0;
        if (device.startsWith("cuda:") || device.startsWith("gpu:")) {
            try {
                ordinal = Integer.parseInt(device.substring(device.indexOf(':') + 1));
            } catch (NumberFormatException e) {
                ordinal = 0;
            }
        }
        String what = "device: " + config.device() + (device.equals("auto") ? " (taken as the first GPU)" : "");
        if (visible == null) {
            return WorkloadDevices.selected(String.valueOf(ordinal), what);
        }
        String[] entries = visible.split(",", -1);
        if (ordinal < entries.length && !entries[ordinal].isBlank()) {
            return WorkloadDevices.selected(entries[ordinal].trim(), what + ", CUDA_VISIBLE_DEVICES=" + visible);
        }
        return WorkloadDevices.none(what + ", but CUDA_VISIBLE_DEVICES=" + visible + " has no GPU " + ordinal);
    }

    /** A backend instance and what it loaded. */
    static final class Backend implements AutoCloseable {
        final Object key;
        final InferenceBackend backend;
        final BackendCapabilities capabilities;
        final boolean owned;
        final String label;
        /** A server process LEM starts (vLLM, trtllm-serve): it holds a GPU and a port, so one runs at a time. */
        final boolean managedServer;
        @Nullable ModelInfo model;
        @Nullable PhaseMeasurement load;
        /** The experiment whose unit loaded the model. */
        @Nullable String loadedBy;

        Backend(Object key, InferenceBackend backend, boolean owned, String label, boolean managedServer) {
            this.key = key;
            this.backend = backend;
            this.capabilities = backend.capabilities();
            this.owned = owned;
            this.label = label;
            this.managedServer = managedServer;
        }

        boolean loaded() {
            return model != null;
        }

        /**
         * Bytes the loaded model holds in this process (parameters x bytes per parameter of its data type); 0 for
         * served models and when unknown.
         */
        long residentBytes() {
            if (model == null || !capabilities.computeOnThisHost() || "server".equals(model.source())) {
                return 0;
            }
            long params = model.parameterCount().orElse(0L);
            String dtype = model.dtype().toLowerCase(java.util.Locale.ROOT);
            int bytes = dtype.contains("int8") || dtype.contains("fp8") ? 1 : dtype.contains("int4") ? 1
                    : dtype.contains("16") ? 2 : 4;
            return params * bytes;
        }

        @Override
        public void close() {
            if (owned) {
                try {
                    backend.close();
                } catch (RuntimeException e) {
                    LOG.debug("closing the backend failed", e);
                }
            }
        }
    }

    /** Creates the backend the configuration names; its artifacts go to the experiment's raw folder. */
    static Backend createBackend(ExperimentConfig config, Path artifacts, int rank) {
        try {
            Files.createDirectories(artifacts);
        } catch (IOException e) {
            throw new LemException("Cannot create " + artifacts + ": " + e.getMessage(), e);
        }
        BackendProvider provider = Plugins.backend(config.backend());
        return new Backend(backendKey(config), provider.create(BackendContext.of(config, provider, artifacts, rank)),
                true, config.backend(), !provider.inProcess() && config.server().managed());
    }

    /** Wraps a backend instance made in code (never closed here). */
    static Backend given(InferenceBackend backend) {
        return new Backend("given " + System.identityHashCode(backend), backend, false, backend.getClass().getName(),
                false);
    }

    /** A started monitor (or none) and what opening the meters found, to copy into each experiment's record. */
    static final class Monitor implements AutoCloseable {
        final Object key;
        final @Nullable EnergyMonitor monitor;
        final List<PluginStatus> plugins;
        final Map<String, Map<String, String>> environment;
        final List<String> warnings;

        Monitor(Object key, @Nullable EnergyMonitor monitor, List<PluginStatus> plugins,
                Map<String, Map<String, String>> environment, List<String> warnings) {
            this.key = key;
            this.monitor = monitor;
            this.plugins = List.copyOf(plugins);
            this.environment = Map.copyOf(environment);
            this.warnings = List.copyOf(warnings);
        }

        boolean metered() {
            return monitor != null && !monitor.domains().isEmpty();
        }

        /**
         * The idle baseline, measured the first time it is asked for (once per monitor, so once per campaign for
         * experiments that share the monitor).
         */
        Optional<IdleBaseline> baseline(ExperimentConfig config, java.util.function.Consumer<String> progress) {
            if (monitor == null || config.energy().idleBaselineS() <= 0 || monitor.domains().isEmpty()) {
                return Optional.empty();
            }
            if (monitor.baseline().isEmpty()) {
                progress.accept("measuring idle power for " + config.energy().idleBaselineS() + " s");
                monitor.measureIdle(Duration.ofMillis(Math.round(config.energy().idleBaselineS() * 1000)));
            }
            return monitor.baseline();
        }

        @Override
        public void close() {
            if (monitor != null) {
                monitor.close();
            }
        }
    }

    /** Opens the meters and telemetry the configuration allows and starts a monitor over them. */
    static Monitor openMonitor(ExperimentConfig config, Map<String, String> environment, int rank, Backend backend) {
        WorkloadDevices devices = workloadDevices(config, backend.capabilities, environment);
        MeterContext ctx = new MeterContext(config.energy(), environment, rank, devices);
        boolean visible = backend.capabilities.computeOnThisHost() && config.server().sameHost();
        EnergyMeters.Opened opened = EnergyMeters.open(ctx, visible);
        Map<String, Map<String, String>> facts = new java.util.LinkedHashMap<>(opened.environment());
        facts.put("energy", Map.of("workload_devices", devices.toString()));
        List<PluginStatus> plugins = new ArrayList<>(opened.plugins());
        List<TelemetrySource> sources = new ArrayList<>(opened.telemetry());
        backend.backend.telemetry().ifPresent(s -> {
            sources.add(s);
            plugins.add(new PluginStatus("telemetry", s.name(), true, ""));
        });
        List<String> warnings = new ArrayList<>();
        if (!visible && opened.meters().isEmpty()) {
            warnings.add("the server runs on another host: no energy is reported for it (set "
                    + "energy.remote.prometheus_url to a DCGM exporter on that host to measure its GPUs)");
        } else if (!visible) {
            warnings.add("the server runs on another host: only its GPUs are measured, through "
                    + opened.meters().stream().map(EnergyMeter::name).collect(java.util.stream.Collectors.joining(", "))
                    + " (remote); that host's CPU and memory are not");
        }
        if (opened.meters().isEmpty() && visible) {
            warnings.add("no energy meter could be used, so no energy is reported (see the plug-ins not used)");
        }
        Set<String> estimatedOnly = new TreeSet<>();
        Set<String> measured = new HashSet<>();
        opened.meters().forEach(m -> m.domains().forEach(d -> {
            if (d.method() == MeasurementMethod.ESTIMATED) {
                estimatedOnly.add(d.kind());
            } else {
                measured.add(d.kind());
            }
        }));
        estimatedOnly.removeAll(measured);
        if (!estimatedOnly.isEmpty()) {
            warnings.add(String.join(", ", estimatedOnly) + " energy is estimated, not measured: no hardware counter "
                    + "covers it here (the plug-ins not used say why)");
        }
        EnergyMonitor monitor = EnergyMonitor.builder(opened.meters(), sources).interval(opened.samplerInterval())
                .idleLimits(config.energy().idleMaxCpuPct(), config.energy().idleMaxGpuPct()).start();
        return new Monitor(monitorKey(config, visible, devices), monitor, plugins, facts, warnings);
    }
}
