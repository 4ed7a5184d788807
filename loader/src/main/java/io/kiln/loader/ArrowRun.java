package io.kiln.loader;

import io.kiln.FloatArray;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BaseIntVector;
import org.apache.arrow.vector.BitVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.FloatingPointVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowFileReader;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.ipc.ArrowStreamReader;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;

/** One run of an {@link ArrowLoader}: the reader thread, the ring of tensors and the delivery. */
final class ArrowRun {
    /** How a column's values become floats. */
    private enum Kind { FLOATING, SIGNED, UNSIGNED64, BOOL }

    private final ArrowLoader.Builder cfg;
    private final BufferAllocator allocator;
    private final FileChannel channel;
    private final ArrowReader reader;
    private final List<String> names;
    private final Kind[] kinds;
    private final int cols;
    private final Metrics metrics;
    private final Delivery delivery;
    private final BlockingQueue<FloatArray> free;
    private final AtomicInteger started = new AtomicInteger();
    private FloatArray[] ring;
    private Thread thread;
    private volatile boolean stopping;
    private volatile LoaderException failure;
    private boolean closedResources;

    ArrowRun(ArrowLoader.Builder cfg) {
        this.cfg = cfg;
        try {
            allocator = new RootAllocator(Long.MAX_VALUE);
        } catch (RuntimeException | LinkageError e) {
            throw new IllegalStateException("Apache Arrow cannot allocate memory (" + e + "): put an allocator on the path"
                    + " (org.apache.arrow:arrow-memory-unsafe or arrow-memory-netty) and start the JVM with"
                    + " --add-opens=java.base/java.nio=org.apache.arrow.memory.core,ALL-UNNAMED", e);
        }
        // Arrow reads into direct buffers it makes from raw addresses; without the add-opens that fails
        // deep inside the first read with a message about sun.misc.Unsafe. Probe once and say the fix.
        try (org.apache.arrow.memory.ArrowBuf probe = allocator.buffer(8)) {
            probe.nioBuffer(0, 8);
        } catch (RuntimeException | LinkageError e) {
            allocator.close();
            throw new IllegalStateException("Apache Arrow cannot reach direct buffers (" + e.getMessage() + "): start the JVM with"
                    + " --add-opens=java.base/java.nio=org.apache.arrow.memory.core,ALL-UNNAMED (the kiln script does)", e);
        }
        FileChannel ch = null;
        ArrowReader r = null;
        try {
            ch = FileChannel.open(cfg.file, StandardOpenOption.READ);
            r = isFileFormat(ch) ? new ArrowFileReader(ch, allocator) : new ArrowStreamReader(Channels.newInputStream(ch), allocator);
            VectorSchemaRoot root = r.getVectorSchemaRoot(); // reads the schema
            List<Field> fields = root.getSchema().getFields();
            List<String> all = fields.stream().map(Field::getName).toList();
            List<String> want = cfg.columns != null ? cfg.columns : all;
            Kind[] k = new Kind[want.size()];
            for (int i = 0; i < k.length; i++) {
                int at = all.indexOf(want.get(i));
                if (at < 0) throw new IllegalArgumentException("column " + want.get(i) + " is not in " + cfg.file + " (its columns: " + all + ")");
                k[i] = kind(fields.get(at));
            }
            this.names = List.copyOf(want);
            this.kinds = k;
        } catch (IOException e) {
            closeQuietly(r, ch);
            throw new UncheckedIOException("cannot read " + cfg.file + " as an Arrow IPC file: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            closeQuietly(r, ch);
            throw e;
        }
        this.channel = ch;
        this.reader = r;
        this.cols = names.size();
        this.metrics = new Metrics(1, 1, cfg.prefetch, cfg.rowsPerBatch);
        this.free = new ArrayBlockingQueue<>(cfg.prefetch);
        this.delivery = new Delivery(cfg.prefetch, metrics, cfg.listener, () -> -1, new Delivery.Run(() -> failure, () -> stopping, e -> {
            shutdown();
            end();
            return e;
        }, () -> {
            shutdown();
            end();
        }));
    }

    /** The file format starts with the magic {@code ARROW1}; the stream format with a message. */
    private static boolean isFileFormat(FileChannel ch) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(6);
        while (b.hasRemaining() && ch.read(b, b.position()) > 0) {
            // read the magic's bytes
        }
        return new String(b.array(), 0, b.position(), StandardCharsets.ISO_8859_1).equals("ARROW1");
    }

    private Kind kind(Field f) {
        ArrowType t = f.getType();
        if (t instanceof ArrowType.FloatingPoint) return Kind.FLOATING;
        if (t instanceof ArrowType.Int i) return !i.getIsSigned() && i.getBitWidth() == 64 ? Kind.UNSIGNED64 : Kind.SIGNED;
        if (t instanceof ArrowType.Bool) return Kind.BOOL;
        throw new IllegalArgumentException("column " + f.getName() + " of " + cfg.file + " has type " + t
                + ": the Arrow loader reads floating point, integer and boolean columns; leave it out with columns(...)");
    }

    List<String> columns() {
        return names;
    }

    Iterator<Batch> start() {
        if (stopping) throw new IllegalStateException("the Arrow loader is closed: build a new one");
        if (started.getAndIncrement() != 0) throw new IllegalStateException("the Arrow loader's iterator was already taken: it runs once");
        metrics.start();
        ring = new FloatArray[cfg.prefetch];
        for (int i = 0; i < ring.length; i++) {
            ring[i] = FloatArray.allocate(Math.max(1, (long) cfg.rowsPerBatch * cols));
            free.add(ring[i]);
        }
        thread = Thread.ofPlatform().name(cfg.name + "-read").daemon().unstarted(this::readLoop);
        thread.start();
        return delivery.iterator();
    }

