package io.kiln.frontend;

import io.kiln.KernelCompilationException;
import io.kiln.KernelCompiler;
import io.kiln.Target;
import io.kiln.ir.Access;
import io.kiln.ir.HostExpr;
import io.kiln.ir.KernelIR;
import io.kiln.ir.KernelKind;
import io.kiln.ir.Param;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Method;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FrontEndTest {

    static KernelIR ir(String name) {
        Method m = Arrays.stream(SampleKernels.class.getDeclaredMethods()).filter(x -> x.getName().equals(name)).findFirst().orElseThrow();
        return FrontEnd.compile(m);
    }

    @Test
    void printsEveryKernel() {
        for (String k : new String[] {"saxpy", "matmul", "branches", "helpers", "privateArray", "workItem", "switches",
                "postIncrement", "longsAndDoubles"}) {
            String text = KernelCompiler.emit(SampleKernels.class, k, Target.IR);
            System.out.println(text);
            assertTrue(text.startsWith("kernel SampleKernels." + k));
        }
    }

    @Test
    void saxpyGoldenIr() {
        String expected = """
                kernel SampleKernels.saxpy LOOP_PARALLEL(float %a, float[] @x READ, float[] @y READ_WRITE)
                  parallel dim 0: %i header b1 exit b2 trips (len(arg2) - 0)
                b0:
                  %i_start = 0
                  %t = parallel_index 0
                  %i = add.I32 %i_start, %t
                  goto b1
                b1:
                  %t_2 = length @y
                  if %i GE %t_2 goto b2 else b3
                b2:
                  return
                b3:
                  check @x[%i]
                  %t_3 = load @x[%i]
                  %t_4 = mul.F32 %a, %t_3
                  %t_5 = load @y[%i]
                  %t_6 = add.F32 %t_4, %t_5
                  store @y[%i] = %t_6
                  %t_7 = parallel_stride 0
                  %i = add.I32 %i, %t_7
                  goto b1
                """;
        // without source lines: LineNumberTableTest checks them
        assertEquals(expected, io.kiln.ir.IrPrinter.printWithoutLines(ir("saxpy")));
    }

    @Test
    void floatComparisonsFoldNaNIntoTheBranch() {
        String text = io.kiln.ir.IrPrinter.print(ir("branches"));
        // v < 1f compiles to fcmpg; ifge else: NaN must take the else branch, so the test is "unordered or >="
        assertTrue(text.contains("UGE 1.0f"), text);
        assertTrue(text.contains("ULE -1.0f"), text);
    }

    @Test
    void saxpyIsOneDimensionalWithTripCountFromLength() {
        KernelIR ir = ir("saxpy");
        assertEquals(KernelKind.LOOP_PARALLEL, ir.kind());
        assertEquals(1, ir.parallelLoops().size());
        HostExpr trips = ir.parallelLoops().get(0).tripCount();
        assertEquals(7, trips.evaluate(new Object[] {2f, new float[7], new float[7]}));
        Param.Array x = (Param.Array) ir.params().get(1);
        Param.Array y = (Param.Array) ir.params().get(2);
        assertEquals(Access.READ, x.access());
        assertEquals(Access.READ_WRITE, y.access());
    }

    @Test
    void matmulHasTwoDimensions() {
        KernelIR ir = ir("matmul");
        assertEquals(2, ir.parallelLoops().size());
        assertEquals(5, ir.parallelLoops().get(1).tripCount().evaluate(new Object[] {5, null, null, null}));
        assertEquals(Access.WRITE, ((Param.Array) ir.params().get(3)).access());
    }

    @Test
    void inclusiveBoundAndNonZeroStart() {
        KernelIR ir = ir("longsAndDoubles");
        assertEquals(9, ir.parallelLoops().get(0).tripCount().evaluate(new Object[] {new long[10], new double[10]}));
    }

    @Test
    void workItemKernel() {
        KernelIR ir = ir("workItem");
        assertEquals(KernelKind.WORK_ITEM, ir.kind());
        assertTrue(ir.parallelLoops().isEmpty());
    }

    @Test
    void rejectsAllocationWithLocation() {
        KernelCompilationException e = org.junit.jupiter.api.Assertions.assertThrows(KernelCompilationException.class,
                () -> KernelCompiler.emit(Bad.class, "allocates", Target.IR));
        assertTrue(e.getMessage().startsWith("Bad.allocates (FrontEndTest.java:"), e.getMessage());
        assertTrue(e.getMessage().contains("allocation of java.lang.StringBuilder is not supported in kernels"), e.getMessage());
    }

    static final class Bad {
        static void allocates(float[] x) {
            StringBuilder sb = new StringBuilder();
            x[0] = sb.length();
        }
    }

    static final class Groups {
        static void treeSum(io.kiln.KernelContext ctx, float[] in, float[] out) {
            float[] tile = ctx.localFloats(64);
            int lid = ctx.localIdx();
            tile[lid] = in[ctx.globalIdx()];
            ctx.barrier();
            for (int s = ctx.localSizeX() / 2; s > 0; s >>= 1) {
                if (lid < s) {
                    tile[lid] += tile[lid + s];
                }
                ctx.barrier();
            }
            if (lid == 0) {
                out[ctx.groupIdx()] = tile[0];
            }
        }

        static void divergentBarrier(io.kiln.KernelContext ctx, float[] x) {
            int i = ctx.globalIdx();
            if (x[i] > 0) {
                x[i] = 1;
            }
            if (i % 2 == 0) {
                ctx.barrier();
            }
        }

        /** javac gives {@code off}'s slot to {@code inclusive}: the loop stays uniform all the same. */
        static void slotReuse(io.kiln.KernelContext ctx, int[] buf) {
            int[] t = ctx.localInts(64);
            int lid = ctx.localIdx();
            t[lid] = buf[ctx.globalIdx()];
            ctx.barrier();
            for (int off = 1; off < 64; off <<= 1) {
                int v = lid >= off ? t[lid - off] : 0;
                ctx.barrier();
                t[lid] += v;
                ctx.barrier();
            }
            int inclusive = t[lid];
            buf[ctx.globalIdx()] = inclusive;
        }

        static void histogram(io.kiln.KernelContext ctx, int[] data, int[] bins) {
            int i = ctx.globalIdx();
            if (i < data.length) {
                ctx.atomicAdd(bins, data[i] & 255, 1);
            }
        }
    }

    @Test
    void uniformBarriersCompile() throws Exception {
        KernelIR ir = FrontEnd.compile(Groups.class.getDeclaredMethod("treeSum", io.kiln.KernelContext.class, float[].class, float[].class));
        String text = io.kiln.ir.IrPrinter.print(ir);
        assertTrue(text.contains("barrier"), text);
        assertTrue(text.contains("LOCAL float[64]"), text);
    }

    static final class GroupMisuse {
        static void localOfVariableSize(io.kiln.KernelContext ctx, int n, float[] x) {
            float[] tile = ctx.localFloats(n);
            x[ctx.globalIdx()] = tile[0];
        }

        static void atomicOnPrivate(io.kiln.KernelContext ctx, int[] x) {
            int[] mine = new int[4];
            ctx.atomicAdd(mine, 0, 1);
            x[ctx.globalIdx()] = mine[0];
        }
    }

    @Test
    void workGroupMisuseIsRefusedWithLineAndConstruct() {
        KernelCompilationException size = org.junit.jupiter.api.Assertions.assertThrows(KernelCompilationException.class,
                () -> FrontEnd.compile(GroupMisuse.class.getDeclaredMethod("localOfVariableSize", io.kiln.KernelContext.class, int.class, float[].class)));
        assertTrue(size.getMessage().startsWith("GroupMisuse.localOfVariableSize (FrontEndTest.java:"), size.getMessage());
        assertTrue(size.getMessage().contains("local array allocation with a non-constant length"), size.getMessage());
        KernelCompilationException priv = org.junit.jupiter.api.Assertions.assertThrows(KernelCompilationException.class,
                () -> FrontEnd.compile(GroupMisuse.class.getDeclaredMethod("atomicOnPrivate", io.kiln.KernelContext.class, int[].class)));
        assertTrue(priv.getMessage().startsWith("GroupMisuse.atomicOnPrivate (FrontEndTest.java:"), priv.getMessage());
        assertTrue(priv.getMessage().contains("atomics on private arrays are not supported"), priv.getMessage());
    }

    @Test
    void reusedLocalSlotsDoNotMakeUniformLoopsDivergent() throws Exception {
        KernelIR ir = FrontEnd.compile(Groups.class.getDeclaredMethod("slotReuse", io.kiln.KernelContext.class, int[].class));
        assertTrue(io.kiln.ir.IrPrinter.print(ir).contains("barrier"));
    }

    @Test
    void barrierUnderIdDependentControlFlowIsRefused() {
        KernelCompilationException e = org.junit.jupiter.api.Assertions.assertThrows(KernelCompilationException.class,
                () -> FrontEnd.compile(Groups.class.getDeclaredMethod("divergentBarrier", io.kiln.KernelContext.class, float[].class)));
        assertTrue(e.getMessage().startsWith("Groups.divergentBarrier (FrontEndTest.java:"), e.getMessage());
        assertTrue(e.getMessage().contains("barrier() under control flow that depends on the work-item id"), e.getMessage());
    }

    @Test
    void atomicsBecomeAtomicInstructions() throws Exception {
        KernelIR ir = FrontEnd.compile(Groups.class.getDeclaredMethod("histogram", io.kiln.KernelContext.class, int[].class, int[].class));
        assertTrue(io.kiln.ir.IrPrinter.print(ir).contains("atomic_add @bins"));
        assertEquals(Access.READ_WRITE, ((Param.Array) ir.params().get(2)).access());
    }

    static final class Reductions {
        static void sum(float[] x, @io.kiln.Reduce float[] total) {
            for (@io.kiln.Parallel int i = 0; i < x.length; i++) {
                total[0] += x[i];
            }
        }

        static void max(int[] x, @io.kiln.Reduce int[] best) {
            for (@io.kiln.Parallel int i = 0; i < x.length; i++) {
                best[0] = Math.max(best[0], x[i] * 2);
            }
        }

        static void leaks(float[] x, @io.kiln.Reduce float[] total) {
            for (@io.kiln.Parallel int i = 0; i < x.length; i++) {
                total[0] += x[i];
                x[i] = total[0];
            }
        }

        static void wrongIndex(float[] x, @io.kiln.Reduce float[] total) {
            for (@io.kiln.Parallel int i = 0; i < x.length; i++) {
                total[1] += x[i];
            }
        }
    }

    @Test
    void reductionsBecomePrivateAccumulators() throws Exception {
        KernelIR ir = FrontEnd.compile(Reductions.class.getDeclaredMethod("sum", float[].class, float[].class));
        assertEquals(1, ir.reductions().size());
        assertEquals(io.kiln.ir.ReduceOp.ADD, ir.reductions().get(0).op());
        assertEquals(Access.READ_WRITE, ((Param.Array) ir.params().get(1)).access());
        String text = io.kiln.ir.IrPrinter.print(ir);
        assertTrue(!text.contains("load @total") && !text.contains("store @total"), text);
        KernelIR max = FrontEnd.compile(Reductions.class.getDeclaredMethod("max", int[].class, int[].class));
        assertEquals(io.kiln.ir.ReduceOp.MAX, max.reductions().get(0).op());
    }

    @Test
    void reductionMisuseIsRefused() {
        KernelCompilationException leak = org.junit.jupiter.api.Assertions.assertThrows(KernelCompilationException.class,
                () -> FrontEnd.compile(Reductions.class.getDeclaredMethod("leaks", float[].class, float[].class)));
        assertTrue(leak.getMessage().contains("@Reduce"), leak.getMessage());
        KernelCompilationException idx = org.junit.jupiter.api.Assertions.assertThrows(KernelCompilationException.class,
                () -> FrontEnd.compile(Reductions.class.getDeclaredMethod("wrongIndex", float[].class, float[].class)));
        assertTrue(idx.getMessage().contains("only be accessed at index 0"), idx.getMessage());
        assertTrue(idx.getMessage().startsWith("Reductions.wrongIndex (FrontEndTest.java:"), idx.getMessage());
    }

    static final class Unknown {
        static void dataDependentBound(int[] x) {
            for (@io.kiln.Parallel int i = 0; i < x[0]; i++) {
                x[i + 1] = i;
            }
        }
    }

    @Test
    void dataDependentTripCountIsUnknownOnTheHost() throws Exception {
        KernelIR ir = FrontEnd.compile(Unknown.class.getDeclaredMethod("dataDependentBound", int[].class));
        assertNull(ir.parallelLoops().get(0).tripCount());
    }
}
