package dev.lem.junit;

import static dev.lem.junit.DomainKind.CPU;
import static dev.lem.junit.DomainKind.GPU;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;
import static org.junit.platform.testkit.engine.EventConditions.abortedWithReason;
import static org.junit.platform.testkit.engine.EventConditions.event;
import static org.junit.platform.testkit.engine.EventConditions.finishedSuccessfully;
import static org.junit.platform.testkit.engine.EventConditions.finishedWithFailure;
import static org.junit.platform.testkit.engine.EventConditions.test;
import static org.junit.platform.testkit.engine.TestExecutionResultConditions.instanceOf;
import static org.junit.platform.testkit.engine.TestExecutionResultConditions.message;

import dev.lem.energy.MeasurementMethod;
import dev.lem.result.ProcessResult;
import dev.lem.result.RunSetup;
import dev.lem.results.ResultsRepository;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.RepetitionInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.parallel.Isolated;
import org.junit.platform.engine.reporting.ReportEntry;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Event;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;

/**
 * The extension run by JUnit's own engine (EngineTestKit) on the example classes below, against
 * {@link ScriptedMeterProvider}: each test body adds exactly the joules its window will hold, so every figure, pass
 * and failure is exact, whatever the machine's speed. (The example classes are nested, so Surefire does not run them
 * on their own.)
 */
class EnergyExtensionTest {
    static final String SCRIPTED = "energy.meter_options.scripted.enabled=true";

    static EngineTestKit.Builder kit(Class<?> type, String set) {
        return EngineTestKit.engine("junit-jupiter").selectors(selectClass(type))
                .configurationParameter("lem.energy.meters", "scripted")
                .configurationParameter("lem.energy.set", set)
                .configurationParameter("lem.results.dir", "none");
    }


    static EngineExecutionResults run(Class<?> type) {
        return kit(type, SCRIPTED).execute();
    }

    /** Report entries published by each test, by display name (entries of one test merged). */
    static Map<String, Map<String, String>> entries(EngineExecutionResults r) {
        Map<String, Map<String, String>> out = new LinkedHashMap<>();
        for (Event e : r.allEvents().reportingEntryPublished().list()) {
            ReportEntry entry = e.getRequiredPayload(ReportEntry.class);
            out.computeIfAbsent(e.getTestDescriptor().getDisplayName(), k -> new LinkedHashMap<>())
                    .putAll(entry.getKeyValuePairs());
        }
        return out;
    }

    // ------------------------------------------------------------------ within and over

    @MeasureEnergy
    static class WithinAndOver {
        @Test
        @EnergyBudget(joules = 2.5)
        void within() {
            ScriptedMeterProvider.cpu(1.0);
            ScriptedMeterProvider.gpu(1.0);
        }

        @Test
        @EnergyBudget(joules = 2.5)
        void over() {
            ScriptedMeterProvider.cpu(2.0);
            ScriptedMeterProvider.gpu(1.0);
        }

        @Test
        @EnergyBudget(joules = 2.0, domains = GPU)
        void onlyTheGpuCounts() {
            ScriptedMeterProvider.cpu(10.0);
            ScriptedMeterProvider.gpu(1.5);
        }

        @Test
        @EnergyBudget(joules = 2.0, domains = {CPU, GPU})
        void bothKindsCount() {
            ScriptedMeterProvider.cpu(1.0);
            ScriptedMeterProvider.gpu(1.5);
        }
    }

    @Test
    void aTestWithinBudgetPassesAndOneOverItFailsNamingTheFigureItsMethodAndTheBudget() {
        EngineExecutionResults r = run(WithinAndOver.class);
        r.testEvents().assertStatistics(s -> s.started(4).succeeded(2).failed(2).aborted(0));
        r.testEvents().assertThatEvents().haveExactly(1, event(test("within"), finishedSuccessfully()))
                .haveExactly(1, event(test("onlyTheGpuCounts"), finishedSuccessfully()))
                .haveExactly(1, event(test("over"), finishedWithFailure(instanceOf(AssertionFailedError.class),
                        message(m -> m.startsWith("energy budget exceeded: 3 J per invocation (cpu.package[0] 2 J "
                                + "measured + gpu[0] 1 J measured, over ") && m.endsWith(" s) > budget 2.5 J per invocation")))))
                .haveExactly(1, event(test("bothKindsCount"), finishedWithFailure(message(m -> m.startsWith(
                        "energy budget exceeded: 2.5 J per invocation (cpu.package[0] 1 J measured + gpu[0] 1.5 J measured")))));
        Map<String, String> within = entries(r).get("within()");
        assertThat(within).containsEntry("lem.energy.cpu.package[0] (measured)", "1 J")
                .containsEntry("lem.energy.gpu[0] (measured)", "1 J")
                .containsEntry("lem.energy.total (measured)", "2 J")
                .containsKey("lem.duration");
        assertThat(within.get("lem.budget")).startsWith("within the energy budget: 2 J per invocation (")
                .endsWith(" <= budget 2.5 J per invocation");
    }

