package dev.lem.examples.bench;

import dev.lem.examples.LocalModel;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * LLM generation on the CPU, one operation per generated token: each invocation generates {@value #TOKENS} tokens
 * greedily after a short prompt (its prefill and {@value #TOKENS} decode steps), and
 * {@code @OperationsPerInvocation} divides by {@value #TOKENS}, so ms/op is the time per token and, with
 * {@code -prof lem}, mJ/op the energy per token, per energy domain:
 *
 * <pre>
 * java -cp "lem-examples/target/classes:$(cat lem-examples/target/cp.txt)" org.openjdk.jmh.Main DecodeBenchmark -prof lem
 * </pre>
 *
 * The model is loaded once per fork, outside the measured iterations; {@code -p model=synthetic:Qwen2.5-0.5B} (or a
 * local Hugging Face folder) measures another, and {@code -p weights=fp32,bf16,int8} compares the weights' formats
 * ({@code precision: bf16}, {@code options.quantization: int8}; see docs/djl.md).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@State(Scope.Benchmark)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 3, time = 3)
@Fork(value = 1, jvmArgsAppend = "-Dai.djl.offline=true")
public class DecodeBenchmark {
    static final int TOKENS = 16;

    /** JMH creates the benchmark state; its fields are set from {@code @Param}. */
    public DecodeBenchmark() {
    }

    /** The model: a preset's exact shape with seeded random weights, nothing downloaded. */
    @Param("synthetic:SmolLM2-135M")
    String model;

    /** PyTorch intra-op threads. */
    @Param("1")
    int threads;

    /** The matrices' format: {@code fp32}, {@code bf16} or {@code int8}. */
    @Param("fp32")
    String weights;

    private LocalModel loaded;

    /** Loads the model once per trial (outside the measured iterations). */
    @Setup(Level.Trial)
    public void load() {
        loaded = LocalModel.load(model, threads, weights);
    }

    /** Releases the model. */
    @TearDown(Level.Trial)
    public void unload() {
        loaded.close();
    }

    /**
     * One operation per generated token.
     *
     * @return the tokens generated (consumed by JMH)
     */
    @Benchmark
    @OperationsPerInvocation(TOKENS)
    public int generate() {
        return loaded.generate("The energy of one token", TOKENS);
    }
}
