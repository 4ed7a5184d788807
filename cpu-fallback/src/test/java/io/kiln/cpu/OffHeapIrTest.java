package io.kiln.cpu;

import io.kiln.ByteArray;
import io.kiln.DoubleArray;
import io.kiln.FloatArray;
import io.kiln.IntArray;
import io.kiln.KernelCompilationException;
import io.kiln.KilnException;
import io.kiln.LongArray;
import io.kiln.ShortArray;
import io.kiln.ir.Access;
import io.kiln.ir.ArrayRef;
import io.kiln.ir.AtomicOp;
import io.kiln.ir.BinOp;
import io.kiln.ir.CmpOp;
import io.kiln.ir.Const;
import io.kiln.ir.Conversion;
import io.kiln.ir.ElementType;
import io.kiln.ir.HostExpr;
import io.kiln.ir.Instr;
import io.kiln.ir.IrBuilder;
import io.kiln.ir.KernelIR;
import io.kiln.ir.KernelKind;
import io.kiln.ir.ReduceOp;
import io.kiln.ir.ScalarKind;
import io.kiln.ir.Type;
import io.kiln.ir.Value;
import io.kiln.ir.Var;
import io.kiln.testing.Seeds;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Off-heap parameters ({@code FloatArray} and friends) on the cpu back end, through hand-built IR in
 * the front end's shapes: every result is compared with the same computation as a plain Java loop.
 */
class OffHeapIrTest {
    static final float[] FLOAT_EDGES = {Float.NaN, 0f, -0f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY,
            Float.MIN_VALUE, -Float.MIN_VALUE, Float.MAX_VALUE, -Float.MAX_VALUE, 1f, -1f};
    static final int[] SIZES = {0, 1, 2, 17, 1009, 100_003};
    static final int[] CHUNKS = {1, 2, 3, 7, 64};

    static Random random(String what) {
        return new Random(Seeds.seed(what));
    }