    // ------------------------------------------------------------------ per unit

    static class PerToken {
        @Test
        @EnergyBudget(joules = 0.25, per = "token")
        void over(EnergyUnits tokens) {
            ScriptedMeterProvider.cpu(3.0);
            tokens.add(10);
        }

        @Test
        @EnergyBudget(joules = 0.25, per = "token")
        void within(EnergyUnits tokens) {
            ScriptedMeterProvider.cpu(2.0);
            tokens.add(5);
            tokens.add(5);
        }

        @Test
        @EnergyBudget(joules = 0.25, per = "token")
        void countsNothing() {
            ScriptedMeterProvider.cpu(2.0);
        }

        @Test
        @MeasureEnergy(per = "request")
        void measuredPerRequest(EnergyUnits requests) {
            ScriptedMeterProvider.cpu(2.0);
            requests.add(4);
        }
    }

    @Test
    void aBudgetPerUnitDividesByTheUnitsTheTestCounted() {
        EngineExecutionResults r = kit(PerToken.class, SCRIPTED + ";energy.meter_options.scripted.gpu=false").execute();
        r.testEvents().assertStatistics(s -> s.succeeded(2).failed(2));
        r.testEvents().assertThatEvents()
                .haveExactly(1, event(test("over"), finishedWithFailure(message(m -> m.startsWith(
                        "energy budget exceeded: 0.3 J per token (3 J over 10 tokens: cpu.package[0] 3 J measured, over ")
                        && m.endsWith("> budget 0.25 J per token")))))
                .haveExactly(1, event(test("countsNothing"), finishedWithFailure(message("the budget is per token, but "
                        + "the test counted no token: declare an EnergyUnits parameter and call add(n) with the tokens it "
                        + "made"))));
        assertThat(entries(r).get("within(EnergyUnits)")).containsEntry("lem.energy.total per token (measured)",
                "0.2 J/token").containsEntry("lem.units", "10 token");
        assertThat(entries(r).get("measuredPerRequest(EnergyUnits)")).containsEntry(
                "lem.energy.total per request (measured)", "0.5 J/request").doesNotContainKey("lem.budget");
    }

    // ------------------------------------------------------------------ repeated

    static class Repeated {
        static final double[] JOULES = {1, 2, 3, 1, 2};

        @RepeatedTest(5)
        @EnergyBudget(joules = 2.5, confidence = 0.95)
        void meanWithinButUpperBoundOver(RepetitionInfo info) {
            ScriptedMeterProvider.cpu(JOULES[info.getCurrentRepetition() - 1]);
        }

        @RepeatedTest(5)
        @EnergyBudget(joules = 3.0)
        void upperBoundWithin(RepetitionInfo info) {
            ScriptedMeterProvider.cpu(JOULES[info.getCurrentRepetition() - 1]);
        }
    }

    @Test
    void aRepeatedTestIsJudgedAtItsLastRepetitionOnTheUpperBoundOfTheInterval(@TempDir Path results) {
        EngineExecutionResults r = kit(Repeated.class, SCRIPTED + ";energy.meter_options.scripted.gpu=false")
                .configurationParameter("lem.results.dir", results.toString()).execute();
        // 1, 2, 3, 1, 2 J: mean 1.8, s = sqrt(0.7), t(0.975, 4) = 2.7764 -> 95% CI [0.7611, 2.839]
        r.testEvents().assertStatistics(s -> s.started(10).succeeded(9).failed(1));
        r.testEvents().assertThatEvents().haveExactly(1, event(test("meanWithinButUpperBoundOver"),
                finishedWithFailure(message("energy budget exceeded: the upper bound of the 95% interval, 2.839 J per "
                        + "invocation, is above the budget of 2.5 J per invocation (mean 1.8 J per invocation, 95% CI "
                        + "[0.7611, 2.839] J (t) over 5 repetitions, measured)"))));
        assertThat(entries(r).get("repetition 1 of 5")).containsEntry("lem.budget",
                "3 J per invocation: judged at the last of 5 repetitions, on the upper bound of the 95% interval");

        ResultsRepository repo = new ResultsRepository(results);
        assertThat(repo.experimentIds()).as("one experiment per repeated test").hasSize(2);
        for (String id : repo.experimentIds()) {
            List<ProcessResult> cycles = repo.readProcessResults(id);
            assertThat(cycles).as("a cycle per repetition").hasSize(5);
            assertThat(cycles).extracting(p -> p.energy().orElseThrow().totalJoules())
                    .containsExactly(1.0, 2.0, 3.0, 1.0, 2.0);
            RunSetup setup = repo.readSetups(id).get(0);
            assertThat(setup.config().backend()).isEqualTo("junit");
            assertThat(setup.config().model()).startsWith("junit:" + Repeated.class.getName() + "#");
            assertThat(setup.cyclesRun()).isEqualTo(5);
        }
        assertThat(repo.aggregate(repo.experimentIds().get(0)).summary().get(dev.lem.Metric.ENERGY_J).mean())
                .isEqualTo(1.8, org.assertj.core.api.Assertions.within(1e-12));
    }

