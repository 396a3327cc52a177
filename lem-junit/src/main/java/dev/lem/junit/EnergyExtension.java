package dev.lem.junit;

import dev.lem.energy.DomainEnergy;
import dev.lem.energy.EnergyMeasurement;
import dev.lem.energy.EnergyMonitor;
import dev.lem.energy.EnergyWindow;
import dev.lem.energy.MeasurementMethod;
import dev.lem.junit.internal.Budget;
import dev.lem.junit.internal.BudgetJudge;
import dev.lem.junit.internal.Invocation;
import dev.lem.junit.internal.Meters;
import dev.lem.junit.internal.Overlaps;
import dev.lem.junit.internal.Settings;
import dev.lem.junit.internal.TestResultsRecorder;
import java.lang.reflect.AnnotatedElement;
import java.lang.reflect.Method;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.extension.AfterTestExecutionCallback;
import org.junit.jupiter.api.extension.BeforeTestExecutionCallback;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.parallel.Isolated;
import org.junit.platform.commons.support.AnnotationSupport;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;

/**
 * The extension behind {@link MeasureEnergy} and {@link EnergyBudget} (registered by either annotation; register it
 * yourself with {@code @ExtendWith(EnergyExtension.class)} to measure every test of a class without a budget).
 *
 * <p>Around each test method's body (after {@code @BeforeEach}, before {@code @AfterEach}) it opens an energy window
 * over the meters of the run — opened once, at the first test that needs them, and closed when the run ends — and
 * then publishes the energy per domain as report entries, writes it to the LEM results, and judges the budget if
 * there is one. Resolves {@link EnergyUnits} parameters.
 *
 * <p><b>Concurrent tests.</b> Meters measure a whole CPU package, a whole GPU, or (estimates) the whole machine's
 * utilisation, so a window holds the energy of everything that ran during it. Under JUnit's parallel execution a
 * budget is judged only for a test that runs alone: its class (or an enclosing class) is {@code @Isolated} and the
 * test's execution mode is {@code SAME_THREAD}; any other budgeted test fails with a message saying so. A window that
 * did overlap another test's window (counted, whatever the configuration) is reported with a note and is never judged.
 */
