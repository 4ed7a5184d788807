package io.kiln.conformance;

import io.kiln.KernelCompiler;
import io.kiln.Parallel;
import io.kiln.Target;
import io.kiln.frontend.FrontEnd;
import io.kiln.ir.Instr;
import io.kiln.ir.IrParser;
import io.kiln.ir.IrPrinter;
import io.kiln.ir.KernelIR;
import io.kiln.ir.MathFunction;
import io.kiln.ir.Terminator;
import io.kiln.ir.Type;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Method;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static io.kiln.conformance.Arg.in;
import static io.kiln.conformance.Arg.out;
import static io.kiln.conformance.Gens.DOUBLE;
import static io.kiln.conformance.Gens.FLOAT;
import static io.kiln.conformance.Gens.INT;
import static io.kiln.conformance.Gens.LONG;
import static io.kiln.conformance.KernelCase.k;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code Math.min}/{@code Math.max} and {@code StrictMath}'s, of all four types, compile to the IR's
 * {@link MathFunction#MIN}/{@link MathFunction#MAX} (no longer inlined from the JDK as branches) and
 * keep Java's rule on every device, bit for bit: the harness crosses every edge value of both operands
 * (NaN with both signs and a signalling payload, +-0, +-Inf, MIN_VALUE, MAX_VALUE, subnormals, ...)
 * before the random elements, with a printed seed. The clip kernels mix constants in, the form a
 * clip takes in user code. The plain tests check the compiled forms: the IR, its round trip through
 * the parser, and that no back end uses an instruction with the wrong NaN rule.
 */
class MinMaxTest extends ConformanceSuite {

    /**
     * 4096 elements hold the whole cross product of two operands' edge values (at most 46 x 46), then
     * random values; the 100,003 run adds random pairs and more than one work-group. (Empty and odd
     * sizes are the other suites' business, and each size costs a PoCL compile.)
     */
    static final Shape[] SHAPES = {Shape.of(4096), Shape.of(100_003)};

    static List<KernelCase> cases() {
        return List.of(
                k(MinMaxTest::floats, in(FLOAT), in(FLOAT), out(FLOAT), out(FLOAT), out(FLOAT), out(FLOAT), out(FLOAT)).shapes(SHAPES),
                k(MinMaxTest::doubles, in(DOUBLE), in(DOUBLE), out(DOUBLE), out(DOUBLE), out(DOUBLE), out(DOUBLE), out(DOUBLE)).shapes(SHAPES),
                k(MinMaxTest::ints, in(INT), in(INT), out(INT), out(INT), out(INT), out(INT), out(INT)).shapes(SHAPES),
                k(MinMaxTest::longs, in(LONG), in(LONG), out(LONG), out(LONG), out(LONG), out(LONG), out(LONG)).shapes(SHAPES));
    }

    static void floats(float[] a, float[] b, float[] min, float[] max, float[] strictMin, float[] strictMax, float[] clip) {
        for (@Parallel int i = 0; i < a.length; i++) {
            min[i] = Math.min(a[i], b[i]);
            max[i] = Math.max(a[i], b[i]);
            strictMin[i] = StrictMath.min(b[i], a[i]);
            strictMax[i] = StrictMath.max(b[i], a[i]);
            clip[i] = Math.max(-0f, Math.min(a[i], 1f)) + Math.min(Math.max(b[i], -0.5f), 0f);
        }
    }

    static void doubles(double[] a, double[] b, double[] min, double[] max, double[] strictMin, double[] strictMax, double[] clip) {
        for (@Parallel int i = 0; i < a.length; i++) {
            min[i] = Math.min(a[i], b[i]);
            max[i] = Math.max(a[i], b[i]);
            strictMin[i] = StrictMath.min(b[i], a[i]);
            strictMax[i] = StrictMath.max(b[i], a[i]);
            clip[i] = Math.max(-0d, Math.min(a[i], 1d)) + Math.min(Math.max(b[i], -0.5), 0d);
        }
    }

    static void ints(int[] a, int[] b, int[] min, int[] max, int[] strictMin, int[] strictMax, int[] clip) {
        for (@Parallel int i = 0; i < a.length; i++) {
            min[i] = Math.min(a[i], b[i]);
            max[i] = Math.max(a[i], b[i]);
            strictMin[i] = StrictMath.min(b[i], a[i]);
            strictMax[i] = StrictMath.max(b[i], a[i]);
            clip[i] = Math.max(-255, Math.min(a[i], 255)) ^ Math.min(Math.max(b[i], Integer.MIN_VALUE), -1);
        }
    }

    static void longs(long[] a, long[] b, long[] min, long[] max, long[] strictMin, long[] strictMax, long[] clip) {
        for (@Parallel int i = 0; i < a.length; i++) {
            min[i] = Math.min(a[i], b[i]);
            max[i] = Math.max(a[i], b[i]);
            strictMin[i] = StrictMath.min(b[i], a[i]);
            strictMax[i] = StrictMath.max(b[i], a[i]);
            clip[i] = Math.max(-1L << 40, Math.min(a[i], 1L << 40)) ^ Math.min(Math.max(b[i], Long.MIN_VALUE), -1L);
        }
    }

    private static Method kernel(String name) {
        for (Method m : MinMaxTest.class.getDeclaredMethods()) {
            if (m.getName().equals(name)) return m;
        }
        throw new AssertionError("no kernel " + name);
    }

    private static final Map<String, Type> KERNELS = Map.of("floats", Type.F32, "doubles", Type.F64, "ints", Type.I32, "longs", Type.I64);

    @Test
    void theFrontEndEmitsMinAndMaxCallsWithoutBranches() {
        for (var e : KERNELS.entrySet()) {
            KernelIR ir = FrontEnd.compile(kernel(e.getKey()));
            List<Instr.MathCall> calls = ir.blocks().stream().flatMap(b -> b.instrs().stream())
                    .filter(i -> i instanceof Instr.MathCall).map(i -> (Instr.MathCall) i).toList();
            // 4 plain calls and 4 in the clip expression
            assertEquals(4, calls.stream().filter(c -> c.fn() == MathFunction.MIN).count(), e.getKey() + ": " + calls);
            assertEquals(4, calls.stream().filter(c -> c.fn() == MathFunction.MAX).count(), e.getKey() + ": " + calls);
            for (Instr.MathCall c : calls) assertEquals(e.getValue(), c.dst().type(), e.getKey() + ": " + c);
            // the loop's header, body and exit only: an inlined JDK min/max would add branches of its own
            long branches = ir.blocks().stream().filter(b -> b.terminator() instanceof Terminator.Branch).count();
            assertEquals(1, branches, () -> e.getKey() + " has more branches than its loop:\n" + IrPrinter.print(ir));
            // the printer's names parse back to the same functions
            String text = IrPrinter.print(ir);
            assertEquals(text, IrPrinter.print(IrParser.parse(text)), e.getKey() + ": IR text round trip");
        }
    }

    @Test
    void noBackEndUsesAMinMaxInstructionWithTheWrongNaNRule() {
        for (var e : KERNELS.entrySet()) {
            Method m = kernel(e.getKey());
            boolean floating = e.getValue().isFloating();
            String c = KernelCompiler.emit(m, Target.OPENCL_C);
            assertFalse(c.matches("(?s).*\\bfm(in|ax)\\(.*"), () -> "fmin/fmax drop NaN operands:\n" + c);
            if (floating) {
                String suffix = e.getValue() == Type.F32 ? "_f32" : "_f64";
                assertTrue(c.contains("kiln_min" + suffix + "(") && c.contains("kiln_max" + suffix + "("), () -> c);
            }
            String ptx = KernelCompiler.emit(m, Target.PTX);
            assertFalse(ptx.matches("(?s).*\\b(min|max)(\\.ftz)?\\.f(32|64)\\b.*"), () -> "PTX min.f32/max.f32 drop NaN operands:\n" + ptx);
            String s = e.getValue() == Type.I64 ? "s64" : "s32";
            if (!floating) assertTrue(ptx.contains("min." + s) && ptx.contains("max." + s), () -> ptx);
            String jvm = KernelCompiler.emit(m, Target.JVM);
            String desc = switch (e.getValue()) {
                case I32 -> "(II)I";
                case I64 -> "(JJ)J";
                case F32 -> "(FF)F";
                case F64 -> "(DD)D";
            };
            String calls = jvm.lines().filter(l -> l.contains("java/lang/Math") || l.contains("Math.m")).collect(Collectors.joining("\n"));
            assertTrue(jvm.contains("min") && jvm.contains(desc), () -> "the cpu back end should call Math.min" + desc + " itself:\n" + calls + "\n" + jvm);
        }
    }
}
