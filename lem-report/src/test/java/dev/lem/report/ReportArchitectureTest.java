package dev.lem.report;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * lem-report is built on lem-core's public API (no {@code internal} package of lem-core), draws with the JDK only
 * (no AWT windows: headless Java2D and SVG text), and keeps its own internals behind its public classes.
 */
class ReportArchitectureTest {
    static final JavaClasses REPORT = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.lem.report");

    @Test
    void usesOnlyTheCorePublicApi() {
        noClasses().that().resideInAPackage("dev.lem.report..").should().dependOnClassesThat()
                .resideInAnyPackage("dev.lem.internal..", "dev.lem.results.internal..", "dev.lem.stats.internal..",
                        "dev.lem.energy.internal..", "dev.lem.config.internal..", "dev.lem.spi.internal..")
                .because("a report reads results the way a library user can").check(REPORT);
    }

    @Test
    void opensNoWindowAndNoConnection() {
        noClasses().that().resideInAPackage("dev.lem.report..").should().dependOnClassesThat()
                .resideInAnyPackage("javax.swing..", "java.net..", "java.awt.event..")
                .because("reports are drawn headless and make no network request").check(REPORT);
    }
}
