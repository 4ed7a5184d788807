package io.kiln.runtime;

import io.kiln.Backend;
import io.kiln.Device;
import io.kiln.DeviceType;
import io.kiln.ExecutionPlan;
import io.kiln.KernelCompilationException;
import io.kiln.KilnRuntime;
import io.kiln.Parallel;
import io.kiln.Reduce;
import io.kiln.TaskGraph;
import io.kiln.Transfer;
import io.kiln.frontend.FrontEnd;
import io.kiln.ir.KernelIR;
import io.kiln.runtime.FakeBackend.ReadsWrites;
import io.kiln.spi.Capability;
import io.kiln.spi.CompiledKernel;
import io.kiln.spi.DeviceRuntime;
import io.kiln.spi.DeviceSession;
import org.junit.jupiter.api.Test;

import java.lang.ref.WeakReference;
import java.lang.reflect.Method;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Capabilities, the bounded kernel cache, runtime contexts and class unloading. */
class CapabilityAndCacheTest {

    static void inc1(@ReadsWrites int[] v) {
        v[0] += 1;
    }

    static void inc2(@ReadsWrites int[] v) {
        v[0] += 2;
    }

    static void inc3(@ReadsWrites int[] v) {
        v[0] += 3;
    }

    static void sum(float[] x, @Reduce float[] total) {
        for (@Parallel int i = 0; i < x.length; i++) {
            total[0] += x[i];
        }
    }

    static DeviceRuntime bare(Backend backend, boolean reductions) {
        Device d = new Device("bare:0", backend, DeviceType.OTHER, "bare", "tests", 1, 1);
        return new DeviceRuntime() {
            public Device device() {
                return d;
            }

            public CompiledKernel compile(KernelIR ir) {
                throw new UnsupportedOperationException();
            }

            public boolean supportsReductions() {
                return reductions;
            }

            public DeviceSession openSession() {
                throw new UnsupportedOperationException();
            }
        };
    }

    @Test
    void defaultCapabilitiesFollowWhatOlderBackEndsDeclare() {
        assertEquals(EnumSet.of(Capability.ATOMICS, Capability.REDUCTIONS, Capability.OWN_MEMORY), bare(Backend.OPENCL, true).capabilities());
        assertEquals(EnumSet.of(Capability.ATOMICS, Capability.OWN_MEMORY), bare(Backend.CUDA, false).capabilities());
        assertEquals(EnumSet.of(Capability.ATOMICS, Capability.REDUCTIONS), bare(Backend.CPU, true).capabilities());
    }

    @Test
    void reductionsNeedTheCapability() {
        for (boolean has : new boolean[] {false, true}) {
            Set<Capability> caps = has ? EnumSet.of(Capability.REDUCTIONS, Capability.ATOMICS, Capability.OWN_MEMORY)
                    : EnumSet.of(Capability.ATOMICS, Capability.OWN_MEMORY);
            FakeBackend fake = new FakeBackend("fake:0", caps);
            try (RuntimeContext ctx = RuntimeContext.create(List.of(fake), m -> {
                KernelIR ir = FrontEnd.compile(m);
                FakeBackend.register(ir, m);
                return ir;
            }, 8)) {
                float[] x = {1, 2, 3.5f, -0f}, total = {10};
                TaskGraph g = new TaskGraph("sum").task("sum", CapabilityAndCacheTest::sum, x, total).transferToHost(Transfer.EVERY_RUN, total);
                try (ExecutionPlan plan = g.plan(KilnRuntimeAccess.of(ctx), fake.runtime.device())) {
                    if (has) {
                        plan.run();
                        assertEquals(16.5f, total[0]);
                    } else {
                        KernelCompilationException e = assertThrows(KernelCompilationException.class, plan::run);
                        assertTrue(e.getMessage().contains("uses @Reduce"), e.getMessage());
                    }
                }
            }
        }
    }

