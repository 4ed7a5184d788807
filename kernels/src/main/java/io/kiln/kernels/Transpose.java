package io.kiln.kernels;

import io.kiln.KernelContext;

/** Matrix transpose through a tile in local memory, so that both the reads and the writes are contiguous. */
public final class Transpose {
    private Transpose() {
    }

    /** Tile edge: launch with {@code Grid.of(cols rounded up to TILE, rows rounded up to TILE).local(TILE, TILE)}. */
    public static final int TILE = 16;

    /** {@code out[c * rows + r] = in[r * cols + c]} for the row-major {@code rows x cols} matrix {@code in}. */
    public static void tiled(KernelContext ctx, float[] in, float[] out, int rows, int cols) {
        float[] tile = ctx.localFloats(TILE * (TILE + 1));
        int lx = ctx.localIdx();
        int ly = ctx.localIdy();
        int c = ctx.groupIdx() * TILE + lx;
        int r = ctx.groupIdy() * TILE + ly;
        if (r < rows && c < cols) {
            tile[ly * (TILE + 1) + lx] = in[r * cols + c];
        }
        ctx.barrier();
        int oc = ctx.groupIdy() * TILE + lx;
        int or = ctx.groupIdx() * TILE + ly;
        if (or < cols && oc < rows) {
            out[or * rows + oc] = tile[lx * (TILE + 1) + ly];
        }
    }
}
