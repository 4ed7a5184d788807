package io.kiln.cpu;

import io.kiln.Device;
import io.kiln.Devices;
import io.kiln.ExecutionPlan;
import io.kiln.FloatArray;
import io.kiln.Grid;
import io.kiln.KernelContext;
import io.kiln.KernelIndexOutOfBoundsException;
import io.kiln.KilnException;
import io.kiln.TaskGraph;
import io.kiln.ir.KernelIR;
import io.kiln.spi.LaunchGeometry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.Arena;
import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Bounds checks on {@code cpu}: every out-of-range access fails with a
 * {@link KernelIndexOutOfBoundsException} whose index, length and line are those of the
 * {@link ArrayIndexOutOfBoundsException} that the same method throws as plain Java, after exactly the
 * same writes (launches of at most 16384 items run in one chunk, in Java's order); the plan stays usable.
 */
class BoundsCheckTest {
    static final Device CPU = Devices.get("cpu");

    /** The line of {@code method} in the stack of the JVM's own exception, the reference for Kiln's. */
    static int javaLine(Throwable t, String method) {
        for (StackTraceElement e : t.getStackTrace()) {
            if (e.getClassName().equals(BoundsKernels.class.getName()) && e.getMethodName().equals(method)) return e.getLineNumber();
        }
        throw new AssertionError("no frame of " + method + " in " + t);
    }

    /** Asserts that Kiln's exception says what Java's said, and names kernel, array and device. */
    static void assertSame(ArrayIndexOutOfBoundsException java, KernelIndexOutOfBoundsException kiln, String method,
                           String kind, String array) {
        assertEquals(java.getMessage(), "Index " + kiln.index() + " out of bounds for length " + kiln.length(), kiln.getMessage());
        assertEquals(javaLine(java, method), kiln.line(), kiln.getMessage());
        assertEquals("BoundsKernels." + method, kiln.kernel());
        assertEquals(kind, kiln.arrayKind());
        assertEquals(array, kiln.arrayName());
        assertEquals("cpu", kiln.device());
        assertEquals("BoundsKernels.java", kiln.sourceFile());
        assertTrue(kiln.getMessage().contains("BoundsKernels.java:" + kiln.line()), kiln.getMessage());
    }

    static float[] randomFloats(Random r, int n) {
        float[] f = new float[n];
        for (int i = 0; i < n; i++) f[i] = r.nextFloat() * 100 - 50;
        return f;
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 7, 1000, 1 << 20, Integer.MAX_VALUE - 5, -1, -1000, Integer.MIN_VALUE + 3})
    void readsPastEitherEnd(int k) {
        long seed = System.nanoTime();
        System.out.println("readsPastEitherEnd(" + k + ") seed " + seed);
        Random r = new Random(seed);
        int n = 1 + r.nextInt(3000);
        float[] in = randomFloats(r, n), out = new float[n], ref = new float[n];
        ArrayIndexOutOfBoundsException java = assertThrows(ArrayIndexOutOfBoundsException.class, () -> BoundsKernels.shiftedRead(in, ref, k));
        try (ExecutionPlan plan = new TaskGraph("read").task("t", BoundsKernels::shiftedRead, in, out, k).plan(CPU)) {
            KernelIndexOutOfBoundsException e = assertThrows(KernelIndexOutOfBoundsException.class, plan::run);
            assertSame(java, e, "shiftedRead", "parameter", "in");
            assertArrayEquals(ref, out, "the same elements written before the failure");
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 5000, -1, -77})
    void writesPastEitherEnd(int k) {
        long seed = System.nanoTime();
        System.out.println("writesPastEitherEnd(" + k + ") seed " + seed);
        Random r = new Random(seed);
        int n = 1 + r.nextInt(5000);
        // The array has n + 2 elements and a sentinel-filled tail: nothing past the array may change.
        int[] out = new int[n], ref = new int[n];
        Arrays.fill(out, -9);
        Arrays.fill(ref, -9);
        int trips = Math.max(1, n - Math.max(0, k) + 1) + r.nextInt(3);
        ArrayIndexOutOfBoundsException java = assertThrows(ArrayIndexOutOfBoundsException.class, () -> BoundsKernels.shiftedWrite(ref, trips, k));
        try (ExecutionPlan plan = new TaskGraph("write").task("t", BoundsKernels::shiftedWrite, out, trips, k).plan(CPU)) {
            KernelIndexOutOfBoundsException e = assertThrows(KernelIndexOutOfBoundsException.class, plan::run);
            assertSame(java, e, "shiftedWrite", "parameter", "out");
            assertArrayEquals(ref, out);
        }
    }

    @Test
    void planStaysUsableAfterAFailure() {
        Random r = new Random(3);
        int n = 777;
        int[] idx = new int[n];
        for (int i = 0; i < n; i++) idx[i] = r.nextInt(n);
        float[] in = randomFloats(r, n), out = new float[n], ref = new float[n];
        try (ExecutionPlan plan = new TaskGraph("g").transferToDevice(io.kiln.Transfer.EVERY_RUN, idx)
                .task("t", BoundsKernels::gather, idx, in, out).plan(CPU)) {
            for (int bad : new int[] {n, -1, 1 << 30}) {
                idx[n / 2] = bad;
                KernelIndexOutOfBoundsException e = assertThrows(KernelIndexOutOfBoundsException.class, plan::run);
                assertEquals(bad, e.index());
                assertEquals(n, e.length());
                assertEquals("in", e.arrayName());
                idx[n / 2] = n / 3;
                plan.run();
                BoundsKernels.gather(idx, in, ref);
                assertArrayEquals(ref, out);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1000, 1, 4095})
    void unguardedKernelOnARoundedUpGrid(int n) {
        Random r = new Random(n);
        float[] in = randomFloats(r, n), out = new float[n], ref = new float[n];
        int grid = (n / 256 + 1) * 256;
        KernelContext c = new KernelContext();
        ArrayIndexOutOfBoundsException java = assertThrows(ArrayIndexOutOfBoundsException.class, () -> {
            for (int i = 0; i < grid; i++) BoundsKernels.unguardedCopy(c.setGlobalId(i, 0, 0, grid, 1, 1), in, ref);
        });
        try (ExecutionPlan plan = new TaskGraph("copy").task("t", BoundsKernels::unguardedCopy, new KernelContext(), in, out)
                .withGrid("t", Grid.of(grid)).plan(CPU)) {
            KernelIndexOutOfBoundsException e = assertThrows(KernelIndexOutOfBoundsException.class, plan::run);
            assertSame(java, e, "unguardedCopy", "parameter", "in");
            assertArrayEquals(ref, out);
        }
    }

    @Test
    void privateArray() {
        int n = 300;
        int[] idx = new int[n], out = new int[n], ref = new int[n];
        for (int i = 0; i < n; i++) idx[i] = i % 4;
        for (int bad : new int[] {4, -1, 100_000}) {
            idx[211] = bad;
            ArrayIndexOutOfBoundsException java = assertThrows(ArrayIndexOutOfBoundsException.class, () -> BoundsKernels.privateArray(idx, ref));
            try (ExecutionPlan plan = new TaskGraph("p").task("t", BoundsKernels::privateArray, idx, out).plan(CPU)) {
                KernelIndexOutOfBoundsException e = assertThrows(KernelIndexOutOfBoundsException.class, plan::run);
                assertEquals(java.getMessage(), "Index " + e.index() + " out of bounds for length " + e.length());
                assertEquals(javaLine(java, "privateArray"), e.line());
                assertEquals("private array", e.arrayKind());
                assertArrayEquals(ref, out);
            }
        }
    }

    @Test
    void localArrayInAWorkGroupKernel() {
        int[] out = new int[64];
        try (ExecutionPlan plan = new TaskGraph("l").task("t", BoundsKernels::localArray, new KernelContext(), out, 1)
                .withGrid("t", Grid.of(64).local(16)).plan(CPU)) {
            KernelIndexOutOfBoundsException e = assertThrows(KernelIndexOutOfBoundsException.class, plan::run);
            assertEquals(16, e.index());
            assertEquals(16, e.length());
            assertEquals("local array", e.arrayKind());
            ArrayIndexOutOfBoundsException java = assertThrows(ArrayIndexOutOfBoundsException.class,
                    () -> BoundsKernels.localArray(new KernelContext().setGlobalId(15, 0, 0, 16, 1, 1).setLocalSize(16, 1, 1), new int[16], 1));
            assertEquals(javaLine(java, "localArray"), e.line());
        }
        // k = 0 is in range, and the same plan shape computes what Java does.
        try (ExecutionPlan plan = new TaskGraph("l").task("t", BoundsKernels::localArray, new KernelContext(), out, 0)
                .withGrid("t", Grid.of(64).local(16)).plan(CPU)) {
            plan.run();
            for (int i = 0; i < 64; i++) assertEquals(i, out[i]);
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 3000, -1, -(1L << 40)})
    void offHeapArrays(long k) {
        int n = 1000;
        try (Arena arena = Arena.ofConfined()) {
            FloatArray in = FloatArray.allocate(n, arena), out = FloatArray.allocate(n, arena);
            for (int i = 0; i < n; i++) in.set(i, i * 0.5f);
            // The JVM's reference: FFM's own exception, thrown at the same access.
            IndexOutOfBoundsException java = assertThrows(IndexOutOfBoundsException.class, () -> BoundsKernels.offHeapShiftedRead(in, out, k));
            int javaLine = javaLine(java, "offHeapShiftedRead");
            for (int i = 0; i < n; i++) out.set(i, -1f);
            try (ExecutionPlan plan = new TaskGraph("o").task("t", BoundsKernels::offHeapShiftedRead, in, out, k).plan(CPU)) {
                KernelIndexOutOfBoundsException e = assertThrows(KernelIndexOutOfBoundsException.class, plan::run);
                assertEquals(k > 0 ? Math.max(n, k) : k, e.index(), e.getMessage());
                assertEquals(n, e.length());
                assertEquals("in", e.arrayName());
                assertEquals(javaLine, e.line());
                // Written before the failure exactly as Java writes: out[i] = in[i + k] for i < n - k.
                for (long i = 0; i < n; i++) {
                    float expected = k > 0 && i + k < n ? in.get(i + k) : -1f;
                    assertEquals(expected, out.get(i), "element " + i);
                }
            }
        }
    }

    @Test
    void offHeapIndexWhoseByteOffsetOverflows() {
        // (MIN_VALUE / 2) * 4 wraps to 0: JDK 25's MemorySegment.getAtIndex then reads element 0 instead
        // of throwing (so the plain Java method cannot be the reference here); Kiln's check compares
        // the index itself and refuses it.
        long k = Long.MIN_VALUE / 2;
        try (Arena arena = Arena.ofConfined()) {
            FloatArray in = FloatArray.allocate(4, arena), out = FloatArray.allocate(4, arena);
            try (ExecutionPlan plan = new TaskGraph("o").task("t", BoundsKernels::offHeapShiftedRead, in, out, k).plan(CPU)) {
                KernelIndexOutOfBoundsException e = assertThrows(KernelIndexOutOfBoundsException.class, plan::run);
                assertEquals(k, e.index());
                assertEquals(4, e.length());
            }
        }
    }

    // ---------------------------------------------------------------- without the front end's plan: IR level

    /** The front end's IR for a method of {@link BoundsKernels}. */
    static KernelIR frontEnd(String name) {
        return frontEnd(BoundsKernels.class, name);
    }

    /** The front end's IR of the static method {@code name} of {@code owner}. */
    static KernelIR frontEnd(Class<?> owner, String name) {
        try {
            Method m = Arrays.stream(owner.getDeclaredMethods()).filter(x -> x.getName().equals(name)).findFirst().orElseThrow();
            Method compile = Class.forName("io.kiln.frontend.FrontEnd").getMethod("compile", Method.class);
            return (KernelIR) compile.invoke(null, m);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }

    /** {@code ir} without bounds checks, as {@code withBoundsChecks(false)} hands it to the back end (the engine's own strip). */
    static KernelIR strip(KernelIR ir) {
        try {
            return (KernelIR) Class.forName("io.kiln.frontend.BoundsChecks").getMethod("strip", KernelIR.class).invoke(null, ir);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {2, 5, 16})
    void manyChunksStopAtTheFirstFailure(int chunks) {
        int n = 200_000;
        int[] idx = new int[n];
        float[] in = new float[n], out = new float[n];
        for (int i = 0; i < n; i++) idx[i] = i;
        idx[n - 1] = n;
        idx[n / 3] = -5;
        CpuKernel k = CpuTesting.build(frontEnd("gather"));
        KernelIndexOutOfBoundsException e = assertThrows(KernelIndexOutOfBoundsException.class,
                () -> CpuTesting.launch(k, new Object[] {idx, in, out}, chunks, null, n));
        assertTrue(e.index() == n || e.index() == -5, e.getMessage());
        assertEquals(chunks, k.lastChunks);
    }

    @Test
    void withoutChecksTheJvmStillRefusesTheAccess() {
        // Documented behaviour with checks off: Java arrays still check themselves, so the launch
        // fails with the JVM's exception as the cause of a KilnException, and nothing past the array
        // is touched.
        int n = 100;
        int[] out = new int[n];
        CpuKernel k = CpuTesting.build(strip(frontEnd("shiftedWrite")));
        KilnException e = assertThrows(KilnException.class, () -> CpuTesting.launch(k, new Object[] {out, n, 1}, 1, null, n));
        assertInstanceOf(ArrayIndexOutOfBoundsException.class, e.getCause());
        assertTrue(!(e.getCause() instanceof KernelIndexOutOfBoundsException));
        assertEquals(n - 1, out[n - 1]);
        // With checks, the same launch names the array.
        CpuKernel checked = CpuTesting.build(frontEnd("shiftedWrite"));
        KernelIndexOutOfBoundsException ke = assertThrows(KernelIndexOutOfBoundsException.class,
                () -> CpuTesting.launch(checked, new Object[] {out, n, 1}, 1, null, n));
        assertEquals(n, ke.index());
    }
}
