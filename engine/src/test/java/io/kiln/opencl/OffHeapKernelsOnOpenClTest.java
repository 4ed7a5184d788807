package io.kiln.opencl;

import io.kiln.Device;
import io.kiln.Devices;
import io.kiln.ExecutionPlan;
import io.kiln.FloatArray;
import io.kiln.KernelContext;
import io.kiln.OffHeapArray;
import io.kiln.TaskGraph;
import io.kiln.Transfer;
import io.kiln.frontend.FrontEnd;
import io.kiln.frontend.OffHeapArgs;
import io.kiln.frontend.OffHeapCases;
import io.kiln.frontend.OffHeapKernels;
import io.kiln.ir.KernelIR;
import io.kiln.ir.KernelKind;
import io.kiln.ir.ParallelLoop;
import io.kiln.openclc.OpenClEmitter;
import io.kiln.spi.LaunchGeometry;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * Off-heap kernels on {@code opencl:0} (PoCL here), compared with the same methods run on the JVM:
 * through the device session directly, and through {@link TaskGraph}/{@link ExecutionPlan} with the
 * off-heap arrays passed as task arguments. Skips with the reason without OpenCL, fails under CI=true.
 */
class OffHeapKernelsOnOpenClTest {

    static Method method(String name) {
        return Arrays.stream(OffHeapKernels.class.getDeclaredMethods()).filter(m -> m.getName().equals(name)).findFirst().orElseThrow();
    }

    static boolean isData(Object a) {
        return a != null && (a.getClass().isArray() || a instanceof OffHeapArray);
    }

    static void runOnJvm(Method m, KernelIR ir, Object[] args, long n) throws Exception {
        try {
            if (ir.kind() == KernelKind.WORK_ITEM) {
                KernelContext ctx = (KernelContext) args[0];
                for (int x = 0; x < n; x++) {
                    ctx.setGlobalId(x, 0, 0, (int) n, 1, 1);
                    m.invoke(null, args);
                }
            } else {
                m.invoke(null, args);
            }
        } catch (InvocationTargetException e) {
            throw (Exception) e.getCause();
        }
    }

    static LaunchGeometry geometry(KernelIR ir, Object[] args, long n) {
        if (ir.kind() == KernelKind.WORK_ITEM) return new LaunchGeometry(new long[] {n}, null);
        long[] sizes = new long[ir.parallelLoops().size()];
        for (ParallelLoop p : ir.parallelLoops()) {
            sizes[p.dim()] = p.tripCount() == null ? -1 : Math.max(0, p.tripCount().evaluate(args));
        }
        return new LaunchGeometry(sizes, null);
    }

    @TestFactory
    List<DynamicTest> sessionRunsAgreeWithTheJvm() {
        List<DynamicTest> tests = new ArrayList<>();
        for (OffHeapCases.Case c : OffHeapCases.all()) {
            for (int n : OffHeapCases.SIZES) {
                tests.add(DynamicTest.dynamicTest(c.method() + " n=" + n, () -> {
                    OpenClDeviceRuntime device = ClTest.device();
                    long seed = new Random().nextLong();
                    System.out.println("OffHeapKernelsOnOpenClTest " + c.method() + " n=" + n + " seed=" + seed);
                    Method m = method(c.method());
                    KernelIR ir = FrontEnd.compile(m);
                    Object[] args = c.args().apply(new Random(seed), n);
                    Object[] jvm = OffHeapArgs.copy(args);
                    try (OpenClCompiledKernel k = (OpenClCompiledKernel) device.compile(ir);
                         OpenClSession s = (OpenClSession) device.openSession()) {
                        runOnJvm(m, ir, jvm, n);
                        if (c.workItems() && n == 0) return; // an empty grid launches nothing
                        for (Object a : args) if (isData(a)) s.toDevice(a);
                        s.launch(k, args, geometry(ir, args, n));
                        s.finish();
                        for (Object a : args) if (isData(a)) s.toHost(a);
                        String diff = OffHeapArgs.firstDifference(jvm, args);
                        assertNull(diff, () -> c.method() + " n=" + n + " seed=" + seed + ": " + diff + "\n"
                                + OpenClEmitter.emit(ir).source());
                    } finally {
                        OffHeapArgs.close(args, jvm);
                    }
                }));
            }
        }
        return tests;
    }

    /** The README's saxpy on FloatArrays, and a kernel mixing float[] transfers with off-heap task arguments. */
    @Test
    void taskGraphWithOffHeapTaskArguments() throws Exception {
        ClTest.device();
        Device cl = Devices.get("opencl:0");
        long seed = new Random().nextLong();
        System.out.println("OffHeapKernelsOnOpenClTest taskGraph seed=" + seed);
        Random r = new Random(seed);
        for (int n : new int[] {1, 4099}) {
            FloatArray x = OffHeapArgs.floats(r, n);
            FloatArray y = OffHeapArgs.floats(r, n);
            Object[] args = {2.5f, x, y};
            Object[] jvm = OffHeapArgs.copy(args);
            try {
                OffHeapKernels.saxpy(2.5f, (FloatArray) jvm[1], (FloatArray) jvm[2]);
                TaskGraph g = new TaskGraph("offheap-saxpy").task("saxpy", OffHeapKernels::saxpy, 2.5f, x, y);
                try (ExecutionPlan plan = g.plan().withDevice(cl)) {
                    plan.run();
                    plan.transferToHost(y);
                }
                assertNull(OffHeapArgs.firstDifference(jvm, args), "saxpy n=" + n + " seed=" + seed);
            } finally {
                OffHeapArgs.close(args, jvm);
            }

            float[] a = OffHeapArgs.javaFloats(r, n);
            FloatArray b = OffHeapArgs.floats(r, n);
            float[] out = new float[n];
            io.kiln.DoubleArray d = OffHeapArgs.doubles(r, n);
            Object[] margs = {a, b, out, d};
            Object[] mjvm = OffHeapArgs.copy(margs);
            try {
                OffHeapKernels.mixed((float[]) mjvm[0], (FloatArray) mjvm[1], (float[]) mjvm[2], (io.kiln.DoubleArray) mjvm[3]);
                TaskGraph g = new TaskGraph("offheap-mixed")
                        .transferToDevice(Transfer.EVERY_RUN, a)
                        .task("mixed", OffHeapKernels::mixed, a, b, out, d)
                        .transferToHost(Transfer.EVERY_RUN, out);
                try (ExecutionPlan plan = g.plan().withDevice(cl)) {
                    plan.run();
                    plan.transferToHost(d);
                }
                assertNull(OffHeapArgs.firstDifference(mjvm, margs), "mixed n=" + n + " seed=" + seed);
            } finally {
                OffHeapArgs.close(margs, mjvm);
            }
        }
    }
}
