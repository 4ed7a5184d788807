package io.kiln.loader;

import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * Loads numeric columns of a CSV file into float tensors, rows x columns, row-major (Apache Commons
 * CSV parses the records). The file is cut into chunks of about {@link Builder#chunkBytes} at record
 * boundaries by one reader thread, and the chunks are parsed on {@link Builder#workers} platform
 * threads: each task carries thousands of rows (well over 100 us of work), so the pool's overhead per
 * task stays negligible. An empty field is {@code NaN} (a missing value, for the tabular
 * preprocessor's imputation); a field that is not a number makes its row a bad sample. Every bad row
 * is in the {@link Batch#failures()} of a batch (the one that holds the next good rows); when the file
 * ends with bad rows, a last batch of no rows carries them.
 *
 * <pre>{@code
 * try (CsvLoader csv = CsvLoader.builder(Path.of("data.csv")).columns("a", "b", "c").build()) {
 *     for (Batch b : csv) {
 *         try (b) {
 *             FloatArray rows = b.tensor();         // b.shape() = {rows, 3}
 *         }
 *     }
 * }
 * }</pre>
 */
public final class CsvLoader implements TableLoader {
    private final CsvRun run;

    private CsvLoader(Builder config) {
        this.run = new CsvRun(config);
    }

    /** A builder for a loader over the CSV file {@code csv}. */
    public static Builder builder(Path csv) {
        return new Builder(csv);
    }

    /** The names of the columns loaded, in tensor order (from the header, or {@code c0, c1, ...} without one). */
    public List<String> columns() {
        return run.columns();
    }

    /** The batches in file order; callable once. */
    @Override
    public Iterator<Batch> iterator() {
        return run.start();
    }

    /** The batches as a sequential stream. */
    public Stream<Batch> stream() {
        return StreamSupport.stream(Spliterators.spliteratorUnknownSize(iterator(), Spliterator.ORDERED | Spliterator.NONNULL), false);
    }

    /**
     * Every row in one tensor (rows x columns), owned by the caller: close the batch to free it.
     * Instead of {@link #iterator()}, not after it.
     */
    public Batch readAll() {
        return run.readAll();
    }

    /** A snapshot of the report while running; the final one after the end. */
    public LoaderReport report() {
        return run.report();
    }

    /** Stops the threads and releases the buffers. Idempotent. */
    @Override
    public void close() {
        run.close();
    }

    /** The CSV loader's settings. */
    public static final class Builder {
        final Path file;
        List<String> columns;
        boolean header = true;
        char delimiter = ',';
        int rowsPerBatch = 65536;
        int workers = Runtime.getRuntime().availableProcessors();
        int prefetch = 3;
        int chunkBytes = 1 << 20;
        BadSamplePolicy onBadSample = BadSamplePolicy.SKIP;
        LoaderListener listener = new LoaderListener() {
        };
        String name = "kiln-csv";

        private Builder(Path file) {
            this.file = Objects.requireNonNull(file, "csv path is null");
        }

        /** The columns to load, by header name (or {@code c0, c1, ...} without a header), in this order; default all. */
        public Builder columns(String... names) {
            return columns(List.of(names));
        }

        /** The columns to load, in this order; default all. */
        public Builder columns(List<String> names) {
            if (names.isEmpty()) throw new IllegalArgumentException("no columns given: name at least one, or leave columns() out for all");
            this.columns = List.copyOf(names);
            return this;
        }

        /** Whether the first record names the columns, default true. */
        public Builder header(boolean header) {
            this.header = header;
            return this;
        }

        /** The field separator, default {@code ','}. */
        public Builder delimiter(char delimiter) {
            this.delimiter = delimiter;
            return this;
        }

        /** Rows per batch, default 65536 (the last batch holds the rest). */
        public Builder rowsPerBatch(int rows) {
            if (rows < 1) throw new IllegalArgumentException("rows per batch " + rows + " is not positive");
            this.rowsPerBatch = rows;
            return this;
        }

        /** Parsing threads, default the number of cores. */
        public Builder workers(int workers) {
            if (workers < 1) throw new IllegalArgumentException("workers " + workers + " is not positive");
            this.workers = workers;
            return this;
        }

        /** Batches prepared ahead (staging buffers in the ring), default 3. */
        public Builder prefetch(int prefetch) {
            if (prefetch < 1) throw new IllegalArgumentException("prefetch " + prefetch + " is not positive");
            this.prefetch = prefetch;
            return this;
        }

        /** Bytes of the file per parsing task, default 1 MiB (about 10,000 rows of 16 floats: milliseconds of work). */
        public Builder chunkBytes(int bytes) {
            if (bytes < 1024) throw new IllegalArgumentException("chunk of " + bytes + " bytes: use at least 1024");
            this.chunkBytes = bytes;
            return this;
        }

        /** What a bad row does, default {@link BadSamplePolicy#SKIP}. */
        public Builder onBadSample(BadSamplePolicy policy) {
            this.onBadSample = Objects.requireNonNull(policy, "policy is null");
            return this;
        }

        /** Progress and failure hooks. */
        public Builder listener(LoaderListener listener) {
            this.listener = Objects.requireNonNull(listener, "listener is null");
            return this;
        }

        /** The prefix of the thread names, default {@code kiln-csv}. */
        public Builder name(String name) {
            this.name = Objects.requireNonNull(name, "name is null");
            return this;
        }

        /**
         * A loader with these settings; reads the header now.
         *
         * @throws java.io.UncheckedIOException if the file cannot be read
         * @throws IllegalArgumentException     if a named column is not in the header
         */
        public CsvLoader build() {
            return new CsvLoader(this);
        }
    }
}
