package io.kiln.loader;

import java.util.Objects;

/**
 * One sample the loader could not deliver.
 *
 * @param index   the sample's index in its source (its position in the directory listing, list or iterator; a CSV row's number from 0)
 * @param id      the sample's id: its path, {@code "#index"} for unnamed bytes, {@code "row N"} (line N of the file) for CSV
 * @param epoch   the epoch in which it failed, from 0
 * @param stage   the stage that failed
 * @param kind    why
 * @param message what went wrong, as the decoder or the file system said it
 */
public record Failure(long index, String id, int epoch, Stage stage, FailureKind kind, String message) {

    /** Checks that the names are there. */
    public Failure {
        Objects.requireNonNull(id, "id is null");
        Objects.requireNonNull(stage, "stage is null");
        Objects.requireNonNull(kind, "kind is null");
        Objects.requireNonNull(message, "message is null");
    }

    @Override
    public String toString() {
        return id + ": " + kind + " in " + stage + " (" + message + ")";
    }
}
