package io.kiln.cli.preprocess;

import io.kiln.FloatArray;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link NpyWriter}: headers as NumPy writes them, files NumPy reads. */
class NpyWriterTest {

    private static final List<long[]> SHAPES = List.of(new long[] {}, new long[] {0}, new long[] {7}, new long[] {3, 4},
            new long[] {0, 3, 224, 224}, new long[] {64, 3, 224, 224}, new long[] {123456789012L, 1}, new long[] {1, 1, 1, 1, 1, 1, 1, 1},
            new long[] {99999999999999999L, 2, 3});

    /** What any reader relies on: magic, version, length field, the dict, alignment; no NumPy needed. */
    @Test
    void headerHasNumpysLayout() {
        for (long[] shape : SHAPES) {
            for (boolean fortran : new boolean[] {false, true}) {
                byte[] h = NpyWriter.header("<f4", fortran, shape);
                String what = Arrays.toString(shape) + (fortran ? " F" : " C");
                assertEquals(0, h.length % 64, what);
                assertArrayEquals(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0}, Arrays.copyOf(h, 8), what);
                int hlen = ByteBuffer.wrap(h, 8, 2).order(ByteOrder.LITTLE_ENDIAN).getShort() & 0xFFFF;
                assertEquals(h.length - 10, hlen, what);
                assertEquals('\n', h[h.length - 1], what);
                String text = new String(h, 10, hlen, StandardCharsets.ISO_8859_1);
                StringBuilder dims = new StringBuilder();
                for (int i = 0; i < shape.length; i++) dims.append(i > 0 ? ", " : "").append(shape[i]);
                if (shape.length == 1) dims.append(',');
                String dict = "{'descr': '<f4', 'fortran_order': " + (fortran ? "True" : "False") + ", 'shape': (" + dims + "), }";
                assertTrue(text.startsWith(dict), what + ": " + text);
                assertTrue(text.substring(dict.length()).matches(" +\n"), what + ": only spaces then a newline after the dict: " + text);
            }
        }
        // Room for a growing first axis: the header of 0 samples is as long as that of 10^20 - 1.
        assertEquals(NpyWriter.header("<f4", false, 0, 3).length, NpyWriter.header("<f4", false, 99999999999999999L, 3).length);
        assertEquals(128, NpyWriter.header("<f4", false, 0, 3, 224, 224).length);
    }

    @Test
    void version2WhenTheHeaderDoesNotFitSixteenBits() {
        String longDescr = "x".repeat(70_000);
        byte[] h = NpyWriter.header(longDescr, false, 2, 2);
        assertEquals(2, h[6]);
        assertEquals(0, h[7]);
        int hlen = ByteBuffer.wrap(h, 8, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
        assertEquals(h.length - 12, hlen);
        assertEquals(0, h.length % 64);
        assertEquals(null, NpyWriter.wrap(NpyWriter.dict(longDescr, false, 2, 2), 1));
    }

    /** Byte for byte what {@code numpy.save} writes, for every shape, both orders, both byte orders. */
    @Test
    void headerIsWhatNumpySaveWrites() throws Exception {
        StringBuilder shapes = new StringBuilder();
        List<byte[]> ours = new ArrayList<>();
        for (long[] shape : SHAPES) {
            for (boolean fortran : new boolean[] {false, true}) {
                for (String descr : new String[] {"<f4", ">f4"}) {
                    StringBuilder t = new StringBuilder("(");
                    for (long d : shape) t.append(d).append(',');
                    shapes.append(descr).append(' ').append(fortran).append(' ').append(t).append(")\n");
                    ours.add(NpyWriter.header(descr, fortran, shape));
                }
            }
        }
        // np.save's own header writer, on a header dict with each shape (arrays that large cannot be made).
        String out = Python.numpy("""
                import io, sys, numpy as np
                fmt = np.lib.format
                write = getattr(fmt, '_write_array_header', None)
                if write is None:
                    from numpy.lib import _format_impl
                    write = _format_impl._write_array_header
                for line in sys.argv[1].strip().split('\\n'):
                    descr, fortran, shape = line.split(' ', 2)
                    b = io.BytesIO()
                    write(b, {'descr': descr, 'fortran_order': fortran == 'true', 'shape': eval(shape)})
                    print(b.getvalue().hex())
                """, shapes.toString());
        List<String> lines = out.strip().lines().toList();
        assertEquals(ours.size(), lines.size(), out);
        for (int i = 0; i < ours.size(); i++) {
            assertEquals(lines.get(i), HexFormat.of().formatHex(ours.get(i)), "shape line " + i + ": " + shapes.toString().lines().toList().get(i));
        }
        // And a real np.save of a small array, which goes through the same writer.
        String real = Python.numpy("""
                import io, numpy as np
                b = io.BytesIO(); np.save(b, np.zeros((2, 3, 4, 5), dtype='<f4')); v = b.getvalue()
                print(v[:v.index(b'\\n') + 1].hex())
                """).strip();
        assertEquals(real, HexFormat.of().formatHex(NpyWriter.header("<f4", false, 2, 3, 4, 5)));
    }

    /** A file written in batches, from float[] and from off-heap memory, as np.load reads it. */
    @Test
    void numpyLoadsWhatIsStreamed(@TempDir Path dir) throws Exception {
        long seed = System.nanoTime();
        System.out.println("NpyWriterTest seed " + seed);
        SplittableRandom rnd = new SplittableRandom(seed);
        int per = 2 * 3 * 4;
        int n = 11;
        float[] all = new float[n * per];
        for (int i = 0; i < all.length; i++) all[i] = (float) (rnd.nextDouble() * 200 - 100);
        all[0] = Float.NaN;
        all[1] = Float.NEGATIVE_INFINITY;
        all[2] = -0f;
        all[3] = Float.MIN_VALUE;
        Path file = dir.resolve("x.npy");
        try (NpyWriter w = NpyWriter.create(file, 2, 3, 4); FloatArray off = FloatArray.allocate(5L * per + 7)) {
            w.write(all, 0, 3);                                        // 3 from a heap array
            off.copyFrom(all, 3 * per, 0, 5 * per);
            w.write(off, 5);                                           // 5 from off-heap memory (larger than needed)
            w.write(all, 8 * per, 0);                                  // nothing
            w.write(off.segment().asSlice(0, 0), 0);
            float[] rest = Arrays.copyOfRange(all, 8 * per, n * per);
            w.write(rest, 0, 3);
            assertEquals(n, w.samples());
        }
        assertEquals(128 + (long) n * per * 4, Files.size(file));
        String out = Python.numpy("""
                import sys, numpy as np
                a = np.load(sys.argv[1])
                print(a.shape, a.dtype, a.flags['C_CONTIGUOUS'])
                print(' '.join(str(int(v)) for v in a.reshape(-1).view('<u4')))
                """, file.toString());
        List<String> lines = out.strip().lines().toList();
        assertEquals("(11, 2, 3, 4) float32 True", lines.get(0), out);
        String[] bits = lines.get(1).split(" ");
        assertEquals(all.length, bits.length);
        for (int i = 0; i < all.length; i++) {
            assertEquals(Integer.toUnsignedString(Float.floatToRawIntBits(all[i])), bits[i], "element " + i);
        }
    }

    @Test
    void emptyFileAndOneDimensionalSamples(@TempDir Path dir) throws Exception {
        Path empty = dir.resolve("empty.npy");
        try (NpyWriter w = NpyWriter.create(empty, 3, 8, 8)) {
            assertEquals(0, w.samples());
        }
        Path scalars = dir.resolve("scalars.npy");
        try (NpyWriter w = NpyWriter.create(scalars)) {
            w.write(new float[] {1.5f, -2f, 3.25f}, 1, 2);
        }
        byte[] h = Files.readAllBytes(scalars);
        assertTrue(new String(h, StandardCharsets.ISO_8859_1).contains("'shape': (2,), }"));
        assertEquals(128 + 8, h.length);
        assertEquals(-2f, ByteBuffer.wrap(h, 128, 4).order(ByteOrder.nativeOrder()).getFloat());
        assertEquals(3.25f, ByteBuffer.wrap(h, 132, 4).order(ByteOrder.nativeOrder()).getFloat());
        String out = Python.numpy("""
                import sys, numpy as np
                a = np.load(sys.argv[1]); b = np.load(sys.argv[2])
                print(a.shape, a.dtype, b.shape, b.tolist())
                """, empty.toString(), scalars.toString());
        assertEquals("(0, 3, 8, 8) float32 (2,) [-2.0, 3.25]", out.strip());
    }

    @Test
    void wrongArgumentsSayWhatIsWrong(@TempDir Path dir) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NpyWriter.create(dir.resolve("a.npy"), 3, -1));
        assertTrue(e.getMessage().contains("negative"), e.getMessage());
        try (NpyWriter w = NpyWriter.create(dir.resolve("b.npy"), 4)) {
            e = assertThrows(IllegalArgumentException.class, () -> w.write(new float[7], 0, 2));
            assertEquals("2 samples of 4 floats need 8 floats, the data holds 7", e.getMessage());
        }
        NpyWriter closed = NpyWriter.create(dir.resolve("c.npy"), 1);
        closed.close();
        assertThrows(IllegalStateException.class, () -> closed.write(new float[1], 0, 1));
    }
}
