package io.kiln.opencl;

import io.kiln.ByteArray;
import io.kiln.DoubleArray;
import io.kiln.FloatArray;
import io.kiln.IntArray;
import io.kiln.LongArray;
import io.kiln.OffHeapArray;
import io.kiln.ShortArray;
import io.kiln.ir.Access;
import io.kiln.ir.ElementType;
import io.kiln.ir.IrBuilder;
import io.kiln.ir.KernelIR;
import io.kiln.ir.KernelKind;
import io.kiln.ir.ScalarKind;
import io.kiln.spi.DeviceSession;
import io.kiln.spi.LaunchGeometry;
import io.kiln.testing.Seeds;
import org.jocl.CL;
import org.jocl.cl_device_id;
import org.jocl.cl_kernel;
import org.jocl.cl_program;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.Random;
import java.util.function.LongFunction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Off-heap arrays in an OpenCL session: every element type makes a bit-exact round trip to the device and
 * back, and a launch passes an off-heap parameter as (buffer, long length) beside a Java array's
 * (buffer, int length), checked with a hand-written OpenCL C kernel so that it does not depend on the emitter.
 */
class OffHeapSessionTest {
    static final long SEED = Seeds.seed("OffHeapSessionTest");

    /** Sizes: empty, one element, a prime, and several MiB of each type. */
    static final long[] SIZES = {0, 1, 4099, 3L * 1024 * 1024 + 7};

    static List<LongFunction<OffHeapArray>> allTypes() {
        return List.of(ByteArray::allocate, ShortArray::allocate, IntArray::allocate, LongArray::allocate,
                FloatArray::allocate, DoubleArray::allocate);
    }

    /** Random bits, with float or double edge values (NaN with a payload, ±0, ±Inf, MIN_VALUE, MAX_VALUE) in front. */
    static void fillRandom(OffHeapArray a, Random r) {
        MemorySegment s = a.segment();
        for (long off = 0; off + 8 <= s.byteSize(); off += 8) s.set(ValueLayout.JAVA_LONG_UNALIGNED, off, r.nextLong());
        for (long off = s.byteSize() & ~7L; off < s.byteSize(); off++) s.set(ValueLayout.JAVA_BYTE, off, (byte) r.nextInt());
        if (a instanceof FloatArray f) {
            float[] edge = {Float.intBitsToFloat(0x7fc0_1234), -0f, 0f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY,
                    Float.MIN_VALUE, -Float.MAX_VALUE};
            for (int k = 0; k < edge.length && k < f.length(); k++) f.set(k, edge[k]);
        } else if (a instanceof DoubleArray d) {
            double[] edge = {Double.longBitsToDouble(0x7ff8_0000_0000_1234L), -0d, 0d, Double.POSITIVE_INFINITY,
                    Double.NEGATIVE_INFINITY, Double.MIN_VALUE, -Double.MAX_VALUE};
            for (int k = 0; k < edge.length && k < d.length(); k++) d.set(k, edge[k]);
        } else if (a instanceof LongArray l && l.length() > 1) {
            l.set(0, Long.MIN_VALUE);
            l.set(1, Long.MAX_VALUE);
        } else if (a instanceof IntArray i && i.length() > 1) {
            i.set(0, Integer.MIN_VALUE);
            i.set(1, Integer.MAX_VALUE);
        }
    }

    @Test
    void everyTypeRoundTripsBitExactly() {
        OpenClDeviceRuntime device = ClTest.device();
        Random r = new Random(SEED);
        try (DeviceSession s = device.openSession(); Arena arena = Arena.ofConfined()) {
            for (LongFunction<OffHeapArray> make : allTypes()) {
                for (long n : SIZES) {
                    try (OffHeapArray a = make.apply(n)) {
                        fillRandom(a, r);
                        // the reference: an independent copy of the bytes, on the heap
                        MemorySegment expected = arena.allocate(Math.max(1, a.byteSize())).asSlice(0, a.byteSize());
                        expected.copyFrom(a.segment());
                        s.toDevice(a);
                        a.segment().fill((byte) 0x5a); // the host copy is overwritten: the data can only come back from the device
                        s.toHost(a);
                        assertEquals(-1, a.segment().mismatch(expected), a + " differs after the round trip at the byte shown");
                        s.release(a);
                    }
                }
            }
        }
    }

    @Test
    void aChangedArrayIsCopiedAgainAndOneSessionHoldsMany() {
        OpenClDeviceRuntime device = ClTest.device();
        try (DeviceSession s = device.openSession(); IntArray a = IntArray.allocate(1000); IntArray b = IntArray.allocate(1000)) {
            for (int k = 0; k < 1000; k++) {
                a.set(k, k);
                b.set(k, -k);
            }
            s.toDevice(a);
            s.toDevice(b);
            a.fill(7);
            s.toDevice(a); // the second copy replaces the device contents
            a.fill(0);
            b.fill(0);
            s.toHost(a);
            s.toHost(b);
            for (int k = 0; k < 1000; k++) {
                assertEquals(7, a.get(k));
                assertEquals(-k, b.get(k));
            }
            assertEquals(2, ((OpenClSession) s).bufferCount());
        }
    }

    /** {@code x[i] = x[i] * a + h[i % h_len]} over a grid, with {@code x} off-heap and {@code h} a Java array. */
    static final String MIXED = """
            #pragma OPENCL FP_CONTRACT OFF
            __kernel void mixed(__global float* x, long x_len, __global const int* h, int h_len, float a) {
                for (long i = get_global_id(0); i < x_len; i += get_global_size(0)) {
                    x[i] = x[i] * a + (float) h[i % h_len];
                }
            }
            """;

