// LEM in jshell. From the repository root:
//   ./lem --version                                   (builds lem-cli/target/lem-cli.jar once)
//   jshell --class-path lem-cli/target/lem-cli.jar lem-examples/src/main/jshell/quickstart.jsh
// jshell runs each complete statement as soon as a line ends it, so continued lines end with a dot.
import dev.lem.*
import dev.lem.workload.Prompts

var result = Experiment.builder().
        model("synthetic:SmolLM2-135M").
        backend("djl").
        prompts(Prompts.builtIn().limit(4)).
        maxOutputTokens(16).
        batchSize(4).
        cycles(2).
        warmupRuns(1).
        measure();

var tokensPerSecond = result.summary().get(Metric.OUTPUT_TOKENS_PER_S);
System.out.printf("%s: %.1f output tokens/s (n=%d)%n", result.id(), tokensPerSecond.mean(), tokensPerSecond.n());
result.summary().find(Metric.ENERGY_PER_OUTPUT_TOKEN_J).ifPresent(e -> System.out.printf("%.4f J/token (%s)%n", e.mean(), e.basis()));
// every result prints readably: the headline figures, a metric with its interval, a cycle
System.out.println(result);
System.out.println(result.summary().get(Metric.TTFT_MEAN_MS));
System.out.println(result.cycles().get(0));
/exit
