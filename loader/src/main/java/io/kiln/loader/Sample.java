package io.kiln.loader;

import java.nio.file.Path;
import java.util.Objects;

/**
 * One sample as a source gives it: an id that stays with it to the output, and either a file to read
 * or bytes already in memory. The loader numbers samples by their position in the source
 * ({@link Failure#index()}, {@link Batch#indices()}).
 *
 * @param id   the name the output and the report use (a file's path as given, or any string)
 * @param path the file to read, or {@code null} when {@code data} holds the bytes
 * @param data the encoded bytes (a JPEG or PNG file's content), or {@code null} when {@code path} is read
 */
public record Sample(String id, Path path, byte[] data) {

    /** Checks that exactly one of {@code path} and {@code data} is given. */
    public Sample {
        Objects.requireNonNull(id, "sample id is null");
        if ((path == null) == (data == null)) {
            throw new IllegalArgumentException("sample " + id + " needs exactly one of a path and bytes, not "
                    + (path == null ? "neither" : "both"));
        }
    }

    /** A file, named by its path. */
    public static Sample of(Path path) {
        Objects.requireNonNull(path, "path is null");
        return new Sample(path.toString(), path, null);
    }

    /** Bytes in memory (not copied: do not change them while the loader runs). */
    public static Sample of(String id, byte[] data) {
        return new Sample(id, null, Objects.requireNonNull(data, "data is null"));
    }

    @Override
    public String toString() {
        return path != null ? "Sample[" + id + "]" : "Sample[" + id + ", " + data.length + " bytes]";
    }
}
