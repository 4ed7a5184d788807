package io.kiln.cuda;

import io.kiln.KilnException;
import io.kiln.ir.Block;
import io.kiln.ir.Instr;
import io.kiln.ir.KernelIR;
import io.kiln.ptx.PtxEmitter;
import io.kiln.spi.LaunchGeometry;

import java.util.Arrays;

/**
 * The CUDA grid and block of one launch, derived from the engine's {@link LaunchGeometry}.
 * <ul>
 *   <li>Loop-parallel kernels: each {@code @Parallel} loop's trip count becomes the thread count on
 *       its axis (the innermost loop on x), rounded up to whole blocks and capped at the device's grid
 *       limits: the kernel's grid-stride loops stay correct for any grid, so capping never loses
 *       iterations. An unknown trip count (-1) gets {@link Limits#defaultThreads} threads; a zero
 *       trip count means no launch at all.</li>
 *   <li>Work-item kernels: the grid covers the requested global size; the kernel receives the
 *       requested size and leaves the surplus threads of the last block idle. Kernels with barriers
 *       need whole work-groups: without a local size the block is the largest divisor of the global
 *       size up to the default; with one the global size must be a multiple of it.</li>
 *   <li>Single kernels: one thread.</li>
 * </ul>
 * The default block is 256 threads: 256 on x in 1-D, 32 x 8 in 2-D, 32 x 4 x 2 in 3-D; a side longer
 * than its size shrinks to the next power of two above it and the other sides grow to keep 256.
 *
 * @param grid  blocks per axis (x, y, z)
 * @param block threads per block per axis (x, y, z)
 */
public record LaunchConfig(int[] grid, int[] block) {

    /** The limits of a device that shape a launch. */
    public record Limits(int maxThreadsPerBlock, int[] maxBlock, int[] maxGrid, long defaultThreads) {
        /** Limits every CUDA device of compute capability 7.5 or newer meets. */
        public static Limits baseline() {
            return new Limits(1024, new int[] {1024, 1024, 64}, new int[] {Integer.MAX_VALUE, 65535, 65535}, 65536);
        }
    }

    /** Threads in the whole launch. */
    public long threads() {
        long n = 1;
        for (int d = 0; d < 3; d++) n *= (long) grid[d] * block[d];
        return n;
    }

    @Override
    public String toString() {
        return "grid " + Arrays.toString(grid) + " block " + Arrays.toString(block);
    }

    private static final int[][] DEFAULT_BLOCK = {{256, 1, 1}, {32, 8, 1}, {32, 4, 2}};

    /**
     * The launch for {@code ir} with {@code geometry}, or {@code null} when there is nothing to run
     * (a zero trip count or an empty grid).
     *
     * @throws KilnException if the requested sizes cannot be launched, saying what to change
     */
    public static LaunchConfig of(KernelIR ir, LaunchGeometry geometry, Limits limits) {
        return switch (ir.kind()) {
            case SINGLE -> new LaunchConfig(new int[] {1, 1, 1}, new int[] {1, 1, 1});
            case LOOP_PARALLEL -> loopParallel(ir, geometry, limits);
            case WORK_ITEM -> workItem(ir, geometry, limits);
        };
    }

    private static LaunchConfig loopParallel(KernelIR ir, LaunchGeometry g, Limits limits) {
        int dims = g.sizes().length;
        if (dims < 1 || dims > 3) {
            throw new KilnException(ir.displayName() + ": " + dims + " @Parallel loops; PTX kernels support 1 to 3");
        }
        long[] size = {1, 1, 1};
        long[] local = null;
        for (int d = 0; d < dims; d++) {
            int axis = PtxEmitter.axisOf(ir, d);
            long s = g.sizes()[d];
            if (s == 0) return null;
            size[axis] = s < 0 ? Math.max(1, dims == 1 ? limits.defaultThreads() : 256) : s;
        }
        if (g.local() != null) {
            local = new long[] {1, 1, 1};
            for (int d = 0; d < dims; d++) local[PtxEmitter.axisOf(ir, d)] = g.local()[d];
        }
        int[] block = local != null ? checkedBlock(ir, local, limits) : defaultBlock(dims, size, false);
        int[] grid = new int[3];
        for (int a = 0; a < 3; a++) {
            long blocks = ceilDiv(size[a], block[a]);
            long cap = a == 0 ? Math.min(limits.maxGrid()[0], Integer.MAX_VALUE / block[0]) : limits.maxGrid()[a];
            grid[a] = (int) Math.max(1, Math.min(blocks, cap));
        }
        return new LaunchConfig(grid, block);
    }

