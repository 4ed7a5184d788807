package io.kiln.opencl;

import io.kiln.ir.Access;
import io.kiln.ir.ArrayRef;
import io.kiln.ir.Conversion;
import io.kiln.ir.ElementType;
import io.kiln.ir.Instr;
import io.kiln.ir.IrBuilder;
import io.kiln.ir.KernelIR;
import io.kiln.ir.KernelKind;
import io.kiln.ir.Type;
import io.kiln.ir.Var;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Every {@link Conversion} and bit cast, on the device versus the JVM, at NaN, infinities, signed
 * zeros, the saturation boundaries, rounding ties and random bit patterns.
 */
class ConversionTest {
    static final int N = 4096;

    private static ElementType of(Type t) {
        return switch (t) {
            case I32 -> ElementType.INT;
            case I64 -> ElementType.LONG;
            case F32 -> ElementType.FLOAT;
            case F64 -> ElementType.DOUBLE;
        };
    }

    /** A kernel applying every conversion from {@code from} to {@code in[i]}, one output array each, plus a bit cast. */
    private static KernelIR kernel(Type from, List<Conversion> convs) {
        IrBuilder b = new IrBuilder("io.kiln.opencl.TestKernels", "convert" + from, KernelKind.WORK_ITEM);
        b.context();
        ArrayRef in = b.array("in", of(from), Access.READ);
        ArrayRef[] outs = new ArrayRef[convs.size() + 1];
        for (int k = 0; k < convs.size(); k++) {
            outs[k] = b.array("out_" + convs.get(k).name().toLowerCase(), of(convs.get(k).to()), Access.WRITE);
        }
        Type castTo = switch (from) {
            case I32 -> Type.F32;
            case F32 -> Type.I32;
            case I64 -> Type.F64;
            case F64 -> Type.I64;
        };
        outs[convs.size()] = b.array("out_bits", of(castTo), Access.WRITE);
        Var i = b.guardedIndex(b.length(in));
        Var x = b.load(in, i);
        for (int k = 0; k < convs.size(); k++) {
            b.store(outs[k], i, b.convert(convs.get(k), x));
        }
        Var bits = b.var(castTo, "bits");
        b.add(new Instr.BitCast(bits, x, 0));
        b.store(outs[convs.size()], i, bits);
        b.ret();
        return b.build();
    }

    private static List<Conversion> from(Type t) {
        return Arrays.stream(Conversion.values()).filter(c -> c.from() == t).toList();
    }

    private static Object newArray(Type t, int n) {
        return switch (t) {
            case I32 -> new int[n];
            case I64 -> new long[n];
            case F32 -> new float[n];
            case F64 -> new double[n];
        };
    }

    /** Runs the kernel and compares every output with {@code javaConvert}, as raw bits except NaN payloads. */
    private static void check(Type from, Object input) {
        List<Conversion> convs = from(from);
        Object[] args = new Object[convs.size() + 3]; // the KernelContext, then the arrays
        args[1] = input;
        for (int k = 0; k < convs.size(); k++) {
            args[k + 2] = newArray(convs.get(k).to(), N);
        }
        Type castTo = from == Type.I32 ? Type.F32 : from == Type.F32 ? Type.I32 : from == Type.I64 ? Type.F64 : Type.I64;
        args[convs.size() + 2] = newArray(castTo, N);
        ClTest.runGrid(kernel(from, convs), N, args);
        Inputs.Mismatches bad = new Inputs.Mismatches();
        for (int i = 0; i < N; i++) {
            long x = bitsAt(input, i);
            for (int k = 0; k < convs.size(); k++) {
                Conversion c = convs.get(k);
                long want = javaConvert(c, input, i);
                long got = bitsAt(args[k + 2], i);
                if (want != got) bad.add(c + "(" + valueAt(input, i) + "): java " + valueOfBits(c.to(), want) + ", device " + valueOfBits(c.to(), got));
            }
            long gotBits = rawBitsAt(args[convs.size() + 2], i);
            long wantBits = switch (from) {
                case I32 -> x & 0xFFFF_FFFFL;
                case F32 -> Float.floatToRawIntBits(((float[]) input)[i]);
                case I64, F64 -> rawBitsAt(input, i);
            };
            if (from == Type.I32 || from == Type.I64) {
                // int bits -> float: compare as float bits, NaN payloads included where the device keeps them
                double f = from == Type.I32 ? Float.intBitsToFloat((int) wantBits) : Double.longBitsToDouble(wantBits);
                if (Double.isNaN(f)) continue;
            }
            if (from == Type.I32) gotBits &= 0xFFFF_FFFFL;
            if (wantBits != gotBits) bad.add("bitcast(" + valueAt(input, i) + "): java " + Long.toHexString(wantBits) + ", device " + Long.toHexString(gotBits));
        }
        assertEquals(0, bad.count(), bad::toString);
    }

