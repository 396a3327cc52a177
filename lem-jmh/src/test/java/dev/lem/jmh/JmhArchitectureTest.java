package dev.lem.jmh;

import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** The profiler is built on lem-core's public API: no {@code internal} package of another module. */
class JmhArchitectureTest {
    static final JavaClasses JMH = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.lem.jmh");

    @Test
    void theProfilerUsesOnlyLemCoresPublicApi() {
        noClasses().that().resideInAPackage("dev.lem.jmh..").should().dependOnClassesThat(
                resideInAPackage("dev.lem..internal..").and(resideInAPackage("dev.lem.jmh.internal..").negate()))
                .because("lem-jmh must be buildable from the public API a library user has")
                .check(JMH);
    }

    @Test
    void theApiPackageExposesOnlyTheProfiler() {
        noClasses().that().resideInAPackage("dev.lem.jmh").and().arePublic().should().haveSimpleNameNotEndingWith("Profiler")
                .check(JMH);
    }
}
