package dev.lem.serving.jetty;

import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** The Jetty transport is built on lem-core's public SPI, and its API package holds only the provider. */
class JettyArchitectureTest {
    static final JavaClasses JETTY = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.lem.serving.jetty");

    @Test
    void theTransportUsesOnlyLemCoresPublicApi() {
        noClasses().that().resideInAPackage("dev.lem.serving.jetty..").should().dependOnClassesThat(
                resideInAPackage("dev.lem..internal..").and(resideInAPackage("dev.lem.serving.jetty.internal..")
                        .negate()))
                .because("lem-serving-jetty must be buildable from the SPI a plug-in author has")
                .check(JETTY);
    }

    @Test
    void jettyStaysInsideTheInternalPackage() {
        noClasses().that().resideInAPackage("dev.lem.serving.jetty").should()
                .dependOnClassesThat(resideInAPackage("org.eclipse.jetty.."))
                .because("Jetty's types must not leak into LEM's API").check(JETTY);
    }
}
