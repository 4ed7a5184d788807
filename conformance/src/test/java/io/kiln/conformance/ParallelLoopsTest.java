package io.kiln.conformance;

import io.kiln.Parallel;

import java.util.List;

import static io.kiln.conformance.Arg.in;
import static io.kiln.conformance.Arg.n;
import static io.kiln.conformance.Arg.out;
import static io.kiln.conformance.Arg.scalar;
import static io.kiln.conformance.Arg.size;
import static io.kiln.conformance.Gens.DOUBLE;
import static io.kiln.conformance.Gens.FLOAT;
import static io.kiln.conformance.Gens.INT;
import static io.kiln.conformance.KernelCase.k;

/** @Parallel loops: bounds from scalars and lengths, {@code <=}, non-zero starts, 2-D and 3-D nests. */
class ParallelLoopsTest extends ConformanceSuite {

    static final Gen<int[]> OFFSETS = Gens.intRange(-3, 40);

    static List<KernelCase> cases() {
        return List.of(
                k(ParallelLoopsTest::inclusiveBound, in(FLOAT), out(FLOAT), n()),
                k(ParallelLoopsTest::stencilFromOne, in(FLOAT), out(FLOAT), n()),
                k(ParallelLoopsTest::startFromScalar, in(INT), out(INT), scalar(OFFSETS), n()),
                k(ParallelLoopsTest::boundFromLocal, in(INT), out(INT), n()),
                k(ParallelLoopsTest::startFromExpression, in(INT), out(INT), n()),
                k(ParallelLoopsTest::innerStartFromOuter, in(FLOAT), out(FLOAT), size(Shape::x), size(Shape::y)).dims(2),
                k(ParallelLoopsTest::loopInsideCondition, in(FLOAT), out(FLOAT), scalar(Gens.BOOLEAN), n()),
                k(ParallelLoopsTest::codeBeforeLoop, in(DOUBLE), out(DOUBLE), n(), scalar(DOUBLE)),
                k(ParallelLoopsTest::matrixAdd, in(FLOAT), in(FLOAT), out(FLOAT), size(Shape::x), size(Shape::y)).dims(2),
                k(ParallelLoopsTest::transpose, in(INT), out(INT), size(Shape::x), size(Shape::y)).dims(2),
                k(ParallelLoopsTest::imperfectNest, in(FLOAT), in(FLOAT, Shape::x), out(FLOAT), size(Shape::x), size(Shape::y)).dims(2),
                k(ParallelLoopsTest::matmulK8, in(FLOAT, s -> s.x() * 8), in(FLOAT, s -> 8 * s.y()), out(FLOAT), size(Shape::x),
                        size(Shape::y)).dims(2),
                k(ParallelLoopsTest::boundsFromLengths, in(DOUBLE, Shape::x), in(DOUBLE, Shape::y), out(DOUBLE)).dims(2),
                k(ParallelLoopsTest::volume, in(FLOAT), out(FLOAT), size(Shape::x), size(Shape::y), size(Shape::z)).dims(3),
                k(ParallelLoopsTest::volumeIndices, out(INT), size(Shape::x), size(Shape::y), size(Shape::z)).dims(3));
    }

    static void inclusiveBound(float[] a, float[] out, int n) {
        for (@Parallel int i = 0; i <= n - 1; i++) {
            out[i] = a[i] * 2f + i;
        }
    }

    static void stencilFromOne(float[] a, float[] out, int n) {
        for (@Parallel int i = 1; i < n - 1; i++) {
            out[i] = (a[i - 1] + a[i] + a[i + 1]) / 3f;
        }
    }

    static void startFromScalar(int[] a, int[] out, int start, int n) {
        for (@Parallel int i = start; i < n; i++) {
            if (i >= 0) out[i] = a[i] + i - start;
        }
    }