    private void readLoop() {
        long row = 0, batchNo = 0, recordBatch = 0;
        FloatArray cur = null;
        int filled = 0;
        long firstRow = 0;
        try {
            VectorSchemaRoot root;
            try {
                root = reader.getVectorSchemaRoot(); // read in the constructor already: no I/O here
            } catch (IOException e) {
                throw new LoaderException("cannot read the schema of " + cfg.file + ": " + e.getMessage(), e);
            }
            FieldVector[] vectors = new FieldVector[cols];
            for (int c = 0; c < cols; c++) vectors[c] = root.getVector(names.get(c));
            float[] staging = new float[0];
            while (!stopping) {
                long t0 = System.nanoTime();
                boolean more;
                try {
                    more = reader.loadNextBatch();
                } catch (IOException | RuntimeException e) {
                    throw new LoaderException("cannot read record batch " + recordBatch + " of " + cfg.file + " (after row " + row
                            + "): " + e.getMessage() + "; the file is damaged or truncated, or compressed (add org.apache.arrow:arrow-compression)", e);
                }
                long t1 = System.nanoTime();
                metrics.readBusy.addAndGet(t1 - t0);
                metrics.readItems.incrementAndGet();
                if (!more) break;
                recordBatch++;
                int n = root.getRowCount();
                for (int done = 0; done < n && !stopping; ) {
                    if (cur == null) {
                        long w0 = System.nanoTime();
                        cur = free.take();
                        metrics.planWait.addAndGet(System.nanoTime() - w0);
                        filled = 0;
                        firstRow = row;
                    }
                    int take = Math.min(n - done, cfg.rowsPerBatch - filled);
                    long c0 = System.nanoTime();
                    if (staging.length < take * cols) staging = new float[take * cols];
                    for (int c = 0; c < cols; c++) convert(vectors[c], kinds[c], done, take, staging, c);
                    cur.copyFrom(staging, 0, (long) filled * cols, take * cols);
                    metrics.decodeBusy.addAndGet(System.nanoTime() - c0);
                    metrics.decodeItems.addAndGet(take);
                    metrics.read.addAndGet(take);
                    filled += take;
                    done += take;
                    row += take;
                    if (filled == cfg.rowsPerBatch) {
                        hand(cur, filled, batchNo++, firstRow);
                        cur = null;
                    }
                }
            }
            if (!stopping && cur != null && filled > 0) {
                hand(cur, filled, batchNo, firstRow);
                cur = null;
            }
            if (cur != null) free.offer(cur);
            if (!stopping) delivery.end();
        } catch (InterruptedException e) {
            // closing
        } catch (LoaderException e) {
            fail(e);
        } catch (RuntimeException e) {
            fail(new LoaderException("the Arrow reader of " + cfg.file + " failed: " + e, e));
        }
    }

    /** Column {@code c} of rows {@code from .. from+n} of the record batch into row-major {@code out}. */
    private void convert(FieldVector v, Kind kind, int from, int n, float[] out, int c) {
        for (int r = 0; r < n; r++) {
            int i = from + r;
            float x;
            if (v.isNull(i)) {
                x = Float.NaN;
            } else {
                x = switch (kind) {
                    case FLOATING -> (float) ((FloatingPointVector) v).getValueAsDouble(i);
                    case SIGNED -> (float) ((BaseIntVector) v).getValueAsLong(i);
                    case UNSIGNED64 -> unsignedToFloat(((BaseIntVector) v).getValueAsLong(i));
                    case BOOL -> ((BitVector) v).get(i);
                };
            }
            out[r * cols + c] = x;
        }
    }

    /**
     * An unsigned 64-bit value to the nearest float: halve it keeping the lowest bit as a sticky bit
     * (so the rounding of the halved value is the rounding of the whole), convert, double.
     */
    static float unsignedToFloat(long v) {
        if (v >= 0) return (float) v;
        return (float) ((v >>> 1) | (v & 1)) * 2f;
    }

    private void hand(FloatArray t, int rows, long number, long firstRow) throws InterruptedException {
        long[] indices = new long[rows];
        for (int i = 0; i < rows; i++) indices[i] = firstRow + i;
        Batch b = new Batch(t, new long[] {rows, cols}, rows, 0, 0, number, indices, i -> "row " + indices[i], List.of(), () -> {
            delivery.released();
            if (!stopping) free.offer(t);
        });
        delivery.put(b);
    }

    private void fail(LoaderException e) {
        synchronized (this) {
            if (failure != null) return;
            failure = e;
            stopping = true;
        }
        delivery.failed(e);
    }

    private void shutdown() {
        stopping = true;
        Thread t = thread;
        if (t != null && t != Thread.currentThread()) {
            t.interrupt();
            try {
                t.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        synchronized (this) {
            if (closedResources) return;
            closedResources = true;
        }
        if (ring != null) for (FloatArray f : ring) f.close();
        closeQuietly(reader, channel);
    }

    private void closeQuietly(ArrowReader r, FileChannel ch) {
        try {
            if (r != null) r.close();
        } catch (IOException | RuntimeException ignored) {
            // releasing
        }
        try {
            if (ch != null) ch.close();
        } catch (IOException ignored) {
            // releasing
        }
        try {
            allocator.close();
        } catch (RuntimeException ignored) {
            // a leak report from Arrow: nothing more to free here
        }
    }

    private void end() {
        metrics.freeze(failure == null ? 1 : 0, "none", cfg.listener);
    }

    LoaderReport report() {
        return metrics.current("none");
    }

    void close() {
        shutdown();
        delivery.closed();
        end();
    }
}
