package io.kiln.opencl;

import io.kiln.Bindings;
import io.kiln.Device;
import io.kiln.Devices;
import io.kiln.ExecutionPlan;
import io.kiln.FloatArray;
import io.kiln.Grid;
import io.kiln.KernelContext;
import io.kiln.KernelIndexOutOfBoundsException;
import io.kiln.TaskGraph;
import io.kiln.Transfer;
import io.kiln.passes.BoundsKernels;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Java's array bounds on {@code opencl:0}, through plans: reads and writes just past, far past and
 * before an array, a rounded-up work-item grid, private and local arrays, atomics, off-heap arrays; the
 * exception's fields against the JVM's own exception for the same method; the plan and device usable
 * afterwards; and the opt-out.
 */
class BoundsChecksOnOpenClTest {
    private static final int N = 1000;

    private static Device opencl() {
        ClTest.device();
        return Devices.get("opencl:0");
    }

    private static float[] random(Random r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = r.nextFloat() * 200 - 100;
        return a;
    }

    /** The JVM's exception for the same call, and the source line it was thrown at in {@code method}. */
    private static ArrayIndexOutOfBoundsException onJvm(Runnable call) {
        return assertThrows(ArrayIndexOutOfBoundsException.class, call::run);
    }

    private static int line(ArrayIndexOutOfBoundsException e, String method) {
        for (StackTraceElement s : e.getStackTrace()) {
            if (s.getMethodName().equals(method)) return s.getLineNumber();
        }
        throw new AssertionError("no frame of " + method);
    }

    @Test
    void readsOutOfBoundsThrowAndThePlanStaysUsable() {
        Device device = opencl();
        long seed = new Random().nextLong();
        System.out.println("BoundsChecksOnOpenClTest reads seed=" + seed);
        float[] in = random(new Random(seed), N);
        float[] out = new float[N];
        try (ExecutionPlan plan = new TaskGraph("copy").transferToDevice(Transfer.EVERY_RUN, in)
                .task("copy", BoundsKernels::shiftedCopy, in, out, 1).transferToHost(Transfer.EVERY_RUN, out).plan(device)) {
            for (int offset : new int[] {1, -1, 100_000_000, -100_000_000, Integer.MAX_VALUE - N}) {
                ArrayIndexOutOfBoundsException jvm = onJvm(() -> BoundsKernels.shiftedCopy(in, new float[N], offset));
                KernelIndexOutOfBoundsException e = assertThrows(KernelIndexOutOfBoundsException.class,
                        () -> plan.run(Bindings.of().scalar("copy", 2, offset)), "offset " + offset);
                assertEquals("BoundsKernels.shiftedCopy", e.kernel());
                assertEquals("in", e.arrayName());
                assertEquals("parameter", e.arrayKind());
                assertEquals(N, e.length());
                assertEquals("opencl:0", e.device());
                assertEquals("BoundsKernels.java", e.sourceFile());
                assertEquals(line(jvm, "shiftedCopy"), e.line(), e.getMessage());
                assertTrue(e.index() - offset >= 0 && e.index() - offset < N && (e.index() < 0 || e.index() >= N), e.getMessage());
                if (Math.abs(offset) == 1) {
                    // exactly one work-item is out of range: the same index and message as the JVM's
                    assertEquals(jvm.getMessage() + " in parameter 'in' of BoundsKernels.shiftedCopy (BoundsKernels.java:"
                            + e.line() + ") on opencl:0", e.getMessage());
                }
            }
            // the same plan, in range again
            plan.run(Bindings.of().scalar("copy", 2, 0));
            assertArrayEquals(in, out);
        }
    }

    @Test
    void writesOutOfBoundsThrowAndNothingElseIsHarmed() {
        Device device = opencl();
        long seed = new Random().nextLong();
        System.out.println("BoundsChecksOnOpenClTest writes seed=" + seed);
        float[] in = random(new Random(seed), N);
        float[] out = new float[N];
        float[] guard = random(new Random(seed + 1), 4096);
        float[] guardCopy = guard.clone();
        try (ExecutionPlan plan = new TaskGraph("store").transferToDevice(Transfer.EVERY_RUN, in, guard)
                .task("store", BoundsKernels::shiftedStore, in, out, 1)
                .task("keep", BoundsKernels::scale, guard, 1f)
                .transferToHost(Transfer.EVERY_RUN, out, guard).plan(device)) {
            for (int offset : new int[] {1, -1, 100_000_000, -100_000_000}) {
                ArrayIndexOutOfBoundsException jvm = onJvm(() -> BoundsKernels.shiftedStore(in, new float[N], offset));
                KernelIndexOutOfBoundsException e = assertThrows(KernelIndexOutOfBoundsException.class,
                        () -> plan.run(Bindings.of().scalar("store", 2, offset)), "offset " + offset);
                assertEquals("out", e.arrayName());
                assertEquals(line(jvm, "shiftedStore"), e.line());
                if (Math.abs(offset) == 1) assertEquals(offset > 0 ? N : -1, e.index());
            }
            plan.run(Bindings.of().scalar("store", 2, 0));
            assertArrayEquals(in, out);
            assertArrayEquals(guardCopy, guard, "the other array of the plan is intact");
        }
    }

