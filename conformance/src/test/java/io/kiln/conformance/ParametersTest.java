package io.kiln.conformance;

import io.kiln.Parallel;

import java.util.List;

import static io.kiln.conformance.Arg.in;
import static io.kiln.conformance.Arg.inout;
import static io.kiln.conformance.Arg.n;
import static io.kiln.conformance.Arg.out;
import static io.kiln.conformance.Arg.scalar;
import static io.kiln.conformance.Gens.BOOLEAN;
import static io.kiln.conformance.Gens.BYTE;
import static io.kiln.conformance.Gens.CHAR;
import static io.kiln.conformance.Gens.DOUBLE;
import static io.kiln.conformance.Gens.FLOAT;
import static io.kiln.conformance.Gens.INT;
import static io.kiln.conformance.Gens.LONG;
import static io.kiln.conformance.Gens.SHORT;
import static io.kiln.conformance.KernelCase.k;

/** Passing arguments: every scalar kind, every array kind, many parameters, lengths of several arrays. */
class ParametersTest extends ConformanceSuite {

    static List<KernelCase> cases() {
        return List.of(
                k(ParametersTest::everyScalarKind, out(LONG), out(DOUBLE), scalar(BYTE), scalar(SHORT), scalar(CHAR), scalar(INT),
                        scalar(LONG), scalar(FLOAT), scalar(DOUBLE), scalar(BOOLEAN)),
                k(ParametersTest::everyArrayKind, in(FLOAT), in(DOUBLE), in(INT), in(LONG), in(SHORT), in(BYTE), out(DOUBLE),
                        inout(INT), n()),
                k(ParametersTest::fifteenParameters, in(FLOAT), in(FLOAT), in(INT), in(INT), in(LONG), in(DOUBLE), out(FLOAT),
                        out(INT), out(LONG), out(DOUBLE), scalar(FLOAT), scalar(INT), scalar(LONG), scalar(DOUBLE), n()),
                k(ParametersTest::differentLengths, in(FLOAT, s -> s.total() / 2), in(INT, s -> s.total() * 2 + 3), out(FLOAT),
                        out(INT, s -> 5)));
    }

    static void everyScalarKind(long[] l, double[] d, byte b, short s, char c, int i, long j, float f, double g, boolean z) {
        for (@Parallel int k = 0; k < l.length; k++) {
            l[k] = b + s * 3L + c * 7L + i * 11L + j + (z ? k : -k);
            d[k] = f * (double) k + g + (z ? b : c);
        }
    }

    static void everyArrayKind(float[] f, double[] d, int[] i, long[] l, short[] s, byte[] b, double[] out, int[] acc, int n) {
        for (@Parallel int k = 0; k < n; k++) {
            out[k] = f[k] + d[k] + i[k] + l[k] + s[k] + b[k];
            acc[k] += f.length + d.length + i.length + l.length + s.length + b.length + out.length;
        }
    }

    static void fifteenParameters(float[] a, float[] b, int[] c, int[] d, long[] e, double[] f, float[] o1, int[] o2, long[] o3,
                                  double[] o4, float s1, int s2, long s3, double s4, int n) {
        for (@Parallel int i = 0; i < n; i++) {
            o1[i] = a[i] * s1 + b[i];
            o2[i] = c[i] * s2 - d[i];
            o3[i] = e[i] * s3 + c[i];
            o4[i] = f[i] * s4 - a[i];
        }
    }

    static void differentLengths(float[] half, int[] twice, float[] out, int[] lengths) {
        for (@Parallel int i = 0; i < out.length; i++) {
            out[i] = i < half.length ? half[i] : twice[2 * i + 1];
            if (i < lengths.length) {
                lengths[i] = i == 0 ? half.length : i == 1 ? twice.length : i == 2 ? out.length : lengths.length;
            }
        }
    }
}