    /** The Java result of {@code c} on {@code in[i]}, as comparable bits (NaNs canonical). */
    private static long javaConvert(Conversion c, Object in, int i) {
        return switch (c) {
            case I2L -> (long) ((int[]) in)[i];
            case I2F -> Float.floatToIntBits((float) ((int[]) in)[i]);
            case I2D -> Double.doubleToLongBits((double) ((int[]) in)[i]);
            case I2B -> (byte) ((int[]) in)[i];
            case I2C -> (char) ((int[]) in)[i];
            case I2S -> (short) ((int[]) in)[i];
            case L2I -> (int) ((long[]) in)[i];
            case L2F -> Float.floatToIntBits((float) ((long[]) in)[i]);
            case L2D -> Double.doubleToLongBits((double) ((long[]) in)[i]);
            case F2I -> (int) ((float[]) in)[i];
            case F2L -> (long) ((float[]) in)[i];
            case F2D -> Double.doubleToLongBits((double) ((float[]) in)[i]);
            case D2I -> (int) ((double[]) in)[i];
            case D2L -> (long) ((double[]) in)[i];
            case D2F -> Float.floatToIntBits((float) ((double[]) in)[i]);
        };
    }

    private static long bitsAt(Object a, int i) {
        return switch (a) {
            case int[] x -> x[i];
            case long[] x -> x[i];
            case float[] x -> Float.floatToIntBits(x[i]);
            case double[] x -> Double.doubleToLongBits(x[i]);
            default -> throw new IllegalArgumentException();
        };
    }

    private static long rawBitsAt(Object a, int i) {
        return switch (a) {
            case int[] x -> x[i];
            case long[] x -> x[i];
            case float[] x -> Float.floatToRawIntBits(x[i]);
            case double[] x -> Double.doubleToRawLongBits(x[i]);
            default -> throw new IllegalArgumentException();
        };
    }

    private static Object valueAt(Object a, int i) {
        return switch (a) {
            case int[] x -> x[i];
            case long[] x -> x[i];
            case float[] x -> x[i] + " (0x" + Integer.toHexString(Float.floatToRawIntBits(x[i])) + ")";
            case double[] x -> x[i];
            default -> throw new IllegalArgumentException();
        };
    }

    private static Object valueOfBits(Type t, long bits) {
        return switch (t) {
            case I32 -> (int) bits;
            case I64 -> bits;
            case F32 -> Float.intBitsToFloat((int) bits);
            case F64 -> Double.longBitsToDouble(bits);
        };
    }

    @Test
    void fromInt() {
        SplittableRandom r = new SplittableRandom(1);
        int[] in = new int[N];
        for (int i = 0; i < N; i++) {
            in[i] = i < Inputs.INT_EDGES.length ? Inputs.INT_EDGES[i]
                    : i < 200 ? (1 << 24) + i - 100 // around the float rounding boundary
                    : r.nextInt(3) == 0 ? r.nextInt(-70000, 70000) : r.nextInt();
        }
        check(Type.I32, in);
    }

    @Test
    void fromLong() {
        SplittableRandom r = new SplittableRandom(2);
        long[] in = new long[N];
        for (int i = 0; i < N; i++) {
            in[i] = i < Inputs.LONG_EDGES.length ? Inputs.LONG_EDGES[i]
                    : i < 300 ? (1L << 53) + i - 150 // ties and near-ties for double rounding
                    : i < 500 ? (1L << 24) * (i - 400) + (i % 3) // for float rounding
                    : r.nextLong() >> r.nextInt(64);
        }
        check(Type.I64, in);
    }

    @Test
    void fromFloat() {
        SplittableRandom r = new SplittableRandom(3);
        float[] in = new float[N];
        for (int i = 0; i < N; i++) {
            in[i] = i < Inputs.FLOAT_EDGES.length ? Inputs.FLOAT_EDGES[i]
                    : i < Inputs.FLOAT_EDGES.length * 2 ? -Inputs.FLOAT_EDGES[i - Inputs.FLOAT_EDGES.length]
                    : i < 400 ? Math.nextAfter(2147483648f, i % 2 == 0 ? 0 : Double.POSITIVE_INFINITY) * (i % 4 < 2 ? 1 : -1)
                    : Inputs.randomFloat(r);
        }
        check(Type.F32, in);
    }

    @Test
    void fromDouble() {
        SplittableRandom r = new SplittableRandom(4);
        double[] in = new double[N];
        for (int i = 0; i < N; i++) {
            in[i] = i < Inputs.DOUBLE_EDGES.length ? Inputs.DOUBLE_EDGES[i]
                    : i < Inputs.DOUBLE_EDGES.length * 2 ? -Inputs.DOUBLE_EDGES[i - Inputs.DOUBLE_EDGES.length]
                    : i < 400 ? Math.nextAfter(9.223372036854775807e18, i % 2 == 0 ? 0 : Double.POSITIVE_INFINITY) * (i % 4 < 2 ? 1 : -1)
                    : i < 600 ? (double) Float.MAX_VALUE + Math.ulp(Float.MAX_VALUE) * (i - 500) / 50.0
                    : Inputs.randomDouble(r);
        }
        check(Type.F64, in);
    }
}
