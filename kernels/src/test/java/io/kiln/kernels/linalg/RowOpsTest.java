package io.kiln.kernels.linalg;

import io.kiln.Device;
import io.kiln.Devices;
import io.kiln.KilnRuntime;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@link RowOps} through {@link Linalg} on every device Kiln finds (on {@code cpu} both the variants of
 * {@link CpuRowOps} and the references), against float64 references
 * written here: each output within one float ulp of the float64 value (the cpu variant of softmax: within
 * {@link VectorRowOps#SOFTMAX_ULPS}, its documented float bound), NaN exactly where the reference
 * has NaN. Rows include 1 and prime column counts, huge (1e30) and tiny (1e-30) magnitudes, constant
 * rows, NaN, +Inf and all -Inf.
 */
class RowOpsTest {
    private static final long SEED = 424_242;

    @TestFactory
    List<DynamicNode> rowOpsOnEveryDevice() {
        System.out.println("[rowops] seed " + SEED);
        Object[] bodies = new Object[8];
        String[] ops = {"softmax", "logSoftmax", "layerNorm", "rmsNorm"};
        for (int i = 0; i < ops.length; i++) {
            String op = ops[i];
            bodies[2 * i] = op;
            bodies[2 * i + 1] = (OnDevices.Body) t -> run(t.runtime(), t.device(), op, t.variants());
        }
        return OnDevices.tests(OnDevices.of(bodies));
    }

    /** A matrix whose rows exercise the edge cases; {@code rows >= 8}. */
    private static float[] input(SplittableRandom rnd, int rows, int cols) {
        float[] x = new float[rows * cols];
        for (int r = 0; r < rows; r++) {
            double scale = switch (r % 8) {
                case 1 -> 1e30;
                case 2 -> 1e-30;
                case 3 -> 30;
                default -> 1;
            };
            for (int j = 0; j < cols; j++) {
                x[r * cols + j] = (float) (rnd.nextDouble(-1, 1) * scale);
                if (r % 8 == 4) x[r * cols + j] = 7.25f;                                   // constant row
            }
            int j = rnd.nextInt(cols);
            if (r % 8 == 5) x[r * cols + j] = Float.NaN;
            if (r % 8 == 6) x[r * cols + j] = Float.POSITIVE_INFINITY;
            if (r % 8 == 7) {
                for (int q = 0; q < cols; q++) x[r * cols + q] = Float.NEGATIVE_INFINITY;
            }
        }
        return x;
    }

    private static void run(KilnRuntime rt, Device d, String op, boolean variant) {
        boolean slow = d.id().startsWith("ptx-interpreter");
        int[][] shapes = slow ? new int[][] {{8, 1}, {8, 13}} : new int[][] {{8, 1}, {16, 13}, {9, 257}, {40, 1000}};
        SplittableRandom rnd = new SplittableRandom(SEED + op.hashCode());
        try (Linalg la = Linalg.on(rt, d)) {
            for (int[] s : shapes) {
                int rows = s[0], cols = s[1];
                float[] x = input(rnd, rows, cols);
                float[] gamma = new float[cols], beta = new float[cols];
                for (int j = 0; j < cols; j++) {
                    gamma[j] = (float) rnd.nextDouble(0.5, 2);
                    beta[j] = (float) rnd.nextDouble(-1, 1);
                }
                float eps = 1e-5f;
                float[] y = new float[rows * cols];
                double[] ref = new double[rows * cols];
                for (int r = 0; r < rows; r++) {
                    reference(op, x, gamma, beta, eps, ref, r * cols, cols);
                }
                String name = switch (op) {
                    case "softmax" -> la.softmax(x, y, rows, cols).implementation();
                    case "logSoftmax" -> la.logSoftmax(x, y, rows, cols).implementation();
                    case "layerNorm" -> la.layerNorm(x, gamma, beta, y, rows, cols, eps).implementation();
                    default -> la.rmsNorm(x, gamma, y, rows, cols, eps).implementation();
                };
                assertEquals(variant ? "CpuRowOps." + op + " (Java variant)" : "RowOps." + op, name);
                int ulps = variant && op.equals("softmax") ? VectorRowOps.SOFTMAX_ULPS : 1;       // the documented bounds
                for (int i = 0; i < y.length; i++) {
                    double e = ref[i];
                    boolean ok = Double.isNaN(e) ? Float.isNaN(y[i])
                            : Math.abs(y[i] - e) <= ulps * (double) Math.ulp((float) e) + Float.MIN_VALUE || y[i] == (float) e;
                    if (!ok) {
                        fail(op + " " + rows + "x" + cols + " on " + d.id() + ": y[" + i / cols + "," + i % cols + "] = " + y[i]
                                + ", float64 gives " + e + " (x = " + x[i] + ", bound " + ulps + " ulps)");
                    }
                }
            }
        }
    }

    /** The float64 definition of each operation, on the row at {@code o}, into {@code out[o, o + n)} (CpuRowOpsTest uses it too). */
    static void reference(String op, float[] x, float[] g, float[] b, float eps, double[] out, int o, int n) {
        switch (op) {
            case "softmax", "logSoftmax" -> {
                double max = Double.NEGATIVE_INFINITY;
                boolean nan = false;
                for (int j = 0; j < n; j++) {
                    nan |= Float.isNaN(x[o + j]);
                    max = Math.max(max, x[o + j]);
                }
                double sum = 0;
                for (int j = 0; j < n; j++) sum += Math.exp(x[o + j] - max);
                for (int j = 0; j < n; j++) {
                    double v = op.equals("softmax") ? Math.exp(x[o + j] - max) / sum : x[o + j] - max - Math.log(sum);
                    out[o + j] = nan ? Double.NaN : v;
                }
            }
            case "layerNorm" -> {
                double mean = 0;
                for (int j = 0; j < n; j++) mean += x[o + j];
                mean /= n;
                double var = 0;
                for (int j = 0; j < n; j++) var += (x[o + j] - mean) * (x[o + j] - mean);
                var /= n;
                for (int j = 0; j < n; j++) out[o + j] = (x[o + j] - mean) / Math.sqrt(var + eps) * g[j] + b[j];
            }
            default -> {
                double ms = 0;
                for (int j = 0; j < n; j++) ms += (double) x[o + j] * x[o + j];
                ms /= n;
                for (int j = 0; j < n; j++) out[o + j] = x[o + j] / Math.sqrt(ms + eps) * g[j];
            }
        }
    }
}
