package dev.lem.energy.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lem.energy.internal.CpuPowerTable.Kind;
import dev.lem.energy.internal.CpuPowerTable.Match;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CpuPowerTableTest {
    static CpuPowerTable table;

    @BeforeAll
    static void load() {
        table = CpuPowerTable.load();
    }

    @Test
    void theShippedTableHasEveryRowWithAValidTdp() {
        // 4,903 rows; 4 Celeron rows hold malformed TDPs such as "27.29.5" and are skipped
        assertThat(table.size()).isEqualTo(4899);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            Intel(R) Xeon(R) CPU E5-2690 v4 @ 2.60GHz      | Intel Xeon E5-2690 v4     | 135
            Intel(R) Xeon(R) CPU E5-2690 0 @ 2.90GHz       | Intel Xeon E5-2690        | 135
            Intel(R) Xeon(R) CPU E5-2690 v2 @ 3.00GHz      | Intel Xeon E5-2690 v2     | 130
            Intel(R) Core(TM) i7-8700K CPU @ 3.70GHz       | Intel Core i7-8700K       | 95
            Intel(R) Core(TM) i7-8700 CPU @ 3.20GHz        | Intel Core i7-8700        | 65
            AMD EPYC 7763 64-Core Processor                | AMD EPYC 7763             | 280
            AMD Ryzen 9 5950X 16-Core Processor            | AMD Ryzen 9 5950X         | 105
            Intel(R) Xeon(R) Platinum 8480+                | Intel Xeon Platinum 8480+ | 350
            Intel(R) Xeon(R) Gold 6248R CPU @ 3.00GHz      | Intel Xeon Gold 6248R     | 205
            Intel(R) Xeon(R) Platinum 8375C CPU @ 2.90GHz  | Intel Xeon Platinum 8375C | 300
            Apple M1                                       | Apple M1                  | 10
            """)
    void realBrandStringsFindTheirModel(String brand, String expected, double tdp) {
        Match m = table.match(brand);
        assertThat(m.kind()).isIn(Kind.EXACT, Kind.MODEL_NUMBER);
        assertThat(m.entry()).hasValueSatisfying(e -> {
            assertThat(e.name()).isEqualTo(expected);
            assertThat(e.tdpWatts()).isEqualTo(tdp);
        });
        assertThat(m.describe()).contains(expected);
    }

    @Test
    void aBareFamilyNameAsThisVirtualMachineReportsIsAmbiguousNotGuessed() {
        // /proc/cpuinfo of this project's build machine says only "AMD EPYC"
        Match m = table.match("AMD EPYC");
        assertThat(m.kind()).isEqualTo(Kind.AMBIGUOUS);
        assertThat(m.tdpWatts()).isEmpty();
        assertThat(m.candidates()).hasSize(148).allSatisfy(e -> assertThat(e.name()).startsWith("AMD EPYC"));
        assertThat(m.describe()).contains("ambiguous").contains("148 models").contains("from 50 to 500 W");
    }

    @Test
    void theGenericBrandOfCloudXeonsIsAmbiguousToo() {
        // what the project's H100 cloud host reports
        Match m = table.match("Intel(R) Xeon(R) Processor");
        assertThat(m.kind()).isEqualTo(Kind.AMBIGUOUS);
        assertThat(m.candidates()).allSatisfy(e -> assertThat(e.name()).contains("Xeon"));
    }

    @Test
    void tiesBetweenDifferentTdpsAreAmbiguous() {
        CpuPowerTable small = new CpuPowerTable(java.util.List.of(new CpuPowerTable.Entry("Foo X 100 A", 10),
                new CpuPowerTable.Entry("Foo X 100 B", 20)));
        Match tie = small.match("Foo X 100");
        assertThat(tie.kind()).isEqualTo(Kind.AMBIGUOUS);
        assertThat(tie.candidates()).hasSize(2);
    }

    @Test
    void unknownModelsAndOtherVendorsAreNotFound() {
        assertThat(table.match("Totally Unknown CPU 12345QX").kind()).isEqualTo(Kind.NOT_FOUND);
        assertThat(table.match("").kind()).isEqualTo(Kind.NOT_FOUND);
        // an AMD brand must not match an Intel part with the same number
        CpuPowerTable small = new CpuPowerTable(java.util.List.of(new CpuPowerTable.Entry("Intel Core 7763", 10)));
        assertThat(small.match("AMD EPYC 7763").kind()).isEqualTo(Kind.NOT_FOUND);
    }

    @Test
    void normalisationDropsMarksClocksCoreCountsAndGraphics() {
        assertThat(CpuPowerTable.tokens("AMD Ryzen 7 PRO 4750U with Radeon Graphics"))
                .containsExactly("amd", "ryzen", "7", "pro", "4750u");
        assertThat(CpuPowerTable.tokens("Intel(R) Core(TM) i5-10210U CPU @ 1.60GHz"))
                .containsExactly("intel", "core", "i5", "10210u");
        assertThat(CpuPowerTable.tokens("AMD EPYC™ 9654 96-Core Processor")).containsExactly("amd", "epyc", "9654");
    }
}
