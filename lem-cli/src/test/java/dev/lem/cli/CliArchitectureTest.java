package dev.lem.cli;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** The command line is a thin layer over the public API: it uses no {@code internal} package of any module. */
class CliArchitectureTest {
    static final JavaClasses CLI = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.lem.cli");

    @Test
    void theCliUsesOnlyPublicApi() {
        noClasses().that().resideInAPackage("dev.lem.cli..").should().dependOnClassesThat()
                .resideInAPackage("dev.lem..internal..")
                .because("the lem command must be buildable from the public API a library user has")
                .check(CLI);
    }
}
