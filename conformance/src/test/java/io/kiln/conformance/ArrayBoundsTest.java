package io.kiln.conformance;

import io.kiln.Bindings;
import io.kiln.Device;
import io.kiln.ExecutionPlan;
import io.kiln.FloatArray;
import io.kiln.Grid;
import io.kiln.KernelCompiler;
import io.kiln.KernelContext;
import io.kiln.KernelIndexOutOfBoundsException;
import io.kiln.Parallel;
import io.kiln.TaskGraph;
import io.kiln.Target;
import io.kiln.Transfer;
import io.kiln.ptx.Ptxas;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Java's array bounds through plans, on every device present ({@code opencl:0}, {@code cpu}, the PTX
 * interpreter): each violation throws {@link KernelIndexOutOfBoundsException} (an
 * {@link ArrayIndexOutOfBoundsException}) naming the kernel, array, index, length and the line the JVM's
 * own exception names for the same method; canary arrays around the indexed one are untouched; the
 * plan runs again afterwards and computes what Java computes. The PTX interpreter also faults on any
 * access outside an allocation, so there a pass shows that no memory past an array was touched.
 */
class ArrayBoundsTest {
    private static final int N = 1000;

    /** The most common mistake: an unguarded work-item kernel on a grid rounded up past its array. */
    public static void unguardedScale(KernelContext c, float[] x) {
        int i = c.globalIdx();
        x[i] = x[i] * 2f + 1f;
    }

    public static void shiftedRead(float[] in, float[] out, int offset) {
        for (@Parallel int i = 0; i < out.length; i++) {
            out[i] = in[i + offset];
        }
    }

    public static void shiftedStore(float[] in, float[] out, int offset) {
        for (@Parallel int i = 0; i < in.length; i++) {
            out[i + offset] = in[i];
        }
    }

    public static void offHeapShifted(FloatArray in, FloatArray out, long offset) {
        for (@Parallel long i = 0; i < out.length(); i++) {
            out.set(i, in.get(i + offset));
        }
    }

    public static void privateAt(int[] idx, int[] out) {
        for (@Parallel int i = 0; i < out.length; i++) {
            int[] t = new int[4];
            t[idx[i]] = i;
            out[i] = t[0] + t[1] + t[2] + t[3];
        }
    }

    public static void localAt(KernelContext c, int[] idx, int[] out) {
        int[] l = c.localInts(64);
        l[c.localIdx()] = c.globalIdx();
        c.barrier();
        out[c.globalIdx()] = l[idx[c.globalIdx()]];
    }

    /** The elimination pass proves in[i - 1] (i >= 1) and in[i + 1] (i < in.length - 1) and keeps out[i]. */
    public static void stencil(float[] in, float[] out) {
        for (@Parallel int i = 1; i < in.length - 1; i++) {
            out[i] = (in[i - 1] + in[i] + in[i + 1]) * (1f / 3f);
        }
    }

    /** One step too far for the pass to prove: in[i + 2] under i < in.length - 1 reads in[in.length]. */
    public static void tooFarAhead(float[] in, float[] out) {
        for (@Parallel int i = 0; i < in.length - 1; i++) {
            out[i] = in[i + 2];
        }
    }

    /** x[i] under i < y.length: launched without checks only when the host sees y.length <= x.length. */
    public static void scaleInto(float[] x, float[] y) {
        for (@Parallel int i = 0; i < y.length; i++) {
            y[i] = x[i] * 2f;
        }
    }

    /** if (i < n): launched without checks only when the host sees n <= x.length. */
    public static void scalarGuard(KernelContext c, float[] x, int n) {
        int i = c.globalIdx();
        if (i < n) {
            x[i] = x[i] + 1f;
        }
    }

    static Stream<Device> devices() {
        return GraphsAndTransfersTest.devices();
    }

    private static float[] random(Random r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = r.nextFloat() * 200 - 100;
        return a;
    }

    private static long seed(String what) {
        long seed = Seeds.of("ArrayBoundsTest." + what, 0);
        System.out.println("ArrayBoundsTest." + what + " seed=" + seed);
        return seed;
    }

    /** The JVM's own exception for {@code call} and the line of {@code method} it names. */
    private static ArrayIndexOutOfBoundsException onJvm(Runnable call) {
        return assertThrows(ArrayIndexOutOfBoundsException.class, call::run);
    }

