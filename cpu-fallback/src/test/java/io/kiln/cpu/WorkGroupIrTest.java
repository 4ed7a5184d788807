package io.kiln.cpu;

import io.kiln.KernelContext;
import io.kiln.KilnException;
import io.kiln.ir.Access;
import io.kiln.ir.AddressSpace;
import io.kiln.ir.ArrayRef;
import io.kiln.ir.AtomicOp;
import io.kiln.ir.BinOp;
import io.kiln.ir.CmpOp;
import io.kiln.ir.Const;
import io.kiln.ir.Conversion;
import io.kiln.ir.ElementType;
import io.kiln.ir.Instr;
import io.kiln.ir.IrBuilder;
import io.kiln.ir.KernelKind;
import io.kiln.ir.ScalarKind;
import io.kiln.ir.Type;
import io.kiln.ir.Var;
import io.kiln.ir.WorkItemQuery;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Work-group execution on hand-built IR: what the front end cannot express or would refuse. */
class WorkGroupIrTest {

    /**
     * A barrier inside a loop; variables of all four types and a reassigned scalar parameter live
     * across it; local memory read at a neighbour's index:
     * <pre>
     * lid = local id; gid = global id; size = local size; n = n + lid; accL = 0; accD = 0; accF = 0
     * for (k = 0; k < 3; k++) { local[lid] = gid + k; barrier; x = local[(lid + 1) % size];
     *                           accL += x; accD += x; accF += x; barrier }
     * outL[gid] = accL + n; outD[gid] = accD; outF[gid] = accF
     * </pre>
     */
    @Test
    void stateOfEveryTypeSurvivesBarriersInALoopAcrossChunks() {
        IrBuilder ir = new IrBuilder("test.Kernels", "loopBarrier", KernelKind.WORK_ITEM);
        ir.context();
        Var n = ir.scalar("n", ScalarKind.INT);
        ArrayRef outL = ir.array("outL", ElementType.LONG, Access.WRITE);
        ArrayRef outD = ir.array("outD", ElementType.DOUBLE, Access.WRITE);
        ArrayRef outF = ir.array("outF", ElementType.FLOAT, Access.WRITE);
        ArrayRef local = ir.localArray("local", ElementType.INT, 64);
        IrBuilder.BlockBuilder entry = ir.entry();
        IrBuilder.BlockBuilder header = ir.block();
        IrBuilder.BlockBuilder body = ir.block();
        IrBuilder.BlockBuilder exit = ir.block();
        Var lid = ir.var(Type.I32, "lid");
        Var gid = ir.var(Type.I32, "gid");
        Var size = ir.var(Type.I32, "size");
        Var accL = ir.var(Type.I64, "accL");
        Var accD = ir.var(Type.F64, "accD");
        Var accF = ir.var(Type.F32, "accF");
        Var k = ir.var(Type.I32, "k");
        entry.add(new Instr.WorkItem(lid, WorkItemQuery.LOCAL_ID, 0, 0));
        entry.add(new Instr.WorkItem(gid, WorkItemQuery.GLOBAL_ID, 0, 0));
        entry.add(new Instr.WorkItem(size, WorkItemQuery.LOCAL_SIZE, 0, 0));
        entry.add(new Instr.Binary(n, BinOp.ADD, n, lid, 0));
        entry.add(new Instr.Move(accL, Const.ofLong(0), 0));
        entry.add(new Instr.Move(accD, Const.ofDouble(0), 0));
        entry.add(new Instr.Move(accF, Const.ofFloat(0), 0));
        entry.add(new Instr.Move(k, Const.ofInt(0), 0));
        entry.jump(header);
        header.branch(CmpOp.GE, k, Const.ofInt(3), exit, body);
        body.store(local, lid, body.binary(BinOp.ADD, gid, k));
        body.add(new Instr.Barrier(0));
        Var x = body.load(local, body.binary(BinOp.REM, body.binary(BinOp.ADD, lid, Const.ofInt(1)), size));
        Var xl = ir.var(Type.I64, "xl");
        Var xd = ir.var(Type.F64, "xd");
        Var xf = ir.var(Type.F32, "xf");
        body.add(new Instr.Convert(xl, Conversion.I2L, x, 0));
        body.add(new Instr.Convert(xd, Conversion.I2D, x, 0));
        body.add(new Instr.Convert(xf, Conversion.I2F, x, 0));
        body.add(new Instr.Binary(accL, BinOp.ADD, accL, xl, 0));
        body.add(new Instr.Binary(accD, BinOp.ADD, accD, xd, 0));
        body.add(new Instr.Binary(accF, BinOp.ADD, accF, xf, 0));
        body.add(new Instr.Barrier(0));
        body.add(new Instr.Binary(k, BinOp.ADD, k, Const.ofInt(1), 0));
        body.jump(header);
        Var nl = ir.var(Type.I64, "nl");
        exit.add(new Instr.Convert(nl, Conversion.I2L, n, 0));
        exit.store(outL, gid, exit.binary(BinOp.ADD, accL, nl));
        exit.store(outD, gid, accD);
        exit.store(outF, gid, accF);
        exit.ret();
        CpuKernel kernel = CpuTesting.build(ir.build());
        String listing = kernel.source();
        // one barrier: the resume point is picked by an if on the pass's resume point (a tableswitch above 4 barriers)
        assertTrue(listing.contains("static void groups(") && listing.contains("resume point of this pass"), listing);
        for (int groupSize : new int[] {1, 5, 64}) {
            for (int chunks : new int[] {1, 3}) {
                int total = groupSize * 7;
                long[] l = new long[total];
                double[] d = new double[total];
                float[] f = new float[total];
                CpuTesting.launch(kernel, new Object[] {new KernelContext(), 1000, l, d, f}, chunks, new long[] {groupSize}, total);
                for (int g = 0; g < total; g++) {
                    int lidOf = g % groupSize;
                    int neighbour = g - lidOf + (lidOf + 1) % groupSize;
                    long sum = 3L * neighbour + 3;
                    String what = "item " + g + ", groups of " + groupSize + ", " + chunks + " chunk(s)";
                    assertEquals(sum + 1000 + lidOf, l[g], what);
                    assertEquals((double) sum, d[g], what);
                    assertEquals((float) sum, f[g], what);
                }
            }
        }
    }

