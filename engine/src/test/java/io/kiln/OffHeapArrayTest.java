package io.kiln;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The off-heap array types on the host: layout, ownership, bounds, closing, bulk copies. */
class OffHeapArrayTest {

    private static Random random(String what) {
        long seed = System.nanoTime();
        System.out.println(what + ": seed " + seed);
        return new Random(seed);
    }

    @Test
    void allocatedMemoryIsAlignedZeroedAndHeaderless() {
        try (FloatArray a = FloatArray.allocate(1001)) {
            assertEquals(1001, a.length());
            assertEquals(4004, a.byteSize());
            assertEquals(4004, a.segment().byteSize(), "the segment is exactly the elements: no header");
            assertEquals(0, a.segment().address() % OffHeapArray.ALIGNMENT);
            for (long i = 0; i < a.length(); i++) assertEquals(0f, a.get(i));
            a.set(0, 1.5f);
            assertEquals(1.5f, a.segment().get(ValueLayout.JAVA_FLOAT, 0), "element 0 is the segment's first byte");
            assertEquals(OffHeapArray.Kind.OWNED, a.kind());
            assertFalse(a.isPinned());
        }
    }

    @Test
    void everyTypeRoundTripsThroughHeapArrays() {
        Random r = random("round trip");
        int n = 1 + r.nextInt(5000);
        byte[] b = new byte[n];
        r.nextBytes(b);
        short[] s = new short[n];
        int[] i = new int[n];
        long[] l = new long[n];
        float[] f = new float[n];
        double[] d = new double[n];
        for (int k = 0; k < n; k++) {
            s[k] = (short) r.nextInt();
            i[k] = r.nextInt();
            l[k] = r.nextLong();
            f[k] = Float.intBitsToFloat(r.nextInt());
            d[k] = Double.longBitsToDouble(r.nextLong());
        }
        f[0] = Float.NaN;
        d[0] = -0.0;
        try (ByteArray bb = ByteArray.of(b); ShortArray ss = ShortArray.of(s); IntArray ii = IntArray.of(i);
             LongArray ll = LongArray.of(l); FloatArray ff = FloatArray.of(f); DoubleArray dd = DoubleArray.of(d)) {
            assertArrayEquals(b, bb.toArray());
            assertArrayEquals(s, ss.toArray());
            assertArrayEquals(i, ii.toArray());
            assertArrayEquals(l, ll.toArray());
            int[] fBits = new int[n];
            float[] back = ff.toArray();
            for (int k = 0; k < n; k++) fBits[k] = Float.floatToRawIntBits(back[k]) ^ Float.floatToRawIntBits(f[k]);
            assertArrayEquals(new int[n], fBits, "float bits survive, NaN included");
            assertEquals(Double.doubleToRawLongBits(-0.0), Double.doubleToRawLongBits(dd.get(0)));
            int k = r.nextInt(n);
            assertEquals(i[k], ii.get(k));
            assertEquals(l[k], ll.get(k));
            assertEquals(s[k], ss.get(k));
            assertEquals(b[k], bb.get(k));
        }
    }