    // ------------------------------------------------------------------ estimates, missing domains, resolution

    static class Estimated {
        @Test
        @EnergyBudget(joules = 2.5)
        void refused() {
            ScriptedMeterProvider.cpu(1.0);
        }

        @Test
        @EnergyBudget(joules = 2.5, allowEstimated = true)
        void allowedWithin() {
            ScriptedMeterProvider.cpu(1.0);
        }

        @Test
        @EnergyBudget(joules = 2.5, allowEstimated = true)
        void allowedOver() {
            ScriptedMeterProvider.cpu(3.0);
        }
    }

    @Test
    void estimatedFiguresAreRefusedUnlessAllowed() {
        EngineExecutionResults r = kit(Estimated.class, SCRIPTED + ";energy.meter_options.scripted.method=estimated;"
                + "energy.meter_options.scripted.gpu=false").execute();
        r.testEvents().assertStatistics(s -> s.succeeded(1).failed(1).aborted(1));
        r.testEvents().assertThatEvents()
                .haveExactly(1, event(test("refused"), abortedWithReason(instanceOf(TestAbortedException.class),
                        message("the energy of cpu.package[0] (scripted) is estimated, not measured, and the budget of "
                                + "2.5 J per invocation refuses estimates (allowEstimated = false)"))))
                .haveExactly(1, event(test("allowedOver"), finishedWithFailure(message(m -> m.startsWith(
                        "energy budget exceeded: 3 J per invocation (cpu.package[0] 3 J estimated, over ")))));
        assertThat(entries(r).get("allowedWithin()")).containsEntry("lem.energy.cpu.package[0] (estimated)", "1 J")
                .containsEntry("lem.energy.total (estimated)", "1 J");
        assertThat(MeasurementMethod.ESTIMATED.label()).isEqualTo("estimated");
    }

    static class NeedsAGpu {
        @Test
        @EnergyBudget(joules = 1, domains = GPU)
        void gpuBudget() {
            ScriptedMeterProvider.cpu(0.5);
        }
    }

    @Test
    void aDomainKindNothingMeasuresHereAbortsTheTest() {
        EngineExecutionResults r = kit(NeedsAGpu.class, SCRIPTED + ";energy.meter_options.scripted.gpu=false").execute();
        r.testEvents().assertThatEvents().haveExactly(1, event(test("gpuBudget"), abortedWithReason(message(m ->
                m.startsWith("no gpu energy domain is measured here, so the budget of 1 J per invocation (gpu) cannot "
                        + "be checked")))));
    }

    static class TooShort {
        @Test
        @EnergyBudget(joules = 100)
        void budgeted() {
            ScriptedMeterProvider.cpu(1.0);
        }

        @Test
        @MeasureEnergy
        void measured() {
            ScriptedMeterProvider.cpu(1.0);
        }
    }

    @Test
    void aFigureBelowTheMetersResolutionIsLeftOutAndCannotPassABudget() {
        // a counter that changes once an hour: no test window can resolve it
        EngineExecutionResults r = kit(TooShort.class, SCRIPTED + ";energy.meter_options.scripted.gpu=false;"
                + "energy.meter_options.scripted.resolution_j=0.001;energy.meter_options.scripted.resolution_ms=3600000")
                .execute();
        r.testEvents().assertThatEvents().haveExactly(1, event(test("budgeted"), finishedWithFailure(message(m ->
                m.startsWith("cannot check the budget of 100 J per invocation: cpu.package[0]: 1 J over ")
                        && m.contains("is below the meter's resolution (1 mJ steps, updated every 3600 s: up to ")))))
                .haveExactly(1, event(test("measured"), finishedSuccessfully()));
        assertThat(entries(r).get("measured()").get("lem.energy.cpu.package[0] (measured)"))
                .startsWith("left out: cpu.package[0]: 1 J over ");
        assertThat(entries(r).get("measured()")).doesNotContainKey("lem.energy.total (measured)");
    }

    // ------------------------------------------------------------------ no meter, bad settings

    static class NoMeter {
        @Test
        @EnergyBudget(joules = 1)
        void budgeted() {
        }

        @Test
        @MeasureEnergy
        void measured() {
        }
    }

