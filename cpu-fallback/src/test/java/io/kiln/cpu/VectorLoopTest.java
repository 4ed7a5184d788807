package io.kiln.cpu;

import io.kiln.DoubleArray;
import io.kiln.FloatArray;
import io.kiln.IntArray;
import io.kiln.KernelIndexOutOfBoundsException;
import io.kiln.LongArray;
import io.kiln.ir.KernelIR;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Vector API loops ({@link VectorLoops}) against the plain Java methods of {@link VectorKernels}: bit
 * for bit (floats compared with {@code floatToIntBits}, which identifies all NaNs, because Java leaves
 * the payload of an arithmetic NaN unspecified; the copy kernel compares raw bits), on heap, off-heap
 * and mixed arrays, at sizes around the lane count and with the iterations cut into several chunks.
 * Inputs are random (the seed is printed) with NaN, ±0, ±Inf, MIN_VALUE, subnormals and extremes mixed in.
 */
class VectorLoopTest {
    /** Sizes: empty, one, below a vector, a prime, a multiple of every lane count, odd sizes, chunk-sized. */
    static final int[] SIZES = {0, 1, 7, 97, 256, 1000, 4099};
    static final int[] CHUNKS = {1, 3, 7};

    /** Loops over Java arrays only get vector loops with {@code all}; the tests cover them too. */
    @BeforeEach
    void vectoriseAll() {
        System.setProperty(VectorLoops.PROPERTY, "all");
    }

    @AfterEach
    void clearProperty() {
        System.clearProperty(VectorLoops.PROPERTY);
    }

    static Stream<Arguments> sizesAndChunks() {
        List<Arguments> all = new ArrayList<>();
        for (int n : SIZES) {
            for (int c : CHUNKS) all.add(Arguments.of(n, c));
        }
        return all.stream();
    }

    static Random random(String what) {
        long seed = System.nanoTime();
        System.out.println(what + ": seed " + seed);
        return new Random(seed);
    }

    static final float[] SPECIAL_FLOATS = {Float.NaN, Float.intBitsToFloat(0x7fa00001), -0f, 0f, Float.POSITIVE_INFINITY,
            Float.NEGATIVE_INFINITY, Float.MIN_VALUE, -Float.MIN_VALUE, Float.MIN_NORMAL, 1e-40f, -3e-39f, Float.MAX_VALUE,
            -Float.MAX_VALUE, 1f, -1f};
    static final double[] SPECIAL_DOUBLES = {Double.NaN, Double.longBitsToDouble(0x7ff4000000000001L), -0d, 0d,
            Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, Double.MIN_VALUE, -Double.MIN_VALUE, Double.MIN_NORMAL,
            1e-310, Double.MAX_VALUE, -Double.MAX_VALUE, 1d, -1d};
    static final int[] SPECIAL_INTS = {0, 1, -1, Integer.MIN_VALUE, Integer.MAX_VALUE, 31, 32, 33, -32};
    static final long[] SPECIAL_LONGS = {0, 1, -1, Long.MIN_VALUE, Long.MAX_VALUE, 63, 64, 65, Integer.MIN_VALUE};

