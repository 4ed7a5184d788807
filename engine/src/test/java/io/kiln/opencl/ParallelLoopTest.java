package io.kiln.opencl;

import io.kiln.ir.Access;
import io.kiln.ir.ArrayRef;
import io.kiln.ir.BinOp;
import io.kiln.ir.CmpOp;
import io.kiln.ir.ElementType;
import io.kiln.ir.HostExpr;
import io.kiln.ir.Instr;
import io.kiln.ir.IrBuilder;
import io.kiln.ir.KernelIR;
import io.kiln.ir.KernelKind;
import io.kiln.ir.ScalarKind;
import io.kiln.ir.Type;
import io.kiln.ir.Var;
import io.kiln.spi.LaunchGeometry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static io.kiln.ir.IrBuilder.i;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Grid-stride {@code @Parallel} loops ({@code i = start + ParallelIndex; i < n; i += ParallelStride})
 * launched with trip counts 1, a prime, larger than a work-group, unknown (-1) and 0: every
 * iteration must run exactly once, whatever global size the back end picks.
 */
class ParallelLoopTest {

    /** {@code for (@Parallel int i = 0; i < n; i++) out[i] += 2 * in[i] + 1;} as the front end lowers it. */
    static KernelIR loop1d(boolean tripKnown) {
        IrBuilder b = new IrBuilder("io.kiln.opencl.TestKernels", tripKnown ? "loop1d" : "loop1dUnknown", KernelKind.LOOP_PARALLEL);
        Var n = b.scalar("n", ScalarKind.INT);
        ArrayRef in = b.array("in", ElementType.INT, Access.READ);
        ArrayRef out = b.array("out", ElementType.INT, Access.READ_WRITE);
        Var start = b.var(Type.I32, "start");
        Var idx = b.var(Type.I32, "i");
        b.move(start, i(0));
        Var first = b.var(Type.I32, "first");
        b.add(new Instr.ParallelIndex(first, 0, 0));
        b.add(new Instr.Binary(idx, BinOp.ADD, start, first, 0));
        IrBuilder.BlockBuilder header = b.block();
        IrBuilder.BlockBuilder body = b.block();
        IrBuilder.BlockBuilder exit = b.block();
        b.jump(header);
        b.at(header).branch(CmpOp.GE, idx, n, exit, body);
        b.at(body);
        Var v = b.binary(BinOp.ADD, b.binary(BinOp.MUL, b.load(in, idx), i(2)), i(1));
        b.store(out, idx, b.binary(BinOp.ADD, b.load(out, idx), v));
        Var stride = b.var(Type.I32, "stride");
        b.add(new Instr.ParallelStride(stride, 0, 0));
        b.add(new Instr.Binary(idx, BinOp.ADD, idx, stride, 0));
        b.jump(header);
        b.at(exit).ret();
        b.parallelLoop(0, idx, start, header, exit, tripKnown ? new HostExpr.Scalar(0) : null);
        return b.build();
    }

    @ParameterizedTest(name = "n={0} local={1} tripKnown={2}")
    @CsvSource({
            "1, 0, true",
            "7919, 0, true",        // a prime
            "7919, 64, true",       // rounded up to whole work-groups of 64
            "10000, 128, true",     // many work-groups
            "5000, 0, true",        // more than PoCL's maximum work-group size (4096)
            "100000, 0, false",     // unknown trip count: a default size, many strides per work-item
            "3, 0, false",
            "0, 0, true"})          // nothing to do: the launch is skipped
    void everyIterationRunsExactlyOnce(int n, int local, boolean tripKnown) {
        int[] in = new int[n + 5];
        int[] out = new int[n + 5];
        for (int k = 0; k < in.length; k++) {
            in[k] = k * 7 - 3;
            out[k] = 1_000_000 + k;
        }
        int[] want = out.clone();
        for (int k = 0; k < n; k++) want[k] += 2 * in[k] + 1;
        long trips = tripKnown ? n : -1;
        LaunchGeometry g = new LaunchGeometry(new long[] {trips}, local == 0 ? null : new long[] {local});
        ClTest.run(loop1d(tripKnown), g, n, in, out);
        assertArrayEquals(want, out, "each index below n updated exactly once, the tail untouched");
    }

