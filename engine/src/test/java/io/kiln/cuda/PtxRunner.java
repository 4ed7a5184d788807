package io.kiln.cuda;

import io.kiln.ir.KernelIR;
import io.kiln.ir.ParallelLoop;
import io.kiln.spi.LaunchGeometry;

import java.nio.ByteBuffer;
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
            if (a != null && a.getClass().isArray() && !pointers.containsKey(a)) {
                long p = in.memory().allocate("global", bytes(a));
                write(a, in.memory().bytes(p));
                pointers.put(a, p);
            }
        }
        long[] packed = KernelSignature.of(ir).pack(ir, args, pointers::get, geometry.sizes());
        in.stepLimit(2_000_000_000L);
        in.launch(lc.grid(), lc.block(), packed);
        for (Map.Entry<Object, Long> e : pointers.entrySet()) {
            read(in.memory().bytes(e.getValue()), e.getKey());
        }
        return in;
    }

    static int bytes(Object a) {
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
}
