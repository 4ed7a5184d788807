package io.kiln.loader;

import io.kiln.FloatArray;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The running pipeline of a {@link CsvLoader}:
 * <pre>
 *  read thread: chunks of whole records ──► parse pool (workers) ──► assemble thread (chunk order) ──► ring ──► consumer
 * </pre>
 * The read thread cuts the file at record boundaries (a line break outside quotes, so quoted fields
 * may hold line breaks) and holds at most {@code 2 x workers + 1} chunks in flight; the assemble thread
 * copies parsed rows into the ring's off-heap tensors in file order.
 */
final class CsvRun implements AutoCloseable {
    private static final AtomicInteger IDS = new AtomicInteger();

    private final CsvLoader.Builder cfg;
    private final CSVFormat format;
    private final List<String> names;
    private final int[] columnIndex;
    private final int maxIndex;
    /**
     * Fields of the first record (the header's, or the first data record's without one): every record has as
     * many. Above {@code maxIndex}, which indexes one of them.
     */
    private final int headerFields;
    private final long dataStart;
    private final int cols;
    private final String prefix;
    private final boolean spans;
    final Metrics metrics;

    private FloatArray[] ring;
    private final BlockingQueue<FloatArray> free;
    private final Delivery delivery;
    private final BlockingQueue<Chunk> parsed = new ArrayBlockingQueue<>(1024);
    private final Semaphore inFlight;
    private final ExecutorService pool;
    private final List<Thread> threads = new ArrayList<>();
    private final AtomicInteger started = new AtomicInteger();
    private volatile boolean stopping;
    private volatile LoaderException failure;
    private volatile long totalChunks = -1;

