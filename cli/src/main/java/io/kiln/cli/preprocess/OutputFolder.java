package io.kiln.cli.preprocess;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The folder a job writes into: new, empty, or the output of an earlier job (it has a Kiln
 * {@code manifest.json}), whose files are replaced. Anything else is refused, so that a typo in
 * {@code --out} never deletes someone's data.
 */
public final class OutputFolder {
    /** The manifest's file name. */
    public static final String MANIFEST = "manifest.json";

    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private OutputFolder() {
    }

    /**
     * Makes {@code dir} ready: creates it, or removes the files an earlier Kiln job listed in it.
     *
     * @throws IllegalArgumentException if it is a file, or a folder with other content (say what to do)
     */
    public static Path prepare(Path dir) {
        try {
            if (Files.exists(dir) && !Files.isDirectory(dir)) {
                throw new IllegalArgumentException("--out " + dir + " is a file: give a folder (it is created if missing)");
            }
            Files.createDirectories(dir);
            List<Path> content;
            try (Stream<Path> s = Files.list(dir)) {
                content = s.toList();
            }
            if (content.isEmpty()) return dir;
            Path manifest = dir.resolve(MANIFEST);
            JsonNode old = Files.isRegularFile(manifest) ? readManifest(manifest) : null;
            if (old == null || !old.path("producer").asText().startsWith("kiln")) {
                throw new IllegalArgumentException("--out " + dir + " is not empty and holds no earlier Kiln output (" + MANIFEST
                        + "): give a new or empty folder");
            }
            List<Path> remove = new ArrayList<>();
            for (JsonNode f : old.path("files")) remove.add(dir.resolve(Path.of(f.path("file").asText()).getFileName()));
            // an interrupted job's manifest lists no files yet: its files have the names jobs write
            for (Path p : content) {
                if (p.getFileName().toString().matches("data(-\\d{5})?\\.npy|statistics\\.json")) remove.add(p);
            }
            remove.add(manifest);
            for (Path p : remove) Files.deleteIfExists(p);
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare the output folder " + dir + ": " + reason(e)
                    + "; give --out a folder that can be created and written", e);
        }
    }

    /**
     * What went wrong, in words: a {@link java.nio.file.FileSystemException}'s message is often only the
     * path (its reason is null where the operating system gave none), and its class says the rest.
     */
    static String reason(IOException e) {
        String what = switch (e) {
            case java.nio.file.NoSuchFileException x -> "no such file or folder";
            case java.nio.file.AccessDeniedException x -> "permission denied";
            case java.nio.file.FileAlreadyExistsException x -> "a file of that name is in the way";
            case java.nio.file.NotDirectoryException x -> "not a folder";
            default -> null;
        };
        if (e instanceof java.nio.file.FileSystemException f) {
            String where = f.getFile() == null ? "" : f.getFile() + (f.getOtherFile() == null ? "" : " -> " + f.getOtherFile());
            String why = what != null ? what : f.getReason() != null ? f.getReason() : e.getClass().getSimpleName();
            return where.isEmpty() ? why : where + ": " + why;
        }
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }

    /**
     * Marks {@code dir} as a Kiln output while a job writes it: a manifest with {@code "complete": false}
     * and no files, so that an interrupted job's folder can be given to {@code --out} again.
     */
    static void markInProgress(Path dir, String version) {
        java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("producer", "kiln preprocess");
        m.put("kiln_version", version);
        m.put("complete", false);
        m.put("files", List.of());
        writeJson(dir.resolve(MANIFEST), m);
    }

    private static JsonNode readManifest(Path manifest) {
        try {
            return JSON.readTree(manifest.toFile());
        } catch (IOException e) {
            return null;
        }
    }

    /** Writes {@code tree} as indented JSON. */
    static void writeJson(Path file, Object tree) {
        try {
            JSON.writeValue(file.toFile(), tree);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }
}
