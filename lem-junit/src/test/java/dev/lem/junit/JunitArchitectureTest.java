package dev.lem.junit;

import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** The extension is built on lem-core's public API: no {@code internal} package of another module. */
class JunitArchitectureTest {
    static final JavaClasses JUNIT = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.lem.junit");

    @Test
    void theExtensionUsesOnlyLemCoresPublicApi() {
        noClasses().that().resideInAPackage("dev.lem.junit..").should().dependOnClassesThat(
                resideInAPackage("dev.lem..internal..").and(resideInAPackage("dev.lem.junit.internal..").negate()))
                .because("lem-junit must be buildable from the public API a library user has")
                .check(JUNIT);
    }

    @Test
    void theExtensionDependsOnJupitersApiOnlyNotItsEngine() {
        noClasses().that().resideInAPackage("dev.lem.junit..").should().dependOnClassesThat()
                .resideInAPackage("org.junit.jupiter.engine..").check(JUNIT);
    }
}