    private static int line(ArrayIndexOutOfBoundsException e, String method) {
        for (StackTraceElement s : e.getStackTrace()) {
            if (s.getMethodName().equals(method)) return s.getLineNumber();
        }
        throw new AssertionError("no frame of " + method + " in " + e);
    }

    /** What every device must report, compared with the JVM's exception for the same method. */
    private static void assertNames(KernelIndexOutOfBoundsException e, ArrayIndexOutOfBoundsException jvm, String method,
                                    String kind, String array, long length, Device device) {
        assertInstanceOf(ArrayIndexOutOfBoundsException.class, e, "Java catch blocks must catch it");
        assertEquals("ArrayBoundsTest." + method, e.kernel(), e.getMessage());
        assertEquals(kind, e.arrayKind(), e.getMessage());
        assertEquals(array, e.arrayName(), e.getMessage());
        assertEquals(length, e.length(), e.getMessage());
        assertEquals("ArrayBoundsTest.java", e.sourceFile(), e.getMessage());
        assertEquals(line(jvm, method), e.line(), e.getMessage());
        assertEquals(device.id(), e.device(), e.getMessage());
        assertEquals("Index " + e.index() + " out of bounds for length " + length + " in " + kind + " '" + array + "' of ArrayBoundsTest."
                + method + " (ArrayBoundsTest.java:" + e.line() + ") on " + device.id(), e.getMessage());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void roundedUpWorkItemGridThrowsAndLeavesCanariesAlone(Device device) {
        GraphsAndTransfersTest.require(device);
        Random r = new Random(seed("grid"));
        float[] before = random(r, 4096);
        float[] x = random(r, N);
        float[] after = random(r, 4096);
        float[] beforeCopy = before.clone();
        float[] afterCopy = after.clone();
        float[] want = x.clone();
        int grid = 1024;
        // Java's run of the same grid: every in-range item writes, then item N throws
        ArrayIndexOutOfBoundsException jvm = onJvm(() -> {
            KernelContext c = new KernelContext();
            for (int i = 0; i < grid; i++) unguardedScale(c.setGlobalId(i, 0, 0, grid, 1, 1), want);
        });
        assertEquals("Index " + N + " out of bounds for length " + N, jvm.getMessage());
        try (ExecutionPlan plan = new TaskGraph("grid").transferToDevice(Transfer.EVERY_RUN, before, x, after)
                .task("scale", ArrayBoundsTest::unguardedScale, new KernelContext(), x)
                .transferToHost(Transfer.EVERY_RUN, x).plan(device).withGrid("scale", Grid.of(grid).local(64))) {
            KernelIndexOutOfBoundsException e = assertThrows(KernelIndexOutOfBoundsException.class, plan::run);
            assertNames(e, jvm, "unguardedScale", "parameter", "x", N, device);
            assertTrue(e.index() >= N && e.index() < grid, e.getMessage());
            plan.transferToHost(before, x, after);
            assertArrayEquals(beforeCopy, before, "canary before x");
            assertArrayEquals(afterCopy, after, "canary after x");
            assertArrayEquals(want, x, "every in-range item wrote, as in Java");
            // the same plan again, on the grid it should have had
            plan.withGrid("scale", Grid.of(N));
            KernelContext c = new KernelContext();
            for (int i = 0; i < N; i++) unguardedScale(c.setGlobalId(i, 0, 0, N, 1, 1), want);
            plan.run();
            assertArrayEquals(want, x);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void readsJustPastFarPastNegativeAndWrappedThrow(Device device) {
        GraphsAndTransfersTest.require(device);
        float[] in = random(new Random(seed("reads")), N);
        float[] out = new float[N];
        try (ExecutionPlan plan = new TaskGraph("read").transferToDevice(Transfer.EVERY_RUN, in)
                .task("read", ArrayBoundsTest::shiftedRead, in, out, 0).transferToHost(Transfer.EVERY_RUN, out).plan(device)) {
            // i + offset wraps past Integer.MAX_VALUE to a negative int for the upper half of i
            for (int offset : new int[] {1, -1, 100_000_000, Integer.MIN_VALUE, Integer.MAX_VALUE - N / 2}) {
                ArrayIndexOutOfBoundsException jvm = onJvm(() -> shiftedRead(in, new float[N], offset));
                KernelIndexOutOfBoundsException e = assertThrows(KernelIndexOutOfBoundsException.class,
                        () -> plan.run(Bindings.of().scalar("read", 2, offset)), "offset " + offset);
                assertNames(e, jvm, "shiftedRead", "parameter", "in", N, device);
                // the index is i + offset in int arithmetic, for an i of the loop
                assertEquals((int) e.index(), e.index(), e.getMessage());
                int i = (int) e.index() - offset;
                assertTrue(i >= 0 && i < N && (e.index() < 0 || e.index() >= N), e.getMessage());
                if (Math.abs(offset) == 1) assertEquals(jvm.getMessage(), "Index " + e.index() + " out of bounds for length " + N);
            }
            plan.run(Bindings.of().scalar("read", 2, 0));
            assertArrayEquals(in, out);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void writesOutOfBoundsTouchNothingElse(Device device) {
        GraphsAndTransfersTest.require(device);
        Random r = new Random(seed("writes"));
        float[] in = random(r, N);
        float[] before = random(r, 4096);
        float[] out = new float[N];
        float[] after = random(r, 4096);
        float[] beforeCopy = before.clone();
        float[] afterCopy = after.clone();
        try (ExecutionPlan plan = new TaskGraph("store").transferToDevice(Transfer.EVERY_RUN, in, before, out, after)
                .task("store", ArrayBoundsTest::shiftedStore, in, out, 0).transferToHost(Transfer.EVERY_RUN, out).plan(device)) {
            for (int offset : new int[] {1, -1, N, -N, 1 << 30}) {
                Arrays.fill(out, 0f);
                ArrayIndexOutOfBoundsException jvm = onJvm(() -> shiftedStore(in, new float[N], offset));
                KernelIndexOutOfBoundsException e = assertThrows(KernelIndexOutOfBoundsException.class,
                        () -> plan.run(Bindings.of().scalar("store", 2, offset)), "offset " + offset);
                assertNames(e, jvm, "shiftedStore", "parameter", "out", N, device);
                if (Math.abs(offset) == 1) assertEquals(offset > 0 ? N : -1, e.index());
                plan.transferToHost(before, out, after);
                assertArrayEquals(beforeCopy, before, "canary before out, offset " + offset);
                assertArrayEquals(afterCopy, after, "canary after out, offset " + offset);
                for (int j = 0; j < N; j++) {
                    int from = j - offset;
                    // each element holds 0 or what the one in-range store to it wrote
                    if (out[j] != 0f) assertEquals(in[from], out[j], "out[" + j + "], offset " + offset);
                }
            }
            plan.run(Bindings.of().scalar("store", 2, 0));
            assertArrayEquals(in, out);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void offHeapArraysAreCheckedWithLongIndices(Device device) {
        GraphsAndTransfersTest.require(device);
        Random r = new Random(seed("offheap"));
        try (FloatArray in = FloatArray.allocate(N); FloatArray out = FloatArray.allocate(N)) {
            float[] values = random(r, N);
            for (int i = 0; i < N; i++) in.set(i, values[i]);
            try (ExecutionPlan plan = new TaskGraph("off").transferToDevice(Transfer.EVERY_RUN, in)
                    .task("off", ArrayBoundsTest::offHeapShifted, in, out, 0L).transferToHost(Transfer.EVERY_RUN, out).plan(device)) {
                // 1L << 40 is far past any int; Long.MAX_VALUE - 10 wraps i + offset to a negative long
                for (long offset : new long[] {1, -1, 1L << 40, -(1L << 40), Long.MAX_VALUE - 10}) {
                    KernelIndexOutOfBoundsException e = assertThrows(KernelIndexOutOfBoundsException.class,
                            () -> plan.run(Bindings.of().scalar("off", 2, offset)), "offset " + offset);
                    assertEquals("ArrayBoundsTest.offHeapShifted", e.kernel());
                    assertEquals("in", e.arrayName());
                    assertEquals(N, e.length());
                    long i = e.index() - offset;
                    assertTrue(i >= 0 && i < N && (e.index() < 0 || e.index() >= N), e.getMessage());
                    if (offset == 1) assertEquals(N, e.index());
                    if (offset == -1) assertEquals(-1, e.index());
                }
                plan.run(Bindings.of().scalar("off", 2, 0L));
                for (int i = 0; i < N; i++) assertEquals(values[i], out.get(i), "element " + i);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void privateAndLocalArrays(Device device) {
        GraphsAndTransfersTest.require(device);
        int[] idx = new int[128];
        int[] out = new int[128];
        for (int i = 0; i < idx.length; i++) idx[i] = i % 4;
        try (ExecutionPlan plan = new TaskGraph("priv").transferToDevice(Transfer.EVERY_RUN, idx)
                .task("priv", ArrayBoundsTest::privateAt, idx, out).transferToHost(Transfer.EVERY_RUN, out).plan(device)) {
            for (int bad : new int[] {4, -1, 1 << 30, Integer.MIN_VALUE}) {
                idx[77] = bad;
                ArrayIndexOutOfBoundsException jvm = onJvm(() -> privateAt(idx, new int[128]));
                KernelIndexOutOfBoundsException e = assertThrows(KernelIndexOutOfBoundsException.class, plan::run);
                assertNames(e, jvm, "privateAt", "private array", "t", 4, device);
                assertEquals(bad, e.index());
            }
            idx[77] = 1;
            plan.run();
            int[] want = new int[128];
            privateAt(idx, want);
            assertArrayEquals(want, out);
        }
        for (int i = 0; i < idx.length; i++) idx[i] = (i * 7) % 64;
        try (ExecutionPlan plan = new TaskGraph("local").transferToDevice(Transfer.EVERY_RUN, idx)
                .task("local", ArrayBoundsTest::localAt, new KernelContext(), idx, out).transferToHost(Transfer.EVERY_RUN, out)
                .plan(device).withGrid("local", Grid.of(128).local(64))) {
            for (int bad : new int[] {64, -5}) {
                idx[5] = bad;
                KernelIndexOutOfBoundsException e = assertThrows(KernelIndexOutOfBoundsException.class, plan::run);
                ArrayIndexOutOfBoundsException jvm = onJvm(() -> localAt(new KernelContext().setGlobalId(5, 0, 0, 128, 1, 1)
                        .setLocalSize(64, 1, 1), idx, new int[128]));
                assertNames(e, jvm, "localAt", "local array", "l", 64, device);
                assertEquals(bad, e.index());
            }
            idx[5] = 3;
            plan.run(); // every work-item still reaches the barrier after a skipped access
            for (int i = 0; i < out.length; i++) assertEquals(i / 64 * 64 + idx[i], out[i], "out[" + i + "]");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void offsetIndicesTheEliminationPassProvesOrKeeps(Device device) {
        GraphsAndTransfersTest.require(device);
        float[] in = random(new Random(seed("offsets")), N);
        float[] out = new float[N];
        float[] want = new float[N];
        stencil(in, want);
        try (ExecutionPlan plan = new TaskGraph("stencil").transferToDevice(Transfer.EVERY_RUN, in)
                .task("s", ArrayBoundsTest::stencil, in, out).transferToHost(Transfer.EVERY_RUN, out).plan(device)) {
            plan.run();
            assertArrayEquals(want, out);
        }
        ArrayIndexOutOfBoundsException jvm = onJvm(() -> tooFarAhead(in, new float[N]));
        try (ExecutionPlan plan = new TaskGraph("ahead").transferToDevice(Transfer.EVERY_RUN, in)
                .task("a", ArrayBoundsTest::tooFarAhead, in, out).transferToHost(Transfer.EVERY_RUN, out).plan(device)) {
            KernelIndexOutOfBoundsException e = assertThrows(KernelIndexOutOfBoundsException.class, plan::run);
            assertNames(e, jvm, "tooFarAhead", "parameter", "in", N, device);
            assertEquals(N, e.index(), "only i = N - 2 reads past the end");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void checksTheHostProvesComeBackWhenItCannot(Device device) {
        GraphsAndTransfersTest.require(device);
        Random r = new Random(seed("hostFacts"));
        float[] x = random(r, N);
        float[] shortX = random(r, N - 10);
        float[] y = new float[N];
        float[] want = new float[N];
        scaleInto(x, want);
        try (ExecutionPlan plan = new TaskGraph("into").transferToDevice(Transfer.EVERY_RUN, x)
                .task("s", ArrayBoundsTest::scaleInto, x, y).transferToHost(Transfer.EVERY_RUN, y).plan(device)) {
            plan.run();
            assertArrayEquals(want, y);
            // x shorter than y: the kernel with its checks runs, and the run throws as Java does
            ArrayIndexOutOfBoundsException jvm = onJvm(() -> scaleInto(shortX, new float[N]));
            KernelIndexOutOfBoundsException e = assertThrows(KernelIndexOutOfBoundsException.class,
                    () -> plan.run(Bindings.of().data(x, shortX)));
            assertNames(e, jvm, "scaleInto", "parameter", "x", N - 10, device);
            assertTrue(e.index() >= N - 10 && e.index() < N, e.getMessage());
            Arrays.fill(y, 0f);
            plan.run(Bindings.of().data(x, x));
            assertArrayEquals(want, y);
        }
        float[] v = random(r, N);
        float[] w = v.clone();
        try (ExecutionPlan plan = new TaskGraph("guard").transferToDevice(Transfer.EVERY_RUN, v)
                .task("g", ArrayBoundsTest::scalarGuard, new KernelContext(), v, N).transferToHost(Transfer.EVERY_RUN, v)
                .plan(device).withGrid("g", Grid.of(N + 200))) {
            plan.run();
            for (int i = 0; i < N; i++) w[i] += 1f;
            assertArrayEquals(w, v);
            KernelIndexOutOfBoundsException e = assertThrows(KernelIndexOutOfBoundsException.class,
                    () -> plan.run(Bindings.of().scalar("g", 2, N + 100)));
            assertEquals("x", e.arrayName());
            assertTrue(e.index() >= N && e.index() < N + 100, e.getMessage());
            plan.transferToHost(v);
            for (int i = 0; i < N; i++) w[i] += 1f; // every in-range item ran
            assertArrayEquals(w, v);
            plan.run(Bindings.of().scalar("g", 2, N));
            for (int i = 0; i < N; i++) w[i] += 1f;
            assertArrayEquals(w, v);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void withoutChecksInRangeRunsMatchJava(Device device) {
        GraphsAndTransfersTest.require(device);
        float[] in = random(new Random(seed("unchecked")), N);
        float[] out = new float[N];
        try (ExecutionPlan plan = new TaskGraph("read").transferToDevice(Transfer.EVERY_RUN, in)
                .task("read", ArrayBoundsTest::shiftedRead, in, out, 0).transferToHost(Transfer.EVERY_RUN, out).plan(device)
                .withBoundsChecks(false)) {
            plan.run();
            assertArrayEquals(in, out);
            plan.withBoundsChecks(true); // built again, with checks
            assertThrows(KernelIndexOutOfBoundsException.class, () -> plan.run(Bindings.of().scalar("read", 2, 1)));
        }
    }

    private static Method kernel(String name) {
        return Arrays.stream(ArrayBoundsTest.class.getDeclaredMethods()).filter(m -> m.getName().equals(name)).findFirst().orElseThrow();
    }

    /** The text a plan builds with {@code withBoundsChecks(false)} has no check and no error record; with checks it has both. */
    @Test
    void withoutChecksTheEmittedCodeHasNone() {
        for (String name : new String[] {"unguardedScale", "shiftedRead", "shiftedStore", "offHeapShifted", "privateAt", "localAt"}) {
            Method m = kernel(name);
            String cl = KernelCompiler.emit(m, Target.OPENCL_C, true);
            String clOff = KernelCompiler.emit(m, Target.OPENCL_C, false);
            assertTrue(cl.contains("kiln_err") && cl.contains("kiln_oob("), name + ":\n" + cl);
            assertFalse(clOff.contains("kiln_err") || clOff.contains("kiln_oob"), name + ":\n" + clOff);
            String ptx = KernelCompiler.emit(m, Target.PTX, true);
            String ptxOff = KernelCompiler.emit(m, Target.PTX, false);
            assertTrue(ptx.contains("kiln_err") && ptx.contains("atom.global.cas.b32"), name + ":\n" + ptx);
            assertFalse(ptxOff.contains("kiln_err") || ptxOff.contains("atom.global.cas"), name + ":\n" + ptxOff);
            assertEquals(KernelCompiler.emit(m, Target.PTX), ptx, "checks are the default");
            if (Ptxas.available()) {
                for (String code : new String[] {ptx, ptxOff}) {
                    Ptxas.Outcome o = Ptxas.assemble(code);
                    assertTrue(o.clean(), () -> name + ": ptxas: " + o.output() + "\n" + code);
                }
            }
        }
        Assumptions.assumeTrue(Ptxas.available(), Ptxas::absentReason);
    }
}
