package io.kiln.cuda;

import io.kiln.ir.KernelIR;
import io.kiln.ir.ParallelLoop;
import io.kiln.ptx.KernelSignature;
import io.kiln.ptx.PtxEmitter;
import io.kiln.ptx.PtxInterpreter;
import io.kiln.spi.LaunchGeometry;

import io.kiln.OffHeapArray;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * Runs a kernel the way {@code CudaSession} does (emit, launch configuration, argument packing,
 * copies in and out) with the {@link PtxInterpreter} standing in for the GPU.
 */
final class PtxRunner {
    private PtxRunner() {
    }

    /** Limits of the interpreter "device": a small default grid keeps unknown trip counts cheap. */
    static final LaunchConfig.Limits LIMITS = new LaunchConfig.Limits(1024, new int[] {1024, 1024, 64},
            new int[] {Integer.MAX_VALUE, 65535, 65535}, 512);

    /** The geometry the plan executor computes: trip counts for loop kernels, the grid for work-item kernels. */
    static LaunchGeometry geometry(KernelIR ir, Object[] args, long[] grid, long[] local) {
        return switch (ir.kind()) {
            case WORK_ITEM -> new LaunchGeometry(grid, local);
            case SINGLE -> new LaunchGeometry(new long[] {1}, null);
            case LOOP_PARALLEL -> {
                long[] sizes = new long[ir.parallelLoops().size()];
                for (ParallelLoop p : ir.parallelLoops()) {
                    sizes[p.dim()] = p.tripCount() == null ? -1 : Math.max(0, p.tripCount().evaluate(args));
                }
                yield new LaunchGeometry(sizes, local);
            }
        };
    }

    /** Runs {@code ir} on {@code args} (arrays are updated in place); returns the interpreter used. */
    static PtxInterpreter run(KernelIR ir, Object[] args, LaunchGeometry geometry) {
        return run(ir, PtxEmitter.emit(ir), args, geometry);
    }

    static PtxInterpreter run(KernelIR ir, String ptx, Object[] args, LaunchGeometry geometry) {
        PtxInterpreter in = new PtxInterpreter(ptx);
        LaunchConfig lc = LaunchConfig.of(ir, geometry, LIMITS);
        if (lc == null) return in;
        Map<Object, Long> pointers = new IdentityHashMap<>();
        for (Object a : args) {
            if (isData(a) && !pointers.containsKey(a)) {
                long p = in.memory().allocate("global", bytes(a));
                write(a, in.memory().bytes(p));
                pointers.put(a, p);
            }
        }
        long record = errorRecord(in);
        long prints = printBuffer(in, ir, geometry);
        long[] packed = KernelSignature.of(ir).pack(ir, args, pointers::get, geometry.sizes(), record, prints);
        in.stepLimit(2_000_000_000L);
        in.launch(lc.grid(), lc.block(), packed);
        for (Map.Entry<Object, Long> e : pointers.entrySet()) {
            read(in.memory().bytes(e.getValue()), e.getKey());
        }
        deliverPrints(in, ir, prints, geometry);
        RuntimeException failure = boundsFailure(ir, in, record, PtxInterpreterProvider.ID);
        if (failure != null) throw failure;
        return in;
    }

    /** A zeroed bounds-check error record in the interpreter's global memory ({@link io.kiln.frontend.BoundsChecks}). */
    static long errorRecord(PtxInterpreter in) {
        return in.memory().allocate("global", io.kiln.frontend.BoundsChecks.RECORD_INTS * 4);
    }

    /**
     * The print buffer of a kernel that prints ({@link io.kiln.spi.PrintBuffer}), allocated in the
     * interpreter's global memory with its header set as a session sets it, or 0.
     */
    static long printBuffer(PtxInterpreter in, KernelIR ir, LaunchGeometry geometry) {
        if (!io.kiln.spi.PrintBuffer.prints(ir)) return 0;
        int bytes = geometry.printing().bufferBytes();
        long p = in.memory().allocate("global", bytes);
        int[] header = io.kiln.spi.PrintBuffer.header(bytes);
        ByteBuffer b = in.memory().bytes(p);
        for (int k = 0; k < header.length; k++) b.putInt(4 * k, header[k]);
        return p;
    }

    /** Decodes the print buffer at {@code buffer} (0: none) after a launch and hands it to the geometry's sink. */
    static void deliverPrints(PtxInterpreter in, KernelIR ir, long buffer, LaunchGeometry geometry) {
        if (buffer == 0) return;
        ByteBuffer b = in.memory().bytes(buffer);
        int[] words = new int[geometry.printing().bufferBytes() / 4];
        for (int k = 0; k < words.length; k++) words[k] = b.getInt(4 * k);
        io.kiln.spi.PrintBuffer.deliver(ir, words, geometry.printing());
    }

