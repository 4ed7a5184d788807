package io.kiln.conformance;

import io.kiln.ByteArray;
import io.kiln.DoubleArray;
import io.kiln.FloatArray;
import io.kiln.IntArray;
import io.kiln.LongArray;
import io.kiln.OffHeapArray;
import io.kiln.ShortArray;
import io.kiln.ir.ArrayRef;
import io.kiln.ir.Block;
import io.kiln.ir.Conversion;
import io.kiln.ir.Instr;
import io.kiln.ir.KernelIR;
import io.kiln.ir.Param;
import io.kiln.ir.Reduction;
import io.kiln.ir.Storage;
import io.kiln.ir.Type;
import io.kiln.ir.Var;

import java.util.ArrayList;
import java.util.List;

/**
 * The same kernel with every array parameter off-heap: what the front end makes of a kernel written
 * with {@code FloatArray} instead of {@code float[]}. Only the storage of the parameters changes (the
 * IR allows {@code int} indices on off-heap arrays, and a bounds check compares them with the long
 * length); an {@code array.length}, which is {@code long}
 * off-heap, is narrowed back to the {@code int} the rest of the kernel expects. Running every
 * conformance kernel in this form checks each back end's off-heap loads, stores, atomics, reductions
 * and argument passing against the same Java results, without a second copy of the suite.
 */
public final class OffHeapVariant {
    private OffHeapVariant() {
    }

    /** {@code ir} with its array parameters off-heap. */
    public static KernelIR of(KernelIR ir) {
        List<ArrayRef> arrays = new ArrayList<>();
        for (ArrayRef a : ir.arrays()) {
            arrays.add(a.isParameter()
                    ? new ArrayRef(a.id(), a.element(), a.space(), a.length(), a.paramIndex(), a.name(), Storage.OFF_HEAP)
                    : a);
        }
        List<Var> vars = new ArrayList<>(ir.vars());
        List<Block> blocks = new ArrayList<>();
        for (Block b : ir.blocks()) {
            List<Instr> out = new ArrayList<>();
            for (Instr in : b.instrs()) {
                switch (in) {
                    case Instr.Load l -> out.add(new Instr.Load(l.dst(), arrays.get(l.array().id()), l.index(), l.line()));
                    case Instr.Store s -> out.add(new Instr.Store(arrays.get(s.array().id()), s.index(), s.value(), s.line()));
                    case Instr.Atomic a -> out.add(new Instr.Atomic(a.dst(), a.op(), arrays.get(a.array().id()), a.index(),
                            a.operand(), a.expected(), a.line()));
                    // a bounds check names its array too: left on-heap, the back ends would compare a long
                    // length as an int (PTX's setp refused it, the JVM refused the cpu kernel's class)
                    case Instr.CheckIndex c -> out.add(new Instr.CheckIndex(arrays.get(c.array().id()), c.index(), c.line()));
                    case Instr.ArrayLength l when arrays.get(l.array().id()).isOffHeap() -> {
                        Var wide = new Var(vars.size(), Type.I64, l.dst().name() + "_len");
                        vars.add(wide);
                        out.add(new Instr.ArrayLength(wide, arrays.get(l.array().id()), l.line()));
                        out.add(new Instr.Convert(l.dst(), Conversion.L2I, wide, l.line()));
                    }
                    default -> out.add(in);
                }
            }
            blocks.add(new Block(b.id(), out, b.terminator()));
        }
        List<Param> params = new ArrayList<>();
        for (Param p : ir.params()) {
            params.add(p instanceof Param.Array a ? new Param.Array(a.index(), a.name(), arrays.get(a.array().id()), a.access()) : p);
        }
        List<Reduction> reductions = new ArrayList<>();
        for (Reduction r : ir.reductions()) reductions.add(new Reduction(arrays.get(r.array().id()), r.op(), r.accumulator()));
        KernelIR offHeap = new KernelIR(ir.ownerClass(), ir.methodName() + "$offheap", ir.descriptor(), ir.kind(), params, vars,
                arrays, blocks, ir.parallelLoops(), ir.constants(), reductions);
        // the rewrite keeps the IR's contract (every instruction names the kernel's own ArrayRef); a
        // violation is a bug here, reported as such rather than as a back end's confusing error
        io.kiln.ir.IrVerifier.verify(offHeap);
        return offHeap;
    }

    /**
     * Runs {@code ir} (an off-heap form, from {@link #of}) on {@code device} through the back end's SPI
     * (build, copy in, launch, copy out) on off-heap copies of {@code args}, then copies the results back
     * into {@code args}. Returns the back end's {@link io.kiln.spi.CompiledKernel#source()} (for {@code cpu},
     * the listing).
     */
    public static String run(KernelIR ir, io.kiln.Device device, Object[] args, io.kiln.spi.LaunchGeometry geometry) {
        io.kiln.spi.DeviceRuntime runtime = io.kiln.runtime.Backends.get().runtime(device.id());
        if (runtime == null) throw new AssertionError("no runtime for " + device.id());
        Object[] off = new Object[args.length];
        for (int i = 0; i < args.length; i++) off[i] = toOffHeap(args[i]);
        try (io.kiln.spi.CompiledKernel kernel = runtime.compile(ir); io.kiln.spi.DeviceSession session = runtime.openSession()) {
            for (Object o : off) {
                if (o instanceof OffHeapArray && session.copiesData()) session.toDevice(o);
            }
            session.launch(kernel, off, geometry);
            session.finish();
            for (Object o : off) {
                if (o instanceof OffHeapArray && session.copiesData()) session.toHost(o);
            }
            for (int i = 0; i < args.length; i++) copyBack(off[i], args[i]);
            return kernel.source();
        } finally {
            closeAll(off);
        }
    }

    /** The launch of a {@code @Parallel} kernel {@code ir} on {@code args}: its loops' trip counts. */
    public static io.kiln.spi.LaunchGeometry loopGeometry(KernelIR ir, Object[] args) {
        long[] sizes = new long[ir.parallelLoops().size()];
        for (io.kiln.ir.ParallelLoop loop : ir.parallelLoops()) {
            sizes[loop.dim()] = loop.tripCount() == null ? -1 : Math.max(0, loop.tripCount().evaluate(args));
        }
        return new io.kiln.spi.LaunchGeometry(sizes, null);
    }

    /** An off-heap copy of a Java array argument; other arguments as they are. */
    public static Object toOffHeap(Object arg) {
        return switch (arg) {
            case float[] a -> FloatArray.of(a);
            case double[] a -> DoubleArray.of(a);
            case int[] a -> IntArray.of(a);
            case long[] a -> LongArray.of(a);
            case short[] a -> ShortArray.of(a);
            case byte[] a -> ByteArray.of(a);
            default -> arg;
        };
    }

    /** Copies an off-heap argument's contents back into the Java array it was made from. */
    public static void copyBack(Object offHeap, Object heap) {
        switch (offHeap) {
            case FloatArray a -> a.copyTo((float[]) heap);
            case DoubleArray a -> a.copyTo((double[]) heap);
            case IntArray a -> a.copyTo((int[]) heap);
            case LongArray a -> a.copyTo((long[]) heap);
            case ShortArray a -> a.copyTo((short[]) heap);
            case ByteArray a -> a.copyTo((byte[]) heap);
            default -> {
            }
        }
    }

    /** Closes every off-heap argument. */
    public static void closeAll(Object[] args) {
        for (Object o : args) {
            if (o instanceof OffHeapArray a) a.close();
        }
    }
}
