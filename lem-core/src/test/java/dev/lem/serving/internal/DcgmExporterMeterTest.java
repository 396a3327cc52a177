package dev.lem.serving.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.sun.net.httpserver.HttpServer;
import dev.lem.config.ConfigException;
import dev.lem.config.ConfigResolver;
import dev.lem.config.ValueSource;
import dev.lem.energy.DomainEnergy;
import dev.lem.energy.DomainUse;
import dev.lem.energy.EnergyDomain;
import dev.lem.energy.EnergyMeasurement;
import dev.lem.energy.EnergyMeters;
import dev.lem.energy.EnergyMonitor;
import dev.lem.energy.EnergyWindow;
import dev.lem.energy.MeasurementMethod;
import dev.lem.result.SummaryCalculator;
import dev.lem.spi.EnergyReading;
import dev.lem.spi.MeterContext;
import dev.lem.spi.PluginStatus;
import dev.lem.spi.PluginUnavailableException;
import dev.lem.spi.WorkloadDevices;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The remote GPU energy meter against canned DCGM exporter output in its real text format (HELP texts from
 * dcgm-exporter's etc/default-counters.csv; labels gpu, UUID, pci_bus_id, device, modelName, Hostname as the exporter
 * writes them) and a scripted exporter over HTTP whose counters advance at a known power on a scripted clock.
 */
class DcgmExporterMeterTest {
    static final URI URL = URI.create("http://gpu-node-7:9400/metrics");
    static final String UUID0 = "GPU-34319582-d595-d1c7-d1d2-179bcfa61660";
    static final String UUID1 = "GPU-8c16e996-bd76-aa91-17e7-b48bcd0208ba";
    static final Duration SCRAPE = Duration.ofMillis(1000);
    static final Duration UPDATE = Duration.ofMillis(1000);

    HttpServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(0);
        }
    }

    /** One GPU's labels as dcgm-exporter 3.x writes them. */
    static String labels(int gpu) {
        return String.format(Locale.ROOT, "{gpu=\"%d\",UUID=\"%s\",pci_bus_id=\"00000000:%s:00.0\",device=\"nvidia%d\","
                + "modelName=\"NVIDIA H100 80GB HBM3\",Hostname=\"gpu-node-7\"}", gpu, gpu == 0 ? UUID0 : UUID1,
                gpu == 0 ? "18" : "2A", gpu);
    }

    /**
     * A scrape of a two-GPU host: energy counters in mJ (null: the exporter does not serve the field), power in W.
     */
    static String exporter(Double mj0, Double mj1, double w0, double w1) {
        StringBuilder b = new StringBuilder();
        b.append("# HELP DCGM_FI_DEV_SM_CLOCK SM clock frequency (in MHz).\n# TYPE DCGM_FI_DEV_SM_CLOCK gauge\n");
        b.append("DCGM_FI_DEV_SM_CLOCK").append(labels(0)).append(" 1980\n");
        b.append("DCGM_FI_DEV_SM_CLOCK").append(labels(1)).append(" 1980\n");
        b.append("# HELP DCGM_FI_DEV_GPU_TEMP GPU temperature (in C).\n# TYPE DCGM_FI_DEV_GPU_TEMP gauge\n");
        b.append("DCGM_FI_DEV_GPU_TEMP").append(labels(0)).append(" 61\n");
        b.append("DCGM_FI_DEV_GPU_TEMP").append(labels(1)).append(" 58\n");
        b.append("# HELP DCGM_FI_DEV_POWER_USAGE Power draw (in W).\n# TYPE DCGM_FI_DEV_POWER_USAGE gauge\n");
        b.append("DCGM_FI_DEV_POWER_USAGE").append(labels(0)).append(String.format(Locale.ROOT, " %.6f\n", w0));
        b.append("DCGM_FI_DEV_POWER_USAGE").append(labels(1)).append(String.format(Locale.ROOT, " %.6f\n", w1));
        if (mj0 != null) {
            b.append("# HELP DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION Total energy consumption since boot (in mJ).\n"
                    + "# TYPE DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION counter\n");
            b.append("DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION").append(labels(0))
                    .append(String.format(Locale.ROOT, " %.0f\n", mj0));
            b.append("DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION").append(labels(1))
                    .append(String.format(Locale.ROOT, " %.0f\n", mj1));
        }
        b.append("# HELP DCGM_FI_DEV_FB_USED Framebuffer memory used (in MiB).\n# TYPE DCGM_FI_DEV_FB_USED gauge\n");
        b.append("DCGM_FI_DEV_FB_USED").append(labels(0)).append(" 73521\n");
        return b.toString();
    }

    /** A scraper that answers the queued scrapes in turn; an entry of null fails as an unreachable exporter. */
    static ExporterScraper queue(Deque<String> scrapes) {
        return () -> {
            String s = scrapes.isEmpty() ? null : scrapes.removeFirst();
            if (s == null) {
                throw new IOException("Connection refused");
            }
            return new ExporterScraper.Scrape(s, OptionalLong.empty());
        };
    }

    static DcgmExporterMeter open(ExporterScraper scraper, WorkloadDevices workload, AtomicLong clock) {
        return DcgmExporterMeter.open(URL, null, workload, SCRAPE, UPDATE, scraper, clock::get, () -> 0L);
    }

    @Test
    void theEnergyCounterOfEachGpuIsMeasuredRemoteAndFilteredByTheServersGpus() {
        Deque<String> scrapes = new ArrayDeque<>();
        scrapes.add(exporter(319_159_391.0, 260_537_897_279.0, 410, 70));
        // 10 s later: GPU 0 drew 400 W (4,000,000 mJ), GPU 1 70 W
        scrapes.add(exporter(319_159_391.0 + 4_000_000, 260_537_897_279.0 + 700_000, 400, 70));
        AtomicLong clock = new AtomicLong();
        DcgmExporterMeter m = open(queue(scrapes), WorkloadDevices.selected("0", "energy.devices"), clock);

        assertThat(m.domains()).extracting(EnergyDomain::id).containsExactly("gpu[0]", "gpu[1]");
        EnergyDomain d0 = m.domains().get(0);
        assertThat(d0.method()).isEqualTo(MeasurementMethod.MEASURED);
        assertThat(d0.methodLabel()).isEqualTo("measured (remote)");
        assertThat(d0.host()).isEqualTo("gpu-node-7");
        assertThat(d0.device()).isEqualTo(UUID0);
        assertThat(d0.use()).isEqualTo(DomainUse.WORKLOAD);
        assertThat(m.domains().get(1).use()).isEqualTo(DomainUse.NOT_USED);
        assertThat(m.notes()).containsEntry("gpu[0].name", "NVIDIA H100 80GB HBM3")
                .containsEntry("scrape_interval_ms", "1000").containsKey("clock_offset_ms")
                .containsKey("scrape_round_trip_ms");

        clock.set(10_000_000_000L);
        Map<String, EnergyReading> r = m.read(clock::get);
        assertThat(r.get("gpu[0]").joules()).isCloseTo(4000.0, within(1e-6));
        assertThat(r.get("gpu[1]").joules()).isCloseTo(700.0, within(1e-6));
        assertThat(r.get("gpu[0]").nanos()).isEqualTo(10_000_000_000L);
        assertThat(m.resolution("gpu[0]")).get().satisfies(res -> {
            assertThat(res.quantumJoules()).isEqualTo(0.001);
            assertThat(res.updateInterval()).isEqualTo(UPDATE);
        });
    }

    @Test
    void gpusAreChosenByTheExportersIndexOrUuidAndAnUnknownOneIsAConfigError() {
        String text = exporter(1e6, 2e6, 100, 100);
        DcgmExporterMeter byUuid = open(queue(new ArrayDeque<>(List.of(text))),
                WorkloadDevices.selected(UUID1, "energy.devices"), new AtomicLong());
        assertThat(byUuid.domains()).extracting(EnergyDomain::use).containsExactly(DomainUse.NOT_USED,
                DomainUse.WORKLOAD);
        DcgmExporterMeter all = open(queue(new ArrayDeque<>(List.of(text))), WorkloadDevices.all("not managed"),
                new AtomicLong());
        assertThat(all.domains()).extracting(EnergyDomain::use).containsOnly(DomainUse.WORKLOAD);

        assertThatThrownBy(() -> open(queue(new ArrayDeque<>(List.of(text))),
                WorkloadDevices.selected("3", "energy.devices"), new AtomicLong()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("energy.devices")
                .hasMessageContaining("GPU 3 is not among").hasMessageContaining("0 (" + UUID0 + ")");
    }

    @Test
    void onlySamplesOfTheConfiguredHostnameCount() {
        String text = exporter(1e6, 2e6, 100, 100);
        assertThatThrownBy(() -> DcgmExporterMeter.open(URL, "other-node", WorkloadDevices.all("x"), SCRAPE, UPDATE,
                queue(new ArrayDeque<>(List.of(text))), () -> 0L, () -> 0L))
                .isInstanceOf(PluginUnavailableException.class).hasMessageContaining("Hostname \"other-node\"");
        DcgmExporterMeter m = DcgmExporterMeter.open(URL, "gpu-node-7", WorkloadDevices.all("x"), SCRAPE, UPDATE,
                queue(new ArrayDeque<>(List.of(text))), () -> 0L, () -> 0L);
        assertThat(m.domains()).hasSize(2);
    }

    @Test
    void theOlderLabelFormatWithSpacesAndNoHostnameIsRead() {
        String readme = "# HELP DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION Total energy consumption since boot (in mJ).\n"
                + "# TYPE DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION counter\n"
                + "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION{gpu=\"0\", UUID=\"" + UUID0 + "\"} 31035686671\n";
        DcgmExporterMeter m = open(queue(new ArrayDeque<>(List.of(readme))), WorkloadDevices.all("x"),
                new AtomicLong());
        assertThat(m.domains()).singleElement().satisfies(d -> {
            assertThat(d.id()).isEqualTo("gpu[0]");
            assertThat(d.host()).isEqualTo("gpu-node-7"); // from the URL
        });
    }

    @Test
    void withoutTheCounterPowerIsIntegratedRemote() {
        Deque<String> scrapes = new ArrayDeque<>();
        // power ramps 100 -> 300 W over 2 s on GPU 0 (trapezoid: exact for a linear ramp), GPU 1 constant 50 W
        scrapes.add(exporter(null, null, 100, 50));
        scrapes.add(exporter(null, null, 200, 50));
        scrapes.add(exporter(null, null, 300, 50));
        AtomicLong clock = new AtomicLong();
        DcgmExporterMeter m = open(queue(scrapes), WorkloadDevices.all("x"), clock);
        assertThat(m.domains()).extracting(EnergyDomain::methodLabel).containsOnly("integrated (remote)");
        assertThat(m.notes().get("gpu[0].method")).contains("DCGM_FI_DEV_POWER_USAGE").contains("trapezoid");
        clock.set(1_000_000_000L);
        m.poll(); // the scrape interval has passed: scrapes
        clock.set(2_000_000_000L);
        Map<String, EnergyReading> r = m.read(clock::get);
        assertThat(r.get("gpu[0]").joules()).isCloseTo(400.0, within(1e-9)); // (100+200)/2 + (200+300)/2
        assertThat(r.get("gpu[1]").joules()).isCloseTo(100.0, within(1e-9));
    }

    @Test
    void anExporterServingNeitherFieldIsUnavailableWithTheReason() {
        String text = "# HELP DCGM_FI_DEV_GPU_TEMP GPU temperature (in C).\n# TYPE DCGM_FI_DEV_GPU_TEMP gauge\n"
                + "DCGM_FI_DEV_GPU_TEMP" + labels(0) + " 61\n";
        assertThatThrownBy(() -> open(queue(new ArrayDeque<>(List.of(text))), WorkloadDevices.all("x"),
                new AtomicLong())).isInstanceOf(PluginUnavailableException.class)
                .hasMessageContaining("DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION").hasMessageContaining("counters CSV");
        assertThatThrownBy(() -> open(queue(new ArrayDeque<>()), WorkloadDevices.all("x"), new AtomicLong()))
                .isInstanceOf(PluginUnavailableException.class).hasMessageContaining("cannot be read")
                .hasMessageContaining("Connection refused");
    }

    @Test
    void anExporterThatGoesDownLeavesNoReadingWithTheReasonAndACounterResumes() {
        Deque<String> scrapes = new java.util.LinkedList<>();
        scrapes.add(exporter(1_000_000.0, 2_000_000.0, 100, 100));
        scrapes.add(null); // down
        scrapes.add(exporter(1_000_000.0 + 3_000_000, 2_000_000.0, 100, 100));
        AtomicLong clock = new AtomicLong();
        DcgmExporterMeter m = open(queue(scrapes), WorkloadDevices.all("x"), clock);
        assertThat(m.read(clock::get)).isEmpty();
        assertThat(m.sampleJoules()).isEmpty();
        assertThat(m.unavailableReason("gpu[0]")).get(as(String.class)).contains("could not be read")
                .contains("Connection refused").contains(URL.toString());
        assertThat(m.read(clock::get).get("gpu[0]").joules()).isCloseTo(3000.0, within(1e-9));
        assertThat(m.unavailableReason("gpu[0]")).isEmpty();

        Deque<String> power = new java.util.LinkedList<>();
        power.add(exporter(null, null, 100, 100));
        power.add(null);
        power.add(exporter(null, null, 100, 100));
        DcgmExporterMeter integrated = open(queue(power), WorkloadDevices.all("x"), clock);
        assertThat(integrated.read(clock::get)).isEmpty();
        assertThat(integrated.read(clock::get)).as("integrated power cannot bridge the outage").isEmpty();
        assertThat(integrated.unavailableReason("gpu[0]")).get(as(String.class)).contains("cannot bridge the gap");
    }

    private static <T> org.assertj.core.api.InstanceOfAssertFactory<T, org.assertj.core.api.AbstractStringAssert<?>>
            as(Class<T> type) {
        @SuppressWarnings("unchecked")
        var f = (org.assertj.core.api.InstanceOfAssertFactory<T, org.assertj.core.api.AbstractStringAssert<?>>)
                (Object) org.assertj.core.api.InstanceOfAssertFactories.STRING;
        return f;
    }

    /**
     * A scripted exporter over HTTP: GPU 0's counter advances at {@code watts} on the scripted clock (mJ = W × ms),
     * GPU 1's at 50 W; each scrape advances the clock by 1 ms (its round trip).
     */
    URI scriptedExporter(AtomicLong clock, double watts) throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/metrics", ex -> {
            long now = clock.addAndGet(500_000); // half the round trip before the exporter's read, half after
            double ms = now / 1e6;
            byte[] body = exporter(5e9 + watts * ms, 7e9 + 50 * ms, watts, 50).getBytes(StandardCharsets.UTF_8);
            clock.addAndGet(500_000);
            ex.getResponseHeaders().add("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
            ex.sendResponseHeaders(200, body.length);
            try (OutputStream o = ex.getResponseBody()) {
                o.write(body);
            }
        });
        server.start();
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/metrics");
    }

    @Test
    void aWindowOnAScriptedExporterHoldsPowerTimesTimeAndIsAbsentWithItsReasonWhenTheExporterDies()
            throws IOException {
        AtomicLong clock = new AtomicLong(1_000_000_000L);
        URI url = scriptedExporter(clock, 350);
        DcgmExporterMeter meter = DcgmExporterMeter.open(url, null, WorkloadDevices.selected("0", "energy.devices"),
                SCRAPE, UPDATE, ExporterScraper.http(url, Duration.ofSeconds(5)), clock::get,
                System::currentTimeMillis);
        try (EnergyMonitor monitor = EnergyMonitor.builder(List.of(meter), List.of()).clock(clock::get)
                .withoutSamplerThread().start()) {
            EnergyMeasurement m;
            try (EnergyWindow w = monitor.window("cycle 0")) {
                clock.addAndGet(7_250_000_000L); // 7.25 s of work
                w.close();
                m = w.measurement().orElseThrow();
            }
            DomainEnergy gpu0 = m.domain("gpu[0]").orElseThrow();
            // the reading is timed at the scrape's midpoint, where the scripted exporter read its counter:
            // energy = 350 W x 7.25 s (+ the scrape's own 1 ms), within the counter's 1 mJ step at each edge
            assertThat(gpu0.joules()).isCloseTo(350 * 7.251, within(0.002 + 350 * 0.001));
            assertThat(gpu0.joules() / (m.durationNanos() / 1e9)).isCloseTo(350.0, within(350 * 0.001));
            assertThat(gpu0.domain().methodLabel()).isEqualTo("measured (remote)");
            assertThat(m.domain("gpu[1]").orElseThrow().domain().use()).isEqualTo(DomainUse.NOT_USED);
            assertThat(SummaryCalculator.basis(m.workloadDomains())).isEqualTo("measured (remote)");

            server.stop(0);
            server = null;
            EnergyMeasurement down;
            try (EnergyWindow w = monitor.window("cycle 1")) {
                clock.addAndGet(1_000_000_000L);
                w.close();
                down = w.measurement().orElseThrow();
            }
            assertThat(down.domains()).as("no figure, never a zero").isEmpty();
            assertThat(down.notes()).anySatisfy(n -> assertThat(n).contains("gpu[0]: no reading at the start")
                    .contains("could not be read"));
        }
    }

    @Test
    void theRunnerOpensOnlyTheRemoteMeterForAServerOnAnotherHostAndOnlyLocalOnesOtherwise() throws IOException {
        AtomicLong clock = new AtomicLong();
        URI url = scriptedExporter(clock, 200);
        MeterContext ctx = new MeterContext(ConfigResolver.withDefaults()
                .set("energy.remote.prometheus_url", url.toString(), ValueSource.OVERRIDE)
                .set("energy.remote.update_interval_ms", 1000, ValueSource.OVERRIDE).resolve().energy(), Map.of(), 0,
                WorkloadDevices.selected("0", "energy.devices"));
        EnergyMeters.Opened remote = EnergyMeters.open(ctx, false);
        try {
            assertThat(remote.meters()).extracting(m -> m.name()).containsExactly("dcgm-exporter");
            assertThat(remote.plugins()).filteredOn(p -> p.name().equals("rapl")).singleElement()
                    .extracting(PluginStatus::reason, as(String.class)).contains("another host");
            assertThat(remote.environment().get("dcgm-exporter")).containsKey("clock_offset_ms")
                    .containsEntry("scrape_interval_ms", "1000");
        } finally {
            remote.meters().forEach(m -> m.close());
        }
        EnergyMeters.Opened local = EnergyMeters.open(ctx, true);
        try {
            assertThat(local.meters()).extracting(m -> m.name()).doesNotContain("dcgm-exporter");
            assertThat(local.plugins()).filteredOn(p -> p.name().equals("dcgm-exporter")).singleElement()
                    .extracting(PluginStatus::reason, as(String.class)).contains("this host");
        } finally {
            local.meters().forEach(m -> m.close());
        }
        MeterContext unset = new MeterContext(ConfigResolver.withDefaults().resolve().energy(), Map.of(), 0);
        EnergyMeters.Opened none = EnergyMeters.open(unset, false);
        assertThat(none.meters()).isEmpty();
        assertThat(none.plugins()).filteredOn(p -> p.name().equals("dcgm-exporter")).singleElement()
                .extracting(PluginStatus::reason, as(String.class)).contains("energy.remote.prometheus_url");
    }

    @Test
    void aRemoteDomainKeepsItsHostInResultsAndALocalOneWritesNone() {
        EnergyDomain remote = new EnergyDomain("gpu[0]", "gpu", UUID0, dev.lem.energy.DomainScope.DEVICE,
                MeasurementMethod.MEASURED, "dcgm-exporter", DomainUse.WORKLOAD, "gpu-node-7");
        String json = dev.lem.results.ResultsJson.write(remote);
        assertThat(json).contains("\"host\"").contains("gpu-node-7");
        EnergyDomain back = dev.lem.results.ResultsJson.read(json, EnergyDomain.class, "test");
        assertThat(back).isEqualTo(remote);
        assertThat(back.methodLabel()).isEqualTo("measured (remote)");

        EnergyDomain local = new EnergyDomain("gpu[0]", "gpu", UUID0, dev.lem.energy.DomainScope.DEVICE,
                MeasurementMethod.MEASURED, "nvml");
        String localJson = dev.lem.results.ResultsJson.write(local);
        assertThat(localJson).doesNotContain("host");
        EnergyDomain localBack = dev.lem.results.ResultsJson.read(localJson, EnergyDomain.class, "test");
        assertThat(localBack.host()).isEmpty();
        assertThat(localBack.methodLabel()).isEqualTo("measured");
    }

    @Test
    void aBadUrlIsAConfigErrorNamingTheKey() {
        assertThatThrownBy(() -> DcgmExporterMeterProvider.url("gpu-node:9400/metrics"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("energy.remote.prometheus_url")
                .hasMessageContaining("http://gpu-node:9400/metrics");
        assertThat(DcgmExporterMeterProvider.url("http://gpu-node:9400/metrics").getPort()).isEqualTo(9400);
    }

    @Test
    void theDateHeaderIsParsed() {
        assertThat(ExporterScraper.parseDate("Sat, 05 Dec 2026 14:43:09 GMT"))
                .hasValue(java.time.Instant.parse("2026-12-05T14:43:09Z").toEpochMilli());
        assertThat(ExporterScraper.parseDate("yesterday")).isEmpty();
    }
}
