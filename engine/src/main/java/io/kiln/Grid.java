package io.kiln;

import java.util.Arrays;

/**
 * The launch size of a {@link KernelContext} kernel: 1 to 3 global sizes and, optionally, the
 * work-group (local) size. Immutable.
 * <pre>{@code plan.withGrid("blur", Grid.of(width, height).local(16, 16));}</pre>
 */
public final class Grid {
    private final long[] global;
    private final long[] local;

    private Grid(long[] global, long[] local) {
        this.global = global;
        this.local = local;
    }

    /** A 1-D grid of {@code nx} work-items. */
    public static Grid of(long nx) {
        return create(new long[] {nx});
    }

    /** A 2-D grid. */
    public static Grid of(long nx, long ny) {
        return create(new long[] {nx, ny});
    }

    /** A 3-D grid. */
    public static Grid of(long nx, long ny, long nz) {
        return create(new long[] {nx, ny, nz});
    }

    private static Grid create(long[] global) {
        for (int d = 0; d < global.length; d++) {
            if (global[d] < 0 || global[d] > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("grid size " + global[d] + " in dimension " + d
                        + " is out of range: use 0 to " + Integer.MAX_VALUE);
            }
        }
        return new Grid(global, null);
    }

    /**
     * {@code n} rounded up to a whole number of work-groups of {@code local} work-items: the global size
     * to launch when {@code n} items need work-groups of that size. The kernel then skips the extra
     * work-items; a kernel with barriers must still let them reach every barrier, so guard the work
     * ({@code if (i < n) { ... }}) rather than {@code return} early.
     * <pre>{@code plan.withGrid("scan", Grid.of(Grid.roundUp(n, 256)).local(256));}</pre>
     *
     * @throws IllegalArgumentException if {@code n} is negative, {@code local} is not positive, or the
     *                                  result exceeds {@link Integer#MAX_VALUE}
     */
    public static long roundUp(long n, long local) {
        if (n < 0) throw new IllegalArgumentException("Grid.roundUp: the size " + n + " is negative");
        if (local <= 0) throw new IllegalArgumentException("Grid.roundUp: the local size " + local + " must be positive");
        long up = (n + local - 1) / local * local;
        if (n > Long.MAX_VALUE - local || up > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("Grid.roundUp: " + n + " rounded up to a multiple of " + local
                    + " exceeds the largest grid size " + Integer.MAX_VALUE + ": split the work into several launches");
        }
        return up;
    }

    /**
     * A 1-D grid of at least {@code n} work-items in work-groups of {@code local}: the global size is
     * {@link #roundUp roundUp(n, local)}.
     */
    public static Grid covering(long n, long local) {
        return of(roundUp(n, local)).local(local);
    }

    /** This grid with work-groups of the given size; there must be one size per dimension. */
    public Grid local(long... sizes) {
        if (sizes.length != global.length) {
            throw new IllegalArgumentException("the grid has " + global.length + " dimension(s) but "
                    + sizes.length + " local size(s) were given: give one per dimension");
        }
        for (int d = 0; d < sizes.length; d++) {
            if (sizes[d] <= 0) {
                throw new IllegalArgumentException("local size " + sizes[d] + " in dimension " + d + " must be positive");
            }
        }
        return new Grid(global, sizes.clone());
    }

    /** Number of dimensions (1 to 3). */
    public int dimensions() {
        return global.length;
    }

    /** The global size of dimension {@code d}. */
    public long global(int d) {
        return global[d];
    }

    /** The global sizes. */
    public long[] globalSizes() {
        return global.clone();
    }

    /** The local sizes, or {@code null} when the device chooses. */
    public long[] localSizes() {
        return local == null ? null : local.clone();
    }

    @Override
    public String toString() {
        return "Grid" + Arrays.toString(global) + (local == null ? "" : " local " + Arrays.toString(local));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Grid g && Arrays.equals(global, g.global) && Arrays.equals(local, g.local);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(global) * 31 + Arrays.hashCode(local);
    }
}
