package io.kiln.loader;

import java.util.Iterator;
import java.util.List;

/** The running pipeline of a {@link CsvLoader}. */
final class CsvRun implements AutoCloseable {
    private final CsvLoader.Builder config;

    CsvRun(CsvLoader.Builder config) {
        this.config = config;
    }

    List<String> columns() {
        return config.columns;
    }

    Iterator<Batch> start() {
        throw new UnsupportedOperationException("the CSV pipeline lands in phase 2");
    }

    Batch readAll() {
        throw new UnsupportedOperationException("the CSV pipeline lands in phase 2");
    }

    LoaderReport report() {
        throw new UnsupportedOperationException("the CSV pipeline lands in phase 2");
    }

    @Override
    public void close() {
    }
}
