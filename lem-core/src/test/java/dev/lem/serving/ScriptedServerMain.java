package dev.lem.serving;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs a {@link ScriptedServer} as a process, standing in for {@code vllm serve <model> --host h --port p ...}
 * or {@code trtllm-serve <model> --host h --port p ...} in tests of managed servers. The arguments the backend
 * passed come first, then (from {@link FakeServerScript}) {@value #EXTRAS} and the test's own: {@code --flavor
 * vllm|trtllm}, {@code --startup-ms N} (wait before listening), {@code --exit-code N} (exit at once with that code
 * after printing an error), {@code --report-version V} (what {@code --version} and {@code /version} report,
 * default {@value #VERSION}), {@code --argv-file F} (where the backend's arguments are written, one per line),
 * {@code --die-once-file F} (the process dies at its first generation request unless F exists, creating it: a
 * server that crashes once and works when started again).
 * Run as {@code vllm --version}, it prints the version and exits, like vLLM. As vLLM, it reports what its
 * arguments ask for: {@code --max-model-len} in {@code /v1/models}, and the KV-cache settings vLLM puts in
 * {@code vllm:cache_config_info} ({@code --block-size}, {@code --gpu-memory-utilization}, {@code --kv-cache-dtype},
 * {@code --[no-]enable-prefix-caching}, {@code --swap-space}) in {@code /metrics}, and the adapters of
 * {@code --lora-modules} in {@code /v1/models}. Runs until killed.
 */
public final class ScriptedServerMain {
    /** Separates the backend's arguments from the test's. */
    public static final String EXTRAS = "--scripted-extras";
    /** The version reported unless {@code --report-version} says otherwise. */
    public static final String VERSION = "0.11.1";

    private ScriptedServerMain() {
    }

    public static void main(String[] args) throws Exception {
        List<String> all = List.of(args);
        int split = all.indexOf(EXTRAS);
        List<String> a = split < 0 ? all : all.subList(0, split);
        List<String> extras = split < 0 ? all : all.subList(split + 1, all.size());
        String version = value(extras, "--report-version", VERSION);
        if (!a.isEmpty() && a.get(0).equals("--version")) {
            System.out.println(version);
            return;
        }
        String argvFile = value(extras, "--argv-file", null);
        if (argvFile != null) {
            Files.write(Path.of(argvFile), a, StandardCharsets.UTF_8);
        }
        int port = Integer.parseInt(value(a, "--port", "8000"));
        String model = a.size() > 1 && a.get(0).equals("serve") ? a.get(1) : a.isEmpty() ? "test-model" : a.get(0);
        model = value(a, "--served-model-name", model);
        System.out.println("INFO scripted server: args " + a);
        if (extras.contains("--exit-code")) {
            System.out.println("ERROR scripted server: CUDA out of memory (pretend)");
            System.exit(Integer.parseInt(value(extras, "--exit-code", "1")));
        }
        Thread.sleep(Long.parseLong(value(extras, "--startup-ms", "0")));
        ScriptedServer.Flavor flavor = ScriptedServer.Flavor.valueOf(value(extras, "--flavor", "vllm").toUpperCase());
        ScriptedServer.Builder b = ScriptedServer.builder().port(port).model(model).flavor(flavor).version(version);
        if (flavor == ScriptedServer.Flavor.VLLM) {
            b.maxModelLen(Integer.parseInt(value(a, "--max-model-len", "4096")));
            Map<String, String> cache = new LinkedHashMap<>();
            cache.put("block_size", value(a, "--block-size", "16"));
            cache.put("cache_dtype", value(a, "--kv-cache-dtype", "auto"));
            cache.put("gpu_memory_utilization", value(a, "--gpu-memory-utilization", "0.9"));
            cache.put("enable_prefix_caching", a.contains("--no-enable-prefix-caching") ? "False" : "True");
            cache.put("swap_space", value(a, "--swap-space", "4"));
            cache.put("num_gpu_blocks", "2048");
            cache.put("num_gpu_blocks_override", "None");
            b.cacheConfig(cache);
            // --lora-modules name=path ...: each adapter is listed in /v1/models, as vLLM lists LoRA modules
            int lora = a.indexOf("--lora-modules");
            for (int i = lora + 1; lora >= 0 && i < a.size() && !a.get(i).startsWith("--"); i++) {
                b.adapters(a.get(i).split("=", 2)[0]);
            }
        }
        String dieOnce = value(extras, "--die-once-file", null);
        if (dieOnce != null) {
            // a server that dies at its first generation request, once: the next start (after the marker) works
            b.beforeGenerate(() -> {
                try {
                    Files.createFile(Path.of(dieOnce));
                    System.out.println("ERROR scripted server: dying as asked (--die-once-file)");
                    Runtime.getRuntime().halt(3);
                } catch (java.nio.file.FileAlreadyExistsException again) {
                    // died once already: serve
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
        }
        b.start();
        System.out.println("INFO scripted server: listening on port " + port);
        Thread.currentThread().join();
    }

    private static String value(List<String> args, String key, String def) {
        int i = args.indexOf(key);
        return i >= 0 && i + 1 < args.size() ? args.get(i + 1) : def;
    }
}