    @Test
    void roundedUpGridPrivateLocalAndAtomicArrays() {
        Device device = opencl();
        float[] x = new float[N];
        // the most common mistake: an unguarded work-item kernel on a grid rounded up past its array
        try (ExecutionPlan plan = new TaskGraph("grid").task("scale", BoundsKernels::unguardedScale, new KernelContext(), x)
                .plan(device).withGrid("scale", Grid.of(1024).local(64))) {
            KernelIndexOutOfBoundsException e = assertThrows(KernelIndexOutOfBoundsException.class, plan::run);
            assertEquals("x", e.arrayName());
            assertTrue(e.index() >= N && e.index() < 1024, e.getMessage());
        }
        int[] idx = new int[128];
        int[] out = new int[128];
        for (int i = 0; i < idx.length; i++) idx[i] = i % 4;
        try (ExecutionPlan plan = new TaskGraph("priv").transferToDevice(Transfer.EVERY_RUN, idx)
                .task("priv", BoundsKernels::privateIndex, idx, out).transferToHost(Transfer.EVERY_RUN, out).plan(device)) {
            for (int bad : new int[] {4, -1, 1 << 30}) {
                idx[77] = bad;
                ArrayIndexOutOfBoundsException jvm = onJvm(() -> BoundsKernels.privateIndex(idx, new int[128]));
                KernelIndexOutOfBoundsException e = assertThrows(KernelIndexOutOfBoundsException.class, plan::run);
                assertEquals("private array", e.arrayKind());
                assertEquals(bad, e.index());
                assertEquals(4, e.length());
                assertEquals(line(jvm, "privateIndex"), e.line());
            }
            idx[77] = 1;
            plan.run();
            for (int i = 0; i < out.length; i++) assertEquals(idx[i] + 1, out[i]);
        }
        for (int i = 0; i < idx.length; i++) idx[i] = (i * 7) % 64;
        try (ExecutionPlan plan = new TaskGraph("local").transferToDevice(Transfer.EVERY_RUN, idx)
                .task("local", BoundsKernels::localIndex, new KernelContext(), idx, out).transferToHost(Transfer.EVERY_RUN, out)
                .plan(device).withGrid("local", Grid.of(128).local(64))) {
            idx[5] = 64;
            KernelIndexOutOfBoundsException e = assertThrows(KernelIndexOutOfBoundsException.class, plan::run);
            assertEquals("local array", e.arrayKind());
            assertEquals(64, e.index());
            assertEquals(64, e.length());
            idx[5] = 3;
            plan.run(); // the barrier after a skipped access: every work-item still arrives
            for (int i = 0; i < out.length; i++) assertEquals(idx[i], out[i]);
        }
        int[] counts = new int[8];
        for (int i = 0; i < idx.length; i++) idx[i] = i % 8;
        try (ExecutionPlan plan = new TaskGraph("atomic").transferToDevice(Transfer.EVERY_RUN, idx, counts)
                .task("count", BoundsKernels::atomicAt, new KernelContext(), idx, counts).transferToHost(Transfer.EVERY_RUN, counts)
                .plan(device).withGrid("count", Grid.of(128))) {
            idx[9] = 8;
            KernelIndexOutOfBoundsException e = assertThrows(KernelIndexOutOfBoundsException.class, plan::run);
            assertEquals("counts", e.arrayName());
            assertEquals(8, e.index());
            idx[9] = 1;
            java.util.Arrays.fill(counts, 0);
            plan.run();
            for (int c : counts) assertEquals(16, c);
        }
    }

    @Test
    void offHeapArraysAreCheckedWithLongIndices() {
        Device device = opencl();
        try (FloatArray in = FloatArray.allocate(N); FloatArray out = FloatArray.allocate(N)) {
            for (int i = 0; i < N; i++) in.set(i, i * 0.5f);
            try (ExecutionPlan plan = new TaskGraph("off").transferToDevice(Transfer.EVERY_RUN, in)
                    .task("off", BoundsKernels::offHeapShifted, in, out, 1L).transferToHost(Transfer.EVERY_RUN, out).plan(device)) {
                for (long offset : new long[] {1, -1, 1L << 40}) {
                    KernelIndexOutOfBoundsException e = assertThrows(KernelIndexOutOfBoundsException.class,
                            () -> plan.run(Bindings.of().scalar("off", 2, offset)));
                    assertEquals("in", e.arrayName());
                    assertTrue(e.index() - offset >= 0 && e.index() - offset < N && (e.index() < 0 || e.index() >= N), e.getMessage());
                    if (offset == 1) assertEquals(N, e.index());
                }
                plan.run(Bindings.of().scalar("off", 2, 0L));
                for (int i = 0; i < N; i++) assertEquals(i * 0.5f, out.get(i));
            }
        }
    }

    @Test
    void withoutChecksInRangeKernelsGiveTheSameResults() {
        Device device = opencl();
        long seed = new Random().nextLong();
        System.out.println("BoundsChecksOnOpenClTest unchecked seed=" + seed);
        float[] in = random(new Random(seed), N);
        float[] out = new float[N];
        float[] want = new float[N];
        BoundsKernels.shiftedCopy(in, want, 0);
        try (ExecutionPlan plan = new TaskGraph("copy").transferToDevice(Transfer.EVERY_RUN, in)
                .task("copy", BoundsKernels::shiftedCopy, in, out, 0).transferToHost(Transfer.EVERY_RUN, out).plan(device)
                .withBoundsChecks(false)) {
            plan.run();
            assertArrayEquals(want, out);
            // documented: no check, so no exception (the value read one past the array is undefined)
            plan.run(Bindings.of().scalar("copy", 2, 1));
            // switched back on: the kernel is built again with checks
            plan.withBoundsChecks(true);
            assertThrows(KernelIndexOutOfBoundsException.class, () -> plan.run(Bindings.of().scalar("copy", 2, 1)));
        }
    }
}
