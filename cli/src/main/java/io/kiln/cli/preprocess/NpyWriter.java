package io.kiln.cli.preprocess;

import io.kiln.FloatArray;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Objects;

/**
 * Writes a float32 NumPy {@code .npy} file, streaming: the samples are appended as they come, and the
 * leading dimension (the number of samples) is written into the header when the file is closed.
 * <pre>{@code
 * try (NpyWriter npy = NpyWriter.create(Path.of("x.npy"), 3, 224, 224)) { // shape (N, 3, 224, 224)
 *     npy.write(batch.tensor(), batch.size());                            // from off-heap memory, no copy
 * }
 * }</pre>
 * The header is byte for byte the one {@code numpy.save} writes (NumPy 1.24 to 2.4): the magic
 * {@code \x93NUMPY}, version 1.0 (2.0 only when the header does not fit 65535 bytes), the dict
 * {@code {'descr': '<f4', 'fortran_order': False, 'shape': (N, 3, 224, 224), }}, the spare spaces NumPy
 * leaves so that the leading dimension can grow to 21 digits in place, then spaces and {@code '\n'} so
 * that the data starts at a multiple of 64 bytes. Because of those spare spaces the header of the final
 * count has the length of the header of 0, so it is patched in place at close.
 *
 * <p>The data is written in native byte order ({@code '<f4'} on x86 and ARM, {@code '>f4'} on big-endian
 * machines), so off-heap tensors go to the file straight from their memory. Not thread-safe.
 *
 * <p>This type lives in the command line, not in the library: the library's tensors are plain
 * {@link FloatArray}s that other runtimes take without a file, and {@code .npy} is the command line's
 * output format. It has no dependency outside the JDK and Kiln's arrays, so it can move if a library
 * user needs it.
 */
public final class NpyWriter implements AutoCloseable {

    /** Where the data starts: NumPy aligns it to this many bytes ({@code numpy.lib.format.ARRAY_ALIGN}). */
    public static final int ALIGN = 64;