    @Test
    void withoutAMeterBudgetsAbortAndMeasuredTestsSaySo() {
        EngineExecutionResults r = kit(NoMeter.class, "").execute();
        r.testEvents().assertStatistics(s -> s.succeeded(1).aborted(1));
        r.testEvents().assertThatEvents().haveExactly(1, event(test("budgeted"), abortedWithReason(message(
                "no energy meter can run here, so the budget of 1 J per invocation cannot be checked (scripted: test "
                        + "meter: set energy.meter_options.scripted.enabled=true to use it)"))));
        assertThat(entries(r).get("measured()")).containsEntry("lem.energy", "not measured: no energy meter can run "
                + "here (scripted: test meter: set energy.meter_options.scripted.enabled=true to use it)");
    }

    static class BadBudget {
        @Test
        @EnergyBudget(joules = -1)
        void negative() {
        }
    }

    @Test
    void aBadBudgetOrBadSettingsFailWithTheValue() {
        run(BadBudget.class).testEvents().assertThatEvents().haveExactly(1, event(test("negative"),
                finishedWithFailure(instanceOf(ExtensionConfigurationException.class),
                        message("@EnergyBudget joules (-1.0) must be a positive number"))));
        kit(WithinAndOver.class, "cycles=3").execute().testEvents().assertThatEvents().haveExactly(4, event(
                finishedWithFailure(message(m -> m.contains("lem.energy.set: \"cycles=3\" must be energy.<key>=<value>")))));
        kit(WithinAndOver.class, SCRIPTED).configurationParameter("lem.energy.baseline", "2").execute().testEvents()
                .assertThatEvents().haveExactly(4, event(finishedWithFailure(message(m -> m.contains(
                        "lem.energy.baseline (2) must be a duration with its unit, e.g. 500ms, 2s")))));
    }

    // ------------------------------------------------------------------ parallel execution

    static class Concurrent {
        static final CyclicBarrier BOTH = new CyclicBarrier(2);

        @Test
        @MeasureEnergy
        void first() throws Exception {
            BOTH.await(10, TimeUnit.SECONDS); // both windows are open now
            ScriptedMeterProvider.cpu(1.0);
            BOTH.await(10, TimeUnit.SECONDS);
        }

        @Test
        @MeasureEnergy
        void second() throws Exception {
            BOTH.await(10, TimeUnit.SECONDS);
            ScriptedMeterProvider.cpu(1.0);
            BOTH.await(10, TimeUnit.SECONDS);
        }

        @Test
        @EnergyBudget(joules = 100)
        void budgeted() {
            ScriptedMeterProvider.cpu(1.0);
        }
    }

    @Isolated
    @Execution(ExecutionMode.SAME_THREAD)
    static class Alone {
        @Test
        @EnergyBudget(joules = 2)
        void budgeted() {
            ScriptedMeterProvider.cpu(1.0);
        }
    }

    static EngineExecutionResults parallel(Class<?> type) {
        return kit(type, SCRIPTED + ";energy.meter_options.scripted.gpu=false")
                .configurationParameter("junit.jupiter.execution.parallel.enabled", "true")
                .configurationParameter("junit.jupiter.execution.parallel.mode.default", "concurrent")
                .configurationParameter("junit.jupiter.execution.parallel.config.strategy", "fixed")
                .configurationParameter("junit.jupiter.execution.parallel.config.fixed.parallelism", "3")
                .execute();
    }

    @Test
    void underParallelExecutionOverlapsAreNotedAndBudgetsRefusedUnlessTheTestRunsAlone() {
        EngineExecutionResults r = parallel(Concurrent.class);
        r.testEvents().assertThatEvents().haveExactly(1, event(test("budgeted"), finishedWithFailure(message(m ->
                m.startsWith("cannot check the energy budget of 100 J per invocation: this test may run at the same time "
                        + "as others (junit.jupiter.execution.parallel.enabled=true, execution mode CONCURRENT, its "
                        + "class is not @Isolated)") && m.endsWith("Run budgeted tests alone: @Isolated on the class and "
                        + "@Execution(ExecutionMode.SAME_THREAD)")))));
        Map<String, Map<String, String>> e = entries(r);
        for (String t : List.of("first()", "second()")) {
            assertThat(e.get(t).get("lem.overlap")).as(t).startsWith("this test's window overlapped ")
                    .endsWith(": machine-wide and device domains include their energy");
            assertThat(e.get(t).get("lem.energy.cpu.package[0] (measured)"))
                    .as("both tests' joules (and the budgeted test's, when it ran meanwhile): %s", t).isIn("2 J", "3 J");
        }
        parallel(Alone.class).testEvents().assertStatistics(s -> s.succeeded(1).failed(0));
    }
}
