package io.kiln.cli.preprocess;

import io.kiln.Device;
import io.kiln.kernels.tabular.ColumnStatistics;
import io.kiln.kernels.tabular.FloatColumns;
import io.kiln.kernels.tabular.Preprocessor;
import io.kiln.loader.ArrowLoader;
import io.kiln.loader.BadSamplePolicy;
import io.kiln.loader.Batch;
import io.kiln.loader.CsvLoader;
import io.kiln.loader.Failure;
import io.kiln.loader.LoaderException;
import io.kiln.loader.LoaderReport;
import io.kiln.loader.TableLoader;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code kiln preprocess} on a table, CSV or Apache Arrow IPC: two passes over the file through the
 * loader's {@link CsvLoader} or {@link ArrowLoader}, the first fitting the library's tabular {@link Preprocessor} ({@code partialFit}
 * batch by batch) over every row of the table, the second transforming the rows this run selects
 * ({@link TableRows}: shuffled, sharded, limited) on the device and writing each to its place in
 * {@code data.npy} or its shards (rows x columns, float32, row-major), with {@value #ROW_IDS} giving
 * each output row's data-row number. The fitted statistics go to {@value #STATISTICS} beside them,
 * with the preprocessor's exact text form.
 *
 * <p>Why the fit reads the whole table even under {@code --shard} or {@code --limit}: every rank of a
 * sharded run must scale its rows with the same statistics, or the shards would not belong to one
 * dataset; fitting on the whole table on every rank gives all ranks the same numbers without any
 * communication between them.
 */
public final class TableJob {
    /** The fitted statistics' file name. */
    public static final String STATISTICS = "statistics.json";

    /** The row ids' file name: int64, one per output row, its data-row number in the table (from 0, header not counted). */
    public static final String ROW_IDS = "row_ids.npy";

    /**
     * What to do.
     *
     * @param table    the table: a .csv or Arrow IPC file
     * @param columns  the columns to use, or {@code null} for all
     * @param out      the output folder
     * @param preset   imputation and scaling
     * @param clipLow  lower clip bound after scaling ({@code -Infinity} for none)
     * @param clipHigh upper clip bound
     * @param rowsPerBatch rows per batch
     * @param device   where fit and transform run
     * @param workers  parsing threads
     * @param prefetch batches parsed ahead
     * @param onError  what a bad row does
     * @param shuffle  whether to shuffle the rows (with {@code seed})
     * @param seed     the shuffle's seed
     * @param rank     this run's shard
     * @param world    the number of shards
     * @param limit    positions of this shard to take, 0 for all
     * @param shardSize batches ({@code rowsPerBatch} rows each) per output file, 0 for one file
     * @param trace    where to write the trace of the second pass, or {@code null}
     * @param version  Kiln's version
     */
    public record Settings(Path table, List<String> columns, Path out, TablePreset preset, double clipLow, double clipHigh, int rowsPerBatch,
                           Device device, int workers, int prefetch, BadSamplePolicy onError, boolean shuffle, long seed, int rank,
                           int world, long limit, int shardSize, Path trace, String version) {
    }

    /**
     * What happened.
     *
     * @param written        rows written
     * @param skipped        rows of this run's selection left out, with reasons
     * @param files          the {@code .npy} files of the tensor, in order
     * @param columns        the column names, in output order
     * @param preprocessor   the fitted preprocessor
     * @param report         the second pass's loader report
     * @param fitNanos       the first pass
     * @param transformNanos the second pass
     * @param deviceNanos    time in the transform launches
     * @param waitNanos      time the writer waited for batches in the second pass
     * @param writeNanos     time spent writing
     * @param elapsedNanos   the whole job
     */
    public record Outcome(long written, List<Failure> skipped, List<OutputFile> files, List<String> columns, Preprocessor preprocessor, LoaderReport report,
                          long fitNanos, long transformNanos, long deviceNanos, long waitNanos, long writeNanos, long elapsedNanos) {
        /** Rows per second over the whole job. */
        public double throughput() {
            return elapsedNanos <= 0 ? 0 : written * 1e9 / elapsedNanos;
        }
    }

    private final Settings s;

    /** A job with these settings. */
    public TableJob(Settings settings) {
        this.s = settings;
    }

    /** The extensions of Arrow IPC files (file and stream format); everything else that is a table is CSV. */
    private static final java.util.Set<String> ARROW = java.util.Set.of("arrow", "arrows", "feather", "ipc");

    /** Whether {@code in} names a table ({@code .csv}, or an Arrow IPC file: {@code .arrow .arrows .feather .ipc}). */
    public static boolean isTable(Path in) {
        String ext = extension(in);
        return ext.equals("csv") || ARROW.contains(ext);
    }

    private static String extension(Path p) {
        String n = p.getFileName() == null ? "" : p.getFileName().toString().toLowerCase(Locale.ROOT);
        int dot = n.lastIndexOf('.');
        return dot < 0 ? "" : n.substring(dot + 1);
    }

    /** The table's reader, CSV or Arrow: the same batches either way. */
    private TableLoader loader(String pass, TraceRecorder trace) {
        String name = "kiln-preprocess-" + pass;
        if (ARROW.contains(extension(s.table()))) {
            ArrowLoader.Builder b = ArrowLoader.builder(s.table()).rowsPerBatch(s.rowsPerBatch()).prefetch(s.prefetch()).name(name);
            if (s.columns() != null) b.columns(s.columns());
            if (trace != null) b.listener(trace);
            return b.build();
        }
        CsvLoader.Builder b = CsvLoader.builder(s.table()).rowsPerBatch(s.rowsPerBatch()).workers(s.workers()).prefetch(s.prefetch())
                .onBadSample(s.onError()).name(name);
        if (s.columns() != null) b.columns(s.columns());
        if (trace != null) b.listener(trace);
        return b.build();
    }

    /**
     * Runs both passes and writes the tensor files, {@value #ROW_IDS}, {@value #STATISTICS} and the manifest.
     *
     * @throws LoaderException under {@code --on-error fail} at the first bad row (nothing is left in the output)
     */
    public Outcome run(Progress.Mode progressMode, PrintWriter out, PrintStream terminal) {
        OutputFolder.prepare(s.out());
        long start = System.nanoTime();
        Preprocessor p;
        List<String> columns;
        long good = 0;
        List<Long> bad = new ArrayList<>();
        try (TableLoader fit = loader("fit", null)) {
            columns = fit.columns();
            p = s.preset().preprocessor(columns.size(), s.clipLow(), s.clipHigh());
            for (Batch b : fit) {
                try (b) {
                    if (b.size() > 0) p.partialFit(s.device(), toColumns(b, columns.size(), null));
                    good += b.size();
                    for (Failure f : b.failures()) bad.add(f.index());
                }
            }
        }
        long[] badRows = bad.stream().mapToLong(Long::longValue).sorted().toArray();
        TableRows rows = new TableRows(good + badRows.length, badRows, s.shuffle(), s.seed(), s.rank(), s.world(), s.limit());
        long fitEnd = System.nanoTime();
        TraceRecorder trace = s.trace() == null ? null : new TraceRecorder();
        List<Failure> skipped = new ArrayList<>();
        List<long[]> ranges = new ArrayList<>();
        long waitNanos = 0, writeNanos = 0, deviceNanos = 0;
        LoaderReport report;
        OutputFolder.markInProgress(s.out(), s.version()); // the fit wrote nothing; from here on files appear
        long perFile = s.shardSize() == 0 ? Math.max(1, rows.written()) : (long) s.shardSize() * s.rowsPerBatch();
        int fileCount = (int) Math.max(1, (rows.written() + perFile - 1) / perFile);
        List<NpyMappedFile> data = new ArrayList<>();
        NpyMappedFile ids = null;
        boolean ok = false;
        try (TableLoader transform = loader("transform", trace);
             Progress progress = Progress.of(progressMode, "rows", rows.selected(), out, terminal)) {
            for (int f = 0; f < fileCount; f++) {
                long n = Math.min(perFile, rows.written() - f * perFile);
                data.add(new NpyMappedFile(s.out().resolve(ShardedNpyOutput.fileName(s.shardSize(), f)), NpyMappedFile.Type.FLOAT32,
                        Math.max(0, n), columns.size()));
            }
            ids = new NpyMappedFile(s.out().resolve(ROW_IDS), NpyMappedFile.Type.INT64, rows.written());
            long done = 0;
            Iterator<Batch> it = transform.iterator();
            while (true) {
                long t0 = System.nanoTime();
                Batch b = it.hasNext() ? it.next() : null;
                long t1 = System.nanoTime();
                waitNanos += t1 - t0;
                if (b == null) break;
                try (b) {
                    long[] indices = b.indices();
                    int[] pick = new int[indices.length];
                    int picked = 0;
                    for (int i = 0; i < indices.length; i++) {
                        if (rows.outputRow(indices[i]) >= 0) pick[picked++] = i;
                    }
                    for (Failure f : b.failures()) {
                        if (rows.isSelected(f.index())) skipped.add(f);
                    }
                    if (picked > 0) {
                        FloatColumns in = toColumns(b, columns.size(), java.util.Arrays.copyOf(pick, picked));
                        FloatColumns result = FloatColumns.allocate(in.rows(), in.columns());
                        p.transform(s.device(), in, result);
                        long t2 = System.nanoTime();
                        deviceNanos += t2 - t1;
                        float[] rm = toRows(result);
                        long[] source = new long[picked];
                        for (int j = 0; j < picked; j++) {
                            long src = indices[pick[j]];
                            long k = rows.outputRow(src);
                            data.get((int) (k / perFile)).putRow(k % perFile, rm, j * columns.size());
                            ids.putLong(k, src);
                            source[j] = src;
                        }
                        if (!s.shuffle()) addRanges(ranges, source);
                        done += picked;
                        long t3 = System.nanoTime();
                        writeNanos += t3 - t2;
                        if (trace != null) trace.writeSpan(t1, t3, b.epoch(), b.number(), "transform + write batch " + b.number());
                    }
                }
                progress.update(done + skipped.size(), skipped.size(), System.nanoTime() - fitEnd);
            }
            transform.close();
            report = transform.report();
            if (done != rows.written()) {
                throw new IllegalStateException("the second pass over " + s.table() + " gave " + done + " rows of this run, the first "
                        + rows.written() + ": the file changed while kiln preprocess read it");
            }
            for (NpyMappedFile f : data) f.close();
            ids.close();
            ok = true;
        } finally {
            if (!ok) {
                for (NpyMappedFile f : data) closeAndDelete(f);
                if (ids != null) closeAndDelete(ids);
                try {
                    Files.deleteIfExists(s.out().resolve(OutputFolder.MANIFEST));
                } catch (java.io.IOException ignored) {
                    // already failing
                }
            }
        }
        List<OutputFile> files = new ArrayList<>();
        for (NpyMappedFile f : data) {
            files.add(new OutputFile(f.path().getFileName().toString(), f.rows(), new long[] {f.rows(), columns.size()}));
        }
        long end = System.nanoTime();
        Outcome o = new Outcome(rows.written(), skipped, files, columns, p, report, fitEnd - start, end - fitEnd, deviceNanos, waitNanos,
                writeNanos, end - start);
        OutputFolder.writeJson(s.out().resolve(STATISTICS), statistics(p, columns));
        OutputFolder.writeJson(s.out().resolve(OutputFolder.MANIFEST), manifest(o, ranges));
        if (trace != null) trace.write(s.trace(), report.startNanos());
        return o;
    }

    private static void closeAndDelete(NpyMappedFile f) {
        try {
            f.close();
            Files.deleteIfExists(f.path());
        } catch (RuntimeException | java.io.IOException ignored) {
            // already failing with the first error
        }
    }

    /** Prints the summary of a finished run. */
    public void printSummary(PrintWriter out, Outcome outcome) {
        Summary.print(out, s, outcome);
    }

    /**
     * A batch's rows x columns row-major tensor as column-major {@link FloatColumns}: all its rows, or
     * only the rows {@code pick} names (ascending batch-row numbers).
     */
    static FloatColumns toColumns(Batch b, int columns, int[] pick) {
        int all = b.size();
        float[] rm = new float[all * columns];
        b.tensor().copyTo(0, rm, 0, rm.length);
        int rows = pick == null ? all : pick.length;
        float[] cm = new float[rows * columns];
        for (int r = 0; r < rows; r++) {
            int from = (pick == null ? r : pick[r]) * columns;
            for (int c = 0; c < columns; c++) cm[c * rows + r] = rm[from + c];
        }
        return FloatColumns.wrap(cm, rows, columns);
    }

    /** Column-major columns back to a row-major array. */
    static float[] toRows(FloatColumns cm) {
        int rows = cm.rows(), columns = cm.columns();
        float[] v = cm.values();
        float[] rm = new float[rows * columns];
        for (int c = 0; c < columns; c++) {
            for (int r = 0; r < rows; r++) rm[r * columns + c] = v[c * rows + r];
        }
        return rm;
    }

    /** Appends source row indices as half-open ranges, merging with the last one. */
    static void addRanges(List<long[]> ranges, long[] indices) {
        for (long i : indices) {
            long[] last = ranges.isEmpty() ? null : ranges.get(ranges.size() - 1);
            if (last != null && last[1] == i) last[1] = i + 1;
            else ranges.add(new long[] {i, i + 1});
        }
    }

    private Map<String, Object> statistics(Preprocessor p, List<String> columns) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("producer", "kiln preprocess");
        m.put("kiln_version", s.version());
        m.put("preset", s.preset().id());
        m.put("imputation", s.preset().imputation().name());
        m.put("scaling", s.preset().scaling().name());
        m.put("clip", List.of(number(s.clipLow()), number(s.clipHigh())));
        m.put("transform", "y = clip((x_or_fill - center) / scale, clip[0], clip[1]), in float32");
        double[] fill = p.fill(), center = p.center(), scale = p.scale();
        List<Map<String, Object>> cols = new ArrayList<>();
        for (int c = 0; c < columns.size(); c++) {
            ColumnStatistics st = p.statistics().column(c);
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("name", columns.get(c));
            e.put("count", st.count());
            e.put("mean", number(st.mean()));
            e.put("std", number(st.standardDeviation()));
            e.put("min", number(st.min()));
            e.put("max", number(st.max()));
            e.put("fill", number(fill[c]));
            e.put("center", number(center[c]));
            e.put("scale", number(scale[c]));
            cols.add(e);
        }
        m.put("columns", cols);
        m.put("preprocessor_text", p.toText());
        return m;
    }

    /** A double for JSON: finite numbers as numbers; NaN and infinities as the strings "NaN", "Infinity", "-Infinity". */
    static Object number(double v) {
        return Double.isFinite(v) ? (Object) v : Double.toString(v);
    }

    private Map<String, Object> manifest(Outcome o, List<long[]> ranges) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("producer", "kiln preprocess");
        m.put("kiln_version", s.version());
        m.put("complete", true);
        m.put("created", Instant.now().toString());
        m.put("kind", "table");
        m.put("input", s.table().toString());
        Map<String, Object> preset = new LinkedHashMap<>();
        preset.put("name", s.preset().id());
        preset.put("operations", s.preset().description());
        preset.put("imputation", s.preset().imputation().name());
        preset.put("scaling", s.preset().scaling().name());
        preset.put("clip", List.of(number(s.clipLow()), number(s.clipHigh())));
        preset.put("statistics", STATISTICS);
        m.put("preset", preset);
        Map<String, Object> options = new LinkedHashMap<>();
        options.put("rows_per_batch", s.rowsPerBatch());
        options.put("device", s.device().id());
        options.put("workers", s.workers());
        options.put("prefetch", s.prefetch());
        options.put("on_error", s.onError().name().toLowerCase(Locale.ROOT));
        options.put("shuffle", s.shuffle());
        options.put("seed", s.seed());
        options.put("shard", s.rank() + "/" + s.world());
        options.put("limit", s.limit());
        options.put("shard_size", s.shardSize());
        m.put("options", options);
        m.put("dtype", "float32");
        m.put("columns", o.columns());
        m.put("counts", ImageJob.counts(o.written(), o.skipped().size()));
        List<Map<String, Object>> files = new ArrayList<>();
        for (OutputFile f : o.files()) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("file", f.file());
            e.put("samples", f.samples());
            e.put("shape", f.shape());
            files.add(e);
        }
        m.put("files", files);
        // Output row k (counting through the files in order) came from data row row_ids[k] (from 0, header not counted).
        m.put("row_ids", ROW_IDS);
        // Unshuffled, the same as half-open ranges of data rows, short enough for the manifest; a shuffled
        // order would make one range per row, so there the row ids file is the record.
        if (!s.shuffle()) m.put("source_rows", ranges);
        m.put("skipped", ImageJob.skippedList(o.skipped()));
        return m;
    }
}
