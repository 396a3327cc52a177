package dev.lem.model;

import dev.lem.LemException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Finds a model named the way users name them: {@code synthetic:<preset>}, a local folder holding
 * {@code config.json}, or a Hugging Face id ({@code org/name}, optionally {@code org/name@revision})
 * already downloaded to the local Hugging Face cache. Nothing is downloaded. An existing folder wins
 * over an HF id of the same spelling.
 *
 * <p>The cache is searched where {@code huggingface_hub} puts it, in this order: {@code $HF_HUB_CACHE},
 * {@code $HUGGINGFACE_HUB_CACHE} (older name), {@code $HF_HOME/hub}, {@code $XDG_CACHE_HOME/huggingface/hub},
 * {@code ~/.cache/huggingface/hub}. A repository {@code org/name} lives in
 * {@code models--org--name/snapshots/<commit>/}; the commit comes from {@code refs/<revision>}
 * ({@code refs/main} by default), or the revision may be a commit hash itself. Without refs, a lone
 * snapshot is used; among several, the most recently modified.
 *
 * <p>Immutable and thread-safe.
 */
public final class ModelLocator {
    private static final Pattern HF_ID = Pattern.compile(
            "([A-Za-z0-9][A-Za-z0-9._-]*(?:/[A-Za-z0-9][A-Za-z0-9._-]*)?)(?:@([A-Za-z0-9][A-Za-z0-9._/-]*))?");

    private final List<Path> cacheDirs;
    private final Path home;

    private ModelLocator(List<Path> cacheDirs, Path home) {
        this.cacheDirs = List.copyOf(cacheDirs);
        this.home = home;
    }

    /** {@return a locator for this process's environment variables and home directory} */
    public static ModelLocator standard() {
        return fromEnvironment(System.getenv(), Path.of(System.getProperty("user.home", ".")));
    }

    /**
     * A locator for the given environment variables and home directory (see the class comment).
     *
     * @param env the environment variables
     * @param home the home directory
     * @return the locator
     */
    public static ModelLocator fromEnvironment(Map<String, String> env, Path home) {
        LinkedHashSet<Path> dirs = new LinkedHashSet<>();
        envPath(env, "HF_HUB_CACHE").ifPresent(dirs::add);
        envPath(env, "HUGGINGFACE_HUB_CACHE").ifPresent(dirs::add);
        envPath(env, "HF_HOME").ifPresent(p -> dirs.add(p.resolve("hub")));
        envPath(env, "XDG_CACHE_HOME").ifPresent(p -> dirs.add(p.resolve("huggingface").resolve("hub")));
        dirs.add(home.resolve(".cache").resolve("huggingface").resolve("hub"));
        return new ModelLocator(new ArrayList<>(dirs), home);
    }

    /**
     * A locator searching exactly these cache folders (each laid out like {@code ~/.cache/huggingface/hub}).
     *
     * @param cacheDirs the cache folders, in search order
     * @return the locator
     */
    public static ModelLocator withCacheDirs(List<Path> cacheDirs) {
        return new ModelLocator(cacheDirs, Path.of(System.getProperty("user.home", ".")));
    }

    private static Optional<Path> envPath(Map<String, String> env, String name) {
        String v = env.get(name);
        return v == null || v.isBlank() ? Optional.empty() : Optional.of(Path.of(v.trim()));
    }

    /** {@return the cache folders searched, in order} */
    public List<Path> cacheDirs() {
        return cacheDirs;
    }

    /**
     * Finds {@code model}.
     *
     * @param model a local folder, a Hugging Face id, or {@code synthetic:<preset>}
     * @return where the model is
     * @throws LemException when it cannot be found, saying where it looked and how to get it
     */
    public LocatedModel locate(String model) {
        String m = model.trim();
        if (m.isEmpty()) {
            throw new LemException("model is empty: give a local folder, an HF id (org/name) or synthetic:<name>");
        }
        if (SyntheticPresets.isSynthetic(m)) {
            String name = m.substring("synthetic:".length());
            String canonical = SyntheticPresets.canonicalName(name).orElseThrow(() -> new LemException(
                    "Unknown synthetic model \"" + name + "\": use one of " + String.join(", ", SyntheticPresets.names())));
            return new LocatedModel("synthetic:" + canonical, LocatedModel.Source.SYNTHETIC, Optional.empty(),
                    Optional.empty());
        }
        Path path = m.startsWith("~/") ? home.resolve(m.substring(2)) : Path.of(m);
        if (Files.isRegularFile(path) && path.getFileName().toString().equals("config.json")) {
            path = path.toAbsolutePath().getParent();
        }
        if (Files.isDirectory(path)) {
            if (!Files.isRegularFile(path.resolve("config.json"))) {
                throw new LemException("Folder " + path.toAbsolutePath() + " has no config.json: point at a Hugging "
                        + "Face model folder (config.json, tokenizer and *.safetensors)");
            }
            return new LocatedModel(model, LocatedModel.Source.LOCAL, Optional.of(path.toAbsolutePath().normalize()),
                    Optional.empty());
        }
        Matcher id = HF_ID.matcher(m);
        if (looksLikePath(m) || !id.matches()) {
            throw new LemException("Model folder " + path.toAbsolutePath() + " does not exist: give an existing "
                    + "folder, an HF id (org/name) or synthetic:<name>");
        }
        return findInCache(id.group(1), Optional.ofNullable(id.group(2)));
    }