    @Test
    void theCacheIsBoundedAndClosesEvictedKernelsWhenNoPlanHoldsThem() {
        FakeBackend fake = new FakeBackend();
        RuntimeContext ctx = fake.context(2);
        KilnRuntime kiln = KilnRuntimeAccess.of(ctx);
        int[] v = new int[1];
        ExecutionPlan p1 = new TaskGraph("1").task("t", CapabilityAndCacheTest::inc1, v).plan(kiln, fake.runtime.device());
        ExecutionPlan p2 = new TaskGraph("2").task("t", CapabilityAndCacheTest::inc2, v).plan(kiln, fake.runtime.device());
        p1.run();
        p2.run();
        assertEquals(2, kiln.kernelCount());
        p2.close();
        // A third kernel evicts the least recently used one (inc1), which p1 still holds: it stays open.
        try (ExecutionPlan p3 = new TaskGraph("3").task("t", CapabilityAndCacheTest::inc3, v).plan(kiln, fake.runtime.device())) {
            p3.run();
            assertEquals(2, kiln.kernelCount());
            FakeBackend.FakeKernel k1 = fake.runtime.built.get(0);
            assertEquals("inc1", k1.ir().methodName());
            assertFalse(k1.closed, "evicted while p1 holds it: not closed yet");
            p1.run();
            p1.close();
            assertTrue(k1.closed, "closed when its last plan closed");
            p3.transferToHost(v);
        }
        assertEquals(3, v[0], "each plan has its own device copy; p3's started from the host's 0");
        ctx.close();
        assertTrue(fake.runtime.built.stream().allMatch(k -> k.closed), "closing the runtime closes every kernel");
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> new TaskGraph("4").task("t", CapabilityAndCacheTest::inc1, v).plan(kiln, fake.runtime.device()));
        assertTrue(e.getMessage().contains("runtime is closed"), e.getMessage());
        assertThrows(UnsupportedOperationException.class, () -> KilnRuntime.shared().close());
        assertThrows(IllegalArgumentException.class, () -> KilnRuntime.create(0));
    }

    @Test
    void aKernelStaysCachedWhateverMethodObjectNamedIt() throws Exception {
        // Each TaskGraph resolves its own Method object; an entry must not depend on the one that built it.
        FakeBackend a = new FakeBackend("fake:0", EnumSet.of(Capability.ATOMICS, Capability.OWN_MEMORY));
        FakeBackend b = new FakeBackend("fake:1", EnumSet.of(Capability.ATOMICS, Capability.OWN_MEMORY));
        try (RuntimeContext ctx = RuntimeContext.create(List.of(a, b), FakeBackend::frontEnd, 8)) {
            KilnRuntime kiln = KilnRuntimeAccess.of(ctx);
            int[] v = new int[1];
            for (int round = 0; round < 3; round++) {
                for (FakeBackend f : List.of(a, b)) {
                    try (ExecutionPlan p = new TaskGraph("g").task("t", CapabilityAndCacheTest::inc1, v).plan(kiln, f.runtime.device())) {
                        p.run();
                    }
                }
                System.gc();
            }
            assertEquals(1, a.runtime.built.size(), "built once for fake:0");
            assertEquals(1, b.runtime.built.size(), "built once for fake:1");
            assertFalse(a.runtime.built.get(0).closed || b.runtime.built.get(0).closed);
            assertEquals(2, ctx.kernels().size());
        }
    }

    /** Loads {@link UnloadableKernels} itself (not from the parent) so that it can be collected. */
    static final class ThrowawayLoader extends ClassLoader {
        ThrowawayLoader() {
            super(CapabilityAndCacheTest.class.getClassLoader());
        }

        @Override
        protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            if (!name.equals(UnloadableKernels.class.getName())) return super.loadClass(name, resolve);
            synchronized (getClassLoadingLock(name)) {
                Class<?> c = findLoadedClass(name);
                if (c != null) return c;
                try (var in = getParent().getResourceAsStream(name.replace('.', '/') + ".class")) {
                    byte[] b = in.readAllBytes();
                    return defineClass(name, b, 0, b.length);
                } catch (java.io.IOException e) {
                    throw new ClassNotFoundException(name, e);
                }
            }
        }
    }

    @Test
    void aKernelClassFromAThrowawayLoaderIsCollectableAfterItsPlansClose() throws Exception {
        FakeBackend fake = new FakeBackend();
        RuntimeContext ctx = fake.context(16);
        WeakReference<ClassLoader> loader = runInThrowawayLoader(ctx, fake);
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (loader.get() != null && System.nanoTime() < deadline) {
            System.gc();
            byte[][] pressure = new byte[32][];
            for (int i = 0; i < pressure.length; i++) pressure[i] = new byte[1 << 20];
            Thread.sleep(50);
        }
        assertNull(loader.get(), "the kernel's class loader is still reachable after its plan was closed");
        assertEquals(1, fake.runtime.built.size());
        assertEquals(0, ctx.kernels().size(), "the entry of the collected class is dropped");
        assertTrue(fake.runtime.built.get(0).closed, "and its kernel closed");
        ctx.close();
    }

    @SuppressWarnings("unchecked")
    private static WeakReference<ClassLoader> runInThrowawayLoader(RuntimeContext ctx, FakeBackend fake) throws Exception {
        ThrowawayLoader l = new ThrowawayLoader();
        Class<?> c = Class.forName(UnloadableKernels.class.getName(), true, l);
        assertTrue(c.getClassLoader() == l);
        Method ref = c.getDeclaredMethod("reference");
        ref.setAccessible(true);
        var kernel = (io.kiln.KernelMethod.Of1<int[]>) ref.invoke(null);
        int[] v = {41};
        try (ExecutionPlan plan = new TaskGraph("unload").task("t", kernel, v).transferToHost(Transfer.EVERY_RUN, v)
                .plan(KilnRuntimeAccess.of(ctx), fake.runtime.device())) {
            plan.run();
        }
        assertEquals(42, v[0]);
        Method m = c.getDeclaredMethod("inc", int[].class);
        assertTrue(ctx.kernels().contains(m, "fake:0"));
        return new WeakReference<>(l);
    }
}
