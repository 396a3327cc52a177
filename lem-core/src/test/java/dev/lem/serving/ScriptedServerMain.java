package dev.lem.serving;

import java.util.List;

/**
 * Runs a {@link ScriptedServer} as a process, standing in for {@code vllm serve <model> --host h --port p}
 * or {@code trtllm-serve <model> --host h --port p} in tests of managed servers. Extra arguments:
 * {@code --flavor vllm|trtllm}, {@code --startup-ms N} (wait before listening), {@code --exit-code N}
 * (exit at once with that code after printing an error). Runs until killed.
 */
public final class ScriptedServerMain {
    private ScriptedServerMain() {
    }

    public static void main(String[] args) throws Exception {
        List<String> a = List.of(args);
        int port = Integer.parseInt(value(a, "--port", "8000"));
        String model = a.size() > 1 && a.get(0).equals("serve") ? a.get(1) : a.isEmpty() ? "test-model" : a.get(0);
        model = value(a, "--served-model-name", model);
        System.out.println("INFO scripted server: args " + a);
        if (a.contains("--exit-code")) {
            System.out.println("ERROR scripted server: CUDA out of memory (pretend)");
            System.exit(Integer.parseInt(value(a, "--exit-code", "1")));
        }
        Thread.sleep(Long.parseLong(value(a, "--startup-ms", "0")));
        ScriptedServer.Flavor flavor = ScriptedServer.Flavor.valueOf(value(a, "--flavor", "vllm").toUpperCase());
        ScriptedServer.builder().port(port).model(model).flavor(flavor).start();
        System.out.println("INFO scripted server: listening on port " + port);
        Thread.currentThread().join();
    }

    private static String value(List<String> args, String key, String def) {
        int i = args.indexOf(key);
        return i >= 0 && i + 1 < args.size() ? args.get(i + 1) : def;
    }
}