    @Test
    void partialCopiesAndCopiesBetweenArrays() {
        try (IntArray a = IntArray.allocate(10); IntArray b = IntArray.allocate(10)) {
            a.copyFrom(new int[] {7, 8, 9}, 1, 4, 2);
            assertArrayEquals(new int[] {0, 0, 0, 0, 8, 9, 0, 0, 0, 0}, a.toArray());
            int[] out = new int[3];
            a.copyTo(3, out, 1, 2);
            assertArrayEquals(new int[] {0, 0, 8}, out);
            b.copyFrom(a);
            assertArrayEquals(a.toArray(), b.toArray());
            b.fill(-3);
            int[] filled = new int[10];
            Arrays.fill(filled, -3);
            assertArrayEquals(filled, b.toArray());
            assertThrows(IndexOutOfBoundsException.class, () -> a.copyFrom(new int[4], 0, 8, 4));
            assertThrows(IndexOutOfBoundsException.class, () -> a.copyTo(0, new int[2], 0, 3));
            try (IntArray c = IntArray.allocate(9)) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> c.copyFrom(a));
                assertTrue(e.getMessage().contains("lengths differ"), e.getMessage());
            }
        }
    }

    @Test
    void indicesAreCheckedLikeJavaArrays() {
        try (DoubleArray a = DoubleArray.allocate(5)) {
            assertThrows(IndexOutOfBoundsException.class, () -> a.get(5));
            assertThrows(IndexOutOfBoundsException.class, () -> a.get(-1));
            assertThrows(IndexOutOfBoundsException.class, () -> a.set(Long.MAX_VALUE, 1));
            // index * 8 overflows to 0 here: FFM alone would read element 0
            assertThrows(IndexOutOfBoundsException.class, () -> a.get(Long.MIN_VALUE / 2));
            assertThrows(IndexOutOfBoundsException.class, () -> a.set(Long.MIN_VALUE / 4, 1));
        }
        assertThrows(IllegalArgumentException.class, () -> FloatArray.allocate(-1));
        try (FloatArray f = FloatArray.allocate(3)) {
            assertThrows(IndexOutOfBoundsException.class, () -> f.get(Long.MIN_VALUE / 2));
        }
        try (FloatArray empty = FloatArray.allocate(0)) {
            assertEquals(0, empty.length());
            assertEquals("FloatArray[0] {}", empty.toString());
        }
    }

    @Test
    void useAfterCloseIsAClearException() {
        FloatArray a = FloatArray.of(1, 2, 3);
        a.close();
        a.close(); // idempotent
        assertTrue(a.isClosed());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> a.get(0));
        assertTrue(e.getMessage().contains("FloatArray[3] is closed"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> a.set(0, 1f));
        assertThrows(IllegalStateException.class, a::segment);
        assertThrows(IllegalStateException.class, () -> a.fill(0));
        assertThrows(IllegalStateException.class, a::toArray);
        assertEquals("FloatArray[3] (closed)", a.toString());
    }

    @Test
    void arenaOwnsMemoryItAllocated() {
        IntArray a;
        try (Arena arena = Arena.ofConfined()) {
            a = IntArray.allocate(4, arena);
            a.set(3, 42);
            a.close(); // only marks it closed: the arena owns the memory
            assertEquals(OffHeapArray.Kind.ARENA, a.kind());
            assertTrue(a.isClosed());
        }
        try (Arena arena = Arena.ofShared()) {
            a = IntArray.allocate(4, arena);
            a.set(3, 42);
        }
        assertTrue(a.isClosed(), "closing the arena closes the array");
        IntArray gone = a;
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> gone.get(3));
        assertTrue(e.getMessage().contains("arena"), e.getMessage());
    }

    @Test
    void wrapIsZeroCopyAndWritesNothing() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = arena.allocate(64, 8);
            for (int k = 0; k < 16; k++) seg.setAtIndex(ValueLayout.JAVA_FLOAT, k, k * 0.5f);
            byte[] before = seg.toArray(ValueLayout.JAVA_BYTE);
            FloatArray w = FloatArray.wrap(seg);
            assertArrayEquals(before, seg.toArray(ValueLayout.JAVA_BYTE), "wrapping writes nothing");
            assertEquals(16, w.length());
            assertEquals(7.5f, w.get(15));
            w.set(1, 9f);
            assertEquals(9f, seg.getAtIndex(ValueLayout.JAVA_FLOAT, 1), "same memory, no copy");
            w.close();
            assertEquals(9f, seg.getAtIndex(ValueLayout.JAVA_FLOAT, 1), "closing a wrapper releases nothing");
            assertEquals(OffHeapArray.Kind.WRAPPED, w.kind());

            IllegalArgumentException size = assertThrows(IllegalArgumentException.class, () -> FloatArray.wrap(seg.asSlice(0, 6)));
            assertTrue(size.getMessage().contains("multiple of 4"), size.getMessage());
            IllegalArgumentException align = assertThrows(IllegalArgumentException.class, () -> FloatArray.wrap(seg.asSlice(2, 8)));
            assertTrue(align.getMessage().contains("aligned"), align.getMessage());
            IllegalArgumentException heap = assertThrows(IllegalArgumentException.class,
                    () -> FloatArray.wrap(MemorySegment.ofArray(new float[4])));
            assertTrue(heap.getMessage().contains("native"), heap.getMessage());

            FloatArray ro = FloatArray.wrap(seg.asReadOnly());
            assertTrue(ro.isReadOnly());
            assertEquals(9f, ro.get(1));
            assertThrows(UnsupportedOperationException.class, () -> ro.set(0, 1f));
            UnsupportedOperationException fill = assertThrows(UnsupportedOperationException.class, () -> ro.fill(1f));
            assertTrue(fill.getMessage().contains("read-only"), fill.getMessage());
        }
    }

    @Test
    void directBufferViewsShareTheMemoryInNativeOrder() {
        try (FloatArray a = FloatArray.of(1, 2, 3, 4)) {
            FloatBuffer fb = a.asBuffer();
            assertTrue(fb.isDirect());
            assertEquals(ByteOrder.nativeOrder(), fb.order());
            assertEquals(4, fb.capacity());
            fb.put(2, 30f);
            assertEquals(30f, a.get(2));
            assertEquals(ByteOrder.nativeOrder(), a.asByteBuffer().order());
        }
    }

    @Test
    void toStringShowsAShortPreview() {
        try (IntArray a = IntArray.allocate(1000)) {
            for (long i = 0; i < a.length(); i++) a.set(i, (int) i);
            assertEquals("IntArray[1000] {0, 1, 2, ..., 997, 998, 999}", a.toString());
        }
        try (LongArray a = LongArray.of(5, 6)) {
            assertEquals("LongArray[2] {5, 6}", a.toString());
        }
    }

    @Test
    void pinnedOnCpuIsPlainOffHeapMemory() {
        Device cpu = Devices.list().stream().filter(d -> d.id().equals("cpu")).findFirst().orElse(null);
        if (cpu == null) {
            // The cpu back end lives in another module; this engine test sees it only when it is on the class path.
            assertThrows(IllegalArgumentException.class, () -> FloatArray.allocatePinned(4, new Device("cpu", Backend.CPU,
                    DeviceType.CPU, "none", "none", 1, 0)));
            return;
        }
        try (FloatArray p = FloatArray.allocatePinned(17, cpu)) {
            assertEquals(17, p.length());
            assertEquals(0, p.segment().address() % OffHeapArray.ALIGNMENT);
            p.set(16, 2f);
            assertEquals(2f, p.get(16));
        }
    }

    @Test
    void sameObjectIsReturnedByFluentCopies() {
        try (ShortArray a = ShortArray.allocate(3)) {
            assertSame(a, a.copyFrom(new short[] {1, 2, 3}));
            assertSame(a, a.fill((short) 4));
        }
    }
}
