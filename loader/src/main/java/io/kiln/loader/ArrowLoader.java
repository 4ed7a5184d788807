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
 * Loads numeric columns of an Apache Arrow IPC file (the file format, {@code .arrow}/{@code .feather}
 * version 2, or the stream format) into float tensors, rows x columns, row-major, as
 * {@link CsvLoader} does for CSV: the same {@link Batch}es, so that the tabular preprocessor and
 * {@code kiln preprocess} take either. Apache Arrow Java reads the record batches; a null is
 * {@code NaN} (a missing value, for imputation).
 *
 * <pre>{@code
 * try (ArrowLoader arrow = ArrowLoader.builder(Path.of("data.arrow")).columns("a", "b").build()) {
 *     for (Batch b : arrow) {
 *         try (b) {
 *             FloatArray rows = b.tensor();         // b.shape() = {rows, 2}
 *         }
 *     }
 * }
 * }</pre>
 *
 * <p>Column types: floating point (half, single, double; a double is rounded to the nearest float),
 * signed and unsigned integers of every width (converted as Java converts {@code long} or an unsigned
 * value to {@code float}), and booleans (0 or 1). Any other type is refused by {@link Builder#build()}
 * with the column's name and type. Arrow data is typed, so there are no bad rows; a damaged file (a
 * truncated record batch) fails the run with a {@link LoaderException} naming the file and the batch:
 * its rows cannot be told apart, so there is nothing to skip.
 *
 * <p>Why one thread: reading a record batch maps or copies its buffers, and converting it to the
 * row-major tensor is one pass over memory; one thread does both at well over a million rows per
 * second for 16 columns (see docs/loader.md), and the ring of {@link Builder#prefetch} tensors
 * lets it run ahead of the consumer.
 *
 * <p>Arrow Java must be on the path: {@code org.apache.arrow:arrow-vector} and an allocator,
 * {@code arrow-memory-unsafe} (or {@code arrow-memory-netty}); both are optional dependencies of
 * the loader (add them to use this class); the command line includes them. On JDK 17 and later Arrow needs
 * {@code --add-opens=java.base/java.nio=org.apache.arrow.memory.core,ALL-UNNAMED}.
 */
public final class ArrowLoader implements TableLoader {
    private final ArrowRun run;

    private ArrowLoader(ArrowRun run) {
        this.run = run;
    }

    /** A builder for a loader over the Arrow IPC file {@code file}. */
    public static Builder builder(Path file) {
        return new Builder(file);
    }

    /** The names of the columns loaded, in tensor order. */
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

    /** A snapshot of the report while running; the final one after the end. */
    public LoaderReport report() {
        return run.report();
    }

    /** Stops the reader thread and releases the tensors, the file and Arrow's memory. Idempotent. */
    @Override
    public void close() {
        run.close();
    }

    /** Whether Arrow Java is on the class or module path (so that {@link Builder#build()} can work). */
    public static boolean available() {
        return arrowMissing() == null;
    }

    /** Why Arrow cannot be used, or null when it can. */
    static String arrowMissing() {
        try {
            Class.forName("org.apache.arrow.vector.ipc.ArrowReader", false, ArrowLoader.class.getClassLoader());
            return null;
        } catch (ClassNotFoundException | LinkageError e) {
            return "Apache Arrow Java is not on the class or module path: add org.apache.arrow:arrow-vector and"
                    + " org.apache.arrow:arrow-memory-unsafe (version 19.0.0 is tested) to read " + "Arrow files";
        }
    }

    /** The Arrow loader's settings. */
    public static final class Builder {
        final Path file;
        List<String> columns;
        int rowsPerBatch = 65536;
        int prefetch = 3;
        LoaderListener listener = new LoaderListener() {
        };
        String name = "kiln-arrow";

        private Builder(Path file) {
            this.file = Objects.requireNonNull(file, "arrow file path is null");
        }

        /** The columns to load, by field name, in this order; default all (every one must then be numeric). */
        public Builder columns(String... names) {
            return columns(List.of(names));
        }

        /** The columns to load, by field name, in this order. */
        public Builder columns(List<String> names) {
            if (names.isEmpty()) throw new IllegalArgumentException("no columns given: name at least one, or leave columns out for all");
            this.columns = List.copyOf(names);
            return this;
        }

        /** Rows per batch, default 65536 (record batches of the file are cut and joined to this size). */
        public Builder rowsPerBatch(int rows) {
            if (rows < 1) throw new IllegalArgumentException("rowsPerBatch " + rows + ": need at least 1");
            this.rowsPerBatch = rows;
            return this;
        }

        /** Batches converted ahead of the consumer (the ring of tensors), default 3. */
        public Builder prefetch(int prefetch) {
            if (prefetch < 1) throw new IllegalArgumentException("prefetch " + prefetch + ": need at least 1");
            this.prefetch = prefetch;
            return this;
        }

        /** Receives batch and end events. */
        public Builder listener(LoaderListener listener) {
            this.listener = Objects.requireNonNull(listener, "listener is null");
            return this;
        }

        /** The prefix of the thread name, default {@code kiln-arrow}. */
        public Builder name(String name) {
            this.name = Objects.requireNonNull(name, "name is null");
            return this;
        }

        /**
         * A loader with these settings; opens the file and reads its schema now.
         *
         * @throws IllegalStateException        if Arrow Java is missing or cannot allocate memory (the message says what to add)
         * @throws java.io.UncheckedIOException if the file cannot be opened or is not an Arrow IPC file
         * @throws IllegalArgumentException     if a named column is missing or not numeric
         */
        public ArrowLoader build() {
            String missing = arrowMissing();
            if (missing != null) throw new IllegalStateException(missing);
            return new ArrowLoader(new ArrowRun(this));
        }
    }
}
