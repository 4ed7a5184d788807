package io.kiln.cli.preprocess;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A {@code .npy} file whose shape is known before it is written, mapped into memory so that rows can
 * be written in any order: what a shuffled or sharded table needs, where row {@code k} of the output
 * comes from wherever the permutation put it. The header is {@link NpyWriter#header}'s, so the file is
 * byte for byte what NumPy writes for the same array. Rows not written stay zero. Not thread-safe.
 */
final class NpyMappedFile implements AutoCloseable {

    /** The element type: float32 for tensors, int64 for row ids. */
    enum Type {
        FLOAT32("f4", Float.BYTES),
        INT64("i8", Long.BYTES);

        final String code;
        final int bytes;

        Type(String code, int bytes) {
            this.code = code;
            this.bytes = bytes;
        }

        /** NumPy's descr in this machine's byte order, which the data is written in. */
        String descr() {
            return (ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN ? "<" : ">") + code;
        }
    }

    private final Path path;
    private final Arena arena = Arena.ofShared();
    private final FileChannel channel;
    private final MemorySegment data;
    private final long rows;
    private final long rowElements;
    private final Type type;
    private boolean closed;

    /**
     * Creates (or truncates) {@code file} holding an array of shape {@code (rows, rowShape...)}.
     *
     * @throws UncheckedIOException if the file cannot be created or mapped
     */
    NpyMappedFile(Path file, Type type, long rows, long... rowShape) {
        this.path = file;
        this.type = type;
        this.rows = rows;
        long per = 1;
        for (long d : rowShape) per = Math.multiplyExact(per, d);
        this.rowElements = per;
        long[] shape = new long[rowShape.length + 1];
        shape[0] = rows;
        System.arraycopy(rowShape, 0, shape, 1, rowShape.length);
        byte[] header = NpyWriter.header(type.descr(), false, shape);
        long dataBytes = Math.multiplyExact(Math.multiplyExact(rows, per), (long) type.bytes);
        try {
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING);
        } catch (IOException e) {
            arena.close();
            throw new UncheckedIOException("cannot create " + file + ": " + e.getMessage(), e);
        }
        try {
            ByteBuffer h = ByteBuffer.wrap(header);
            long at = 0;
            while (h.hasRemaining()) at += channel.write(h, at);
            // A mapping of zero bytes is refused on some systems: an empty array has only its header.
            data = dataBytes == 0 ? MemorySegment.NULL
                    : channel.map(FileChannel.MapMode.READ_WRITE, header.length, dataBytes, arena);
        } catch (IOException e) {
            closeQuietly();
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    /** The file. */
    Path path() {
        return path;
    }

    /** The leading dimension. */
    long rows() {
        return rows;
    }

    /** Writes float row {@code row} from {@code values[from .. from + rowElements)}. */
    void putRow(long row, float[] values, int from) {
        check(row, Type.FLOAT32);
        MemorySegment.copy(values, from, data, ValueLayout.JAVA_FLOAT, row * rowElements * Float.BYTES, (int) rowElements);
    }

    /** Writes element {@code row} of a one-dimensional int64 array. */
    void putLong(long row, long value) {
        check(row, Type.INT64);
        data.setAtIndex(ValueLayout.JAVA_LONG, row * rowElements, value);
    }

    private void check(long row, Type wanted) {
        if (closed) throw new IllegalStateException(path + " is closed");
        if (type != wanted) throw new IllegalStateException(path + " holds " + type + ", not " + wanted);
        if (row < 0 || row >= rows) throw new IndexOutOfBoundsException("row " + row + " of " + path + ", which has " + rows);
    }

    /** Flushes the mapping to the file and unmaps it. */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        try (FileChannel ch = channel; Arena a = arena) {
            if (data.byteSize() > 0) data.force();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot close " + path + ": " + e.getMessage(), e);
        }
    }

    private void closeQuietly() {
        closed = true;
        try (FileChannel ch = channel; Arena a = arena) {
            // closing both
        } catch (IOException | RuntimeException ignored) {
            // already failing with the first error
        }
    }
}