    /** The exception the error record at {@code record} describes after a launch of {@code ir}, or {@code null}. */
    static RuntimeException boundsFailure(KernelIR ir, PtxInterpreter in, long record, String device) {
        ByteBuffer b = in.memory().bytes(record);
        int[] ints = new int[io.kiln.frontend.BoundsChecks.RECORD_INTS];
        for (int k = 0; k < ints.length; k++) ints[k] = b.getInt(k * 4);
        return io.kiln.frontend.BoundsChecks.failure(ir, ints, device);
    }

    /** Whether a launch argument is array data (a Java array or an off-heap array) that gets device memory. */
    static boolean isData(Object a) {
        return a != null && (a.getClass().isArray() || a instanceof OffHeapArray);
    }

    static int bytes(Object a) {
        if (a instanceof OffHeapArray o) {
            if (o.byteSize() > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("the PTX interpreter holds at most 2 GiB per array; " + o + " has " + o.byteSize() + " bytes");
            }
            return (int) o.byteSize();
        }
        return switch (a) {
            case byte[] x -> x.length;
            case short[] x -> 2 * x.length;
            case char[] x -> 2 * x.length;
            case int[] x -> 4 * x.length;
            case float[] x -> 4 * x.length;
            case long[] x -> 8 * x.length;
            case double[] x -> 8 * x.length;
            default -> throw new IllegalArgumentException("not a primitive array: " + a);
        };
    }

    static void write(Object a, ByteBuffer b) {
        if (a instanceof OffHeapArray o) {
            // Off-heap elements are in native order, the interpreter's memory little-endian: copy element-wise
            // only where they differ.
            copyBytes(o.segment(), MemorySegment.ofBuffer(b), o.byteSize(), o.elementType().bytes());
            return;
        }
        switch (a) {
            case byte[] x -> { for (int i = 0; i < x.length; i++) b.put(i, x[i]); }
            case short[] x -> { for (int i = 0; i < x.length; i++) b.putShort(2 * i, x[i]); }
            case char[] x -> { for (int i = 0; i < x.length; i++) b.putChar(2 * i, x[i]); }
            case int[] x -> { for (int i = 0; i < x.length; i++) b.putInt(4 * i, x[i]); }
            case float[] x -> { for (int i = 0; i < x.length; i++) b.putInt(4 * i, Float.floatToRawIntBits(x[i])); }
            case long[] x -> { for (int i = 0; i < x.length; i++) b.putLong(8 * i, x[i]); }
            case double[] x -> { for (int i = 0; i < x.length; i++) b.putLong(8 * i, Double.doubleToRawLongBits(x[i])); }
            default -> throw new IllegalArgumentException("not a primitive array: " + a);
        }
    }

    static void read(ByteBuffer b, Object a) {
        if (a instanceof OffHeapArray o) {
            copyBytes(MemorySegment.ofBuffer(b), o.segment(), o.byteSize(), o.elementType().bytes());
            return;
        }
        switch (a) {
            case byte[] x -> { for (int i = 0; i < x.length; i++) x[i] = b.get(i); }
            case short[] x -> { for (int i = 0; i < x.length; i++) x[i] = b.getShort(2 * i); }
            case char[] x -> { for (int i = 0; i < x.length; i++) x[i] = b.getChar(2 * i); }
            case int[] x -> { for (int i = 0; i < x.length; i++) x[i] = b.getInt(4 * i); }
            case float[] x -> { for (int i = 0; i < x.length; i++) x[i] = Float.intBitsToFloat(b.getInt(4 * i)); }
            case long[] x -> { for (int i = 0; i < x.length; i++) x[i] = b.getLong(8 * i); }
            case double[] x -> { for (int i = 0; i < x.length; i++) x[i] = Double.longBitsToDouble(b.getLong(8 * i)); }
            default -> throw new IllegalArgumentException("not a primitive array: " + a);
        }
    }

    /** Copies {@code bytes} from native-order {@code from} into little-endian {@code to} (or back), by element size. */
    private static void copyBytes(MemorySegment from, MemorySegment to, long bytes, int elementBytes) {
        if (ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN || elementBytes == 1) {
            MemorySegment.copy(from, 0, to, 0, bytes);
            return;
        }
        ValueLayout.OfByte unit = ValueLayout.JAVA_BYTE;
        for (long e = 0; e < bytes; e += elementBytes) {
            for (int k = 0; k < elementBytes; k++) {
                to.set(unit, e + k, from.get(unit, e + elementBytes - 1 - k));
            }
        }
    }
}