    static void boundFromLocal(int[] a, int[] evens, int n) {
        int m = (n + 1) / 2;
        for (@Parallel int i = 0; i < m; i++) {
            evens[i] = a[2 * i];
        }
    }

    static void startFromExpression(int[] a, int[] tail, int n) {
        for (@Parallel int i = n - n / 3; i < a.length; i++) {
            tail[i] = a[i] * 3;
        }
    }

    static void innerStartFromOuter(float[] a, float[] out, int rows, int cols) {
        for (@Parallel int i = 0; i < rows; i++) {
            for (@Parallel int j = 1; j <= cols - 1; j++) {
                out[i * cols + j] = a[i * cols + j] - a[i * cols + j - 1];
            }
        }
    }

    static void loopInsideCondition(float[] a, float[] out, boolean enabled, int n) {
        if (enabled && n > 2) {
            for (@Parallel int i = 0; i < n; i++) {
                out[i] = a[i] * 0.5f;
            }
        }
    }

    static void codeBeforeLoop(double[] a, double[] out, int n, double s) {
        int half = n / 2;
        double k = s * 2 + half;
        double[] table = new double[4];
        table[1] = k;
        table[3] = -k;
        for (@Parallel int i = 0; i < n; i++) {
            out[i] = a[i] * k + table[i & 3] + (i < half ? 1 : -1);
        }
    }

    static void matrixAdd(float[] a, float[] b, float[] c, int rows, int cols) {
        for (@Parallel int i = 0; i < rows; i++) {
            for (@Parallel int j = 0; j < cols; j++) {
                c[i * cols + j] = a[i * cols + j] + b[i * cols + j] * j;
            }
        }
    }

    static void transpose(int[] a, int[] out, int rows, int cols) {
        for (@Parallel int i = 0; i < rows; i++) {
            for (@Parallel int j = 0; j < cols; j++) {
                out[j * rows + i] = a[i * cols + j];
            }
        }
    }

    static void imperfectNest(float[] a, float[] rowScale, float[] out, int rows, int cols) {
        for (@Parallel int i = 0; i < rows; i++) {
            float s = rowScale[i] * 0.5f;
            int base = i * cols;
            for (@Parallel int j = 0; j < cols; j++) {
                out[base + j] = a[base + j] * s - j;
            }
        }
    }

    static void matmulK8(float[] a, float[] b, float[] c, int rows, int cols) {
        for (@Parallel int i = 0; i < rows; i++) {
            for (@Parallel int j = 0; j < cols; j++) {
                float sum = 0f;
                for (int k = 0; k < 8; k++) {
                    sum += a[i * 8 + k] * b[k * cols + j];
                }
                c[i * cols + j] = sum;
            }
        }
    }

    static void boundsFromLengths(double[] x, double[] y, double[] outer) {
        for (@Parallel int i = 0; i < x.length; i++) {
            for (@Parallel int j = 0; j < y.length; j++) {
                outer[i * y.length + j] = x[i] * y[j] - x[i];
            }
        }
    }

    static void volume(float[] a, float[] out, int nx, int ny, int nz) {
        for (@Parallel int x = 0; x < nx; x++) {
            for (@Parallel int y = 0; y < ny; y++) {
                for (@Parallel int z = 0; z < nz; z++) {
                    int i = (x * ny + y) * nz + z;
                    float c = a[i];
                    float l = z > 0 ? a[i - 1] : c;
                    float u = y > 0 ? a[i - nz] : c;
                    float f = x > 0 ? a[i - ny * nz] : c;
                    out[i] = c * 4f - l - u - f;
                }
            }
        }
    }

    static void volumeIndices(int[] out, int nx, int ny, int nz) {
        for (@Parallel int x = 0; x < nx; x++) {
            for (@Parallel int y = 0; y < ny; y++) {
                for (@Parallel int z = 0; z < nz; z++) {
                    out[(x * ny + y) * nz + z] = x * 1_000_000 + y * 1000 + z;
                }
            }
        }
    }
}
