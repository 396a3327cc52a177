package dev.lem.backend.djl.internal;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.jni.IValue;
import java.util.ArrayList;
import java.util.List;

/**
 * A probe, not a test: times matrix product forms against each other — LEM's decode kernel with float32 and bf16
 * matrices ({@code lem-f32}, {@code lem-bf16}), LEM's packed layouts (float32 {@code lem-packed}, bf16 pairs
 * {@code lem-pairs-bf16}), libtorch's float32 product ({@code f32}: {@code linear} for one row,
 * {@code mm} for more), oneDNN's float32 product on its prepacked layout ({@code onednn-f32}), oneDNN's bf16 product on
 * its prepacked layout ({@code onednn}) and on the plain layout ({@code onednn-plain}) — each over a list of matrices
 * larger than the caches, in three rounds, and prints microseconds per product and the weight bytes read per second.
 * Options: {@code -Drows=1} (rows of x), {@code -Dout=2048 -Din=2048} (the matrix), {@code -Dbytes=536870912} (float32
 * bytes of all matrices together), {@code -Dreps=20}, {@code -Dthreads=0} (the kernel's threads: 0 = libtorch's
 * intra-op threads and the best instruction set, as the compiled programs call it; n = n threads) and {@code -Disa=4}
 * (with {@code -Dthreads}: 4 AVX-512 with BF16, 3 AVX-512, 2 AVX2, 1 plain C; above what the CPU has means its best).
 * docs/performance.md ("Decode kernel") quotes it.
 */
public final class SmallLinearProbe {
    private SmallLinearProbe() {
    }

