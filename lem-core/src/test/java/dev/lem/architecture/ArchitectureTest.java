package dev.lem.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.Dependency;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import com.tngtech.archunit.lang.syntax.ArchRuleDefinition;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The layers of lem-core, enforced: each layer may use only the layers below it, nothing outside a package
 * uses its {@code internal} sub-package, and the plug-in contracts do not reach into configuration internals.
 * The layers, bottom to top (docs/architecture.md explains each):
 * <ol>
 *   <li>Foundation: {@code stats}, {@code model}, and the two root types every layer may name,
 *       {@code LemException} and {@code Metric};</li>
 *   <li>Config: {@code config};</li>
 *   <li>Contracts and measurement: {@code spi}, {@code energy}, {@code flops}, {@code metrics}, {@code env},
 *       {@code quality};</li>
 *   <li>Workload: {@code workload}, {@code serving};</li>
 *   <li>Results: {@code result} (records and the summary), {@code results} (storage, aggregation);</li>
 *   <li>Campaigns: {@code campaign} (definitions, grid planning, manifests, orders, gaps: no running);</li>
 *   <li>Orchestration: {@code dev.lem.internal} (the experiment and campaign runners);</li>
 *   <li>API: the root package's entry points ({@code Experiment}, {@code Campaign}, {@code Lem},
 *       {@code Comparisons}).</li>
 * </ol>
 */
class ArchitectureTest {
    static final JavaClasses CORE = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.lem");

    private static final Set<String> FOUNDATION_ROOT_TYPES = Set.of("dev.lem.LemException", "dev.lem.Metric");

    private static DescribedPredicate<JavaClass> inPackages(String description, String... packages) {
        return DescribedPredicate.describe(description, c -> {
            for (String p : packages) {
                if (c.getPackageName().equals(p) || c.getPackageName().startsWith(p + ".")) {
                    return true;
                }
            }
            return false;
        });
    }

    static final ArchRule LAYERS = layeredArchitecture().consideringOnlyDependenciesInLayers()
            .layer("Foundation").definedBy(DescribedPredicate.describe("stats, model, LemException, Metric",
                    c -> inPackages("", "dev.lem.stats", "dev.lem.model").test(c)
                            || FOUNDATION_ROOT_TYPES.contains(c.getName())
                            || FOUNDATION_ROOT_TYPES.stream().anyMatch(t -> c.getName().startsWith(t + "$"))))
            .layer("Config").definedBy(inPackages("config", "dev.lem.config"))
            .layer("Contracts").definedBy(inPackages("spi, energy, flops, metrics, env, quality", "dev.lem.spi",
                    "dev.lem.energy", "dev.lem.flops", "dev.lem.metrics", "dev.lem.env", "dev.lem.quality"))
            .layer("Workload").definedBy(inPackages("workload, serving", "dev.lem.workload", "dev.lem.serving"))
            .layer("Results").definedBy(inPackages("result, results", "dev.lem.result", "dev.lem.results"))
            .layer("Campaigns").definedBy(inPackages("campaign", "dev.lem.campaign"))
            .layer("Orchestration").definedBy(inPackages("internal", "dev.lem.internal"))
            .layer("Api").definedBy(DescribedPredicate.describe("the root package's entry points",
                    c -> c.getPackageName().equals("dev.lem") && !FOUNDATION_ROOT_TYPES.contains(c.getName())
                            && FOUNDATION_ROOT_TYPES.stream().noneMatch(t -> c.getName().startsWith(t + "$"))))
            .whereLayer("Api").mayNotBeAccessedByAnyLayer()
            .whereLayer("Orchestration").mayOnlyBeAccessedByLayers("Api")
            .whereLayer("Campaigns").mayOnlyBeAccessedByLayers("Orchestration", "Api")
            .whereLayer("Results").mayOnlyBeAccessedByLayers("Campaigns", "Orchestration", "Api")
            .whereLayer("Workload").mayOnlyBeAccessedByLayers("Results", "Campaigns", "Orchestration", "Api")
            .whereLayer("Contracts").mayOnlyBeAccessedByLayers("Workload", "Results", "Campaigns", "Orchestration",
                    "Api")
            .whereLayer("Config").mayOnlyBeAccessedByLayers("Contracts", "Workload", "Results", "Campaigns",
                    "Orchestration", "Api");

    /** A class in {@code a.b.internal..} may be used only from {@code a.b} and its sub-packages. */
    static final ArchRule INTERNALS_STAY_INSIDE = ArchRuleDefinition.classes().that().resideInAPackage("..internal..")
            .should(new ArchCondition<JavaClass>("be used only from the package that owns the internal package") {
                @Override
                public void check(JavaClass item, ConditionEvents events) {
                    String pkg = item.getPackageName();
                    String owner = pkg.substring(0, pkg.indexOf(".internal"));
                    for (Dependency d : item.getDirectDependenciesToSelf()) {
                        String from = d.getOriginClass().getPackageName();
                        if (!from.equals(owner) && !from.startsWith(owner + ".")) {
                            events.add(SimpleConditionEvent.violated(d, d.getDescription()));
                        }
                    }
                }
            });

    @Test
    void noPackageUsesALayerAboveIt() {
        LAYERS.check(CORE);
    }

    @Test
    void nothingOutsideAPackageUsesItsInternals() {
        INTERNALS_STAY_INSIDE.check(CORE);
    }

    @Test
    void thePluginContractsDoNotDependOnConfigurationInternals() {
        noClasses().that().resideInAPackage("dev.lem.spi..").should().dependOnClassesThat()
                .resideInAPackage("dev.lem.config.internal..").check(CORE);
    }

    @Test
    void theStatisticsArePureMathematics() {
        noClasses().that().resideInAPackage("dev.lem.stats..").should().dependOnClassesThat()
                .resideOutsideOfPackages("dev.lem.stats..", "java..", "org.apache.commons.math3..", "org.jspecify..",
                        "org.slf4j..").check(CORE);
    }
}
