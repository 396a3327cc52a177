package dev.lem.backend.djl.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.jni.IValue;
import dev.lem.spi.BackendException;
import java.io.ByteArrayInputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** TorchScript programs built from source text, with no Python: the archive, compilation and errors. */
class TorchScriptModuleTest {
    private static final String HEADER = """
            class Probe(Module):
              __parameters__ = []
              __buffers__ = []
              training : bool
            """;

    @BeforeAll
    static void engine() {
        NativeEngine.start();
    }

    @Test
    void theArchiveHasTheLayoutTorchJitLoadReads() throws Exception {
        byte[] zip = TorchScriptModule.archive("Probe", HEADER);
        List<String> names = new ArrayList<>();
        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip))) {
            for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                names.add(e.getName());
                assertThat(e.getMethod()).as(e.getName() + " stored uncompressed").isEqualTo(ZipEntry.STORED);
                if (e.getName().endsWith("version")) {
                    assertThat(new String(in.readAllBytes())).isEqualTo("10\n");
                }
            }
        }
        assertThat(names).containsExactly("archive/data.pkl", "archive/constants.pkl", "archive/version",
                "archive/code/__torch__.py");
        assertThatThrownBy(() -> TorchScriptModule.archive("no spaces", HEADER))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aCompiledMethodComputesWithCurrentOperatorSchemas() {
        String source = HEADER + """
                  def forward(self: __torch__.Probe, x: Tensor, k: int) -> Tensor:
                    return torch.gelu(x, approximate="tanh") * k + torch.rms_norm(x, [3], None, 0.0)
                """;
        try (NDManager m = NDManager.newBaseManager(); TorchScriptModule module = TorchScriptModule.compile("Probe",
                source, m)) {
            PtNDArray x = (PtNDArray) m.create(new float[] {1, -2, 3});
            try (IValue in = IValue.from(x); IValue k = IValue.from(2L); IValue out = module.run("forward", in, k)) {
                float[] y = out.toTensor((PtNDManager) m).toFloatArray();
                double rms = Math.sqrt((1 + 4 + 9) / 3.0);
                double[] xs = {1, -2, 3};
                for (int i = 0; i < 3; i++) {
                    double v = xs[i];
                    double gelu = 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v * v * v)));
                    assertThat((double) y[i]).isCloseTo(2 * gelu + v / rms, org.assertj.core.data.Offset.offset(1e-5));
                }
            }
        }
    }

    @Test
    void sourceLibtorchRejectsIsABackendErrorNamingTheLineAndTheWayOut() {
        String source = HEADER + """
                  def forward(self: __torch__.Probe, x: Tensor) -> Tensor:
                    return torch.no_such_operator(x)
                """;
        try (NDManager m = NDManager.newBaseManager()) {
            assertThatThrownBy(() -> TorchScriptModule.compile("Probe", source, m))
                    .isInstanceOf(BackendException.class)
                    .hasMessageContaining("no_such_operator")
                    .hasMessageContaining("options.executor: eager");
        }
    }
}
