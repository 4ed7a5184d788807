package io.kiln.loader;

import java.util.List;
import java.util.stream.Stream;

/**
 * A loader of a table's numeric columns into {@code rows x columns} float batches, whatever the file
 * format: {@link CsvLoader} and {@link ArrowLoader} give the same batches, so code that fits and
 * transforms tables (the tabular preprocessor, {@code kiln preprocess}) takes either.
 */
public interface TableLoader extends Iterable<Batch>, AutoCloseable {
    /** The names of the columns loaded, in tensor order. */
    List<String> columns();

    /** The batches as a sequential stream; like {@link #iterator()}, callable once. */
    Stream<Batch> stream();

    /** A snapshot of the report while running; the final one after the end. */
    LoaderReport report();

    /** Stops the loader's threads and releases its buffers. Idempotent. */
    @Override
    void close();
}