    static float[] floats(Random r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = i < FLOAT_EDGES.length && r.nextBoolean() ? FLOAT_EDGES[(i + r.nextInt(3)) % FLOAT_EDGES.length]
                    : (r.nextFloat() - 0.5f) * (float) Math.pow(10, r.nextInt(12) - 6);
        }
        return a;
    }

    /** {@code for (@Parallel long i = 0; i < y.length(); i++) y.set(i, a * x.get(i) + y.get(i));} */
    static KernelIR saxpyLong() {
        IrBuilder ir = new IrBuilder("test.Kernels", "saxpyLong", KernelKind.LOOP_PARALLEL);
        Var a = ir.scalar("a", ScalarKind.FLOAT);
        ArrayRef x = ir.offHeapArray("x", ElementType.FLOAT, Access.READ);
        ArrayRef y = ir.offHeapArray("y", ElementType.FLOAT, Access.READ_WRITE);
        IrBuilder.BlockBuilder entry = ir.entry();
        Var n = entry.length(y);
        IrBuilder.BlockBuilder exit = ir.parallelLoop(0, Type.I64, entry, Const.ofLong(0), CmpOp.GE, n, true, true, new HostExpr.Length(2),
                (b, i) -> {
                    Var ax = b.binary(BinOp.MUL, a, b.load(x, i));
                    b.store(y, i, b.binary(BinOp.ADD, ax, b.load(y, i)));
                    return b;
                });
        exit.ret();
        return ir.build();
    }

    @Test
    void saxpyOnFloatArraysMatchesJavaForEverySizeAndChunking() {
        Random r = random("saxpyLong");
        CpuKernel k = CpuTesting.build(saxpyLong());
        assertTrue(k.source().contains("java/lang/Math.min(JJ)J"), "a long chunk header compares with min(bound, limit):\n" + k.source());
        assertTrue(k.source().contains("getstatic java/lang/foreign/ValueLayout.JAVA_FLOAT"), k.source());
        for (int n : SIZES) {
            for (int chunks : CHUNKS) {
                float a = n % 2 == 0 ? 2.5f : FLOAT_EDGES[r.nextInt(FLOAT_EDGES.length)];
                float[] xs = floats(r, n);
                float[] ys = floats(r, n);
                try (FloatArray x = FloatArray.allocate(n); FloatArray y = FloatArray.allocate(n)) {
                    x.copyFrom(xs);
                    y.copyFrom(ys);
                    CpuTesting.launch(k, new Object[] {a, x, y}, chunks, null, n);
                    for (int i = 0; i < n; i++) {
                        float expected = a * xs[i] + ys[i];
                        assertEquals(Float.floatToIntBits(expected), Float.floatToIntBits(y.get(i)),
                                "n " + n + ", chunks " + chunks + ", a " + a + ", element " + i + ": " + xs[i] + ", " + ys[i]);
                    }
                    assertEquals(Float.floatToIntBits(n == 0 ? 0f : xs[n - 1]), Float.floatToIntBits(n == 0 ? 0f : x.get(n - 1)),
                            "x is only read");
                }
            }
        }
    }

    /**
     * {@code for (@Parallel int i = 0; i < n; i++) out.set(i, a * x.get(i) + y[i]);}: an int loop,
     * a {@code FloatArray} read through {@code i2l} (javac's form), a {@code float[]}, and a store with an
     * I32 index straight into an off-heap array.
     */
    @Test
    void intLoopMixingJavaAndOffHeapArrays() {
        IrBuilder ir = new IrBuilder("test.Kernels", "mixed", KernelKind.LOOP_PARALLEL);
        Var a = ir.scalar("a", ScalarKind.FLOAT);
        ArrayRef x = ir.offHeapArray("x", ElementType.FLOAT, Access.READ);
        ArrayRef y = ir.array("y", ElementType.FLOAT, Access.READ);
        ArrayRef out = ir.offHeapArray("out", ElementType.FLOAT, Access.WRITE);
        Var n = ir.scalar("n", ScalarKind.INT);
        IrBuilder.BlockBuilder entry = ir.entry();
        IrBuilder.BlockBuilder exit = ir.parallelLoop(0, Type.I32, entry, Const.ofInt(0), CmpOp.GE, n, true, true, new HostExpr.Scalar(4), (b, i) -> {
            Var il = b.convert(Conversion.I2L, i);
            Var ax = b.binary(BinOp.MUL, a, b.load(x, il));
            b.store(out, i, b.binary(BinOp.ADD, ax, b.load(y, i)));
            return b;
        });
        exit.ret();
        CpuKernel k = CpuTesting.build(ir.build());
        Random r = random("mixed");
        for (int size : SIZES) {
            for (int chunks : CHUNKS) {
                float av = FLOAT_EDGES[r.nextInt(FLOAT_EDGES.length)];
                float[] xs = floats(r, size);
                float[] ys = floats(r, size);
                try (FloatArray xa = FloatArray.allocate(size); FloatArray o = FloatArray.allocate(size + 1).fill(7f)) {
                    xa.copyFrom(xs);
                    CpuTesting.launch(k, new Object[] {av, xa, ys, o, size}, chunks, null, size);
                    for (int i = 0; i < size; i++) {
                        assertEquals(Float.floatToIntBits(av * xs[i] + ys[i]), Float.floatToIntBits(o.get(i)),
                                "size " + size + ", chunks " + chunks + ", element " + i);
                    }
                    assertEquals(7f, o.get(size), "the element after the loop's range is untouched");
                }
            }
        }
    }

    /** {@code dst.set(i, src.get(i) * 3 + 1)} over a long loop, per element type (narrow stores truncate). */
    static KernelIR map(ElementType e) {
        IrBuilder ir = new IrBuilder("test.Kernels", "map_" + e.javaName(), KernelKind.LOOP_PARALLEL);
        ArrayRef src = ir.offHeapArray("src", e, Access.READ);
        ArrayRef dst = ir.offHeapArray("dst", e, Access.WRITE);
        IrBuilder.BlockBuilder entry = ir.entry();
        Var n = entry.length(dst);
        Type t = e.valueType();
        Value three = switch (t) {
            case I32 -> Const.ofInt(3);
            case I64 -> Const.ofLong(3);
            case F32 -> Const.ofFloat(3);
            case F64 -> Const.ofDouble(3);
        };
        Value one = switch (t) {
            case I32 -> Const.ofInt(1);
            case I64 -> Const.ofLong(1);
            case F32 -> Const.ofFloat(1);
            case F64 -> Const.ofDouble(1);
        };
        IrBuilder.BlockBuilder exit = ir.parallelLoop(0, Type.I64, entry, Const.ofLong(0), CmpOp.LT, n, false, true, new HostExpr.Length(1),
                (b, i) -> {
                    b.store(dst, i, b.binary(BinOp.ADD, b.binary(BinOp.MUL, b.load(src, i), three), one));
                    return b;
                });
        exit.ret();
        return ir.build();
    }

    @Test
    void everyElementTypeLoadsAndStoresAsJavaDoes() {
        Random r = random("map");
        for (int n : new int[] {0, 1, 31, 4099}) {
            for (int chunks : new int[] {1, 3}) {
                try (ByteArray s = ByteArray.allocate(n); ByteArray d = ByteArray.allocate(n)) {
                    for (int i = 0; i < n; i++) s.set(i, (byte) (i < 3 ? new int[] {Byte.MIN_VALUE, Byte.MAX_VALUE, -1}[i] : r.nextInt()));
                    CpuTesting.launch(CpuTesting.build(map(ElementType.BYTE)), new Object[] {s, d}, chunks, null, n);
                    for (int i = 0; i < n; i++) assertEquals((byte) (s.get(i) * 3 + 1), d.get(i), "byte " + i);
                }
                try (ShortArray s = ShortArray.allocate(n); ShortArray d = ShortArray.allocate(n)) {
                    for (int i = 0; i < n; i++) s.set(i, (short) (i < 2 ? new int[] {Short.MIN_VALUE, Short.MAX_VALUE}[i] : r.nextInt()));
                    CpuTesting.launch(CpuTesting.build(map(ElementType.SHORT)), new Object[] {s, d}, chunks, null, n);
                    for (int i = 0; i < n; i++) assertEquals((short) (s.get(i) * 3 + 1), d.get(i), "short " + i);
                }
                try (IntArray s = IntArray.allocate(n); IntArray d = IntArray.allocate(n)) {
                    for (int i = 0; i < n; i++) s.set(i, i < 2 ? new int[] {Integer.MIN_VALUE, Integer.MAX_VALUE}[i] : r.nextInt());
                    CpuTesting.launch(CpuTesting.build(map(ElementType.INT)), new Object[] {s, d}, chunks, null, n);
                    for (int i = 0; i < n; i++) assertEquals(s.get(i) * 3 + 1, d.get(i), "int " + i);
                }
                try (LongArray s = LongArray.allocate(n); LongArray d = LongArray.allocate(n)) {
                    for (int i = 0; i < n; i++) s.set(i, i < 2 ? new long[] {Long.MIN_VALUE, Long.MAX_VALUE}[i] : r.nextLong());
                    CpuTesting.launch(CpuTesting.build(map(ElementType.LONG)), new Object[] {s, d}, chunks, null, n);
                    for (int i = 0; i < n; i++) assertEquals(s.get(i) * 3 + 1, d.get(i), "long " + i);
                }
                try (DoubleArray s = DoubleArray.allocate(n); DoubleArray d = DoubleArray.allocate(n)) {
                    double[] edges = {Double.NaN, -0.0, 0.0, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, Double.MIN_VALUE,
                            Double.MAX_VALUE};
                    for (int i = 0; i < n; i++) s.set(i, i < edges.length ? edges[i] : r.nextGaussian() * 1e10);
                    CpuTesting.launch(CpuTesting.build(map(ElementType.DOUBLE)), new Object[] {s, d}, chunks, null, n);
                    for (int i = 0; i < n; i++) {
                        assertEquals(Double.doubleToLongBits(s.get(i) * 3 + 1), Double.doubleToLongBits(d.get(i)), "double " + i);
                    }
                }
            }
        }
    }

    /**
     * Long loops in every header shape the chunk rewrite knows (and one it does not), with a start
     * that is not zero: each index in [start, n) is visited exactly once, whatever the chunking.
     */
    @Test
    void longLoopHeadersCountEachIterationOnce() {
        record Shape(String name, CmpOp op, boolean exitOnTrue, boolean ivFirst, boolean inclusive) {}
        Shape[] shapes = {
                new Shape("ge_exit", CmpOp.GE, true, true, false),
                new Shape("lt_body", CmpOp.LT, false, true, false),
                new Shape("gt_exit_inclusive", CmpOp.GT, true, true, true),
                new Shape("mirrored_le_exit", CmpOp.LE, true, false, false),
                new Shape("ne_body", CmpOp.NE, false, true, false),
        };
        for (Shape sh : shapes) {
            IrBuilder ir = new IrBuilder("test.Kernels", "count_" + sh.name, KernelKind.LOOP_PARALLEL);
            Var start = ir.scalar("start", ScalarKind.LONG);
            Var n = ir.scalar("n", ScalarKind.LONG);
            ArrayRef out = ir.offHeapArray("out", ElementType.INT, Access.READ_WRITE);
            IrBuilder.BlockBuilder entry = ir.entry();
            Value bound = n;
            if (sh.inclusive) bound = entry.binary(BinOp.SUB, n, Const.ofLong(1));
            HostExpr trips = new HostExpr.Binary(BinOp.SUB, new HostExpr.Scalar(1), new HostExpr.Scalar(0));
            IrBuilder.BlockBuilder exit = ir.parallelLoop(0, Type.I64, entry, start, sh.op, bound, sh.exitOnTrue, sh.ivFirst, trips, (b, i) -> {
                b.store(out, i, b.binary(BinOp.ADD, b.load(out, i), Const.ofInt(1)));
                return b;
            });
            exit.ret();
            CpuKernel k = CpuTesting.build(ir.build());
            for (long s : new long[] {0, 5}) {
                for (int size : new int[] {0, 1, 17, 1000}) {
                    for (int chunks : CHUNKS) {
                        long end = s + size;
                        try (IntArray o = IntArray.allocate(end + 3)) {
                            CpuTesting.launch(k, new Object[] {s, end, o}, chunks, null, size);
                            for (long i = 0; i < end + 3; i++) {
                                assertEquals(i >= s && i < end ? 1 : 0, o.get(i), sh.name + ", start " + s + ", size " + size
                                        + ", chunks " + chunks + ", element " + i);
                            }
                        }
                    }
                }
            }
        }
    }

    @Test
    void outOfRangeIndicesThrowAsJavaDoesAndIntIndicesAreNotWrapped() {
        // y.set(i, x.get(i + 1)) over y.length() == x.length(): the last iteration reads past the end.
        IrBuilder ir = new IrBuilder("test.Kernels", "shifted", KernelKind.LOOP_PARALLEL);
        ArrayRef x = ir.offHeapArray("x", ElementType.FLOAT, Access.READ);
        ArrayRef y = ir.offHeapArray("y", ElementType.FLOAT, Access.WRITE);
        IrBuilder.BlockBuilder entry = ir.entry();
        Var n = entry.length(y);
        ir.parallelLoop(0, Type.I64, entry, Const.ofLong(0), CmpOp.GE, n, true, true, new HostExpr.Length(1), (b, i) -> {
            b.store(y, i, b.load(x, b.binary(BinOp.ADD, i, Const.ofLong(1))));
            return b;
        }).ret();
        CpuKernel k = CpuTesting.build(ir.build());
        for (int chunks : new int[] {1, 4}) {
            try (FloatArray xa = FloatArray.allocate(100); FloatArray ya = FloatArray.allocate(100)) {
                KilnException e = assertThrows(KilnException.class,
                        () -> CpuTesting.launch(k, new Object[] {xa, ya}, chunks, null, 100));
                assertInstanceOf(IndexOutOfBoundsException.class, e.getCause());
                assertTrue(e.getMessage().contains("Kernels.shifted") && e.getMessage().contains("cpu"), e.getMessage());
            }
        }
        // out.set(i - 1, 1) with an int i: at i == 0 the index is -1 (widened, not 0xFFFFFFFF).
        IrBuilder neg = new IrBuilder("test.Kernels", "negative", KernelKind.LOOP_PARALLEL);
        ArrayRef o = neg.offHeapArray("o", ElementType.INT, Access.WRITE);
        Var m = neg.scalar("m", ScalarKind.INT);
        IrBuilder.BlockBuilder e0 = neg.entry();
        neg.parallelLoop(0, Type.I32, e0, Const.ofInt(0), CmpOp.GE, m, true, true, new HostExpr.Scalar(1), (b, i) -> {
            b.store(o, b.binary(BinOp.SUB, i, Const.ofInt(1)), Const.ofInt(1));
            return b;
        }).ret();
        try (IntArray oa = IntArray.allocate(8)) {
            KilnException e = assertThrows(KilnException.class,
                    () -> CpuTesting.run(neg.build(), new Object[] {oa, 4}, 4));
            assertInstanceOf(IndexOutOfBoundsException.class, e.getCause());
        }
    }

    @Test
    void badOffHeapArgumentsAreClearErrors() {
        CpuKernel k = CpuTesting.build(saxpyLong());
        FloatArray closed = FloatArray.allocate(4);
        closed.close();
        try (FloatArray y = FloatArray.allocate(4)) {
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> CpuTesting.launch(k, new Object[] {1f, closed, y}, 0, null, 4));
            assertTrue(e.getMessage().contains("argument 1 (x)") && e.getMessage().contains("closed"), e.getMessage());

            IllegalArgumentException wrong = assertThrows(IllegalArgumentException.class,
                    () -> CpuTesting.launch(k, new Object[] {1f, new float[4], y}, 0, null, 4));
            assertTrue(wrong.getMessage().contains("must be FloatArray, got float[]"), wrong.getMessage());

            // A read-only array is fine where the kernel only reads, refused where it writes.
            try (var arena = java.lang.foreign.Arena.ofConfined()) {
                java.lang.foreign.MemorySegment seg = arena.allocate(16, 16);
                seg.fill((byte) 0);
                FloatArray ro = FloatArray.wrap(seg.asReadOnly());
                y.fill(1f);
                CpuTesting.launch(k, new Object[] {2f, ro, y}, 0, null, 4);
                assertEquals(1f, y.get(3));
                IllegalArgumentException e2 = assertThrows(IllegalArgumentException.class,
                        () -> CpuTesting.launch(k, new Object[] {2f, y, ro}, 0, null, 4));
                assertTrue(e2.getMessage().contains("argument 2 (y)") && e2.getMessage().contains("read-only"), e2.getMessage());
            }
        }

        IrBuilder chars = new IrBuilder("test.Kernels", "chars", KernelKind.SINGLE);
        ArrayRef c = chars.offHeapArray("c", ElementType.CHAR, Access.READ);
        IrBuilder.BlockBuilder b = chars.entry();
        b.load(c, Const.ofInt(0));
        b.ret();
        // the verifier refuses both kernels too: these check the back end's own refusals
        KernelCompilationException e3 = assertThrows(KernelCompilationException.class, () -> CpuTesting.build(chars.buildUnverified()));
        assertTrue(e3.getMessage().contains("off-heap char array"), e3.getMessage());

        IrBuilder wide = new IrBuilder("test.Kernels", "wideIndex", KernelKind.SINGLE);
        ArrayRef h = wide.array("h", ElementType.FLOAT, Access.READ);
        IrBuilder.BlockBuilder wb = wide.entry();
        wb.load(h, Const.ofLong(0));
        wb.ret();
        KernelCompilationException e4 = assertThrows(KernelCompilationException.class, () -> CpuTesting.build(wide.buildUnverified()));
        assertTrue(e4.getMessage().contains("Java arrays take I32 indices"), e4.getMessage());
    }

    /** {@code old = atomicOp(array, keys[i] (as I64 when wide), vals[i])} over a parallel loop. */
    static KernelIR atomics(ElementType e, AtomicOp op, boolean wideIndex) {
        IrBuilder ir = new IrBuilder("test.Kernels", "atomic_" + e.javaName() + "_" + op + (wideIndex ? "_wide" : ""), KernelKind.LOOP_PARALLEL);
        ArrayRef target = ir.offHeapArray("target", e, Access.READ_WRITE);
        ArrayRef keys = ir.array("keys", ElementType.INT, Access.READ);
        ArrayRef vals = ir.array("vals", e, Access.READ);
        IrBuilder.BlockBuilder entry = ir.entry();
        Var n = entry.length(keys);
        ir.parallelLoop(0, Type.I32, entry, Const.ofInt(0), CmpOp.GE, n, true, true, new HostExpr.Length(1), (b, i) -> {
            Value key = b.load(keys, i);
            if (wideIndex) key = b.convert(Conversion.I2L, key);
            Var old = ir.var(e.valueType(), "old");
            b.add(new Instr.Atomic(old, op, target, key, b.load(vals, i), null, 0));
            return b;
        }).ret();
        return ir.build();
    }

    @Test
    void atomicsOnOffHeapArraysMatchASequentialFold() {
        Random r = random("atomics");
        int n = 20_000;
        int slots = 13;
        int[] keys = new int[n];
        for (int i = 0; i < n; i++) keys[i] = r.nextInt(slots);
        for (AtomicOp op : new AtomicOp[] {AtomicOp.ADD, AtomicOp.MIN, AtomicOp.MAX}) {
            for (boolean wide : new boolean[] {false, true}) {
                int[] iv = new int[n];
                long[] lv = new long[n];
                float[] fv = new float[n];
                double[] dv = new double[n];
                for (int i = 0; i < n; i++) {
                    iv[i] = i < 2 ? (i == 0 ? Integer.MIN_VALUE : Integer.MAX_VALUE) : r.nextInt(2001) - 1000;
                    lv[i] = i < 2 ? (i == 0 ? Long.MIN_VALUE : Long.MAX_VALUE) : r.nextLong() >> 20;
                    // Small integers: float and double sums are exact in any order.
                    fv[i] = op == AtomicOp.ADD ? r.nextInt(201) - 100 : (i < FLOAT_EDGES.length ? FLOAT_EDGES[i] : r.nextFloat() - 0.5f);
                    dv[i] = op == AtomicOp.ADD ? r.nextInt(201) - 100 : (i < 3 ? new double[] {-0.0, 0.0, Double.NaN}[i] : r.nextGaussian());
                }
                // NaN wins under Math.min/max: keep one slot free of it to see the ordinary result too.
                if (op != AtomicOp.ADD) {
                    for (int i = 0; i < n; i++) {
                        if (keys[i] == 0 && i < 16) keys[i] = 1;
                    }
                }
                String what = op + (wide ? " (long index)" : "");
                try (IntArray t = IntArray.allocate(slots)) {
                    int[] ref = new int[slots];
                    for (int s = 0; s < slots; s++) t.set(s, ref[s] = op == AtomicOp.ADD ? 0 : s * 7 - 40);
                    for (int i = 0; i < n; i++) ref[keys[i]] = switch (op) {
                        case ADD -> ref[keys[i]] + iv[i];
                        case MIN -> Math.min(ref[keys[i]], iv[i]);
                        default -> Math.max(ref[keys[i]], iv[i]);
                    };
                    CpuTesting.launch(CpuTesting.build(atomics(ElementType.INT, op, wide)), new Object[] {t, keys, iv}, 4, null, n);
                    for (int s = 0; s < slots; s++) assertEquals(ref[s], t.get(s), "int " + what + " slot " + s);
                }
                try (LongArray t = LongArray.allocate(slots)) {
                    long[] ref = new long[slots];
                    for (int i = 0; i < n; i++) ref[keys[i]] = switch (op) {
                        case ADD -> ref[keys[i]] + lv[i];
                        case MIN -> Math.min(ref[keys[i]], lv[i]);
                        default -> Math.max(ref[keys[i]], lv[i]);
                    };
                    CpuTesting.launch(CpuTesting.build(atomics(ElementType.LONG, op, wide)), new Object[] {t, keys, lv}, 4, null, n);
                    for (int s = 0; s < slots; s++) assertEquals(ref[s], t.get(s), "long " + what + " slot " + s);
                }
                try (FloatArray t = FloatArray.allocate(slots)) {
                    float[] ref = new float[slots];
                    for (int i = 0; i < n; i++) ref[keys[i]] = switch (op) {
                        case ADD -> ref[keys[i]] + fv[i];
                        case MIN -> Math.min(ref[keys[i]], fv[i]);
                        default -> Math.max(ref[keys[i]], fv[i]);
                    };
                    CpuTesting.launch(CpuTesting.build(atomics(ElementType.FLOAT, op, wide)), new Object[] {t, keys, fv}, 4, null, n);
                    for (int s = 0; s < slots; s++) {
                        assertEquals(Float.floatToIntBits(ref[s]), Float.floatToIntBits(t.get(s)), "float " + what + " slot " + s);
                    }
                }
                try (DoubleArray t = DoubleArray.allocate(slots)) {
                    double[] ref = new double[slots];
                    for (int i = 0; i < n; i++) ref[keys[i]] = switch (op) {
                        case ADD -> ref[keys[i]] + dv[i];
                        case MIN -> Math.min(ref[keys[i]], dv[i]);
                        default -> Math.max(ref[keys[i]], dv[i]);
                    };
                    CpuTesting.launch(CpuTesting.build(atomics(ElementType.DOUBLE, op, wide)), new Object[] {t, keys, dv}, 4, null, n);
                    for (int s = 0; s < slots; s++) {
                        assertEquals(Double.doubleToLongBits(ref[s]), Double.doubleToLongBits(t.get(s)), "double " + what + " slot " + s);
                    }
                }
            }
        }
    }

    @Test
    void exchangeAndCompareAndSetOnFloatsCompareBits() {
        // single kernel: o0 = cas(t, 0, NaN(payload), 1.5); o1 = cas(t, 1, 0.0, 2.5) on -0.0; o2 = xchg(t, 2, 9)
        IrBuilder ir = new IrBuilder("test.Kernels", "casBits", KernelKind.SINGLE);
        ArrayRef t = ir.offHeapArray("t", ElementType.FLOAT, Access.READ_WRITE);
        ArrayRef old = ir.offHeapArray("old", ElementType.FLOAT, Access.WRITE);
        IrBuilder.BlockBuilder b = ir.entry();
        float payloadNaN = Float.intBitsToFloat(0x7fc01234);
        Var o0 = ir.var(Type.F32, "o0");
        Var o1 = ir.var(Type.F32, "o1");
        Var o2 = ir.var(Type.F32, "o2");
        b.add(new Instr.Atomic(o0, AtomicOp.COMPARE_AND_SET, t, Const.ofInt(0), Const.ofFloat(1.5f), Const.ofFloat(payloadNaN), 0));
        b.add(new Instr.Atomic(o1, AtomicOp.COMPARE_AND_SET, t, Const.ofLong(1), Const.ofFloat(2.5f), Const.ofFloat(0f), 0));
        b.add(new Instr.Atomic(o2, AtomicOp.EXCHANGE, t, Const.ofInt(2), Const.ofFloat(9f), null, 0));
        b.store(old, Const.ofInt(0), o0);
        b.store(old, Const.ofInt(1), o1);
        b.store(old, Const.ofInt(2), o2);
        b.ret();
        try (FloatArray ta = FloatArray.of(payloadNaN, -0f, 4f); FloatArray oa = FloatArray.allocate(3)) {
            CpuTesting.run(ir.build(), new Object[] {ta, oa}, 1);
            assertEquals(1.5f, ta.get(0), "equal bits: the NaN is replaced");
            assertEquals(Float.floatToRawIntBits(-0f), Float.floatToRawIntBits(ta.get(1)), "-0.0 is not the bits of 0.0");
            assertEquals(9f, ta.get(2));
            assertEquals(0x7fc01234, Float.floatToRawIntBits(oa.get(0)));
            assertEquals(Float.floatToRawIntBits(-0f), Float.floatToRawIntBits(oa.get(1)));
            assertEquals(4f, oa.get(2));
        }
    }

    @Test
    void reductionsCombineIntoElementZeroOfOffHeapArrays() {
        IrBuilder ir = new IrBuilder("test.Kernels", "reduceOffHeap", KernelKind.LOOP_PARALLEL);
        ArrayRef total = ir.offHeapArray("total", ElementType.LONG, Access.READ_WRITE);
        ArrayRef x = ir.offHeapArray("x", ElementType.DOUBLE, Access.READ);
        ArrayRef hi = ir.offHeapArray("hi", ElementType.DOUBLE, Access.READ_WRITE);
        Var acc = ir.var(Type.I64, "acc");
        Var max = ir.var(Type.F64, "max");
        ir.reduction(total, ReduceOp.ADD, acc);
        ir.reduction(hi, ReduceOp.MAX, max);
        IrBuilder.BlockBuilder entry = ir.entry();
        entry.add(new Instr.Move(acc, Const.ofLong(0), 0));
        entry.add(new Instr.Move(max, Const.ofDouble(Double.NEGATIVE_INFINITY), 0));
        Var n = entry.length(x);
        ir.parallelLoop(0, Type.I64, entry, Const.ofLong(0), CmpOp.GE, n, true, true, new HostExpr.Length(1), (b, i) -> {
            b.add(new Instr.Binary(acc, BinOp.ADD, acc, i, 0));
            Var v = b.load(x, i);
            IrBuilder.BlockBuilder set = ir.block();
            IrBuilder.BlockBuilder join = ir.block();
            b.branch(CmpOp.GT, v, max, set, join);
            set.add(new Instr.Move(max, v, 0));
            set.jump(join);
            return join;
        }).ret();
        CpuKernel kernel = CpuTesting.build(ir.build());
        Random r = random("reduce");
        for (int size : new int[] {1, 17, 10_000}) {
            double expectedMax = -5;
            try (DoubleArray xs = DoubleArray.allocate(size); LongArray t = LongArray.allocate(1); DoubleArray h = DoubleArray.allocate(2)) {
                for (int i = 0; i < size; i++) {
                    xs.set(i, r.nextGaussian() * 100);
                    if (xs.get(i) > expectedMax) expectedMax = xs.get(i);
                }
                for (int chunks : new int[] {1, 2, 7, 100}) {
                    t.set(0, 1000);
                    h.set(0, -5);
                    h.set(1, 123);
                    CpuTesting.launch(kernel, new Object[] {t, xs, h}, chunks, null, size);
                    assertEquals(1000L + (long) size * (size - 1) / 2, t.get(0), size + " elements, " + chunks + " chunks");
                    assertEquals(expectedMax, h.get(0), size + " elements, " + chunks + " chunks");
                    assertEquals(123, h.get(1), "only element 0 receives the result");
                }
            }
        }
        try (LongArray empty = LongArray.allocate(0); DoubleArray xs = DoubleArray.allocate(3); DoubleArray h = DoubleArray.allocate(1)) {
            KilnException e = assertThrows(KilnException.class, () -> CpuTesting.launch(kernel, new Object[] {empty, xs, h}, 1, null, 3));
            assertTrue(e.getMessage().contains("total") && e.getMessage().contains("empty"), e.getMessage());
        }
    }

    /**
     * More than 2^31 bytes through one kernel: {@code b.set(i, (byte) (i * 31 + 7))} over a
     * {@code ByteArray} of 2^31 + 17 elements, a long loop whose trip count is beyond int, chunked.
     */
    @Test
    void aBufferOverTwoGigabytesGoesThroughALongLoop() {
        IrBuilder ir = new IrBuilder("test.Kernels", "fillBytes", KernelKind.LOOP_PARALLEL);
        ArrayRef bytes = ir.offHeapArray("b", ElementType.BYTE, Access.WRITE);
        IrBuilder.BlockBuilder entry = ir.entry();
        Var n = entry.length(bytes);
        ir.parallelLoop(0, Type.I64, entry, Const.ofLong(0), CmpOp.GE, n, true, true, new HostExpr.Length(0), (b, i) -> {
            Var v = b.binary(BinOp.ADD, b.binary(BinOp.MUL, i, Const.ofLong(31)), Const.ofLong(7));
            b.store(bytes, i, b.convert(Conversion.L2I, v));
            return b;
        }).ret();
        CpuKernel k = CpuTesting.build(ir.build());
        long size = (1L << 31) + 17;
        Random r = random("2 GiB");
        try (ByteArray b = ByteArray.allocate(size)) {
            long t0 = System.nanoTime();
            CpuTesting.launch(k, new Object[] {b}, 0, null, size);
            System.out.printf("2^31 + 17 bytes: %.2f s in %d chunk(s)%n", (System.nanoTime() - t0) / 1e9, k.lastChunks);
            assertTrue(k.lastChunks >= 2, "a range beyond int is chunked, not strided on one thread: " + k.lastChunks);
            long[] probes = new long[3000];
            for (int p = 0; p < 1000; p++) {
                probes[p] = size - 1 - p;
                probes[1000 + p] = (1L << 31) - 983 + p; // across 2^31, up to size - 1
                probes[2000 + p] = (long) (r.nextDouble() * size);
            }
            for (long i : probes) assertEquals((byte) (i * 31 + 7), b.get(i), "element " + i);
            for (long i = 0; i < 100; i++) assertEquals((byte) (i * 31 + 7), b.get(i), "element " + i);
        }
    }
}