public final class EnergyExtension implements BeforeTestExecutionCallback, AfterTestExecutionCallback,
        ParameterResolver {
    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(EnergyExtension.class);
    private static final String PARALLEL = "junit.jupiter.execution.parallel.enabled";

    /** Created by JUnit. */
    public EnergyExtension() {
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == EnergyUnits.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return units(context);
    }

    private static EnergyUnits units(ExtensionContext context) {
        String unit = budget(context).map(Budget::per).filter(p -> !p.equals(Budget.INVOCATION))
                .or(() -> closest(context, MeasureEnergy.class).map(a -> a.per().trim()).filter(p -> !p.isEmpty()))
                .orElse("unit");
        return context.getStore(NS).computeIfAbsent("units", k -> new EnergyUnits(unit), EnergyUnits.class);
    }

    @Override
    public void beforeTestExecution(ExtensionContext context) {
        Settings settings = settings(context);
        ExtensionContext.Store root = context.getRoot().getStore(NS);
        Meters meters = root.computeIfAbsent("meters:" + settings.key(), k -> Meters.open(settings), Meters.class);
        ExtensionContext.Store store = context.getStore(NS);
        store.put("settings", settings); // not the meters: JUnit closes what a test's store holds when the test ends
        Optional<EnergyMonitor> monitor = meters.monitor();
        if (monitor.isPresent()) {
            Overlaps overlaps = root.computeIfAbsent("overlaps", k -> new Overlaps(), Overlaps.class);
            store.put("ticket", overlaps.open());
            store.put("started", Instant.now());
            store.put("window", monitor.get().window(context.getUniqueId()));
        }
    }

    @Override
    public void afterTestExecution(ExtensionContext context) {
        ExtensionContext.Store store = context.getStore(NS);
        EnergyWindow window = store.remove("window", EnergyWindow.class);
        Settings settings = store.get("settings", Settings.class);
        Meters meters = settings == null ? null
                : context.getRoot().getStore(NS).get("meters:" + settings.key(), Meters.class);
        Optional<Budget> budget = budget(context);
        boolean passed = context.getExecutionException().isEmpty();
        if (window == null || meters == null || settings == null) {
            String why = meters == null ? "the extension did not start a window" : meters.notMeasured();
            context.publishReportEntry("lem.energy", "not measured: no energy meter can run here"
                    + (why.isEmpty() ? "" : " (" + why + ")"));
            if (budget.isPresent() && passed) {
                throw new TestAbortedException("no energy meter can run here, so the budget of "
                        + budget.get().describe() + " cannot be checked" + (why.isEmpty() ? "" : " (" + why + ")"));
            }
            return;
        }
        EnergyMeasurement m = window.stop();
        Overlaps overlaps = context.getRoot().getStore(NS).get("overlaps", Overlaps.class);
        Overlaps.Ticket ticket = store.remove("ticket", Overlaps.Ticket.class);
        int overlapped = overlaps == null || ticket == null ? 0 : overlaps.close(ticket);
        EnergyMonitor monitor = meters.monitor().orElseThrow();
        Map<String, String> refused = new LinkedHashMap<>();
        for (DomainEnergy d : m.domains()) {
            monitor.resolution(d.domain().id()).flatMap(r -> r.refusal(d.domain().id(), d.joules(), m.durationNanos(),
                    settings.maxResolutionError())).ifPresent(r -> refused.put(d.domain().id(), r));
        }
        EnergyUnits units = store.get("units", EnergyUnits.class);
        Invocation inv = new Invocation(m, units == null ? 0 : units.count(), refused, overlapped);
        String unit = units != null ? units.unit() : budget.map(Budget::per).orElse(Budget.INVOCATION);
        Map<String, String> entries = entries(inv, unit);
        List<String> notes = new ArrayList<>(refused.values());
        notes.addAll(m.notes());
        if (overlapped > 0) {
            notes.add(overlapNote(overlapped));
        }

        BudgetJudge.Verdict verdict = null;
        Optional<RepeatedTest> repeated = context.getTestMethod()
                .flatMap(meth -> AnnotationSupport.findAnnotation(meth, RepeatedTest.class));
        if (budget.isPresent() && passed) {
            Budget b = budget.get();
            Optional<String> alone = runsAlone(context);
            if (alone.isPresent()) {
                verdict = new BudgetJudge.Fail("cannot check the energy budget of " + b.describe() + ": "
                        + alone.get());
            } else if (overlapped > 0) {
                verdict = new BudgetJudge.Fail("cannot check the energy budget of " + b.describe() + ": "
                        + overlapNote(overlapped) + "; run budgeted tests alone (@Isolated on the class and "
                        + "@Execution(ExecutionMode.SAME_THREAD))");
            } else if (repeated.isPresent() && context.getParent().isPresent()) {
                Repetitions reps = context.getParent().get().getStore(NS)
                        .computeIfAbsent("repetitions", k -> new Repetitions(), Repetitions.class);
                int total = repeated.get().value();
                int seen = reps.add(inv);
                if (seen >= total) {
                    verdict = BudgetJudge.judge(b, reps.passed(), true, meters.notMeasured());
                } else {
                    entries.put("lem.budget", b.describe() + ": judged at the last of " + total + " repetitions, on the "
                            + "upper bound of the " + b.level() + " interval");
                }
            } else {
                verdict = BudgetJudge.judge(b, List.of(inv), false, meters.notMeasured());
            }
        } else if (repeated.isPresent() && context.getParent().isPresent() && budget.isPresent()) {
            context.getParent().get().getStore(NS).computeIfAbsent("repetitions", k -> new Repetitions(),
                    Repetitions.class).skip();
        }
        if (verdict != null) {
            entries.put("lem.budget", verdict.message());
            notes.add(verdict.message());
        }
        Instant started = store.remove("started", Instant.class);
        record(context, settings, meters, repeated.isPresent(), started == null ? Instant.now() : started, inv, unit,
                notes, entries);
        context.publishReportEntry(entries);
        if (verdict instanceof BudgetJudge.Fail f) {
            throw new AssertionFailedError(f.message());
        }
        if (verdict instanceof BudgetJudge.Abort a) {
            throw new TestAbortedException(a.message());
        }
    }

    /** Empty when the test runs alone; else why it may not. */
    private static Optional<String> runsAlone(ExtensionContext context) {
        boolean parallel = context.getConfigurationParameter(PARALLEL).map(Boolean::parseBoolean).orElse(false);
        if (!parallel) {
            return Optional.empty();
        }
        boolean isolated = false;
        for (Class<?> c = context.getTestClass().orElse(null); c != null; c = c.getEnclosingClass()) {
            isolated |= AnnotationSupport.isAnnotated(c, Isolated.class);
        }
        ExecutionMode mode = context.getExecutionMode();
        if (isolated && mode == ExecutionMode.SAME_THREAD) {
            return Optional.empty();
        }
        return Optional.of("this test may run at the same time as others (" + PARALLEL + "=true, execution mode "
                + mode + (isolated ? "" : ", its class is not @Isolated") + "), and the meters measure the whole "
                + "machine or device, so their energy would be counted too. Run budgeted tests alone: @Isolated on the "
                + "class and @Execution(ExecutionMode.SAME_THREAD)");
    }

    private static String overlapNote(int others) {
        return "this test's window overlapped " + others + " other test window" + (others == 1 ? "" : "s")
                + ": machine-wide and device domains include their energy";
    }

    /** The report entries of one invocation. */
    private static Map<String, String> entries(Invocation inv, String unit) {
        Map<String, String> e = new LinkedHashMap<>();
        EnergyMeasurement m = inv.energy();
        for (DomainEnergy d : m.domains()) {
            String key = "lem.energy." + d.domain().id() + " (" + d.domain().method().label() + ")";
            String why = inv.refused().get(d.domain().id());
            if (why != null) {
                e.put(key, "left out: " + why);
                continue;
            }
            e.put(key, num(d.joules()) + " J");
            d.adjustedJoules().ifPresent(a -> e.put("lem.energy." + d.domain().id() + ".adjusted ("
                    + d.domain().method().label() + ")", num(a) + " J"));
        }
        List<DomainEnergy> reported = inv.reported();
        if (!reported.isEmpty() && inv.refused().isEmpty()) {
            String methods = " (" + methods(reported) + ")";
            double total = reported.stream().mapToDouble(DomainEnergy::joules).sum();
            e.put("lem.energy.total" + methods, num(total) + " J");
            if (inv.units() > 0) {
                e.put("lem.energy.total per " + unit + methods, num(total / inv.units()) + " J/" + unit);
            }
        }
        if (m.domains().isEmpty()) {
            e.put("lem.energy", "no energy domain had a reading" + (m.notes().isEmpty() ? ""
                    : ": " + String.join("; ", m.notes())));
        }
        e.put("lem.duration", num(m.durationSeconds()) + " s");
        if (inv.units() > 0) {
            e.put("lem.units", num(inv.units()) + " " + unit);
        }
        if (inv.overlapped() > 0) {
            e.put("lem.overlap", overlapNote(inv.overlapped()));
        }
        return e;
    }

    private static String methods(List<DomainEnergy> domains) {
        Set<MeasurementMethod> seen = new LinkedHashSet<>();
        domains.forEach(d -> seen.add(d.domain().method()));
        return seen.stream().map(MeasurementMethod::label).collect(Collectors.joining("+"));
    }

    private static String num(double v) {
        if (v == 0 || !Double.isFinite(v)) {
            return String.valueOf(v == 0 ? 0 : v);
        }
        double a = Math.abs(v);
        if (a >= 1e-4 && a < 1e9) {
            return new java.math.BigDecimal(v).round(new java.math.MathContext(4)).stripTrailingZeros().toPlainString();
        }
        return String.format(Locale.ROOT, "%.3e", v);
    }

    /** Writes the invocation to the LEM results, when asked; a failure to write is a report entry, not a failure. */
    private static void record(ExtensionContext context, Settings settings, Meters meters, boolean repeated,
            Instant started, Invocation inv, String unit, List<String> notes, Map<String, String> entries) {
        if (settings.resultsDir().isEmpty()) {
            return;
        }
        ExtensionContext owner = repeated && context.getParent().isPresent() ? context.getParent().get() : context;
        Class<?> type = context.getRequiredTestClass();
        Method method = context.getRequiredTestMethod();
        String name = type.getSimpleName() + "#" + method.getName()
                + (repeated || owner.getDisplayName().equals(method.getName() + "()") ? "" : " " + owner.getDisplayName());
        try {
            TestResultsRecorder r = context.getRoot().getStore(NS).computeIfAbsent("results:" + owner.getUniqueId(),
                    k -> new TestResultsRecorder(settings.resultsDir().get(), name,
                            "junit:" + type.getName() + "#" + method.getName(), settings, meters,
                            Map.of("junit.unique_id", owner.getUniqueId(), "junit.display_name",
                                    owner.getDisplayName())), TestResultsRecorder.class);
            r.invocation(started, inv, unit, notes);
            entries.put("lem.results", r.root() + " (experiment " + r.experimentId() + ")");
        } catch (RuntimeException e) {
            entries.put("lem.results", "not written: " + e.getMessage());
        }
    }

    private static Settings settings(ExtensionContext context) {
        List<String> meters = closest(context, MeasureEnergy.class).map(a -> Arrays.asList(a.meters()))
                .orElse(List.of());
        Function<String, Optional<String>> params = context::getConfigurationParameter;
        try {
            return Settings.read(params, meters);
        } catch (IllegalArgumentException e) {
            throw new ExtensionConfigurationException(e.getMessage(), e);
        }
    }

    private static Optional<Budget> budget(ExtensionContext context) {
        return closest(context, EnergyBudget.class).map(a -> {
            try {
                Set<String> kinds = new LinkedHashSet<>();
                for (DomainKind k : a.domains()) {
                    kinds.add(k.kind());
                }
                return new Budget(a.joules(), a.per().trim(), kinds, a.confidence(), a.allowEstimated());
            } catch (IllegalArgumentException e) {
                throw new ExtensionConfigurationException(e.getMessage(), e);
            }
        });
    }

    /** The annotation on the test method, else on its class, a superclass or an enclosing class. */
    private static <A extends java.lang.annotation.Annotation> Optional<A> closest(ExtensionContext context,
            Class<A> type) {
        Optional<A> onMethod = context.getTestMethod().flatMap(m -> AnnotationSupport.findAnnotation(m, type));
        if (onMethod.isPresent()) {
            return onMethod;
        }
        for (Class<?> c = context.getTestClass().orElse(null); c != null; c = c.getEnclosingClass()) {
            Optional<A> a = AnnotationSupport.findAnnotation((AnnotatedElement) c, type);
            if (a.isPresent()) {
                return a;
            }
        }
        return Optional.empty();
    }

    /** The repetitions of one repeated test seen so far, and the energy of those that passed. Thread-safe. */
    static final class Repetitions {
        private final List<Invocation> passed = new ArrayList<>();
        private int seen;

        synchronized int add(Invocation inv) {
            passed.add(inv);
            return ++seen;
        }

        synchronized void skip() {
            seen++;
        }

        synchronized List<Invocation> passed() {
            return List.copyOf(passed);
        }
    }
}