    @Test
    void workItemsThatReachDifferentBarriersFailTheLaunchClearly() {
        // if (local id == 0) barrier; return — item 0 waits at the barrier, the others return.
        IrBuilder ir = new IrBuilder("test.Kernels", "divergent", KernelKind.WORK_ITEM);
        ir.context();
        IrBuilder.BlockBuilder entry = ir.entry();
        IrBuilder.BlockBuilder wait = ir.block();
        IrBuilder.BlockBuilder done = ir.block();
        Var lid = ir.var(Type.I32, "lid");
        entry.add(new Instr.WorkItem(lid, WorkItemQuery.LOCAL_ID, 0, 0));
        entry.branch(CmpOp.EQ, lid, Const.ofInt(0), wait, done);
        wait.add(new Instr.Barrier(0));
        wait.jump(done);
        done.ret();
        CpuKernel kernel = CpuTesting.build(ir.build());
        KilnException e = assertThrows(KilnException.class,
                () -> CpuTesting.launch(kernel, new Object[] {new KernelContext()}, 1, new long[] {4}, 8));
        assertTrue(e.getMessage().contains("Kernels.divergent failed on the cpu device"), e.getMessage());
        assertInstanceOf(KilnException.class, e.getCause());
        String m = e.getCause().getMessage();
        assertTrue(m.contains("work-items of work-group (0, 0, 0) disagree: work-item 0 stopped at barrier #0")
                && m.contains("work-item 1 (in the group's x-fastest order) returned")
                && m.contains("barrier() may not sit under control flow that depends on the work-item id"), m);
    }