    /** The IR side of {@link #MIXED}: only its parameters matter to a launch. */
    static KernelIR mixedIr() {
        IrBuilder b = new IrBuilder("io.kiln.opencl.TestKernels", "mixed", KernelKind.WORK_ITEM);
        b.context();
        b.offHeapArray("x", ElementType.FLOAT, Access.READ_WRITE);
        b.array("h", ElementType.INT, Access.READ);
        b.scalar("a", ScalarKind.FLOAT);
        b.ret();
        return b.build();
    }

    /** Builds hand-written OpenCL C for {@code ir}'s parameters. */
    static OpenClCompiledKernel handWritten(OpenClDeviceRuntime device, KernelIR ir, String source, String name) {
        cl_program program = CL.clCreateProgramWithSource(device.context(), 1, new String[] {source}, null, null);
        OpenClResources.created(OpenClResources.Kind.PROGRAM);
        CL.clBuildProgram(program, 1, new cl_device_id[] {device.id()}, "", null, null);
        cl_kernel kernel = CL.clCreateKernel(program, name, null);
        OpenClResources.created(OpenClResources.Kind.KERNEL);
        return new OpenClCompiledKernel(device, ir, source, program, kernel);
    }

    @Test
    void launchPassesOffHeapParametersWithLongLengths() {
        OpenClDeviceRuntime device = ClTest.device();
        Random r = new Random(SEED + 1);
        KernelIR ir = mixedIr();
        for (int n : new int[] {1, 7919, 100_003}) {
            int[] h = new int[13];
            for (int k = 0; k < h.length; k++) h[k] = r.nextInt(2001) - 1000;
            try (OpenClCompiledKernel k = handWritten(device, ir, MIXED, "mixed"); DeviceSession s = device.openSession();
                 FloatArray x = FloatArray.allocate(n)) {
                float[] want = new float[n];
                for (int q = 0; q < n; q++) {
                    float v = r.nextFloat() * 100 - 50;
                    x.set(q, v);
                    want[q] = v * 1.5f + (float) h[q % h.length];
                }
                s.toDevice(x);
                s.toDevice(h);
                s.launch(k, new Object[] {null, x, h, 1.5f}, new LaunchGeometry(new long[] {256}, new long[] {64}));
                s.toHost(x);
                for (int q = 0; q < n; q++) {
                    assertEquals(Float.floatToIntBits(want[q]), Float.floatToIntBits(x.get(q)), "element " + q + " of " + n);
                }
            }
        }
    }

    @Test
    void misuseGivesClearMessages() {
        OpenClDeviceRuntime device = ClTest.device();
        KernelIR ir = mixedIr();
        try (OpenClCompiledKernel k = handWritten(device, ir, MIXED, "mixed"); DeviceSession s = device.openSession()) {
            FloatArray x = FloatArray.allocate(10);
            int[] h = new int[3];
            IllegalStateException never = assertThrows(IllegalStateException.class, () -> s.toHost(x));
            assertTrue(never.getMessage().contains("toDevice"), never.getMessage());
            s.toDevice(x);
            s.toDevice(h);
            // a Java array where the kernel was compiled for an off-heap one, and the other way round
            IllegalArgumentException heapForOffHeap = assertThrows(IllegalArgumentException.class,
                    () -> s.launch(k, new Object[] {null, new float[10], h, 1f}, new LaunchGeometry(new long[] {1}, null)));
            assertTrue(heapForOffHeap.getMessage().contains("'x' was compiled for a FloatArray"), heapForOffHeap.getMessage());
            IntArray hOff = IntArray.allocate(3);
            s.toDevice(hOff);
            IllegalArgumentException offHeapForHeap = assertThrows(IllegalArgumentException.class,
                    () -> s.launch(k, new Object[] {null, x, hOff, 1f}, new LaunchGeometry(new long[] {1}, null)));
            assertTrue(offHeapForHeap.getMessage().contains("'h' was compiled for a int[]"), offHeapForHeap.getMessage());
            IntArray wrongType = IntArray.allocate(10);
            s.toDevice(wrongType);
            IllegalArgumentException wrongElement = assertThrows(IllegalArgumentException.class,
                    () -> s.launch(k, new Object[] {null, wrongType, h, 1f}, new LaunchGeometry(new long[] {1}, null)));
            assertTrue(wrongElement.getMessage().contains("is a FloatArray, the argument a IntArray"), wrongElement.getMessage());
            // closed arrays: clear IllegalStateExceptions, never a read of freed memory
            x.close();
            x.close(); // idempotent
            // (a launch with a closed array is refused by the plan's launch rules before every run, see
            // LaunchRules; the session's launch reads only the device copy)
            for (Runnable use : List.<Runnable>of(() -> s.toDevice(x), () -> s.toHost(x))) {
                IllegalStateException closed = assertThrows(IllegalStateException.class, use::run);
                assertTrue(closed.getMessage().contains("FloatArray[10] is closed"), closed.getMessage());
            }
            // a read-only wrapped segment goes to the device but cannot be copied back into
            try (Arena arena = Arena.ofConfined()) {
                FloatArray ro = FloatArray.wrap(arena.allocate(16).asReadOnly());
                s.toDevice(ro);
                IllegalArgumentException readOnly = assertThrows(IllegalArgumentException.class, () -> s.toHost(ro));
                assertTrue(readOnly.getMessage().contains("read-only"), readOnly.getMessage());
            }
            hOff.close();
            wrongType.close();
        }
    }
}
