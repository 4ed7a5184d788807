package io.kiln.runtime;

import io.kiln.Device;
import io.kiln.ir.KernelIR;
import io.kiln.ir.Param;
import io.kiln.spi.DeviceRuntime;
import io.kiln.spi.DeviceSession;
import io.kiln.spi.LaunchGeometry;

import java.util.ArrayList;
import java.util.List;

/** What a task of a plan needs on every run, resolved once by {@link PlanExecutor}'s preparation. */
final class PreparedTask {
    final Device device;
    final DeviceRuntime runtime;
    final KernelCache.Lease lease;
    final KernelIR ir;
    final String fallbackReason;
    final DeviceSession session;
    final boolean copies;
    final String place;
    /** The number of {@link #place}. */
    int placeIdx;
    /** Per array parameter (in {@code ir.arrayParams()} order). */
    final int[] arraySlots;
    final boolean[] reads;
    final boolean[] writes;
    /** Off-heap array parameters, checked before every run. */
    final Param.Array[] offHeap;
    long compileNanos;
    /**
     * Derived from the bound arguments and grid, and reset with them ({@code null}: derive before the
     * next launch): the launch geometry, the arguments as the kernel takes them, the kernel that runs
     * (the one without the checks the host proves for these arguments, when it can) and whether it
     * has bounds checks. Runs with the same bindings reuse them as they are.
     */
    LaunchGeometry geometry;
    Object[] launchArgs;
    io.kiln.spi.CompiledKernel kernel;
    boolean checked;
    /** The implementation that runs ({@link Variants}). */
    Variants.Choice choice;
    /** For a variant with its own geometry ({@link Variants.Choice#ownGeometry()}): its IR, whose launch rules apply. */
    KernelIR launchIr;

    /** What runs: the kernel's name, or its variant's (see {@link Variants.Choice#name()}). */
    String implementation() {
        return lease.implementation();
    }

    PreparedTask(Device device, DeviceRuntime runtime, KernelCache.Lease lease, KernelIR ir, String fallbackReason,
             DeviceSession session, int[] argSlots) {
        this.device = device;
        this.runtime = runtime;
        this.lease = lease;
        this.ir = ir;
        this.fallbackReason = fallbackReason;
        this.session = session;
        this.copies = session.copiesData();
        this.place = copies ? device.id() : Residency.HOST;
        List<Param.Array> arrays = ir.arrayParams();
        arraySlots = new int[arrays.size()];
        reads = new boolean[arrays.size()];
        writes = new boolean[arrays.size()];
        List<Param.Array> off = new ArrayList<>();
        for (int i = 0; i < arrays.size(); i++) {
            Param.Array a = arrays.get(i);
            arraySlots[i] = argSlots[a.index()];
            // A kernel that neither reads nor writes an array still gets it; treat it as read.
            reads[i] = a.access().reads() || !a.access().writes();
            writes[i] = a.access().writes();
            if (a.array().isOffHeap()) off.add(a);
        }
        offHeap = off.toArray(new Param.Array[0]);
    }
}