    /** Double atomics (KernelContext has none; the IR allows them) on a global and a local array. */
    @Test
    void doubleAtomicsOnGlobalAndLocalArraysFollowMath() {
        for (AddressSpace space : new AddressSpace[] {AddressSpace.GLOBAL, AddressSpace.LOCAL}) {
            IrBuilder ir = new IrBuilder("test.Kernels", "doubles" + space, KernelKind.WORK_ITEM);
            ir.context();
            ArrayRef in = ir.array("in", ElementType.DOUBLE, Access.READ);
            ArrayRef out = ir.array("out", ElementType.DOUBLE, Access.READ_WRITE);
            ArrayRef target = space == AddressSpace.GLOBAL ? out : ir.localArray("local", ElementType.DOUBLE, 5);
            IrBuilder.BlockBuilder b = ir.entry();
            Var gid = ir.var(Type.I32, "gid");
            b.add(new Instr.WorkItem(gid, WorkItemQuery.GLOBAL_ID, 0, 0));
            Var x = b.load(in, gid);
            double[] init = {1.0, 0.0, -0.0, 9.0, -0.0};
            if (space == AddressSpace.LOCAL) {
                for (int q = 0; q < init.length; q++) b.store(target, Const.ofInt(q), Const.ofDouble(init[q]));
            }
            AtomicOp[] ops = {AtomicOp.ADD, AtomicOp.MIN, AtomicOp.MAX, AtomicOp.EXCHANGE, AtomicOp.COMPARE_AND_SET};
            for (int q = 0; q < ops.length; q++) {
                Var old = ir.var(Type.F64, "old");
                b.add(new Instr.Atomic(old, ops[q], target, Const.ofInt(q), x,
                        ops[q] == AtomicOp.COMPARE_AND_SET ? Const.ofDouble(-0.0) : null, 0));
            }
            if (space == AddressSpace.LOCAL) {
                // One work-item per group: copy the group's result out.
                for (int q = 0; q < ops.length; q++) b.store(out, b.binary(BinOp.ADD, b.binary(BinOp.MUL, gid, Const.ofInt(5)),
                        Const.ofInt(q)), b.load(target, Const.ofInt(q)));
            }
            b.ret();
            CpuKernel kernel = CpuTesting.build(ir.build());
            double[] values = {3.5, -0.0, 0.0, Double.NaN, -7.25};
            if (space == AddressSpace.GLOBAL) {
                // Every item on the same elements, from several chunks: the result is the fold with Math.
                double[] o = {1.0, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 9.0, -0.0};
                double[] v = {0.5, 0.0, -0.0, 2.0};
                CpuTesting.launch(kernel, new Object[] {new KernelContext(), v, o}, 2, null, v.length);
                assertEquals(3.5, o[0]);
                assertEquals(Double.doubleToRawLongBits(-0.0), Double.doubleToRawLongBits(o[1]), "min(0.0, -0.0) is -0.0");
                assertEquals(Double.doubleToRawLongBits(2.0), Double.doubleToRawLongBits(o[2]));
                assertTrue(o[3] == 0.5 || o[3] == 0.0 || o[3] == 2.0, "an exchanged value: " + o[3]);
                double[] nan = {1.0, 1.0, 1.0, 1.0, 1.0};
                CpuTesting.launch(kernel, new Object[] {new KernelContext(), new double[] {Double.NaN, 5.0}, nan}, 1, null, 2);
                assertTrue(Double.isNaN(nan[0]) && Double.isNaN(nan[1]) && Double.isNaN(nan[2]), java.util.Arrays.toString(nan));
            } else {
                double[] o = new double[values.length * 5];
                CpuTesting.launch(kernel, new Object[] {new KernelContext(), values, o}, 1, new long[] {1}, values.length);
                for (int g = 0; g < values.length; g++) {
                    double x0 = values[g];
                    double[] cell = init;
                    double[] expected = {cell[0] + x0, Math.min(cell[1], x0), Math.max(cell[2], x0), x0,
                            Double.doubleToRawLongBits(cell[4]) == Double.doubleToRawLongBits(-0.0) ? x0 : cell[4]};
                    for (int q = 0; q < 5; q++) {
                        assertEquals(Double.doubleToRawLongBits(expected[q]), Double.doubleToRawLongBits(o[g * 5 + q]),
                                "group " + g + " op " + q + ": " + o[g * 5 + q]);
                    }
                }
            }
        }
    }
}
