package io.kiln.cuda;

import io.kiln.ir.KernelIR;
import io.kiln.ptx.KernelSignature;
import io.kiln.ptx.PtxInterpreter;
import io.kiln.spi.LaunchGeometry;

import java.util.IdentityHashMap;
import java.util.Map;

/**
 * Test-only public entry point to the PTX interpreter for other modules' tests (the conformance
 * suite's interpreter device): runs one launch as {@link PtxRunner} does, that is as
 * {@code CudaSession} drives a GPU (same {@link LaunchConfig}, same {@link KernelSignature#pack}),
 * with {@link PtxInterpreter} standing in for the GPU.
 */
public final class InterpretedLaunch {
    private InterpretedLaunch() {
    }

    /** The interpreter device's launch limits (a small default grid keeps unknown trip counts cheap). */
    public static LaunchConfig.Limits limits() {
        return PtxRunner.LIMITS;
    }

    /**
     * Checks that the interpreter understands {@code ptx} (it parses exactly the subset the emitter
     * produces), without running anything.
     *
     * @throws IllegalStateException naming what the interpreter cannot parse
     */
    public static void parse(String ptx) {
        new PtxInterpreter(ptx);
    }

    /**
     * Runs {@code ptx} (emitted from {@code ir}) on {@code args}, the task's arguments in Java parameter
     * order; array arguments (Java or off-heap arrays) are copied into the interpreter's global memory and back into the same
     * arrays afterwards (one region per distinct array, so an array passed twice is one buffer).
     *
     * @param stepLimit fails the launch after this many executed instructions (a guard against
     *                  endless loops)
     * @return the number of PTX instructions executed
     * @throws IllegalStateException for anything the interpreter refuses or a memory fault
     * @throws io.kiln.KernelIndexOutOfBoundsException when a bounds check failed (the arrays are copied back first)
     */
    public static long run(KernelIR ir, String ptx, Object[] args, LaunchGeometry geometry, long stepLimit) {
        PtxInterpreter in = new PtxInterpreter(ptx);
        LaunchConfig lc = LaunchConfig.of(ir, geometry, PtxRunner.LIMITS);
        if (lc == null) return 0;
        Map<Object, Long> pointers = new IdentityHashMap<>();
        for (Object a : args) {
            if (PtxRunner.isData(a) && !pointers.containsKey(a)) {
                long p = in.memory().allocate("global", PtxRunner.bytes(a));
                PtxRunner.write(a, in.memory().bytes(p));
                pointers.put(a, p);
            }
        }
        long record = PtxRunner.errorRecord(in);
        long prints = PtxRunner.printBuffer(in, ir, geometry);
        long[] packed = KernelSignature.of(ir).pack(ir, args, pointers::get, geometry.sizes(), record, prints);
        in.stepLimit(stepLimit);
        in.launch(lc.grid(), lc.block(), packed);
        for (Map.Entry<Object, Long> e : pointers.entrySet()) {
            PtxRunner.read(in.memory().bytes(e.getValue()), e.getKey());
        }
        // like a device: the launch's results are in place, then the first out-of-bounds access is reported
        PtxRunner.deliverPrints(in, ir, prints, geometry);
        RuntimeException failure = PtxRunner.boundsFailure(ir, in, record, PtxInterpreterProvider.ID);
        if (failure != null) throw failure;
        return in.executed();
    }
}
