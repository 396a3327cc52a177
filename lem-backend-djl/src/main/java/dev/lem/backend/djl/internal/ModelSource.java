package dev.lem.backend.djl.internal;

import dev.lem.config.ConfigException;
import dev.lem.model.SyntheticPresets;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Where a model comes from: a local Hugging Face folder, a snapshot in the local Hugging Face cache,
 * or a synthetic preset. Resolution touches only the file system (no download, ever).
 *
 * <p>The cache is searched as {@code huggingface_hub} lays it out:
 * {@code <cache>/models--<org>--<name>/snapshots/<revision>/}, the revision being the one
 * {@code refs/main} names, else the most recently modified snapshot. Cache folders, in order:
 * {@code $HF_HUB_CACHE}, {@code $HF_HOME/hub}, {@code $XDG_CACHE_HOME/huggingface/hub},
 * {@code ~/.cache/huggingface/hub}. (Internal to this module until lem-core offers a shared locator.)
 *
 * @param id       the model as written in the config
 * @param source   {@code local}, {@code hf-cache} or {@code synthetic}
 * @param folder   the folder holding {@code config.json} (absent for synthetic models)
 * @param preset   the canonical preset name of a synthetic model
 */
record ModelSource(String id, String source, Optional<Path> folder, Optional<String> preset) {

    /** Folder or preset, as recorded in results. */
    String location() {
        return folder.map(Path::toString).orElseGet(() -> "synthetic:" + preset.orElse(id));
    }

    boolean synthetic() {
        return preset.isPresent();
    }

    static ModelSource resolve(String model) {
        return resolve(model, System.getenv(), Path.of(System.getProperty("user.home")));
    }

    /**
     * @throws ConfigException ({@code model}) when nothing is found, saying where it looked
     */
    static ModelSource resolve(String model, Map<String, String> env, Path home) {
        String m = model.trim();
        if (SyntheticPresets.isSynthetic(m)) {
            String name = m.substring("synthetic:".length());
            return SyntheticPresets.canonicalName(name)
                    .map(c -> new ModelSource(m, "synthetic", Optional.empty(), Optional.of(c)))
                    .orElseThrow(() -> new ConfigException("model", "unknown synthetic model \"" + name
                            + "\"; use synthetic:<name> with one of " + String.join(", ", SyntheticPresets.names())));
        }
        Optional<Path> asPath = path(m);
        if (asPath.isPresent() && Files.isDirectory(asPath.get())) {
            Path dir = asPath.get().toAbsolutePath().normalize();
            requireConfig(dir, m);
            return new ModelSource(m, "local", Optional.of(dir), Optional.empty());
        }
        List<Path> caches = cacheDirs(env, home);
        if (m.matches("[A-Za-z0-9][\\w.\\-]*(/[\\w.\\-]+)?")) {
            String dirName = "models--" + m.replace("/", "--");
            for (Path cache : caches) {
                Optional<Path> snap = snapshot(cache.resolve(dirName));
                if (snap.isPresent()) {
                    requireConfig(snap.get(), m);
                    return new ModelSource(m, "hf-cache", snap, Optional.empty());
                }
            }
        }
        throw new ConfigException("model", "\"" + m + "\" is neither a folder, nor a Hugging Face id found in the"
                + " local cache (looked in " + caches + "), nor synthetic:<preset>. Download it first, e.g."
                + " `huggingface-cli download " + m + "` (or `hf download " + m + "`), point model at a folder"
                + " with config.json, tokenizer.json and *.safetensors, or use a synthetic model such as"
                + " synthetic:SmolLM2-135M");
    }

    private static Optional<Path> path(String m) {
        try {
            return Optional.of(Path.of(m.startsWith("~/") ? System.getProperty("user.home") + m.substring(1) : m));
        } catch (InvalidPathException e) {
            return Optional.empty();
        }
    }

    private static void requireConfig(Path dir, String m) {
        if (!Files.isRegularFile(dir.resolve("config.json"))) {
            throw new ConfigException("model", dir + " (from \"" + m + "\") has no config.json: point model at a"
                    + " Hugging Face model folder (config.json, tokenizer.json, *.safetensors)");
        }
    }

    /** The cache folders searched, in order, without duplicates. */
    static List<Path> cacheDirs(Map<String, String> env, Path home) {
        List<Path> out = new ArrayList<>();
        add(out, env.get("HF_HUB_CACHE"), "");
        add(out, env.get("HUGGINGFACE_HUB_CACHE"), "");
        add(out, env.get("HF_HOME"), "hub");
        add(out, env.get("XDG_CACHE_HOME"), "huggingface/hub");
        out.add(home.resolve(".cache/huggingface/hub"));
        return out.stream().distinct().toList();
    }

    private static void add(List<Path> out, String base, String sub) {
        if (base != null && !base.isBlank()) {
            out.add(sub.isEmpty() ? Path.of(base) : Path.of(base, sub));
        }
    }

    /** The snapshot {@code refs/main} names, else the newest one. */
    static Optional<Path> snapshot(Path repo) {
        Path snapshots = repo.resolve("snapshots");
        if (!Files.isDirectory(snapshots)) {
            return Optional.empty();
        }
        try {
            Path ref = repo.resolve("refs/main");
            if (Files.isRegularFile(ref)) {
                Path named = snapshots.resolve(Files.readString(ref).trim());
                if (Files.isDirectory(named)) {
                    return Optional.of(named);
                }
            }
            try (Stream<Path> s = Files.list(snapshots)) {
                return s.filter(Files::isDirectory).max(Comparator.comparing(ModelSource::modified));
            }
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static long modified(Path p) {
        try {
            return Files.getLastModifiedTime(p).toMillis();
        } catch (IOException e) {
            return 0;
        }
    }
}
