package io.kiln;

/**
 * The first parameter of a work-item kernel: each work-item asks it for its ids. Inside a kernel the
 * calls compile to the device's own work-item functions; the launch size comes from
 * {@link ExecutionPlan#withGrid(String, Grid)}.
 * <pre>{@code
 * static void scale(KernelContext ctx, float[] x, float s) {
 *     int i = ctx.globalIdx();
 *     if (i < x.length) x[i] *= s;
 * }
 * graph.task("scale", Kernels::scale, new KernelContext(), x, 2f);
 * }</pre>
 * Outside a kernel a context reports the ids set with {@link #setGlobalId}, which lets plain Java
 * tests run a work-item kernel as a reference: loop over the ids and call the method.
 */
public final class KernelContext {
    private int gx;
    private int gy;
    private int gz;
    private int sx = 1;
    private int sy = 1;
    private int sz = 1;

    /** A context for passing to {@link TaskGraph#task}; its values matter only when run as plain Java. */
    public KernelContext() {
    }

    /** Sets the ids and sizes this context reports when the kernel runs as plain Java. */
    public KernelContext setGlobalId(int x, int y, int z, int sizeX, int sizeY, int sizeZ) {
        gx = x;
        gy = y;
        gz = z;
        sx = sizeX;
        sy = sizeY;
        sz = sizeZ;
        return this;
    }

    /** This work-item's global id in dimension 0. */
    public int globalIdx() {
        return gx;
    }

    /** This work-item's global id in dimension 1. */
    public int globalIdy() {
        return gy;
    }

    /** This work-item's global id in dimension 2. */
    public int globalIdz() {
        return gz;
    }

    /** The global size of dimension 0. */
    public int globalSizeX() {
        return sx;
    }

    /** The global size of dimension 1. */
    public int globalSizeY() {
        return sy;
    }

    /** The global size of dimension 2. */
    public int globalSizeZ() {
        return sz;
    }
}
