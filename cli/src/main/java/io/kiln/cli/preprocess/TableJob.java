package io.kiln.cli.preprocess;

import io.kiln.Device;
import io.kiln.kernels.tabular.ColumnStatistics;
import io.kiln.kernels.tabular.FloatColumns;
import io.kiln.kernels.tabular.Preprocessor;
import io.kiln.loader.BadSamplePolicy;
import io.kiln.loader.Batch;
import io.kiln.loader.CsvLoader;
import io.kiln.loader.Failure;
import io.kiln.loader.LoaderException;
import io.kiln.loader.LoaderReport;

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
 * {@code kiln preprocess} on a CSV table: two passes over the file through the loader's
 * {@link CsvLoader}, the first fitting the library's tabular {@link Preprocessor} ({@code partialFit}
 * batch by batch), the second transforming each batch on the device and streaming it into
 * {@code data.npy} (rows x columns, float32, row-major). The fitted statistics go to
 * {@value #STATISTICS} beside it, with the preprocessor's exact text form.
 */
public final class TableJob {
    /** The fitted statistics' file name. */
    public static final String STATISTICS = "statistics.json";

    /**
     * What to do.
     *
     * @param csv      the table
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
     * @param trace    where to write the trace of the second pass, or {@code null}
     * @param version  Kiln's version
     */
    public record Settings(Path csv, List<String> columns, Path out, TablePreset preset, double clipLow, double clipHigh, int rowsPerBatch,
                           Device device, int workers, int prefetch, BadSamplePolicy onError, Path trace, String version) {
    }

    /**
     * What happened.
     *
     * @param written        rows written
     * @param skipped        rows left out, with reasons
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
    public record Outcome(long written, List<Failure> skipped, List<String> columns, Preprocessor preprocessor, LoaderReport report,
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

    private CsvLoader loader(String pass, TraceRecorder trace) {
        CsvLoader.Builder b = CsvLoader.builder(s.csv()).rowsPerBatch(s.rowsPerBatch()).workers(s.workers()).prefetch(s.prefetch())
                .onBadSample(s.onError()).name("kiln-preprocess-" + pass);
        if (s.columns() != null) b.columns(s.columns());
        if (trace != null) b.listener(trace);
        return b.build();
    }

    /**
     * Runs both passes and writes {@code data.npy}, {@value #STATISTICS} and the manifest.
     *
     * @throws LoaderException under {@code --on-error fail} at the first bad row (nothing is left in the output)
     */
    public Outcome run(Progress.Mode progressMode, PrintWriter out, PrintStream terminal) {
        OutputFolder.prepare(s.out());
        long start = System.nanoTime();
        Preprocessor p;
        List<String> columns;
        long rows = 0;
        try (CsvLoader fit = loader("fit", null)) {
            columns = fit.columns();
            p = s.preset().preprocessor(columns.size(), s.clipLow(), s.clipHigh());
            for (Batch b : fit) {
                try (b) {
                    FloatColumns cm = toColumns(b, columns.size());
                    p.partialFit(s.device(), cm);
                    rows += b.size();
                }
            }
        }
        long fitEnd = System.nanoTime();
        TraceRecorder trace = s.trace() == null ? null : new TraceRecorder();
        List<Failure> skipped = new ArrayList<>();
        List<long[]> ranges = new ArrayList<>();
        long waitNanos = 0, writeNanos = 0, deviceNanos = 0;
        LoaderReport report;
        Path data = s.out().resolve("data.npy");
        boolean ok = false;
        OutputFolder.markInProgress(s.out(), s.version()); // the fit wrote nothing; from here on files appear
        NpyWriter npy = NpyWriter.create(data, columns.size());
        try (CsvLoader transform = loader("transform", trace);
             Progress progress = Progress.of(progressMode, "rows", rows, out, terminal)) {
            Iterator<Batch> it = transform.iterator();
            while (true) {
                long t0 = System.nanoTime();
                Batch b = it.hasNext() ? it.next() : null;
                long t1 = System.nanoTime();
                waitNanos += t1 - t0;
                if (b == null) break;
                try (b) {
                    FloatColumns in = toColumns(b, columns.size());
                    FloatColumns result = FloatColumns.allocate(in.rows(), in.columns());
                    p.transform(s.device(), in, result);
                    long t2 = System.nanoTime();
                    deviceNanos += t2 - t1;
                    npy.write(toRows(result), 0, result.rows());
                    addRanges(ranges, b.indices());
                    skipped.addAll(b.failures());
                    long t3 = System.nanoTime();
                    writeNanos += t3 - t2;
                    if (trace != null) trace.writeSpan(t1, t3, b.epoch(), b.number(), "transform + write batch " + b.number());
                }
                progress.update(npy.samples() + skipped.size(), skipped.size(), System.nanoTime() - fitEnd);
            }
            transform.close();
            report = transform.report();
            npy.close();
            ok = true;
        } finally {
            if (!ok) {
                try {
                    npy.close();
                    Files.deleteIfExists(data);
                    Files.deleteIfExists(s.out().resolve(OutputFolder.MANIFEST));
                } catch (RuntimeException | java.io.IOException ignored) {
                    // already failing
                }
            }
        }
        long end = System.nanoTime();
        Outcome o = new Outcome(npy.samples(), skipped, columns, p, report, fitEnd - start, end - fitEnd, deviceNanos, waitNanos, writeNanos,
                end - start);
        OutputFolder.writeJson(s.out().resolve(STATISTICS), statistics(p, columns));
        OutputFolder.writeJson(s.out().resolve(OutputFolder.MANIFEST), manifest(o, ranges));
        if (trace != null) trace.write(s.trace(), report.startNanos());
        return o;
    }

    /** Prints the summary of a finished run. */
    public void printSummary(PrintWriter out, Outcome outcome) {
        Summary.print(out, s, outcome);
    }

    /** A batch's rows x columns row-major tensor as column-major {@link FloatColumns}. */
    static FloatColumns toColumns(Batch b, int columns) {
        int rows = b.size();
        float[] rm = new float[rows * columns];
        b.tensor().copyTo(0, rm, 0, rm.length);
        float[] cm = new float[rm.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < columns; c++) cm[c * rows + r] = rm[r * columns + c];
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
        m.put("input", s.csv().toString());
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
        m.put("options", options);
        m.put("dtype", "float32");
        m.put("columns", o.columns());
        m.put("counts", ImageJob.counts(o.written(), o.skipped().size()));
        m.put("files", List.of(Map.of("file", "data.npy", "samples", o.written(), "shape", new long[] {o.written(), o.columns().size()})));
        // Row k of data.npy is the k-th source row of these ranges (data rows from 0, header not counted).
        m.put("source_rows", ranges);
        m.put("skipped", ImageJob.skippedList(o.skipped()));
        return m;
    }
}