    private static LaunchConfig workItem(KernelIR ir, LaunchGeometry g, Limits limits) {
        int dims = g.sizes().length;
        if (dims < 1 || dims > 3) {
            throw new KilnException(ir.displayName() + ": a grid of " + dims + " dimensions; use 1 to 3");
        }
        long[] size = {1, 1, 1};
        for (int d = 0; d < dims; d++) {
            size[d] = g.sizes()[d];
            if (size[d] == 0) return null;
        }
        boolean barriers = ir.hasBarriers();
        int[] block;
        if (g.local() != null) {
            long[] local = {1, 1, 1};
            for (int d = 0; d < g.local().length && d < 3; d++) local[d] = g.local()[d];
            block = checkedBlock(ir, local, limits);
            // Plans check whole groups for every work-item kernel before a launch (LaunchRules); here the
            // rule is checked again where breaking it would hang the GPU: a partial block at a barrier.
            if (barriers) {
                LaunchGeometry.requireWholeGroups(ir.displayName(), java.util.Arrays.copyOf(size, dims),
                        java.util.Arrays.copyOf(new long[] {block[0], block[1], block[2]}, dims), true);
            }
        } else {
            block = defaultBlock(dims, size, barriers);
        }
        int[] grid = new int[3];
        for (int a = 0; a < 3; a++) {
            long blocks = ceilDiv(size[a], block[a]);
            if (blocks > limits.maxGrid()[a]) {
                throw new KilnException(ir.displayName() + ": the grid needs " + blocks + " blocks in dimension " + a
                        + ", more than the device's " + limits.maxGrid()[a] + "; use a larger local size or fewer work-items");
            }
            grid[a] = (int) blocks;
        }
        return new LaunchConfig(grid, block);
    }

    private static int[] defaultBlock(int dims, long[] size, boolean divisors) {
        int[] block = DEFAULT_BLOCK[dims - 1].clone();
        for (int a = 0; a < 3; a++) {
            if (divisors) {
                int b = block[a];
                while (size[a] % b != 0) b--;
                block[a] = b;
            } else if (size[a] < block[a]) {
                block[a] = size[a] <= 1 ? 1 : (int) Long.highestOneBit(size[a] - 1) << 1;
            }
        }
        if (!divisors) {
            // give the threads a small side does not need to the other sides, x first
            boolean grew = true;
            while (grew && block[0] * block[1] * block[2] < DEFAULT_THREADS) {
                grew = false;
                for (int a = 0; a < 3 && !grew; a++) {
                    if (block[a] < size[a] && block[a] * 2 <= MAX_DEFAULT_SIDE[a]) {
                        block[a] *= 2;
                        grew = true;
                    }
                }
            }
        }
        return block;
    }

    private static final int DEFAULT_THREADS = 256;
    private static final int[] MAX_DEFAULT_SIDE = {256, 256, 64};

    private static int[] checkedBlock(KernelIR ir, long[] local, Limits limits) {
        long total = 1;
        int[] block = new int[3];
        for (int a = 0; a < 3; a++) {
            if (local[a] < 1 || local[a] > limits.maxBlock()[a]) {
                throw new KilnException(ir.displayName() + ": local size " + local[a] + " in dimension " + a
                        + " is outside 1.." + limits.maxBlock()[a] + " on this device");
            }
            block[a] = (int) local[a];
            total *= local[a];
        }
        if (total > limits.maxThreadsPerBlock()) {
            throw new KilnException(ir.displayName() + ": a work-group of " + total + " work-items is larger than the device's "
                    + limits.maxThreadsPerBlock() + "; choose a smaller local size");
        }
        return block;
    }

    private static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }
}
