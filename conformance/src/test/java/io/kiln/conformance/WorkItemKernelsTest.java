package io.kiln.conformance;

import io.kiln.Grid;
import io.kiln.KernelContext;

import java.util.List;

import static io.kiln.conformance.Arg.ctx;
import static io.kiln.conformance.Arg.in;
import static io.kiln.conformance.Arg.n;
import static io.kiln.conformance.Arg.out;
import static io.kiln.conformance.Arg.scalar;
import static io.kiln.conformance.Arg.size;
import static io.kiln.conformance.Gens.DOUBLE;
import static io.kiln.conformance.Gens.FLOAT;
import static io.kiln.conformance.Gens.INT;
import static io.kiln.conformance.KernelCase.k;

/**
 * {@link KernelContext} kernels on 1-D, 2-D and 3-D grids, with grids larger than the data (bounds
 * checks), explicit work-group sizes, and grid-stride loops over grids smaller than the data.
 */
class WorkItemKernelsTest extends ConformanceSuite {

    static long roundUp(long n, long m) {
        return (n + m - 1) / m * m;
    }

    static List<KernelCase> cases() {
        return List.of(
                k(WorkItemKernelsTest::scale1D, ctx(), in(FLOAT), out(FLOAT), scalar(FLOAT), n())
                        .grid(s -> Grid.of(s.x())),
                k(WorkItemKernelsTest::boundsFromLength, ctx(), in(INT), out(INT))
                        .grid(s -> Grid.of(roundUp(s.x(), 64)).local(64)),
                k(WorkItemKernelsTest::unusedDimensions, ctx(), out(INT))
                        .grid(s -> Grid.of(s.x())),
                k(WorkItemKernelsTest::oversizedGrid, ctx(), in(DOUBLE), out(DOUBLE), n())
                        .grid(s -> Grid.of(s.x() + 37)),
                k(WorkItemKernelsTest::gridStride, ctx(), in(FLOAT), out(FLOAT), n())
                        .grid(s -> Grid.of(Math.min(s.x(), 256))),
                k(WorkItemKernelsTest::image2D, ctx(), in(FLOAT), out(FLOAT), size(Shape::x), size(Shape::y)).dims(2)
                        .grid(s -> Grid.of(roundUp(s.y(), 16), roundUp(s.x(), 8))),
                k(WorkItemKernelsTest::image2DWithLocal, ctx(), in(INT), out(INT), size(Shape::x), size(Shape::y)).dims(2)
                        .grid(s -> Grid.of(roundUp(s.y(), 8), roundUp(s.x(), 4)).local(8, 4)),
                k(WorkItemKernelsTest::volume3D, ctx(), in(FLOAT), out(FLOAT), size(Shape::x), size(Shape::y), size(Shape::z))
                        .dims(3).grid(s -> Grid.of(s.z(), s.y(), s.x())),
                k(WorkItemKernelsTest::ids3D, ctx(), out(INT), size(Shape::x), size(Shape::y), size(Shape::z)).dims(3)
                        .grid(s -> Grid.of(roundUp(s.z(), 4), roundUp(s.y(), 2), s.x())));
    }

    static void scale1D(KernelContext ctx, float[] a, float[] out, float s, int n) {
        int i = ctx.globalIdx();
        if (i < n) {
            out[i] = a[i] * s;
        }
    }

    static void boundsFromLength(KernelContext ctx, int[] a, int[] out) {
        int i = ctx.globalIdx();
        if (i >= a.length) return;
        out[i] = a[i] * 7 - ctx.globalSizeX();
    }

    static void unusedDimensions(KernelContext ctx, int[] out) {
        int i = ctx.globalIdx();
        out[i] = ctx.globalIdy() * 1000 + ctx.globalIdz() * 100 + ctx.globalSizeY() * 10 + ctx.globalSizeZ() + ctx.globalSizeX() * 10000;
    }

    static void oversizedGrid(KernelContext ctx, double[] a, double[] out, int n) {
        int i = ctx.globalIdx();
        if (i < n && i >= 0) {
            out[i] = a[i] + i;
        }
    }

    static void gridStride(KernelContext ctx, float[] a, float[] out, int n) {
        for (int i = ctx.globalIdx(); i < n; i += ctx.globalSizeX()) {
            out[i] = a[i] * a[i];
        }
    }

    static void image2D(KernelContext ctx, float[] in, float[] out, int height, int width) {
        int x = ctx.globalIdx();
        int y = ctx.globalIdy();
        if (x >= width || y >= height) return;
        int i = y * width + x;
        float left = x > 0 ? in[i - 1] : in[i];
        float up = y > 0 ? in[i - width] : in[i];
        out[i] = in[i] * 2f - left - up;
    }

    static void image2DWithLocal(KernelContext ctx, int[] in, int[] out, int height, int width) {
        int x = ctx.globalIdx();
        int y = ctx.globalIdy();
        if (x < width && y < height) {
            out[y * width + x] = in[(height - 1 - y) * width + x] + ctx.globalSizeY();
        }
    }

    static void volume3D(KernelContext ctx, float[] in, float[] out, int nx, int ny, int nz) {
        int z = ctx.globalIdx();
        int y = ctx.globalIdy();
        int x = ctx.globalIdz();
        if (x < nx && y < ny && z < nz) {
            int i = (x * ny + y) * nz + z;
            out[i] = in[i] + (z + 1 < nz ? in[i + 1] : 0f);
        }
    }

    static void ids3D(KernelContext ctx, int[] out, int nx, int ny, int nz) {
        int z = ctx.globalIdx();
        int y = ctx.globalIdy();
        int x = ctx.globalIdz();
        if (x < nx && y < ny && z < nz) {
            out[(x * ny + y) * nz + z] = x * 1_000_000 + y * 1000 + z + ctx.globalSizeZ() * 7 + ctx.globalSizeX();
        }
    }
}
