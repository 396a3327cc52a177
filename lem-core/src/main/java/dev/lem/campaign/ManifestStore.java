package dev.lem.campaign;

import dev.lem.LemException;
import dev.lem.results.ResultsException;
import dev.lem.results.ResultsJson;
import dev.lem.results.ResultsRepository;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Where campaigns live: {@code <results>/campaigns/<id>/manifest.json} (written atomically after every change),
 * with the campaign's summary tables next to it. A campaign handed to Slurm also has {@code units/} (each unit's
 * claims and state, written by the workers: {@link UnitLedger}) and {@code slurm/} (the scripts submitted and the
 * tasks' logs); reading its manifest merges the units' states in.
 */
public final class ManifestStore {
    private final Path resultsDir;

    /**
     * The campaigns of a results folder.
     *
     * @param resultsDir the results folder
     */
    public ManifestStore(Path resultsDir) {
        this.resultsDir = resultsDir.toAbsolutePath().normalize();
    }

    /** {@return the results folder, absolute} */
    public Path resultsDir() {
        return resultsDir;
    }

    /**
     * {@code campaigns/<id>}.
     *
     * @param campaignId the campaign id
     * @return the campaign's folder
     */
    public Path folder(String campaignId) {
        return resultsDir.resolve("campaigns").resolve(CampaignIds.require(campaignId));
    }

    /**
     * {@code campaigns/<id>/manifest.json}.
     *
     * @param campaignId the campaign id
     * @return the manifest's file
     */
    public Path manifestFile(String campaignId) {
        return folder(campaignId).resolve("manifest.json");
    }

    /**
     * {@return {@code campaigns/<id>/units}: the units' claims and states of a campaign handed to Slurm}
     *
     * @param campaignId the campaign id
     */
    public Path unitsFolder(String campaignId) {
        return folder(campaignId).resolve("units");
    }

    /**
     * {@return {@code campaigns/<id>/slurm}: the scripts submitted to Slurm and the tasks' logs}
     *
     * @param campaignId the campaign id
     */
    public Path slurmFolder(String campaignId) {
        return folder(campaignId).resolve("slurm");
    }

    /**
     * Writes the manifest atomically.
     *
     * @param manifest the manifest, which names its campaign
     */
    public void write(CampaignManifest manifest) {
        ResultsRepository.writeAtomically(manifestFile(manifest.campaignId()), ResultsJson.write(manifest));
    }

    /**
     * Reads a campaign's manifest, with the states its workers recorded in {@code units/} merged over its units.
     *
     * @param campaignId the campaign id
     * @return the manifest
     * @throws LemException when there is none (naming the folder and how to list campaigns) or it is unreadable
     */
    public CampaignManifest read(String campaignId) {
        Path f = manifestFile(campaignId);
        if (!Files.isRegularFile(f)) {
            throw new LemException("No campaign " + campaignId + " in " + resultsDir + " (no " + f + "); `lem campaign "
                    + "list --results-dir " + resultsDir + "` lists the campaigns there");
        }
        try {
            CampaignManifest m = ResultsJson.read(Files.readString(f), CampaignManifest.class, f.toString());
            return UnitLedger.merge(m, unitsFolder(campaignId));
        } catch (IOException e) {
            throw new ResultsException("Cannot read " + f + ": " + e.getMessage(), e);
        }
    }

    /** The manifest file as written, without the units' states merged in (the ledger merges its own scan). */
    CampaignManifest readPlan(String campaignId) {
        Path f = manifestFile(campaignId);
        try {
            return ResultsJson.read(Files.readString(f), CampaignManifest.class, f.toString());
        } catch (IOException e) {
            throw new ResultsException("Cannot read " + f + ": " + e.getMessage(), e);
        }
    }

    /**
     * The manifest if the campaign exists.
     *
     * @param campaignId the campaign id
     * @return the manifest; empty when the campaign does not exist
     */
    public Optional<CampaignManifest> find(String campaignId) {
        return Files.isRegularFile(manifestFile(campaignId)) ? Optional.of(read(campaignId)) : Optional.empty();
    }

    /** {@return ids of every campaign in the folder, oldest first} */
    public List<String> ids() {
        Path dir = resultsDir.resolve("campaigns");
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            List<String> out = new ArrayList<>();
            s.map(p -> p.getFileName().toString()).filter(CampaignIds::valid).sorted().forEach(out::add);
            return out;
        } catch (IOException e) {
            throw new ResultsException("Cannot list " + dir + ": " + e.getMessage(), e);
        }
    }
}