    /** {@code for (@Parallel i < rows) for (@Parallel j < cols) out[i * cols + j] += 1 + 1000 * i + j;} */
    static KernelIR loop2d() {
        IrBuilder b = new IrBuilder("io.kiln.opencl.TestKernels", "loop2d", KernelKind.LOOP_PARALLEL);
        Var rows = b.scalar("rows", ScalarKind.INT);
        Var cols = b.scalar("cols", ScalarKind.INT);
        ArrayRef out = b.array("out", ElementType.INT, Access.READ_WRITE);
        Var s0 = b.var(Type.I32, "s0");
        Var iv = b.var(Type.I32, "i");
        Var s1 = b.var(Type.I32, "s1");
        Var jv = b.var(Type.I32, "j");
        b.move(s0, i(0));
        Var p0 = b.var(Type.I32, "p0");
        b.add(new Instr.ParallelIndex(p0, 0, 0));
        b.add(new Instr.Binary(iv, BinOp.ADD, s0, p0, 0));
        IrBuilder.BlockBuilder h0 = b.block();
        IrBuilder.BlockBuilder outerBody = b.block();
        IrBuilder.BlockBuilder h1 = b.block();
        IrBuilder.BlockBuilder innerBody = b.block();
        IrBuilder.BlockBuilder outerLatch = b.block();
        IrBuilder.BlockBuilder exit = b.block();
        b.jump(h0);
        b.at(h0).branch(CmpOp.GE, iv, rows, exit, outerBody);
        b.at(outerBody).move(s1, i(0));
        Var p1 = b.var(Type.I32, "p1");
        b.add(new Instr.ParallelIndex(p1, 1, 0));
        b.add(new Instr.Binary(jv, BinOp.ADD, s1, p1, 0));
        b.jump(h1);
        b.at(h1).branch(CmpOp.GE, jv, cols, outerLatch, innerBody);
        b.at(innerBody);
        Var at = b.binary(BinOp.ADD, b.binary(BinOp.MUL, iv, cols), jv);
        Var add = b.binary(BinOp.ADD, b.binary(BinOp.ADD, b.binary(BinOp.MUL, iv, i(1000)), jv), i(1));
        b.store(out, at, b.binary(BinOp.ADD, b.load(out, at), add));
        Var st1 = b.var(Type.I32, "st1");
        b.add(new Instr.ParallelStride(st1, 1, 0));
        b.add(new Instr.Binary(jv, BinOp.ADD, jv, st1, 0));
        b.jump(h1);
        b.at(outerLatch);
        Var st0 = b.var(Type.I32, "st0");
        b.add(new Instr.ParallelStride(st0, 0, 0));
        b.add(new Instr.Binary(iv, BinOp.ADD, iv, st0, 0));
        b.jump(h0);
        b.at(exit).ret();
        b.parallelLoop(0, iv, s0, h0, exit, new HostExpr.Scalar(0));
        b.parallelLoop(1, jv, s1, h1, outerLatch, new HostExpr.Scalar(1));
        return b.build();
    }

    @ParameterizedTest(name = "{0}x{1} sizes {2}x{3}")
    @CsvSource({"3, 5, 3, 5", "37, 1, 37, 1", "20, 50, 20, -1", "100, 60, -1, -1", "1, 1, 1, 1"})
    void twoDimensionalLoopNest(int rows, int cols, long size0, long size1) {
        int[] out = new int[rows * cols];
        ClTest.run(loop2d(), new LaunchGeometry(new long[] {size0, size1}, null), rows, cols, out);
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                assertEquals(1 + 1000 * r + c, out[r * cols + c], "element (" + r + ", " + c + ")");
            }
        }
    }

    @Test
    void ndRangeSizes() {
        // trip counts become global sizes; -1 becomes compute units * 64 (dim 0) or 16; rounded up to the local size,
        // which is fixed (64 work-items) when none is given, so that PoCL does not recompile per global size
        long[][] r = OpenClLaunches.ndRange(KernelKind.LOOP_PARALLEL, new long[] {7919}, null, 2, 4096);
        assertArrayEquals(new long[] {7936}, r[0]);
        assertArrayEquals(new long[] {64}, r[1]);
        assertArrayEquals(new long[] {4, 16}, OpenClLaunches.ndRange(KernelKind.LOOP_PARALLEL, new long[] {3, 5}, null, 2, 4096)[1]);
        assertArrayEquals(new long[] {4, 16}, OpenClLaunches.ndRange(KernelKind.LOOP_PARALLEL, new long[] {3, 5}, null, 2, 4096)[0]);
        assertNull(OpenClLaunches.ndRange(KernelKind.LOOP_PARALLEL, new long[] {7919}, null, 2, 32)[1], "small devices choose their own");
        assertArrayEquals(new long[] {7936}, OpenClLaunches.ndRange(KernelKind.LOOP_PARALLEL, new long[] {7919}, new long[] {64}, 2, 4096)[0]);
        assertArrayEquals(new long[] {128, 16}, OpenClLaunches.ndRange(KernelKind.LOOP_PARALLEL, new long[] {-1, -1}, null, 2, 4096)[0]);
        assertArrayEquals(new long[] {OpenClLaunches.MAX_PARALLEL_SIZE},
                OpenClLaunches.ndRange(KernelKind.LOOP_PARALLEL, new long[] {1L << 40}, null, 2, 4096)[0]);
        assertNull(OpenClLaunches.ndRange(KernelKind.LOOP_PARALLEL, new long[] {5, 0}, null, 2, 4096), "a zero trip count skips the launch");
        assertArrayEquals(new long[] {1}, OpenClLaunches.ndRange(KernelKind.SINGLE, new long[] {1}, null, 2, 4096)[0]);
        assertArrayEquals(new long[] {64, 8}, OpenClLaunches.ndRange(KernelKind.WORK_ITEM, new long[] {64, 8}, new long[] {16, 4}, 2, 4096)[0]);
        assertNull(OpenClLaunches.ndRange(KernelKind.WORK_ITEM, new long[] {0}, null, 2, 4096));
        // whole work-groups and one local size per dimension are launch rules the plan checks (LaunchRulesTest);
        // the device's largest work-group is the session's
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> OpenClLaunches.ndRange(KernelKind.WORK_ITEM, new long[] {8192}, new long[] {8192}, 2, 4096));
        assertTrue(e.getMessage().contains("at most 4096"), e.getMessage());
    }
}
