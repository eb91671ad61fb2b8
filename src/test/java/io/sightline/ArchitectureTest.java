package io.sightline;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/** Packages by capability, without cycles: each can be read, and later split off, on its own. */
class ArchitectureTest {

    private static final JavaClasses CODE = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages("io.sightline");

    @Test
    void noCyclesBetweenPackages() {
        slices().matching("io.sightline.(*)..").should().beFreeOfCycles().check(CODE);
    }
}