    /** The digits NumPy leaves room for in the growing axis ({@code GROWTH_AXIS_MAX_DIGITS}). */
    static final int GROWTH_DIGITS = 21;

    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};

    /** Host arrays are written through a direct buffer of this many bytes. */
    private static final int CHUNK_BYTES = 1 << 20;

    private final Path path;
    private final FileChannel channel;
    private final long[] sampleShape;
    private final long sampleFloats;
    private final int headerBytes;
    private ByteBuffer chunk;
    private MemorySegment staging;
    private long samples;
    private boolean closed;

    private NpyWriter(Path path, FileChannel channel, long[] sampleShape) {
        this.path = path;
        this.channel = channel;
        this.sampleShape = sampleShape;
        long per = 1;
        for (long d : sampleShape) per = Math.multiplyExact(per, d);
        this.sampleFloats = per;
        this.headerBytes = header(descr(), false, shape(0)).length;
    }

    /**
     * Creates (or truncates) {@code file} for samples of shape {@code sampleShape}; the file's shape
     * is {@code (N, sampleShape...)} with N the number of samples written when it is closed.
     *
     * @throws IllegalArgumentException if a dimension is negative
     * @throws UncheckedIOException     if the file cannot be created
     */
    public static NpyWriter create(Path file, long... sampleShape) {
        Objects.requireNonNull(file, "file");
        for (long d : sampleShape) {
            if (d < 0) throw new IllegalArgumentException("dimension " + d + " of shape " + Arrays.toString(sampleShape) + " is negative");
        }
        FileChannel ch;
        try {
            ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + file + ": " + e.getMessage(), e);
        }
        NpyWriter w = new NpyWriter(file, ch, sampleShape.clone());
        try {
            w.writeHeader();
            ch.position(w.headerBytes); // the header is written at absolute positions; data follows it
        } catch (IOException e) {
            w.closeQuietly();
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        } catch (UncheckedIOException e) {
            w.closeQuietly();
            throw e;
        }
        return w;
    }

    /** The file this writes. */
    public Path path() {
        return path;
    }

    /** Samples written so far: the leading dimension the header will have. */
    public long samples() {
        return samples;
    }

    /** The shape of one sample (the file's shape without its leading dimension). */
    public long[] sampleShape() {
        return sampleShape.clone();
    }

    /** Floats per sample. */
    public long sampleFloats() {
        return sampleFloats;
    }

    /** Bytes before the data: the magic, version, length and header dict, a multiple of {@value #ALIGN}. */
    public int headerBytes() {
        return headerBytes;
    }

    /**
     * Appends the first {@code count} samples of {@code tensor} (its first {@code count * sampleFloats()}
     * floats), straight from its off-heap memory.
     *
     * @throws IllegalArgumentException if the tensor holds fewer floats
     */
    public void write(FloatArray tensor, long count) {
        Objects.requireNonNull(tensor, "tensor");
        write(tensor.segment(), count);
    }

    /**
     * Appends {@code count} samples held in {@code floats}, native-order float32 memory (for example a
     * slice of a {@link FloatArray}'s segment).
     *
     * @throws IllegalArgumentException if the segment holds fewer than {@code count * sampleFloats()} floats
     */
    public void write(MemorySegment floats, long count) {
        checkOpen();
        long bytes = checkCount(count, floats.byteSize() / Float.BYTES);
        MemorySegment data = floats.asSlice(0, bytes);
        try {
            for (long at = 0; at < bytes; at += Integer.MAX_VALUE) {
                ByteBuffer buf = data.asSlice(at, Math.min(Integer.MAX_VALUE, bytes - at)).asByteBuffer();
                while (buf.hasRemaining()) channel.write(buf);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + path + ": " + e.getMessage(), e);
        }
        samples += count;
    }

    /**
     * Appends {@code count} samples from {@code values[from ..]}.
     *
     * @throws IllegalArgumentException if the array holds fewer than {@code count * sampleFloats()} floats after {@code from}
     */
    public void write(float[] values, int from, long count) {
        checkOpen();
        Objects.checkIndex(from, values.length + 1);
        long bytes = checkCount(count, values.length - from);
        if (chunk == null) {
            chunk = ByteBuffer.allocateDirect(CHUNK_BYTES).order(ByteOrder.nativeOrder());
            staging = MemorySegment.ofBuffer(chunk);
        }
        int floats = (int) (bytes / Float.BYTES);
        try {
            for (int done = 0; done < floats; ) {
                int n = Math.min(floats - done, CHUNK_BYTES / Float.BYTES);
                MemorySegment.copy(values, from + done, staging, ValueLayout.JAVA_FLOAT, 0, n);
                ByteBuffer buf = chunk.clear().limit(n * Float.BYTES);
                while (buf.hasRemaining()) channel.write(buf);
                done += n;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + path + ": " + e.getMessage(), e);
        }
        samples += count;
    }

    private long checkCount(long count, long floatsThere) {
        if (count < 0) throw new IllegalArgumentException("sample count " + count + " is negative");
        long need = Math.multiplyExact(count, sampleFloats);
        if (floatsThere < need) {
            throw new IllegalArgumentException(count + " samples of " + sampleFloats + " floats need " + need
                    + " floats, the data holds " + floatsThere);
        }
        return need * Float.BYTES;
    }

    private void checkOpen() {
        if (closed) throw new IllegalStateException(path + " is closed: no more samples can be written to it");
    }

    private long[] shape(long n) {
        long[] s = new long[sampleShape.length + 1];
        s[0] = n;
        System.arraycopy(sampleShape, 0, s, 1, sampleShape.length);
        return s;
    }

    private void writeHeader() {
        byte[] h = header(descr(), false, shape(samples));
        if (h.length != headerBytes) {
            throw new IllegalStateException("the header for " + samples + " samples has " + h.length + " bytes, not "
                    + headerBytes + ": more than " + GROWTH_DIGITS + " digits");
        }
        try {
            ByteBuffer buf = ByteBuffer.wrap(h);
            long at = 0;
            while (buf.hasRemaining()) at += channel.write(buf, at);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the header of " + path + ": " + e.getMessage(), e);
        }
    }

    /** Writes the final sample count into the header and closes the file. */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        try (FileChannel ch = channel) {
            writeHeader();
            ch.force(false);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot close " + path + ": " + e.getMessage(), e);
        }
    }

    private void closeQuietly() {
        closed = true;
        try {
            channel.close();
        } catch (IOException ignored) {
            // already failing with the first error
        }
    }

    /** {@code '<f4'} or {@code '>f4'}: float32 in this machine's byte order, which the data is written in. */
    static String descr() {
        return ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN ? "<f4" : ">f4";
    }

    /**
     * The header NumPy writes for an array: magic, version, header length, the dict and its padding.
     * Version 1.0 (a 2-byte length) unless the header needs more than 65535 bytes, then 2.0 (4 bytes).
     */
    public static byte[] header(String descr, boolean fortranOrder, long... shape) {
        String dict = dict(descr, fortranOrder, shape);
        byte[] v1 = wrap(dict, 1);
        return v1 != null ? v1 : wrap(dict, 2);
    }

    /** The header in the given major version (1 or 2), or {@code null} if it does not fit version 1's length field. */
    static byte[] wrap(String dict, int major) {
        byte[] text = dict.getBytes(StandardCharsets.ISO_8859_1);
        int lengthBytes = major == 1 ? 2 : 4;
        int prefix = MAGIC.length + 2 + lengthBytes;
        int hlen = text.length + 1; // the final '\n'
        int pad = ALIGN - (prefix + hlen) % ALIGN;
        // NumPy pads with ALIGN spaces, not 0, when the header already ends on the boundary: keep that.
        long total = (long) hlen + pad;
        if (major == 1 && total > 0xFFFF) return null;
        ByteBuffer out = ByteBuffer.allocate(prefix + hlen + pad).order(ByteOrder.LITTLE_ENDIAN);
        out.put(MAGIC).put((byte) major).put((byte) 0);
        if (major == 1) out.putShort((short) total);
        else out.putInt((int) total);
        out.put(text);
        for (int i = 0; i < pad; i++) out.put((byte) ' ');
        out.put((byte) '\n');
        return out.array();
    }

    /**
     * The header dict as NumPy's {@code _write_array_header} builds it: keys sorted, each
     * {@code 'key': repr(value), }, then the spare spaces for the growing axis (the first, or the last
     * in Fortran order).
     */
    static String dict(String descr, boolean fortranOrder, long... shape) {
        StringBuilder sb = new StringBuilder("{'descr': '").append(descr).append("', 'fortran_order': ")
                .append(fortranOrder ? "True" : "False").append(", 'shape': (");
        for (int i = 0; i < shape.length; i++) {
            if (i > 0) sb.append(", ");
            sb.append(shape[i]);
        }
        if (shape.length == 1) sb.append(',');
        sb.append("), }");
        if (shape.length > 0) {
            long growing = shape[fortranOrder ? shape.length - 1 : 0];
            sb.append(" ".repeat(Math.max(0, GROWTH_DIGITS - Long.toString(growing).length())));
        }
        return sb.toString();
    }
}