    CsvRun(CsvLoader.Builder cfg) {
        this.cfg = cfg;
        this.format = CSVFormat.DEFAULT.builder().setDelimiter(cfg.delimiter).setIgnoreEmptyLines(true).get();
        this.prefix = cfg.name + "-" + IDS.incrementAndGet();
        // the header (or the first record, for the number of columns) from the file's first bytes
        String first;
        long afterFirst;
        try (InputStream in = Files.newInputStream(cfg.file)) {
            byte[] head = in.readNBytes(1 << 20);
            int end = recordEnd(head, 0, head.length, true);
            if (end < 0) end = head.length;
            first = new String(head, 0, end, StandardCharsets.UTF_8);
            afterFirst = end;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + cfg.file + ": " + e.getMessage(), e);
        }
        List<String> header;
        try (CSVParser p = CSVParser.parse(first, format)) {
            List<CSVRecord> r = p.getRecords();
            header = r.isEmpty() ? List.of() : r.get(0).toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot parse the first record of " + cfg.file + ": " + e.getMessage(), e);
        }
        if (header.isEmpty()) throw new IllegalArgumentException(cfg.file + " is empty: a CSV file needs at least one record");
        List<String> all = new ArrayList<>();
        for (int i = 0; i < header.size(); i++) all.add(cfg.header ? header.get(i).strip() : "c" + i);
        List<String> want = cfg.columns != null ? cfg.columns : all;
        Map<String, Integer> pos = new HashMap<>();
        for (int i = 0; i < all.size(); i++) pos.putIfAbsent(all.get(i), i);
        columnIndex = new int[want.size()];
        int max = 0;
        for (int k = 0; k < want.size(); k++) {
            Integer i = pos.get(want.get(k));
            if (i == null) {
                throw new IllegalArgumentException("column " + want.get(k) + " is not in " + cfg.file + " (its columns: " + all
                        + (cfg.header ? ")" : "; without a header they are c0, c1, ...)"));
            }
            columnIndex[k] = i;
            max = Math.max(max, i);
        }
        this.maxIndex = max;
        this.headerFields = header.size();
        this.names = List.copyOf(want);
        this.cols = want.size();
        this.dataStart = cfg.header ? afterFirst : 0;
        this.metrics = new Metrics(cfg.workers, 1, cfg.prefetch, cfg.rowsPerBatch);
        boolean wants;
        try {
            wants = cfg.listener.wantsSpans();
        } catch (RuntimeException e) {
            wants = false;
        }
        this.spans = wants;
        this.free = new ArrayBlockingQueue<>(cfg.prefetch);
        this.delivery = new Delivery(cfg.prefetch, metrics, cfg.listener, () -> -1, new Delivery.Run(() -> failure, () -> stopping, this::stopped, () -> {
            shutdown();
            end();
        }));
        this.inFlight = new Semaphore(2 * cfg.workers + 1);
        AtomicInteger ids = new AtomicInteger();
        this.pool = Executors.newFixedThreadPool(cfg.workers, r -> Thread.ofPlatform().name(prefix + "-parse-" + ids.getAndIncrement())
                .daemon().unstarted(r));
    }

    List<String> columns() {
        return names;
    }

    /**
     * Where the record that starts at {@code from} ends: the index after its line break (CR LF, LF or
     * CR) outside quotes, or -1 when {@code to} comes first. {@code atFileEnd}: the bytes end the file.
     */
    static int recordEnd(byte[] b, int from, int to, boolean atFileEnd) {
        boolean quoted = false;
        for (int i = from; i < to; i++) {
            byte c = b[i];
            if (c == '"') {
                quoted = !quoted;
            } else if (!quoted && (c == '\n' || c == '\r')) {
                if (c == '\r') {
                    if (i + 1 < to) return b[i + 1] == '\n' ? i + 2 : i + 1;
                    return atFileEnd ? i + 1 : -1;
                }
                return i + 1;
            }
        }
        return -1;
    }

    /** The last record boundary in {@code [from, to)}: the end of the last whole record, or -1. */
    static int lastBoundary(byte[] b, int from, int to) {
        // Most chunks hold no quote at all; then every line break ends a record, and the last one is
        // found scanning back from the end instead of walking every record from the front (which cost
        // the reader thread 120-270 ns per record, a fifth of the loader's CPU time).
        if (!containsQuote(b, from, to)) return lastLineEnd(b, from, to);
        return lastBoundaryQuoted(b, from, to);
    }

    /** Whether {@code b[from, to)} holds a {@code '"'}: a branch-free loop C2 vectorises. */
    static boolean containsQuote(byte[] b, int from, int to) {
        int q = 0;
        for (int i = from; i < to; i++) q |= b[i] == '"' ? 1 : 0;
        return q != 0;
    }

    /**
     * The end of the last whole record of quote-free bytes: after the last LF, or after the last CR
     * when a byte that is no line break follows it; a CR as the very last byte may be half of CR LF,
     * so there the record before it counts (as {@link #recordEnd} with {@code atFileEnd = false}).
     */
    static int lastLineEnd(byte[] b, int from, int to) {
        int i = to - 1;
        while (i >= from && b[i] != '\n' && b[i] != '\r') i--;
        if (i < from) return -1;
        if (b[i] == '\n' || i + 1 < to) return i + 1;
        // a CR at the end: undecided; the record before it ended at the line break just before, if any
        if (i > from && (b[i - 1] == '\n' || b[i - 1] == '\r')) return i;
        int j = i - 1;
        while (j >= from && b[j] != '\n' && b[j] != '\r') j--;
        return j < from ? -1 : j + 1;
    }

    /** {@link #lastBoundary} walking the records from {@code from}, for bytes with quotes. */
    static int lastBoundaryQuoted(byte[] b, int from, int to) {
        int at = from, last = -1;
        while (at < to) {
            int e = recordEnd(b, at, to, false);
            if (e < 0) break;
            last = e;
            at = e;
        }
        return last;
    }

    /** A piece of the file: whole records, and after parsing their rows. */
    private static final class Chunk {
        final long seq;
        final long firstRecord;
        final byte[] bytes;
        final int length;
        float[] rows;
        int count;
        long records;
        final List<Failure> failures = new ArrayList<>();
        long parseNanos;

        Chunk(long seq, long firstRecord, byte[] bytes, int length) {
            this.seq = seq;
            this.firstRecord = firstRecord;
            this.bytes = bytes;
            this.length = length;
        }
    }

    // ---------------------------------------------------------------------------------------------

    Iterator<Batch> start() {
        if (stopping) throw new IllegalStateException("the CSV loader is closed: build a new one");
        if (started.getAndIncrement() != 0) throw new IllegalStateException("the CSV loader's iterator was already taken: it runs once");
        metrics.start();
        ring = new FloatArray[cfg.prefetch];
        for (int i = 0; i < ring.length; i++) {
            ring[i] = FloatArray.allocate((long) cfg.rowsPerBatch * cols);
            free.add(ring[i]);
        }
        Thread reader = Thread.ofPlatform().name(prefix + "-read").daemon().unstarted(this::readLoop);
        Thread assembler = Thread.ofPlatform().name(prefix + "-assemble").daemon().unstarted(this::assembleLoop);
        threads.add(reader);
        threads.add(assembler);
        reader.start();
        assembler.start();
        return delivery.iterator();
    }

    /** Records in a chunk are numbered after parsing, so the reader does not know them: the assembler renumbers. */
    private void readLoop() {
        long seq = 0;
        try (InputStream in = Files.newInputStream(cfg.file)) {
            in.skipNBytes(dataStart);
            int size = cfg.chunkBytes;
            byte[] carry = new byte[0];
            boolean eof = false;
            while (!eof && !stopping) {
                long t0 = System.nanoTime();
                inFlight.acquire();
                long t1 = System.nanoTime();
                metrics.readWait.addAndGet(t1 - t0);
                byte[] buf = new byte[Math.max(size, carry.length * 2)];
                System.arraycopy(carry, 0, buf, 0, carry.length);
                int n = carry.length;
                while (n < buf.length) {
                    int r = in.read(buf, n, buf.length - n);
                    if (r < 0) {
                        eof = true;
                        break;
                    }
                    n += r;
                }
                int cut = eof ? n : lastBoundary(buf, 0, n);
                if (cut < 0) {
                    // one record longer than the buffer: read on with a larger one
                    carry = Arrays.copyOf(buf, n);
                    inFlight.release();
                    continue;
                }
                carry = Arrays.copyOfRange(buf, cut, n);
                long t2 = System.nanoTime();
                metrics.readBusy.addAndGet(t2 - t1);
                metrics.readItems.incrementAndGet();
                if (cut == 0) {
                    inFlight.release();
                    continue;
                }
                Chunk c = new Chunk(seq++, 0, buf, cut);
                span(Stage.READ, t1, t2, "chunk " + c.seq + " (" + cut + " bytes)");
                metrics.decodeQueued(2 * cfg.workers + 1 - inFlight.availablePermits());
                pool.execute(() -> parse(c));
            }
            totalChunks = seq;
            parsed.put(new Chunk(-1, 0, null, 0));
        } catch (InterruptedException e) {
            // closing
        } catch (IOException e) {
            fail(new LoaderException("cannot read " + cfg.file + ": " + e.getMessage(), e));
        } catch (RuntimeException e) {
            fail(new LoaderException("the CSV reader failed: " + e, e));
        }
    }

    /**
     * Parses a chunk's records into a row-major float array. A record without a quote character is
     * split at the delimiter and its fields read straight from the bytes ({@link FastFloat}); a record
     * with quotes goes through Commons CSV, which knows the quoting rules (quoted delimiters, doubled
     * quotes, line breaks inside fields).
     */
    private void parse(Chunk c) {
        if (stopping) return;
        long t0 = System.nanoTime();
        byte[] b = c.bytes;
        float[] rows = new float[Math.max(16, c.length / Math.max(1, 2 * cols)) * cols];
        int[] start = new int[headerFields + 2];
        int n = 0;
        long rec = 0;
        int at = 0;
        byte delim = (byte) cfg.delimiter;
        while (at < c.length) {
            int end = recordEnd(b, at, c.length, true);
            if (end < 0) end = c.length;
            int lineEnd = end;
            while (lineEnd > at && (b[lineEnd - 1] == '\n' || b[lineEnd - 1] == '\r')) lineEnd--;
            int from = at;
            at = end;
            if (lineEnd == from) continue; // an empty line is no record (as Commons CSV's ignoreEmptyLines)
            long local = rec++;
            if ((n + 1) * cols > rows.length) rows = Arrays.copyOf(rows, rows.length * 2);
            String bad;
            boolean quoted = false;
            for (int i = from; i < lineEnd && !quoted; i++) quoted = b[i] == '"';
            if (quoted) {
                bad = parseQuoted(new String(b, from, lineEnd - from, StandardCharsets.UTF_8), rows, n * cols);
            } else {
                // field k spans [start[k], start[k + 1] - 1)
                int fields = 0;
                start[fields++] = from;
                // up to one field past the header's: enough to see a record too long
                for (int i = from; i < lineEnd && fields <= headerFields; i++) if (b[i] == delim) start[fields++] = i + 1;
                bad = fieldCount(fields);
                if (bad == null) {
                    for (int k = 0; k < cols && bad == null; k++) {
                        int f = columnIndex[k];
                        int fs = start[f], fe = f + 1 < fields ? start[f + 1] - 1 : lineEnd;
                        if (f + 1 >= fields) {
                            fe = lineEnd;
                            for (int i = fs; i < lineEnd; i++) if (b[i] == delim) { fe = i; break; }
                        }
                        float v = FastFloat.parse(b, fs, fe);
                        if (v != v && !FastFloat.isMissingOrNaN(b, fs, fe)) bad = notANumber(k, new String(b, fs, fe - fs, StandardCharsets.UTF_8));
                        rows[n * cols + k] = v;
                    }
                }
            }
            if (bad != null) {
                c.failures.add(new Failure(local, "row ?", 0, Stage.DECODE, FailureKind.TRANSFORM, bad));
                continue;
            }
            n++;
        }
        c.rows = rows;
        c.count = n;
        c.records = rec;
        c.parseNanos = System.nanoTime() - t0;
        span(Stage.DECODE, t0, t0 + c.parseNanos, "chunk " + c.seq + " (" + rec + " records)");
        metrics.decodeBusy.addAndGet(c.parseNanos);
        metrics.decodeItems.addAndGet(rec);
        try {
            parsed.put(c);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A span on the calling thread's track (chunks are not batches: batch and sample are -1). */
    private void span(Stage stage, long t0, long t1, String label) {
        if (!spans) return;
        try {
            cfg.listener.onSpan(new Span(stage, Thread.currentThread().getName(), t0, t1, 0, -1, -1, label));
        } catch (RuntimeException e) {
            metrics.listenerErrors.incrementAndGet();
        }
    }

    private String notANumber(int k, String field) {
        return "column " + names.get(k) + " holds '" + (field.length() > 40 ? field.substring(0, 40) + "..." : field) + "', not a number";
    }

    /** One record with quotes, through Commons CSV; the reason it is bad, or null. */
    private String parseQuoted(String line, float[] rows, int at) {
        try (CSVParser p = CSVParser.parse(line, format)) {
            List<CSVRecord> recs = p.getRecords();
            if (recs.size() != 1) return "malformed CSV record (" + recs.size() + " records in one)";
            CSVRecord r = recs.get(0);
            String count = fieldCount(r.size());
            if (count != null) return count;
            for (int k = 0; k < cols; k++) {
                String f = r.get(columnIndex[k]);
                float v = FastFloat.parse(f);
                if (v != v && !FastFloat.isMissingOrNaN(f)) return notANumber(k, f);
                rows[at + k] = v;
            }
            return null;
        } catch (IOException | RuntimeException e) {
            return "malformed CSV: " + e.getMessage();
        }
    }

    /**
     * Why a record of {@code fields} fields is malformed, or null. Every record has the first record's
     * number of fields: a record with more or fewer has lost or gained a delimiter (an unquoted comma
     * inside a value, a truncated line), so its values may sit under the wrong columns even where the
     * selected ones exist. {@code fields} may stop at one past the header's count.
     */
    private String fieldCount(int fields) {
        if (fields <= maxIndex) {
            return "the record has " + fields + " fields, column " + names.get(indexOfMax()) + " is field " + (maxIndex + 1);
        }
        if (fields != headerFields) {
            return "the record has " + (fields > headerFields ? "more than " + headerFields : Integer.toString(fields)) + " fields, the "
                    + (cfg.header ? "header" : "first record") + " " + headerFields + ": quote a value that holds the delimiter";
        }
        return null;
    }

    private int indexOfMax() {
        for (int k = 0; k < cols; k++) if (columnIndex[k] == maxIndex) return k;
        return 0;
    }

    /** Puts parsed chunks in file order into the ring's tensors, {@code rowsPerBatch} rows each. */
    private void assembleLoop() {
        TreeMap<Long, Chunk> early = new TreeMap<>();
        long next = 0, record = 0, batchNo = 0;
        FloatArray cur = null;
        int filled = 0;
        long firstRecord = 0;
        List<Long> curIdx = new ArrayList<>();
        List<Failure> curFail = new ArrayList<>();
        boolean last = false;
        try {
            while (!stopping) {
                Chunk c = early.remove(next);
                if (c == null) {
                    if (last && next == totalChunks) break;
                    long t0 = System.nanoTime();
                    Chunk got = parsed.take();
                    metrics.deviceWait.addAndGet(System.nanoTime() - t0);
                    if (got.seq < 0) last = true;
                    else early.put(got.seq, got);
                    continue;
                }
                next++;
                inFlight.release();
                long t0 = System.nanoTime();
                // renumber: the chunk's records are records [record, record + c.records) of the file
                int fi = 0;
                int row = 0;
                for (long local = 0; local < c.records; local++) {
                    long index = record + local;
                    if (fi < c.failures.size() && c.failures.get(fi).index() == local) {
                        Failure f0 = c.failures.get(fi++);
                        Failure f = new Failure(index, "row " + index, 0, f0.stage(), f0.kind(), f0.message());
                        cfg.listener.onFailure(f);
                        if (cfg.onBadSample == BadSamplePolicy.FAIL) {
                            fail(new LoaderException(f, null));
                            return;
                        }
                        metrics.skip(f);
                        curFail.add(f);
                        continue;
                    }
                    if (cur == null) {
                        long w0 = System.nanoTime();
                        cur = free.take();
                        metrics.planWait.addAndGet(System.nanoTime() - w0);
                        filled = 0;
                        firstRecord = index;
                    }
                    // copy a run of rows at once
                    int run = 1;
                    while (local + run < c.records && filled + run < cfg.rowsPerBatch
                            && !(fi < c.failures.size() && c.failures.get(fi).index() == local + run)) run++;
                    cur.copyFrom(c.rows, row * cols, (long) filled * cols, run * cols);
                    for (int k = 0; k < run; k++) curIdx.add(index + k);
                    row += run;
                    filled += run;
                    local += run - 1;
                    if (filled == cfg.rowsPerBatch) {
                        hand(cur, filled, batchNo++, curIdx, curFail);
                        cur = null;
                        curIdx = new ArrayList<>();
                        curFail = new ArrayList<>();
                    }
                }
                record += c.records;
                metrics.read.addAndGet(c.records);
                long t1 = System.nanoTime();
                metrics.assembleBusy.addAndGet(t1 - t0);
                span(Stage.ASSEMBLE, t0, t1, "chunk " + c.seq);
                metrics.assembleItems.incrementAndGet();
            }
            if (!stopping && cur != null && filled > 0) {
                hand(cur, filled, batchNo, curIdx, curFail);
            } else if (!stopping && !curFail.isEmpty()) {
                // bad rows after the last good one: a batch of no rows carries them, so that every
                // failure reaches the consumer inside a batch, as the loader promises
                if (cur == null) cur = free.take();
                hand(cur, 0, batchNo, curIdx, curFail);
            } else if (cur != null) {
                free.put(cur);
            }
            if (!stopping) delivery.end();
        } catch (InterruptedException e) {
            // closing
        } catch (RuntimeException e) {
            fail(new LoaderException("the CSV assembler failed: " + e, e));
        }
    }

    private void hand(FloatArray t, int rows, long number, List<Long> idx, List<Failure> fails) throws InterruptedException {
        long[] indices = new long[idx.size()];
        for (int i = 0; i < indices.length; i++) indices[i] = idx.get(i);
        Batch b = new Batch(t, new long[] {rows, cols}, rows, 0, 0, number, indices, i -> "row " + indices[i], fails, () -> {
            delivery.released();
            if (!stopping) free.offer(t);
        });
        delivery.put(b);
    }

    Batch readAll() {
        List<float[]> parts = new ArrayList<>();
        List<Long> idx = new ArrayList<>();
        List<Failure> fails = new ArrayList<>();
        long total = 0;
        Iterator<Batch> it = start();
        while (it.hasNext()) {
            try (Batch b = it.next()) {
                parts.add(b.toArray());
                for (long i : b.indices()) idx.add(i);
                fails.addAll(b.failures());
                total += b.size();
            }
        }
        FloatArray all = FloatArray.allocate(Math.max(1, total * cols));
        long at = 0;
        for (float[] p : parts) {
            all.copyFrom(p, 0, at, p.length);
            at += p.length;
        }
        long[] indices = new long[idx.size()];
        for (int i = 0; i < indices.length; i++) indices[i] = idx.get(i);
        return new Batch(all, new long[] {total, cols}, (int) Math.min(Integer.MAX_VALUE, total), 0, 0, 0, indices,
                i -> "row " + indices[i], fails, all::close);
    }

    private LoaderException stopped(LoaderException e) {
        shutdown();
        end();
        return e;
    }

    private void fail(LoaderException e) {
        synchronized (this) {
            if (failure != null) return;
            failure = e;
            stopping = true;
        }
        pool.shutdownNow();
        for (Thread t : threads) if (t != Thread.currentThread()) t.interrupt();
        delivery.failed(e);
    }

    private void shutdown() {
        stopping = true;
        pool.shutdownNow();
        for (Thread t : threads) {
            if (t == Thread.currentThread()) continue;
            t.interrupt();
            try {
                t.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        try {
            pool.awaitTermination(10, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (ring != null) for (FloatArray f : ring) f.close();
    }

    private void end() {
        metrics.freeze(failure == null ? 1 : 0, "none", cfg.listener);
    }

    LoaderReport report() {
        return metrics.current("none");
    }

    @Override
    public void close() {
        shutdown();
        delivery.closed();
        end();
    }
}