    public static void main(String[] args) {
        NativeEngine.start();
        System.out.println(DecodeKernels.status().describe());
        int rows = Integer.getInteger("rows", 1);
        int out = Integer.getInteger("out", 2048), in = Integer.getInteger("in", 2048);
        int threads = Integer.getInteger("threads", 0);
        int isa = Integer.getInteger("isa", 4);
        long total = Long.getLong("bytes", 512L << 20);
        int count = (int) Math.max(1, total / (4L * out * in));
        String src = """
                class Probe(Module):
                  __parameters__ = []
                  __buffers__ = []
                  training : bool
                  def isa(self: __torch__.Probe) -> int:
                    return ops.lem.kernel_isa()
                  def bf16(self: __torch__.Probe, w: List[Tensor]) -> List[Tensor]:
                    out = annotate(List[Tensor], [])
                    for i in range(torch.len(w)):
                      torch.append(out, torch.contiguous(torch.to(w[i], 15)))
                    return out
                  def packed(self: __torch__.Probe, w: List[Tensor]) -> List[Tensor]:
                    out = annotate(List[Tensor], [])
                    for i in range(torch.len(w)):
                      torch.append(out, ops.mkldnn._reorder_linear_weight(torch.contiguous(torch.to(w[i], 15)), None))
                    return out
                  def packed32(self: __torch__.Probe, w: List[Tensor]) -> List[Tensor]:
                    out = annotate(List[Tensor], [])
                    for i in range(torch.len(w)):
                      torch.append(out, ops.mkldnn._reorder_linear_weight(torch.contiguous(w[i]), None))
                    return out
                  def lempack(self: __torch__.Probe, w: List[Tensor]) -> List[Tensor]:
                    out = annotate(List[Tensor], [])
                    for i in range(torch.len(w)):
                      torch.append(out, ops.lem.pack_columns(w[i]))
                    return out
                  def lempairs(self: __torch__.Probe, w: List[Tensor]) -> List[Tensor]:
                    out = annotate(List[Tensor], [])
                    for i in range(torch.len(w)):
                      torch.append(out, ops.lem.pack_bf16_pairs(w[i]))
                    return out
                  def lempacked(self: __torch__.Probe, x: Tensor, w: List[Tensor], n: int, reps: int) -> Tensor:
                    y = x
                    acc = torch.zeros([1])
                    for r in range(reps):
                      for i in range(torch.len(w)):
                        y = ops.lem.packed_linear(x, w[i], n)
                        acc = acc + torch.sum(y)
                    return y + torch.sum(acc) * 0
                  def onednn32(self: __torch__.Probe, x: Tensor, w: List[Tensor], reps: int) -> Tensor:
                    y = x
                    acc = torch.zeros([1])
                    for r in range(reps):
                      for i in range(torch.len(w)):
                        y = ops.mkldnn._linear_pointwise(x, w[i], None, "none", annotate(List[Optional[number]], []), None)
                        acc = acc + torch.sum(y)
                    return y + torch.sum(acc) * 0
                  def lem(self: __torch__.Probe, x: Tensor, w: List[Tensor], threads: int, isa: int, reps: int) -> Tensor:
                    y = x
                    acc = torch.zeros([1])
                    for r in range(reps):
                      for i in range(torch.len(w)):
                        if threads > 0:
                          y = ops.lem.small_linear_with(x, w[i], threads, isa)
                        else:
                          y = ops.lem.small_linear(x, w[i])
                        acc = acc + torch.sum(y)
                    return y + torch.sum(acc) * 0
                  def f32(self: __torch__.Probe, x: Tensor, w: List[Tensor], reps: int) -> Tensor:
                    y = x
                    acc = torch.zeros([1])
                    for r in range(reps):
                      for i in range(torch.len(w)):
                        if torch.size(x, 0) == 1:
                          y = torch.linear(x, w[i])
                          acc = acc + torch.sum(y)
                        else:
                          y = torch.t(torch.mm(w[i], torch.t(x)))
                          acc = acc + torch.sum(y)
                    return y + torch.sum(acc) * 0
                  def onednn(self: __torch__.Probe, x: Tensor, w: List[Tensor], reps: int) -> Tensor:
                    y = x
                    acc = torch.zeros([1])
                    for r in range(reps):
                      for i in range(torch.len(w)):
                        y = torch.to(ops.mkldnn._linear_pointwise(torch.to(x, 15), w[i], None, "none", annotate(List[Optional[number]], []), None), 6)
                        acc = acc + torch.sum(y)
                    return y + torch.sum(acc) * 0
                """;
        try (NDManager m = NDManager.newBaseManager();
                TorchScriptModule module = TorchScriptModule.compile("Probe", src, m)) {
            try (IValue best = module.run("isa")) {
                System.out.println("best instruction set of the kernel here: " + best.toLong());
            }
            List<PtNDArray> ws = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                ws.add((PtNDArray) m.randomNormal(new Shape(out, in)).div(Math.sqrt(in)));
            }
            PtNDArray x = (PtNDArray) m.randomNormal(new Shape(rows, in));
            IValue wl = IValue.listFrom(ws.toArray(new PtNDArray[0]));
            IValue xv = IValue.from(x);
            IValue wb = module.run("bf16", wl);
            IValue wp = module.run("packed", wl);
            long p0 = System.nanoTime();
            IValue wp32 = module.run("packed32", wl);
            long p1 = System.nanoTime();
            IValue wlem = module.run("lempack", wl);
            long p2 = System.nanoTime();
            IValue wpairs = module.run("lempairs", wl);
            double gb = 4.0 * out * in * count / 1e9;
            System.out.printf("packing %.2f GB of float32 matrices: oneDNN's layout %.0f ms, LEM's %.0f ms%n", gb,
                    (p1 - p0) / 1e6, (p2 - p1) / 1e6);
            IValue nOut = IValue.from((long) out);
            IValue th = IValue.from((long) threads);
            IValue is = IValue.from((long) isa);
            // correctness
            NDArray ref = x.matMul(ws.get(count - 1).transpose());
            try (IValue one = IValue.from(1L)) {
                float[] r = ref.toFloatArray();
                for (var pair : rows <= 8 ? List.of(List.of("lem f32", "a"), List.of("lem bf16", "b"),
                        List.of("lem packed", "p"), List.of("lem pairs", "q")) : List.of(List.of("lem packed", "p"),
                        List.of("lem pairs", "q"))) {
                    IValue y = pair.get(1).equals("p") ? module.run("lempacked", xv, wlem, nOut, one)
                            : pair.get(1).equals("q") ? module.run("lempacked", xv, wpairs, nOut, one)
                            : module.run("lem", xv, pair.get(1).equals("a") ? wl : wb, th, is, one);
                    float[] v = y.toTensor((PtNDManager) m).toFloatArray();
                    double err = 0, big = 0;
                    for (int i = 0; i < r.length; i++) {
                        err = Math.max(err, Math.abs(v[i] - r[i]));
                        big = Math.max(big, Math.abs(r[i]));
                    }
                    System.out.printf("%s max err %.3g of %.3g%n", pair.get(0), err, big);
                }
            }
            int reps = Integer.getInteger("reps", 20);
            for (int round = 0; round < 3; round++) {
                List<String> forms = rows <= 8 ? List.of("lem-f32", "lem-bf16", "lem-packed", "lem-pairs-bf16", "f32", "onednn-f32",
                        "onednn", "onednn-plain") : List.of("lem-packed", "lem-pairs-bf16", "f32", "onednn-f32", "onednn");
                for (String form : forms) {
                    IValue r = IValue.from((long) reps);
                    long t0 = System.nanoTime();
                    IValue y = switch (form) {
                        case "lem-f32" -> module.run("lem", xv, wl, th, is, r);
                        case "lem-bf16" -> module.run("lem", xv, wb, th, is, r);
                        case "lem-packed" -> module.run("lempacked", xv, wlem, nOut, r);
                        case "lem-pairs-bf16" -> module.run("lempacked", xv, wpairs, nOut, r);
                        case "f32" -> module.run("f32", xv, wl, r);
                        case "onednn-plain" -> module.run("onednn", xv, wb, r);
                        case "onednn-f32" -> module.run("onednn32", xv, wp32, r);
                        default -> module.run("onednn", xv, wp, r);
                    };
                    long ns = System.nanoTime() - t0;
                    y.close();
                    double per = ns / 1e3 / reps / count;
                    double bytes = (double) out * in * (form.contains("bf16") || form.startsWith("onednn") && !form.endsWith("f32") ? 2 : 4);
                    System.out.printf("%-14s rows %d %dx%d: %8.1f us/product  %6.1f GB/s%n", form, rows, out, in, per,
                            bytes / per / 1e3);
                }
            }
        }
    }
}