    static float[] floats(Random r, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            int k = r.nextInt(8);
            v[i] = k == 0 ? SPECIAL_FLOATS[r.nextInt(SPECIAL_FLOATS.length)]
                    : k == 1 ? Float.intBitsToFloat(r.nextInt()) : (float) (r.nextGaussian() * 100);
        }
        return v;
    }

    static double[] doubles(Random r, int n) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            int k = r.nextInt(8);
            v[i] = k == 0 ? SPECIAL_DOUBLES[r.nextInt(SPECIAL_DOUBLES.length)]
                    : k == 1 ? Double.longBitsToDouble(r.nextLong()) : r.nextGaussian() * 100;
        }
        return v;
    }

    static int[] ints(Random r, int n) {
        int[] v = new int[n];
        for (int i = 0; i < n; i++) {
            v[i] = r.nextInt(4) == 0 ? SPECIAL_INTS[r.nextInt(SPECIAL_INTS.length)] : r.nextInt();
        }
        return v;
    }

    static long[] longs(Random r, int n) {
        long[] v = new long[n];
        for (int i = 0; i < n; i++) {
            v[i] = r.nextInt(4) == 0 ? SPECIAL_LONGS[r.nextInt(SPECIAL_LONGS.length)] : r.nextLong();
        }
        return v;
    }

    static void assertFloats(float[] expected, float[] actual, String what) {
        assertEquals(expected.length, actual.length, what);
        for (int i = 0; i < expected.length; i++) {
            if (Float.floatToIntBits(expected[i]) != Float.floatToIntBits(actual[i])) {
                throw new AssertionError(what + ", element " + i + ": expected " + expected[i] + " but was " + actual[i]);
            }
        }
    }

    static void assertDoubles(double[] expected, double[] actual, String what) {
        assertEquals(expected.length, actual.length, what);
        for (int i = 0; i < expected.length; i++) {
            if (Double.doubleToLongBits(expected[i]) != Double.doubleToLongBits(actual[i])) {
                throw new AssertionError(what + ", element " + i + ": expected " + expected[i] + " but was " + actual[i]);
            }
        }
    }

    /** The front end's IR for a method of {@link VectorKernels}. */
    static KernelIR ir(String name) {
        try {
            Method m = Arrays.stream(VectorKernels.class.getDeclaredMethods()).filter(x -> x.getName().equals(name)).findFirst()
                    .orElseThrow();
            Method compile = Class.forName("io.kiln.frontend.FrontEnd").getMethod("compile", Method.class);
            return (KernelIR) compile.invoke(null, m);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }

    static boolean vectorApi() {
        return VectorLoops.available();
    }

    /** Builds {@code name}, checking that it gets a vector loop exactly when the Vector API is usable. */
    static CpuKernel vectorised(String name) {
        KernelIR ir = ir(name);
        JvmEmitter.Output out = JvmEmitter.emit(ir);
        if (vectorApi()) assertNotNull(out.vectorLoop(), name + " should be vectorised: " + out.scalarReason());
        return CpuTesting.build(ir);
    }

    static void launch(CpuKernel k, Object[] args, int chunks, long... trips) {
        CpuTesting.launch(k, args, chunks, null, trips);
    }

    // ---------------------------------------------------------------- float and double

    @ParameterizedTest
    @MethodSource("sizesAndChunks")
    void saxpyOnJavaArraysMatchesJava(int n, int chunks) {
        Random r = random("saxpy heap n=" + n);
        float a = r.nextBoolean() ? 1.0001f : SPECIAL_FLOATS[r.nextInt(SPECIAL_FLOATS.length)];
        float[] x = floats(r, n);
        float[] y = floats(r, n);
        float[] expected = y.clone();
        VectorKernels.saxpy(a, x, expected);
        launch(vectorised("saxpy"), new Object[] {a, x, y}, chunks, n);
        assertFloats(expected, y, "saxpy a=" + a);
    }

    @ParameterizedTest
    @MethodSource("sizesAndChunks")
    void saxpyOnFloatArraysMatchesJava(int n, int chunks) {
        Random r = random("saxpy off-heap n=" + n);
        float a = 1.0001f;
        float[] xs = floats(r, n);
        float[] ys = floats(r, n);
        float[] expected = ys.clone();
        VectorKernels.saxpy(a, xs, expected);
        try (Arena arena = Arena.ofShared()) {
            FloatArray x = FloatArray.allocate(n, arena).copyFrom(xs);
            FloatArray y = FloatArray.allocate(n, arena).copyFrom(ys);
            launch(vectorised("saxpyOffHeap"), new Object[] {a, x, y}, chunks, n);
            assertFloats(expected, y.toArray(), "saxpy on FloatArray");
        }
    }

    @ParameterizedTest
    @MethodSource("sizesAndChunks")
    void floatOperationsMatchJava(int n, int chunks) {
        Random r = random("float ops n=" + n);
        float a = SPECIAL_FLOATS[r.nextInt(SPECIAL_FLOATS.length)];
        float[] x = floats(r, n);
        float[] y = floats(r, n);
        float[][] expected = new float[4][n];
        float[][] actual = new float[4][n];
        VectorKernels.floatOps(a, x, y, expected[0], expected[1], expected[2], expected[3]);
        launch(vectorised("floatOps"), new Object[] {a, x, y, actual[0], actual[1], actual[2], actual[3]}, chunks, n);
        String[] what = {"(u - v) * a + u / v", "Math.min", "Math.max", "fma + abs - (float) sqrt"};
        for (int k = 0; k < 4; k++) assertFloats(expected[k], actual[k], what[k] + ", a=" + a);
    }

    @Test
    void minAndMaxFollowJavaOnNaNAndSignedZeros() {
        // Every pair of special values, so each lane meets NaN, -0.0 vs 0.0 and infinities in both orders.
        int s = SPECIAL_FLOATS.length;
        float[] x = new float[s * s];
        float[] y = new float[s * s];
        for (int i = 0; i < s; i++) {
            for (int j = 0; j < s; j++) {
                x[i * s + j] = SPECIAL_FLOATS[i];
                y[i * s + j] = SPECIAL_FLOATS[j];
            }
        }
        int n = x.length;
        float[][] expected = new float[4][n];
        float[][] actual = new float[4][n];
        VectorKernels.floatOps(2f, x, y, expected[0], expected[1], expected[2], expected[3]);
        launch(vectorised("floatOps"), new Object[] {2f, x, y, actual[0], actual[1], actual[2], actual[3]}, 1, n);
        for (int k = 0; k < 4; k++) assertFloats(expected[k], actual[k], "output " + k);
        for (int i = 0; i < n; i++) {
            // raw bits: -0.0 and 0.0 differ
            assertEquals(Float.floatToIntBits(Math.min(x[i], y[i])), Float.floatToIntBits(actual[1][i]), "min " + x[i] + ", " + y[i]);
            assertEquals(Float.floatToIntBits(Math.max(x[i], y[i])), Float.floatToIntBits(actual[2][i]), "max " + x[i] + ", " + y[i]);
        }
    }

    /**
     * The same checks once the kernel is hot: the earlier tests mostly run the Vector API's Java
     * fallback code (interpreted or C1); here thousands of chunk calls get the method compiled by C2,
     * whose vector instructions (min/max on NaN and signed zeros, fma, sqrt) must give the same bits.
     */
    @Test
    void hotVectorCodeMatchesJava() {
        Random r = random("hot float ops");
        int n = 1024;
        float[] x = floats(r, n);
        float[] y = floats(r, n);
        float[][] expected = new float[4][n];
        VectorKernels.floatOps(-0f, x, y, expected[0], expected[1], expected[2], expected[3]);
        CpuKernel k = vectorised("floatOps");
        float[][] actual = new float[4][n];
        for (int run = 0; run < 1500; run++) {
            for (float[] a : actual) Arrays.fill(a, 42f);
            launch(k, new Object[] {-0f, x, y, actual[0], actual[1], actual[2], actual[3]}, 16, n);
            if (run % 500 == 499) {
                for (int o = 0; o < 4; o++) assertFloats(expected[o], actual[o], "run " + run + ", output " + o);
            }
        }
        long[] lx = longs(r, n);
        long[] ly = longs(r, n);
        long[] le = new long[n];
        long[] lo = new long[n];
        try (Arena arena = Arena.ofShared()) {
            LongArray ox = LongArray.allocate(n, arena).copyFrom(lx);
            VectorKernels.longOps(13, ox, ly, le);
            CpuKernel kl = vectorised("longOps");
            for (int run = 0; run < 1500; run++) launch(kl, new Object[] {13, ox, ly, lo}, 16, n);
            assertArrayEquals(le, lo, "hot long ops");
        }
    }

    @ParameterizedTest
    @MethodSource("sizesAndChunks")
    void doubleOperationsOnDoubleArraysMatchJava(int n, int chunks) {
        Random r = random("double ops n=" + n);
        double a = r.nextBoolean() ? 0.75 : SPECIAL_DOUBLES[r.nextInt(SPECIAL_DOUBLES.length)];
        double[] xs = doubles(r, n);
        double[] ys = doubles(r, n);
        double[][] expected = new double[4][n];
        try (Arena arena = Arena.ofShared()) {
            DoubleArray x = DoubleArray.allocate(n, arena).copyFrom(xs);
            DoubleArray y = DoubleArray.allocate(n, arena).copyFrom(ys);
            DoubleArray[] out = new DoubleArray[4];
            DoubleArray[] ref = new DoubleArray[4];
            for (int k = 0; k < 4; k++) {
                out[k] = DoubleArray.allocate(n, arena);
                ref[k] = DoubleArray.allocate(n, arena);
            }
            VectorKernels.doubleOps(a, x, y, ref[0], ref[1], ref[2], ref[3], n - 1);
            launch(vectorised("doubleOps"), new Object[] {a, x, y, out[0], out[1], out[2], out[3], n - 1}, chunks, n);
            for (int k = 0; k < 4; k++) {
                expected[k] = ref[k].toArray();
                assertDoubles(expected[k], out[k].toArray(), "double output " + k + ", a=" + a);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("sizesAndChunks")
    void copyKeepsEveryBit(int n, int chunks) {
        Random r = random("copy n=" + n);
        float[] xs = floats(r, n);
        try (Arena arena = Arena.ofShared()) {
            FloatArray x = FloatArray.allocate(n, arena).copyFrom(xs);
            float[] y = new float[n];
            launch(vectorised("copy"), new Object[] {x, y}, chunks, n);
            for (int i = 0; i < n; i++) {
                assertEquals(Float.floatToRawIntBits(xs[i]), Float.floatToRawIntBits(y[i]), "raw bits of element " + i);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("sizesAndChunks")
    void fillsWithBroadcastValuesMatchJava(int n, int chunks) {
        float v = new Random().nextFloat();
        try (Arena arena = Arena.ofShared()) {
            FloatArray y = FloatArray.allocate(n, arena);
            FloatArray ref = FloatArray.allocate(n, arena);
            int[] z = new int[n];
            int[] zref = new int[n];
            VectorKernels.fill(v, ref, zref);
            launch(vectorised("fill"), new Object[] {v, y, z}, chunks, n);
            assertFloats(ref.toArray(), y.toArray(), "fill with " + v);
            assertArrayEquals(zref, z, "fill with 7");
        }
    }

    // ---------------------------------------------------------------- int and long

    @ParameterizedTest
    @MethodSource("sizesAndChunks")
    void intOperationsMatchJava(int n, int chunks) {
        Random r = random("int ops n=" + n);
        int s = SPECIAL_INTS[r.nextInt(SPECIAL_INTS.length)];
        int[] x = ints(r, n);
        int[] y = ints(r, n);
        int[] expected2 = new int[n];
        try (Arena arena = Arena.ofShared()) {
            IntArray ref = IntArray.allocate(n, arena);
            IntArray out = IntArray.allocate(n, arena);
            int[] out2 = new int[n];
            VectorKernels.intOps(s, x, y, ref, expected2);
            launch(vectorised("intOps"), new Object[] {s, x, y, out, out2}, chunks, n);
            assertArrayEquals(ref.toArray(), out.toArray(), "bitwise and shifts, s=" + s);
            assertArrayEquals(expected2, out2, "negation, min, max, s=" + s);
        }
    }

    @ParameterizedTest
    @MethodSource("sizesAndChunks")
    void longOperationsMatchJava(int n, int chunks) {
        Random r = random("long ops n=" + n);
        int s = SPECIAL_INTS[r.nextInt(SPECIAL_INTS.length)];
        long[] xs = longs(r, n);
        long[] y = longs(r, n);
        long[] expected = new long[n];
        long[] out = new long[n];
        try (Arena arena = Arena.ofShared()) {
            LongArray x = LongArray.allocate(n, arena).copyFrom(xs);
            VectorKernels.longOps(s, x, y, expected);
            launch(vectorised("longOps"), new Object[] {s, x, y, out}, chunks, n);
            assertArrayEquals(expected, out, "long arithmetic and shifts by " + s + " (masked to 6 bits)");
        }
    }

    @ParameterizedTest
    @MethodSource("sizesAndChunks")
    void conversionsMatchJava(int n, int chunks) {
        Random r = random("conversions n=" + n);
        int[] ns = ints(r, n);
        float[] f = floats(r, n);
        float[] expected = f.clone();
        VectorKernels.convert(ns, expected);
        launch(vectorised("convert"), new Object[] {ns, f}, chunks, n);
        assertFloats(expected, f, "i2f");
        long[] ls = longs(r, n);
        double[] ds = doubles(r, n);
        try (Arena arena = Arena.ofShared()) {
            LongArray l = LongArray.allocate(n, arena).copyFrom(ls);
            DoubleArray d = DoubleArray.allocate(n, arena).copyFrom(ds);
            DoubleArray ref = DoubleArray.allocate(n, arena).copyFrom(ds);
            VectorKernels.convertLong(l, ref);
            launch(vectorised("convertLong"), new Object[] {l, d}, chunks, n);
            assertDoubles(ref.toArray(), d.toArray(), "l2d");
        }
    }

    // ---------------------------------------------------------------- the vector path is taken, or not

    @Test
    void vectorLoopRuns() {
        Assumptions.assumeTrue(vectorApi(), "jdk.incubator.vector is not resolved: run the tests with --add-modules jdk.incubator.vector");
        float[] x = new float[4096];
        float[] y = new float[4096];
        Arrays.fill(x, 1f);
        VectorLoops.ran = false;
        launch(vectorised("saxpy"), new Object[] {2f, x, y}, 1, x.length);
        assertTrue(VectorLoops.ran, "the generated vector loop did not run");
        assertEquals(2f, y[4095]);
        String listing = KernelCompilerAccess.jvm("saxpy");
        assertTrue(listing.contains("// vector loop: parallel loop 0 runs as"), listing);
        assertTrue(listing.contains("jdk/incubator/vector/FloatVector.fromArray"), listing);
        assertTrue(listing.contains("jdk/incubator/vector/FloatVector.intoArray"), listing);
    }

    @Test
    void propertyOffGivesTheScalarLoopAndTheSameResults() {
        Random r = random("property off");
        float[] x = floats(r, 1000);
        float[] y = floats(r, 1000);
        float[] y2 = y.clone();
        float[] expected = y.clone();
        VectorKernels.saxpy(3f, x, expected);
        launch(vectorised("saxpy"), new Object[] {3f, x, y}, 3, 1000);
        System.setProperty(VectorLoops.PROPERTY, "false");
        JvmEmitter.Output out = JvmEmitter.emit(ir("saxpy"));
        assertNull(out.vectorLoop());
        assertEquals("-Dkiln.cpu.vectorize=false", out.scalarReason());
        VectorLoops.ran = false;
        launch(CpuTesting.build(ir("saxpy")), new Object[] {3f, x, y2}, 3, 1000);
        assertFalse(VectorLoops.ran, "a vector loop ran with -Dkiln.cpu.vectorize=false");
        assertFloats(expected, y, "vectorised");
        assertFloats(expected, y2, "scalar");
        assertFalse(KernelCompilerAccess.jvm("saxpy").contains("jdk/incubator/vector"), "the listing still has vector code");
    }

    /**
     * A vector loop doubles the chunk method; where that passes HotSpot's 8000-byte limit, the whole
     * method would stay interpreted, so the kernel keeps its scalar loop alone (and says why).
     */
    @Test
    void aVectorLoopThatWouldMakeTheMethodTooLargeToCompileStaysScalar() {
        Assumptions.assumeTrue(vectorApi(), "jdk.incubator.vector is not resolved: run the tests with --add-modules jdk.incubator.vector");
        Assumptions.assumeTrue(CpuKernel.hugeMethodsInterpreted(), "this JVM compiles huge methods (-XX:-DontCompileHugeMethods)");
        JvmEmitter.Output out = JvmEmitter.emit(ir("longBody"));
        assertNull(out.vectorLoop(), "the vector loop was kept");
        assertTrue(out.scalarReason().contains("over HotSpot's limit of " + JvmEmitter.HUGE_METHOD_LIMIT), out.scalarReason());
        assertTrue(out.maxCodeLength() <= JvmEmitter.HUGE_METHOD_LIMIT, "the scalar method has " + out.maxCodeLength() + " bytes");
        assertTrue(KernelCompilerAccess.jvm("longBody").contains("// no vector loop: with a vector loop the chunk method would have"));
        // the premise: a smaller body of the same shape does get a vector loop
        assertNotNull(JvmEmitter.emit(ir("saxpy")).vectorLoop());
        Random r = random("long body");
        float[] x = floats(r, 1000);
        float[] y = new float[1000];
        float[] expected = new float[1000];
        VectorKernels.longBody(x, expected);
        launch(CpuTesting.build(ir("longBody")), new Object[] {x, y}, 3, 1000);
        assertFloats(expected, y, "long body");
    }

    /** By default only loops that touch an off-heap array get a vector loop: C2 vectorises the others. */
    @Test
    void byDefaultOnlyOffHeapLoopsAreVectorised() {
        Assumptions.assumeTrue(vectorApi(), "jdk.incubator.vector is not resolved");
        System.clearProperty(VectorLoops.PROPERTY);
        JvmEmitter.Output heap = JvmEmitter.emit(ir("saxpy"));
        assertNull(heap.vectorLoop());
        assertTrue(heap.scalarReason().startsWith("only Java arrays"), heap.scalarReason());
        assertNotNull(JvmEmitter.emit(ir("saxpyOffHeap")).vectorLoop());
        assertNotNull(JvmEmitter.emit(ir("copy")).vectorLoop(), "a loop mixing FloatArray and float[]");
    }

    /** Kernels that must stay scalar, with the reason the analysis gives, still computing what Java does. */
    @Test
    void kernelsWithoutExactLanewiseFormsStayScalarAndCorrect() {
        assertReason("intDivision", "integer division");
        assertReason("branch", "branches");
        assertReason("indexValue", "the loop index is used as a value");
        assertReason("mixedWidths", "values of 32 and 64 bits");
        Random r = random("scalar kernels");
        int n = 1000;
        int[] x = ints(r, n);
        int[] y = ints(r, n);
        for (int i = 0; i < n; i++) if (y[i] == 0) y[i] = 7;
        int[] expected = new int[n];
        int[] out = new int[n];
        VectorKernels.intDivision(x, y, expected);
        VectorLoops.ran = false;
        launch(CpuTesting.build(ir("intDivision")), new Object[] {x, y, out}, 3, n);
        assertArrayEquals(expected, out, "x / y");
        y[777] = 0;
        io.kiln.KernelArithmeticException e = assertThrows(io.kiln.KernelArithmeticException.class,
                () -> launch(CpuTesting.build(ir("intDivision")), new Object[] {x, y, new int[n]}, 1, n));
        assertTrue(e.getMessage().startsWith("/ by zero in VectorKernels.intDivision (VectorKernels.java:") && e.line() > 0, e.getMessage());
        try (Arena arena = Arena.ofShared()) {
            FloatArray my = FloatArray.allocate(n, arena);
            FloatArray myRef = FloatArray.allocate(n, arena);
            double[] mz = new double[n];
            double[] mzRef = new double[n];
            VectorKernels.mixedWidths(myRef, mzRef);
            launch(CpuTesting.build(ir("mixedWidths")), new Object[] {my, mz}, 3, n);
            assertFloats(myRef.toArray(), my.toArray(), "mixed widths, floats");
            assertDoubles(mzRef, mz, "mixed widths, doubles");
        }
        float[] f = floats(r, n);
        float[] fe = new float[n];
        float[] fo = new float[n];
        VectorKernels.branch(f, fe);
        launch(CpuTesting.build(ir("branch")), new Object[] {f, fo}, 3, n);
        assertFloats(fe, fo, "branch");
        assertFalse(VectorLoops.ran, "a scalar kernel ran a vector loop");
    }

    static void assertReason(String kernel, String reason) {
        Assumptions.assumeTrue(vectorApi(), "jdk.incubator.vector is not resolved");
        JvmEmitter.Output out = JvmEmitter.emit(ir(kernel));
        assertNull(out.vectorLoop(), kernel + " must not be vectorised");
        assertNotNull(out.scalarReason());
        assertTrue(out.scalarReason().contains(reason), kernel + ": " + out.scalarReason());
        String listing = KernelCompilerAccess.jvm(kernel);
        assertTrue(listing.contains("// no vector loop: "), listing);
    }

    // ---------------------------------------------------------------- bounds checks and aliasing

    @ParameterizedTest
    @MethodSource("shortLengths")
    void aShortInputFailsAtJavasIndexAfterJavasWrites(int m) {
        int n = 100;
        Random r = random("short input m=" + m);
        float[] x = floats(r, m);
        try (Arena arena = Arena.ofShared()) {
            FloatArray expected = FloatArray.allocate(n, arena);
            FloatArray y = FloatArray.allocate(n, arena);
            ArrayIndexOutOfBoundsException java = assertThrows(ArrayIndexOutOfBoundsException.class,
                    () -> VectorKernels.shorterInput(x, expected, n));
            KernelIndexOutOfBoundsException kiln = assertThrows(KernelIndexOutOfBoundsException.class,
                    () -> launch(vectorised("shorterInput"), new Object[] {x, y, n}, 1, n));
            assertTrue(java.getMessage().startsWith("Index " + m + " out of bounds for length " + m), java.getMessage());
            assertTrue(kiln.getMessage().startsWith(java.getMessage()), kiln.getMessage());
            assertFloats(expected.toArray(), y.toArray(), "the writes before the failing access");
        }
    }

    static Stream<Integer> shortLengths() {
        return Stream.of(0, 1, 15, 16, 37, 64, 99);
    }

    /**
     * Two views of one memory, one element apart: iteration i reads what iteration i - 1 wrote, so a
     * vector of iterations would compute something else; the run-time check sends the chunk to the
     * scalar loop, which is Java's order. The same arrays passed twice (identical) stay vectorised.
     */
    @Test
    void partiallyOverlappingArraysRunInJavasOrder() {
        Random r = random("overlap");
        int n = 1000;
        float[] values = floats(r, n + 1);
        try (Arena arena = Arena.ofShared()) {
            for (int shift : new int[] {1, -1}) {
                FloatArray base = FloatArray.allocate(n + 1, arena).copyFrom(values);
                FloatArray ref = FloatArray.allocate(n + 1, arena).copyFrom(values);
                long xAt = shift > 0 ? 0 : 4;
                long yAt = shift > 0 ? 4 : 0;
                FloatArray x = FloatArray.wrap(base.segment().asSlice(xAt, 4L * n));
                FloatArray y = FloatArray.wrap(base.segment().asSlice(yAt, 4L * n));
                VectorKernels.saxpyOffHeap(1.5f, FloatArray.wrap(ref.segment().asSlice(xAt, 4L * n)),
                        FloatArray.wrap(ref.segment().asSlice(yAt, 4L * n)));
                VectorLoops.ran = false;
                launch(vectorised("saxpyOffHeap"), new Object[] {1.5f, x, y}, 1, n);
                assertFalse(VectorLoops.ran, "overlapping arrays took the vector loop");
                assertFloats(ref.toArray(), base.toArray(), "y = x shifted by " + shift);
            }
            FloatArray same = FloatArray.allocate(n, arena).copyFrom(Arrays.copyOf(values, n));
            float[] expected = Arrays.copyOf(values, n);
            VectorKernels.saxpy(1.5f, expected.clone(), expected);
            VectorLoops.ran = false;
            launch(vectorised("saxpyOffHeap"), new Object[] {1.5f, same, same}, 1, n);
            assertEquals(vectorApi(), VectorLoops.ran, "identical arrays should take the vector loop");
            assertFloats(expected, same.toArray(), "x and y the same array");
        }
    }

    // ---------------------------------------------------------------- regions: inner loops, uniform branches, shifted accesses

    @ParameterizedTest
    @MethodSource("sizesAndChunks")
    void neighbourDifferencesMatchJava(int n, int chunks) {
        Random r = random("neighbour n=" + n);
        float[] x = floats(r, n + 1);
        float[] expected = new float[n];
        float[] out = new float[n];
        VectorKernels.neighbour(x, expected);
        launch(vectorised("neighbour"), new Object[] {x, out}, chunks, n);
        assertFloats(expected, out, "x[i + 1] - x[i]");
    }

    @ParameterizedTest
    @MethodSource("sizesAndChunks")
    void aBoundComputedInTheHeaderMatchesJava(int n, int chunks) {
        Random r = random("differences n=" + n);
        float[] x = floats(r, n + 1);
        float[] expected = new float[n];
        float[] out = new float[n];
        VectorKernels.differences(x, expected);
        launch(vectorised("differences"), new Object[] {x, out}, chunks, n);
        assertFloats(expected, out, "x[i + 1] - x[i] for i < x.length - 1");
    }

    /** x as long as out: the last iteration reads past the end; Java's exception after Java's writes. */
    @ParameterizedTest
    @MethodSource("shortLengths")
    void aShiftedReadPastTheEndFailsAtJavasIndexAfterJavasWrites(int n) {
        Assumptions.assumeTrue(n > 0, "an empty loop reads nothing");
        Random r = random("neighbour past the end n=" + n);
        float[] x = floats(r, n);
        float[] expected = new float[n];
        float[] out = new float[n];
        ArrayIndexOutOfBoundsException java = assertThrows(ArrayIndexOutOfBoundsException.class,
                () -> VectorKernels.neighbour(x, expected));
        KernelIndexOutOfBoundsException kiln = assertThrows(KernelIndexOutOfBoundsException.class,
                () -> launch(vectorised("neighbour"), new Object[] {x, out}, 1, n));
        assertTrue(kiln.getMessage().startsWith(java.getMessage()), kiln.getMessage() + " / Java: " + java.getMessage());
        assertFloats(expected, out, "the writes before the failing access");
    }

    /** Stores to three arrays at {@code offset + i}: the later stores' checks run at the iteration's start. */
    @ParameterizedTest
    @MethodSource("sizesAndChunks")
    void shiftedStoresAfterAStoreMatchJava(int n, int chunks) {
        Random rnd = random("to planes n=" + n);
        float[] rgb = floats(rnd, 3 * n);
        int offset = 7;
        float[][] expected = {new float[n + offset], new float[n + offset], new float[n + offset]};
        float[][] planes = {new float[n + offset], new float[n + offset], new float[n + offset]};
        VectorKernels.toPlanes(rgb, expected[0], expected[1], expected[2], offset, n, 0.5f);
        VectorLoops.ran = false;
        launch(vectorised("toPlanes"), new Object[] {rgb, planes[0], planes[1], planes[2], offset, n, 0.5f}, chunks, n);
        for (int c = 0; c < 3; c++) assertFloats(expected[c], planes[c], "plane " + c);
        if (vectorApi() && n >= 64) assertTrue(VectorLoops.ran, "the vector loop did not run");
    }

    /**
     * The third plane one short: the third store of the last iteration fails, after its first two stores
     * and every earlier iteration's; its check, tested at the vector iteration's start, sends that vector
     * to the scalar loop before it stores anything. (The second plane short: the same for the second.)
     */
    @ParameterizedTest
    @MethodSource("shortLengths")
    void aShiftedStoreAfterAStorePastTheEndFailsAtJavasIndexAfterJavasWrites(int n) {
        Assumptions.assumeTrue(n > 0, "an empty loop stores nothing");
        for (int shortPlane = 1; shortPlane <= 2; shortPlane++) {
            Random rnd = random("to planes past the end n=" + n + " plane " + shortPlane);
            float[] rgb = floats(rnd, 3 * n);
            float[][] expected = new float[3][];
            float[][] planes = new float[3][];
            for (int c = 0; c < 3; c++) {
                expected[c] = new float[c == shortPlane ? n + 2 : n + 3];
                planes[c] = new float[expected[c].length];
            }
            ArrayIndexOutOfBoundsException java = assertThrows(ArrayIndexOutOfBoundsException.class,
                    () -> VectorKernels.toPlanes(rgb, expected[0], expected[1], expected[2], 3, n, 2f));
            KernelIndexOutOfBoundsException kiln = assertThrows(KernelIndexOutOfBoundsException.class,
                    () -> launch(vectorised("toPlanes"), new Object[] {rgb, planes[0], planes[1], planes[2], 3, n, 2f}, 1, n));
            assertTrue(kiln.getMessage().startsWith(java.getMessage()), kiln.getMessage() + " / Java: " + java.getMessage());
            for (int c = 0; c < 3; c++) assertFloats(expected[c], planes[c], "plane " + c + ": the writes before the failing access");
        }
    }

    @Test
    void checksAfterAStoreAreTestedAtTheIterationsStart() {
        Assumptions.assumeTrue(vectorApi(), "jdk.incubator.vector is not resolved: run the tests with --add-modules jdk.incubator.vector");
        JvmEmitter.Output out = JvmEmitter.emit(ir("toPlanes"));
        assertNotNull(out.vectorLoop(), out.scalarReason());
        assertEquals(2, out.vectorLoop().hoisted().size(), "the checks of the second and third store");
    }

    @ParameterizedTest
    @MethodSource("sizesAndChunks")
    void innerLoopsOfAUniformTripCountMatchJava(int n, int chunks) {
        Random r = random("hash rounds n=" + n);
        long[] in = longs(r, n);
        for (int rounds : new int[] {0, 1, 16}) {
            long[] expected = new long[n];
            long[] out = new long[n];
            VectorKernels.hashRounds(in, expected, rounds);
            launch(vectorised("hashRounds"), new Object[] {in, out, rounds}, chunks, n);
            assertArrayEquals(expected, out, "rounds=" + rounds);
        }
    }

    /** The naive product keeps Java's summation order per element, so the vector loop gives Java's bits. */
    @ParameterizedTest
    @MethodSource("matmulShapes")
    void theMatrixProductsInnerLoopMatchesJava(int m, int n, int k, int chunks) {
        Random r = random("matmul " + m + "x" + n + "x" + k);
        float[] a = floats(r, m * k);
        float[] b = floats(r, k * n);
        float[] expected = new float[m * n];
        float[] c = new float[m * n];
        VectorKernels.matmul(a, b, expected, m, n, k);
        VectorLoops.ran = false;
        launch(vectorised("matmul"), new Object[] {a, b, c, m, n, k}, chunks, m, n);
        assertFloats(expected, c, "c = a b");
        if (vectorApi() && n >= 64) assertTrue(VectorLoops.ran, "the vector loop did not run");
    }

    static Stream<Arguments> matmulShapes() {
        return Stream.of(Arguments.of(1, 1, 1, 1), Arguments.of(1, 97, 3, 1), Arguments.of(7, 64, 13, 3),
                Arguments.of(13, 131, 1, 2), Arguments.of(5, 257, 0, 2), Arguments.of(3, 1000, 17, 3));
    }

    /** The output the same Java array as an input: the run-time check takes Java's order. */
    @Test
    void aMatrixProductIntoItsOwnInputRunsInJavasOrder() {
        Random r = random("matmul in place");
        int n = 67;
        for (int which = 0; which < 2; which++) {
            float[] a = floats(r, n * n);
            float[] b = floats(r, n * n);
            float[] ea = a.clone();
            float[] eb = b.clone();
            VectorKernels.matmul(ea, eb, which == 0 ? ea : eb, n, n, n);
            VectorLoops.ran = false;
            launch(vectorised("matmul"), new Object[] {a, b, which == 0 ? a : b, n, n, n}, 1, n, n);
            assertFalse(VectorLoops.ran, "an output that is an input took the vector loop");
            assertFloats(ea, a, "a after c = a b with c " + (which == 0 ? "a" : "b"));
            assertFloats(eb, b, "b after c = a b with c " + (which == 0 ? "a" : "b"));
        }
    }

    @ParameterizedTest
    @MethodSource("sizesAndChunks")
    void branchesOnParametersMatchJava(int n, int chunks) {
        Random r = random("uniform branch n=" + n);
        float[] x = floats(r, n);
        for (int mode : new int[] {-3, 0, 5}) {
            float[] expected = new float[n];
            float[] out = new float[n];
            VectorKernels.uniformBranch(x, expected, mode);
            launch(vectorised("uniformBranch"), new Object[] {x, out, mode}, chunks, n);
            assertFloats(expected, out, "mode=" + mode);
        }
    }

    @ParameterizedTest
    @MethodSource("sizesAndChunks")
    void aConvolutionMatchesJava(int n, int chunks) {
        Random r = random("conv1d n=" + n);
        for (int taps : new int[] {1, 3, 7}) {
            float[] x = floats(r, n + taps - 1);
            float[] w = floats(r, taps);
            float[] expected = new float[n];
            float[] out = new float[n];
            VectorKernels.conv1d(x, w, expected);
            launch(vectorised("conv1d"), new Object[] {x, w, out}, chunks, n);
            assertFloats(expected, out, "taps=" + taps);
        }
    }

    /**
     * A too-short input (x, read shifted) and a too-short filter (w, read at one index by every lane):
     * both fail before the iteration's store, so the vector loop hands the vector to the scalar loop,
     * which throws where Java throws with Java's writes done.
     */
    @ParameterizedTest
    @MethodSource("shortLengths")
    void aConvolutionOverShortArraysFailsAsJavaDoes(int n) {
        Assumptions.assumeTrue(n > 0, "an empty loop reads nothing");
        Random r = random("conv1d short n=" + n);
        int taps = 5;
        float[] w = floats(r, taps);
        float[] x = floats(r, n + taps - 2);
        float[] expected = new float[n];
        float[] out = new float[n];
        ArrayIndexOutOfBoundsException java = assertThrows(ArrayIndexOutOfBoundsException.class,
                () -> VectorKernels.conv1d(x, w, expected));
        KernelIndexOutOfBoundsException kiln = assertThrows(KernelIndexOutOfBoundsException.class,
                () -> launch(vectorised("conv1d"), new Object[] {x, w, out}, 1, n));
        assertTrue(kiln.getMessage().startsWith(java.getMessage()), kiln.getMessage() + " / Java: " + java.getMessage());
        assertFloats(expected, out, "x short: the writes before the failing access");

        float[] x2 = floats(r, n + taps);
        float[] expected2 = new float[n];
        float[] out2 = new float[n];
        java = assertThrows(ArrayIndexOutOfBoundsException.class, () -> VectorKernels.conv1dTaps(x2, w, expected2, taps + 1));
        kiln = assertThrows(KernelIndexOutOfBoundsException.class,
                () -> launch(vectorised("conv1dTaps"), new Object[] {x2, w, out2, taps + 1}, 1, n));
        assertTrue(kiln.getMessage().startsWith(java.getMessage()), kiln.getMessage() + " / Java: " + java.getMessage());
        assertFloats(expected2, out2, "w short: the writes before the failing access");
    }

    /** Off-heap views of one memory that overlap: the run-time check sends the loop to Java's order. */
    @Test
    void overlappingViewsOfAShiftedAccessRunInJavasOrder() {
        Random r = random("neighbour overlap");
        int n = 1000;
        float[] values = floats(r, n + 2);
        try (Arena arena = Arena.ofShared()) {
            for (long outAt : new long[] {0, 4, 8}) {
                FloatArray base = FloatArray.allocate(n + 2, arena).copyFrom(values);
                FloatArray ref = FloatArray.allocate(n + 2, arena).copyFrom(values);
                FloatArray x = FloatArray.wrap(base.segment().asSlice(4, 4L * (n + 1)));
                FloatArray out = FloatArray.wrap(base.segment().asSlice(outAt, 4L * n));
                VectorKernels.neighbourOffHeap(FloatArray.wrap(ref.segment().asSlice(4, 4L * (n + 1))),
                        FloatArray.wrap(ref.segment().asSlice(outAt, 4L * n)));
                VectorLoops.ran = false;
                launch(vectorised("neighbourOffHeap"), new Object[] {x, out}, 1, n);
                assertFalse(VectorLoops.ran, "overlapping views took the vector loop (out at byte " + outAt + ")");
                assertFloats(ref.toArray(), base.toArray(), "out at byte " + outAt);
            }
            FloatArray x = FloatArray.allocate(n + 1, arena).copyFrom(Arrays.copyOf(values, n + 1));
            FloatArray out = FloatArray.allocate(n, arena);
            FloatArray ref = FloatArray.allocate(n, arena);
            VectorKernels.neighbourOffHeap(x, ref);
            VectorLoops.ran = false;
            launch(vectorised("neighbourOffHeap"), new Object[] {x, out}, 1, n);
            assertEquals(vectorApi(), VectorLoops.ran, "separate arrays should take the vector loop");
            assertFloats(ref.toArray(), out.toArray(), "separate arrays");
        }
    }

    /**
     * A kernel whose writes lanes could see stays scalar and exact; one whose failure comes after a store
     * (the check of {@code x[i + 1]} after the store to {@code out[i]}) is vectorised with that check tested
     * at the iteration's start, and fails after Java's writes.
     */
    @Test
    void writesOtherLanesCouldSeeStayScalar() {
        assertReason("shiftInPlace", "is written at one index and accessed at another");
        if (vectorApi()) {
            JvmEmitter.Output late = JvmEmitter.emit(ir("storeThenNeighbour"));
            assertNotNull(late.vectorLoop(), late.scalarReason());
            assertEquals(1, late.vectorLoop().hoisted().size(), "the check of x[i + 1], after the store to out[i]");
        }
        Random r = random("scalar regions");
        float[] x = floats(r, 300);
        float[] ex = x.clone();
        VectorKernels.shiftInPlace(ex);
        launch(CpuTesting.build(ir("shiftInPlace")), new Object[] {x}, 1, 299);
        assertFloats(ex, x, "shift in place");
        float[] e1 = new float[300];
        float[] e2 = new float[300];
        float[] o1 = new float[300];
        float[] o2 = new float[300];
        ArrayIndexOutOfBoundsException java = assertThrows(ArrayIndexOutOfBoundsException.class,
                () -> VectorKernels.storeThenNeighbour(x, e1, e2));
        KernelIndexOutOfBoundsException kiln = assertThrows(KernelIndexOutOfBoundsException.class,
                () -> launch(CpuTesting.build(ir("storeThenNeighbour")), new Object[] {x, o1, o2}, 1, 300));
        // (x has 300 elements: the last iteration's x[i + 1] fails after its store to out[i])
        assertTrue(kiln.getMessage().startsWith(java.getMessage()), kiln.getMessage());
        assertFloats(e1, o1, "out after the failure");
        assertFloats(e2, o2, "out2 after the failure");
    }

    // ---------------------------------------------------------------- sequential inner loops as lanes

    static Stream<Arguments> rowShapes() {
        return Stream.of(Arguments.of(1, 1, 1, 1), Arguments.of(97, 3, 3, 2), Arguments.of(256, 7, 5, 3),
                Arguments.of(1000, 5, 1, 3), Arguments.of(4, 6, 5, 1), Arguments.of(131, 2, 7, 2));
    }

    @ParameterizedTest
    @MethodSource("rowShapes")
    void aSequentialInnerLoopRunsAsLanesAndMatchesJava(int w, int h, int taps, int chunks) {
        Random r = random("row sums " + w + "x" + h + " taps " + taps);
        float[] in = floats(r, w * h);
        float[] expected = floats(r, w * h);
        float[] out = expected.clone();
        VectorKernels.rowSums(in, expected, w, h, taps);
        JvmEmitter.Output plan = JvmEmitter.emit(ir("rowSums"));
        if (vectorApi()) {
            assertNotNull(plan.vectorLoop(), plan.scalarReason());
            assertEquals(-1, plan.vectorLoop().dim(), "the x loop, not the parallel loop");
        }
        launch(CpuTesting.build(ir("rowSums")), new Object[] {in, out, w, h, taps}, chunks, h);
        assertFloats(expected, out, "row sums");
        // The same array in and out: the run-time check sends it to Java's order.
        float[] same = in.clone();
        float[] sameExpected = in.clone();
        VectorKernels.rowSums(sameExpected, sameExpected, w, h, taps);
        launch(CpuTesting.build(ir("rowSums")), new Object[] {same, same, w, h, taps}, 1, h);
        assertFloats(sameExpected, same, "row sums in place");
    }

    /** Taps past the row's end read the next row, and past the last row fail as Java does. */
    @Test
    void aSequentialInnerLoopFailsAsJavaDoes() {
        Random r = random("row sums short");
        int w = 100;
        int h = 3;
        float[] in = floats(r, w * h - 1);
        float[] expected = new float[w * h];
        float[] out = new float[w * h];
        ArrayIndexOutOfBoundsException java = assertThrows(ArrayIndexOutOfBoundsException.class,
                () -> VectorKernels.rowSums(in, expected, w, h, 4));
        KernelIndexOutOfBoundsException kiln = assertThrows(KernelIndexOutOfBoundsException.class,
                () -> launch(CpuTesting.build(ir("rowSums")), new Object[] {in, out, w, h, 4}, 1, h));
        assertTrue(kiln.getMessage().startsWith(java.getMessage()), kiln.getMessage() + " / Java: " + java.getMessage());
        assertFloats(expected, out, "the writes before the failing access");
    }

    /** Sequential loops whose iterations depend on each other stay scalar, and compute what Java does. */
    @Test
    void dependentSequentialLoopsStayScalar() {
        Assumptions.assumeTrue(vectorApi(), "jdk.incubator.vector is not resolved");
        JvmEmitter.Output prefix = JvmEmitter.emit(ir("rowPrefix"));
        assertNull(prefix.vectorLoop(), "rowPrefix");
        assertTrue(prefix.scalarReason().contains("is written at one index and accessed at another"), prefix.scalarReason());
        JvmEmitter.Output totals = JvmEmitter.emit(ir("rowTotals"));
        assertNull(totals.vectorLoop(), "rowTotals");
        Random r = random("dependent rows");
        int w = 77;
        int h = 9;
        float[] a = floats(r, w * h);
        float[] b = floats(r, w * h);
        float[] ea = a.clone();
        VectorKernels.rowPrefix(ea, b, w, h);
        launch(CpuTesting.build(ir("rowPrefix")), new Object[] {a, b, w, h}, 3, h);
        assertFloats(ea, a, "running sums");
        float[] out = new float[h];
        float[] eo = new float[h];
        VectorKernels.rowTotals(b, eo, w);
        launch(CpuTesting.build(ir("rowTotals")), new Object[] {b, out, w}, 3, h);
        assertFloats(eo, out, "row totals");
    }

    // ---------------------------------------------------------------- strided accesses (arrays of structures)

    /** Gathers at stride 3 match Java on every size, with lanes cut into chunks. */
    @ParameterizedTest
    @MethodSource("sizesAndChunks")
    void gathersAtAStrideMatchJava(int n, int chunks) {
        Random r = random("rgb to gray " + n);
        float[] rgb = floats(r, 3 * n);
        float[] expected = new float[n];
        float[] out = new float[n];
        VectorKernels.rgbToGray(rgb, expected);
        launch(vectorised("rgbToGray"), new Object[] {rgb, out}, chunks, n);
        assertFloats(expected, out, "gray");
    }

    /** A gather past the end fails at Java's index after Java's writes (the vector's check sends it to the scalar loop). */
    @ParameterizedTest
    @ValueSource(ints = {1, 2, 40, 47, 100})
    void aGatherPastTheEndFailsAtJavasIndexAfterJavasWrites(int missing) {
        Random r = random("rgb short by " + missing);
        int n = 100;
        float[] rgb = floats(r, 3 * n - missing);
        float[] expected = new float[n];
        float[] out = new float[n];
        ArrayIndexOutOfBoundsException java = assertThrows(ArrayIndexOutOfBoundsException.class, () -> VectorKernels.rgbToGray(rgb, expected));
        KernelIndexOutOfBoundsException kiln = assertThrows(KernelIndexOutOfBoundsException.class,
                () -> launch(vectorised("rgbToGray"), new Object[] {rgb, out}, 1, n));
        assertTrue(kiln.getMessage().startsWith(java.getMessage()), kiln.getMessage() + " / Java: " + java.getMessage());
        assertFloats(expected, out, "the writes before the failing access");
    }

    /** n-body: the body loop as lanes (gathers, a uniform inner loop carrying three sums, scatters), bit for bit. */
    @ParameterizedTest
    @ValueSource(ints = {1, 7, 16, 97, 300})
    void nBodyWithGathersAndScattersMatchesJava(int n) {
        Random r = random("n-body " + n);
        float[] pos = new float[4 * n];
        for (int i = 0; i < pos.length; i++) pos[i] = (float) r.nextGaussian() * (i % 4 == 3 ? 1f : 10f);
        if (n > 3) {
            pos[1] = Float.NaN;
            pos[6] = -0f;
            pos[8] = Float.POSITIVE_INFINITY;
        }
        float[] expected = floats(r, 4 * n);
        float[] acc = expected.clone();
        VectorKernels.nbody(pos, expected, n, 0.01f);
        JvmEmitter.Output plan = JvmEmitter.emit(ir("nbody"));
        if (vectorApi()) {
            assertNotNull(plan.vectorLoop(), plan.scalarReason());
            assertEquals(0, plan.vectorLoop().dim(), "the body loop");
        }
        launch(CpuTesting.build(ir("nbody")), new Object[] {pos, acc, n, 0.01f}, 3, n);
        assertFloats(expected, acc, "accelerations (the fourth field untouched)");
        // pos and acc the same array: the run-time check sends it to Java's order.
        float[] same = pos.clone();
        float[] sameExpected = pos.clone();
        VectorKernels.nbody(sameExpected, sameExpected, n, 0.01f);
        launch(CpuTesting.build(ir("nbody")), new Object[] {same, same, n, 0.01f}, 1, n);
        assertFloats(sameExpected, same, "n-body in place");
    }

    /** Fields of one structure written and read in place, on a loop-invariant base, and a two-step stride. */
    @ParameterizedTest
    @MethodSource("sizesAndChunks")
    void scattersWithinOneStructureMatchJava(int n, int chunks) {
        Random r = random("strided writes " + n);
        double[] pairs = doubles(r, 2 * n + 1);
        double[] pe = pairs.clone();
        VectorKernels.swapPairs(pe, n);
        launch(vectorised("swapPairs"), new Object[] {pairs, n}, chunks, n);
        assertDoubles(pe, pairs, "swapped pairs");
        int[] a = ints(r, n);
        int[] b = ints(r, n);
        int base = r.nextInt(5);
        int[] out = ints(r, base + 2 * n + 3);
        int[] oe = out.clone();
        VectorKernels.interleave(a, b, oe, base);
        launch(vectorised("interleave"), new Object[] {a, b, out, base}, chunks, n);
        assertArrayEquals(oe, out, "interleaved from " + base);
        long[] in = longs(r, 6 * n + 6);
        long[] lo = new long[n];
        long[] le = new long[n];
        VectorKernels.sixth(in, le);
        launch(vectorised("sixth"), new Object[] {in, lo}, chunks, n);
        assertArrayEquals(le, lo, "every sixth");
    }

    /** A written array whose offsets span the stride stays scalar: lanes would read each other's writes. */
    @Test
    void stridedAccessesThatOverlapLanesStayScalar() {
        JvmEmitter.Output plan = JvmEmitter.emit(ir("nextPair"));
        assertNull(plan.vectorLoop(), "nextPair");
        if (vectorApi()) assertTrue(plan.scalarReason().contains("a span of at least the stride"), plan.scalarReason());
        Random r = random("next pair");
        float[] a = floats(r, 2 * 301 + 2);
        float[] e = a.clone();
        VectorKernels.nextPair(e, 301);
        // One chunk: iteration i reads what i + 1 writes, so chunks running at once would race (Java's order is one chunk's).
        launch(CpuTesting.build(ir("nextPair")), new Object[] {a, 301}, 1, 301);
        assertFloats(e, a, "next pair");
    }

    // ---------------------------------------------------------------- without the module

    /** A JVM without {@code --add-modules jdk.incubator.vector} emits today's scalar loop and computes the same. */
    @Test
    void withoutTheModuleTheLoopStaysScalar() throws IOException, InterruptedException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(java.toString(), "-cp", System.getProperty("java.class.path"),
                "--enable-native-access=ALL-UNNAMED", WithoutModule.class.getName())
                .redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the child JVM did not finish");
        assertEquals(0, p.exitValue(), output);
        assertTrue(output.contains("no vector loop: jdk.incubator.vector is not available"), output);
        assertTrue(output.contains("result ok"), output);
        assertFalse(output.contains("jdk/incubator/vector/"), output);
    }

    /** The child JVM of {@link #withoutTheModuleTheLoopStaysScalar}. */
    static final class WithoutModule {
        public static void main(String[] args) {
            System.out.println(KernelCompilerAccess.jvm("saxpy"));
            float[] x = new float[1000];
            float[] y = new float[1000];
            Arrays.fill(x, 1f);
            CpuTesting.launch(CpuTesting.build(ir("saxpy")), new Object[] {2f, x, y}, 3, null, 1000);
            boolean ok = true;
            for (float v : y) ok &= v == 2f;
            System.out.println(ok && !VectorLoops.ran ? "result ok" : "result WRONG");
        }
    }

    /** The listing as {@code KernelCompiler.emit(..., Target.JVM)} gives it. */
    static final class KernelCompilerAccess {
        static String jvm(String kernel) {
            return io.kiln.KernelCompiler.emit(VectorKernels.class, kernel, io.kiln.Target.JVM);
        }
    }
}