    private static boolean looksLikePath(String m) {
        return m.startsWith("/") || m.startsWith(".") || m.startsWith("~") || m.contains("\\")
                || m.indexOf('/') != m.lastIndexOf('/') && !m.contains("@");
    }

    /**
     * The snapshot of {@code repoId} at {@code revision} (default {@code main}) in the first cache
     * folder that has it.
     *
     * @param repoId the Hugging Face repository id, e.g. {@code HuggingFaceTB/SmolLM2-135M}
     * @param revision a branch, tag or commit; empty for {@code main}
     * @return the snapshot
     * @throws LemException when no cache folder has it
     */
    public LocatedModel findInCache(String repoId, Optional<String> revision) {
        if (revision.isPresent() && revision.get().contains("..")) {
            throw new LemException("revision \"" + revision.get() + "\" of " + repoId + " is not a valid revision");
        }
        String folderName = "models--" + repoId.replace("/", "--");
        List<String> problems = new ArrayList<>();
        for (Path cache : cacheDirs) {
            Path repo = cache.resolve(folderName);
            if (!Files.isDirectory(repo)) {
                continue;
            }
            Optional<Path> snapshot = snapshot(repo, revision, problems);
            if (snapshot.isPresent()) {
                if (!Files.isRegularFile(snapshot.get().resolve("config.json"))) {
                    problems.add(snapshot.get() + " has no config.json (a partial download)");
                    continue;
                }
                String display = repoId + revision.map(r -> "@" + r).orElse("");
                return new LocatedModel(display, LocatedModel.Source.HF_CACHE, Optional.of(snapshot.get()),
                        Optional.of(snapshot.get().getFileName().toString()));
            }
        }
        String where = cacheDirs.stream().map(Path::toString).reduce((a, b) -> a + ", " + b).orElse("(none)");
        throw new LemException("Model " + repoId + revision.map(r -> "@" + r).orElse("")
                + " is not in the Hugging Face cache (looked for " + folderName + " in: " + where + ")"
                + (problems.isEmpty() ? "" : "; " + String.join("; ", problems))
                + ". Download it with `huggingface-cli download " + repoId
                + revision.map(r -> " --revision " + r).orElse("") + "`, set HF_HOME or HF_HUB_CACHE to the cache"
                + " that holds it, or give the model's local folder");
    }

    private static Optional<Path> snapshot(Path repo, Optional<String> revision, List<String> problems) {
        Path snapshots = repo.resolve("snapshots");
        String rev = revision.orElse("main");
        Path ref = repo.resolve("refs").resolve(rev);
        try {
            if (Files.isRegularFile(ref)) {
                Path s = snapshots.resolve(Files.readString(ref).trim());
                if (Files.isDirectory(s)) {
                    return Optional.of(s);
                }
                problems.add(ref + " points at a missing snapshot " + s.getFileName());
                return Optional.empty();
            }
            if (revision.isPresent()) {
                Path s = snapshots.resolve(rev);
                if (Files.isDirectory(s)) {
                    return Optional.of(s);
                }
                problems.add(repo + " has no revision " + rev);
                return Optional.empty();
            }
            if (!Files.isDirectory(snapshots)) {
                problems.add(repo + " has no snapshots");
                return Optional.empty();
            }
            try (Stream<Path> s = Files.list(snapshots)) {
                return s.filter(Files::isDirectory)
                        .max(Comparator.comparing(ModelLocator::modified).thenComparing(Path::toString));
            }
        } catch (IOException e) {
            problems.add("cannot read " + repo + ": " + e.getMessage());
            return Optional.empty();
        }
    }

    private static FileTime modified(Path p) {
        try {
            return Files.getLastModifiedTime(p);
        } catch (IOException e) {
            return FileTime.fromMillis(0);
        }
    }
}
