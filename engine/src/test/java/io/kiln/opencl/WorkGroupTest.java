package io.kiln.opencl;

import io.kiln.ir.Access;
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
import io.kiln.ir.Type;
import io.kiln.ir.Value;
import io.kiln.ir.Var;
import io.kiln.ir.WorkItemQuery;
import io.kiln.spi.LaunchGeometry;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static io.kiln.ir.IrBuilder.i;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Work-item queries, local memory with barriers, and atomics on global and local memory. */
class WorkGroupTest {

    @Test
    void workItemQueriesIn2d() {
        IrBuilder b = new IrBuilder("io.kiln.opencl.TestKernels", "queries", KernelKind.WORK_ITEM);
        b.context();
        ArrayRef out = b.array("out", ElementType.INT, Access.WRITE);
        List<Var> q = new ArrayList<>();
        for (WorkItemQuery query : WorkItemQuery.values()) {
            for (int d = 0; d < 2; d++) q.add(b.workItem(query, d));
        }
        // linear id = gid1 * gsize0 + gid0
        Var linear = b.binary(BinOp.ADD, b.binary(BinOp.MUL, q.get(1), q.get(2)), q.get(0));
        Var base = b.binary(BinOp.MUL, linear, i(q.size()));
        for (int k = 0; k < q.size(); k++) b.store(out, b.binary(BinOp.ADD, base, i(k)), q.get(k));
        b.ret();
        int gx = 8;
        int gy = 6;
        int lx = 4;
        int ly = 3;
        int[] result = new int[gx * gy * q.size()];
        ClTest.run(b.build(), new LaunchGeometry(new long[] {gx, gy}, new long[] {lx, ly}), null, result);
        for (int y = 0; y < gy; y++) {
            for (int x = 0; x < gx; x++) {
                int[] want = {x, y, gx, gy, x % lx, y % ly, lx, ly, x / lx, y / ly, gx / lx, gy / ly};
                int at = (y * gx + x) * q.size();
                assertArrayEquals(want, Arrays.copyOfRange(result, at, at + q.size()), "work-item (" + x + ", " + y + ")");
            }
        }
    }

    @Test
    void localMemoryReductionWithBarriers() {
        int group = 64;
        IrBuilder b = new IrBuilder("io.kiln.opencl.TestKernels", "groupSums", KernelKind.WORK_ITEM);
        b.context();
        ArrayRef in = b.array("in", ElementType.INT, Access.READ);
        ArrayRef sums = b.array("sums", ElementType.INT, Access.WRITE);
        ArrayRef counts = b.array("counts", ElementType.INT, Access.WRITE);
        ArrayRef tile = b.localArray("tile", ElementType.INT, group);
        ArrayRef counter = b.localArray("counter", ElementType.INT, 1);
        Var lid = b.workItem(WorkItemQuery.LOCAL_ID, 0);
        Var gid = b.workItem(WorkItemQuery.GLOBAL_ID, 0);
        Var grp = b.workItem(WorkItemQuery.GROUP_ID, 0);
        b.store(tile, lid, b.load(in, gid));
        IrBuilder.BlockBuilder init = b.block();
        IrBuilder.BlockBuilder after = b.block();
        b.branch(CmpOp.EQ, lid, i(0), init, after);
        b.at(init).store(counter, i(0), i(0));
        b.jump(after);
        b.at(after).add(new Instr.Barrier(0));
        Var old = b.var(Type.I32, "old");
        b.add(new Instr.Atomic(old, AtomicOp.ADD, counter, i(0), i(1), null, 0));
        // tree reduction: for (s = 32; s > 0; s >>= 1) { if (lid < s) tile[lid] += tile[lid + s]; barrier; }
        Var s = b.var(Type.I32, "s");
        b.move(s, i(group / 2));
        IrBuilder.BlockBuilder head = b.block();
        IrBuilder.BlockBuilder body = b.block();
        IrBuilder.BlockBuilder add = b.block();
        IrBuilder.BlockBuilder sync = b.block();
        IrBuilder.BlockBuilder done = b.block();
        b.jump(head);
        b.at(head).branch(CmpOp.LE, s, i(0), done, body);
        b.at(body).branch(CmpOp.GE, lid, s, sync, add);
        b.at(add);
        Var other = b.load(tile, b.binary(BinOp.ADD, lid, s));
        b.store(tile, lid, b.binary(BinOp.ADD, b.load(tile, lid), other));
        b.jump(sync);
        b.at(sync).add(new Instr.Barrier(0));
        b.add(new Instr.Binary(s, BinOp.SHR, s, i(1), 0));
        b.jump(head);
        b.at(done);
        IrBuilder.BlockBuilder write = b.block();
        IrBuilder.BlockBuilder end = b.block();
        b.branch(CmpOp.NE, lid, i(0), end, write);
        b.at(write).store(sums, grp, b.load(tile, i(0)));
        b.store(counts, grp, b.load(counter, i(0)));
        b.jump(end);
        b.at(end).ret();

        int groups = 16;
        int[] input = new int[groups * group];
        for (int k = 0; k < input.length; k++) input[k] = k * 31 % 1000 - 400;
        int[] result = new int[groups];
        int[] cnt = new int[groups];
        ClTest.run(b.build(), new LaunchGeometry(new long[] {input.length}, new long[] {group}), null, input, result, cnt);
        for (int g = 0; g < groups; g++) {
            int want = 0;
            for (int k = 0; k < group; k++) want += input[g * group + k];
            assertEquals(want, result[g], "sum of group " + g);
            assertEquals(group, cnt[g], "local atomic counter of group " + g);
        }
    }

    @Test
    void globalAtomics() {
        IrBuilder b = new IrBuilder("io.kiln.opencl.TestKernels", "atomics", KernelKind.WORK_ITEM);
        b.context();
        ArrayRef in = b.array("in", ElementType.INT, Access.READ);
        ArrayRef ints = b.array("ints", ElementType.INT, Access.READ_WRITE);       // 0 sum, 1 min, 2 max, 3 cas flag, 4 winners, 5 xchg
        ArrayRef longs = b.array("longs", ElementType.LONG, Access.READ_WRITE);    // 0 sum, 1 min, 2 max
        ArrayRef floats = b.array("floats", ElementType.FLOAT, Access.READ_WRITE); // 0 sum, 1 min, 2 max, 3 xchg
        ArrayRef doubles = b.array("doubles", ElementType.DOUBLE, Access.READ_WRITE); // 0 sum, 1 max
        ArrayRef olds = b.array("olds", ElementType.INT, Access.WRITE);
        Var gid = b.guardedIndex(b.length(in));
        Var x = b.load(in, gid);
        Var lx = b.convert(Conversion.I2L, x);
        Var fx = b.convert(Conversion.I2F, x);
        Var dx = b.convert(Conversion.I2D, x);
        atomic(b, AtomicOp.ADD, ints, 0, x, null);
        atomic(b, AtomicOp.MIN, ints, 1, x, null);
        atomic(b, AtomicOp.MAX, ints, 2, x, null);
        Var won = atomic(b, AtomicOp.COMPARE_AND_SET, ints, 3, b.binary(BinOp.ADD, gid, i(1)), i(0));
        Var oldX = atomic(b, AtomicOp.EXCHANGE, ints, 5, gid, null);
        b.store(olds, gid, oldX);
        atomic(b, AtomicOp.ADD, longs, 0, b.binary(BinOp.MUL, lx, Const.ofLong(1_000_000_007L)), null);
        atomic(b, AtomicOp.MIN, longs, 1, b.binary(BinOp.MUL, lx, Const.ofLong(1L << 33)), null);
        atomic(b, AtomicOp.MAX, longs, 2, b.binary(BinOp.MUL, lx, Const.ofLong(1L << 33)), null);
        atomic(b, AtomicOp.ADD, floats, 0, fx, null);
        atomic(b, AtomicOp.MIN, floats, 1, fx, null);
        atomic(b, AtomicOp.MAX, floats, 2, fx, null);
        atomic(b, AtomicOp.EXCHANGE, floats, 3, fx, null);
        atomic(b, AtomicOp.ADD, doubles, 0, b.binary(BinOp.MUL, dx, Const.ofDouble(0.5)), null);
        atomic(b, AtomicOp.MAX, doubles, 1, dx, null);
        IrBuilder.BlockBuilder winner = b.block();
        IrBuilder.BlockBuilder end = b.block();
        b.branch(CmpOp.EQ, won, i(0), winner, end);
        b.at(winner);
        atomic(b, AtomicOp.ADD, ints, 4, i(1), null);
        b.jump(end);
        b.at(end).ret();

        int n = 4096;
        int[] input = new int[n];
        for (int k = 0; k < n; k++) input[k] = (k * 7919) % 20011 - 10000;
        int[] is = {0, Integer.MAX_VALUE, Integer.MIN_VALUE, 0, 0, -1};
        long[] ls = {0, Long.MAX_VALUE, Long.MIN_VALUE};
        float[] fs = {0f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, -1f};
        double[] ds = {0d, Double.NEGATIVE_INFINITY};
        int[] oldValues = new int[n];
        ClTest.run(b.build(), new LaunchGeometry(new long[] {n}, new long[] {64}), null, input, is, ls, fs, ds, oldValues);

        long sum = 0;
        int min = Integer.MAX_VALUE;
        int max = Integer.MIN_VALUE;
        for (int v : input) {
            sum += v;
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        assertEquals((int) sum, is[0], "atomic int add");
        assertEquals(min, is[1], "atomic int min");
        assertEquals(max, is[2], "atomic int max");
        assertTrue(is[3] >= 1 && is[3] <= n, "compare-and-set stored some work-item's id + 1: " + is[3]);
        assertEquals(1, is[4], "exactly one compare-and-set saw 0");
        // exchange: the old values plus the final value are the initial -1 plus every id, each once
        int[] seen = Arrays.copyOf(oldValues, n + 1);
        seen[n] = is[5];
        Arrays.sort(seen);
        int[] expected = new int[n + 1];
        expected[0] = -1;
        for (int k = 0; k < n; k++) expected[k + 1] = k;
        assertArrayEquals(expected, seen, "atomic exchange hands every value on exactly once");
        assertEquals(sum * 1_000_000_007L, ls[0], "atomic long add");
        assertEquals(min * (1L << 33), ls[1], "atomic long min");
        assertEquals(max * (1L << 33), ls[2], "atomic long max");
        assertEquals((float) sum, fs[0], "atomic float add (exact: small integers)");
        assertEquals((float) min, fs[1], "atomic float min");
        assertEquals((float) max, fs[2], "atomic float max");
        assertTrue(Arrays.stream(input).anyMatch(v -> v == fs[3]), "atomic float exchange left one of the inputs: " + fs[3]);
        assertEquals(sum * 0.5, ds[0], "atomic double add");
        assertEquals(max, ds[1], "atomic double max");
    }

    @Test
    void floatAtomicMinMaxFollowJavaForNaNAndSignedZero() {
        IrBuilder b = new IrBuilder("io.kiln.opencl.TestKernels", "floatMinMax", KernelKind.WORK_ITEM);
        b.context();
        ArrayRef in = b.array("in", ElementType.FLOAT, Access.READ);
        ArrayRef acc = b.array("acc", ElementType.FLOAT, Access.READ_WRITE);
        Var gid = b.guardedIndex(b.length(in));
        Var x = b.load(in, gid);
        Var two = b.binary(BinOp.MUL, gid, i(2));
        atomic(b, AtomicOp.MIN, acc, two, x);
        atomic(b, AtomicOp.MAX, acc, b.binary(BinOp.ADD, two, i(1)), x);
        b.ret();
        float[][] cases = {{0f, -0f}, {-0f, 0f}, {1f, Float.NaN}, {Float.NaN, 1f}, {3f, 2f}, {Float.NEGATIVE_INFINITY, 5f}};
        float[] input = new float[cases.length];
        float[] accs = new float[2 * cases.length];
        for (int k = 0; k < cases.length; k++) {
            accs[2 * k] = cases[k][0];
            accs[2 * k + 1] = cases[k][0];
            input[k] = cases[k][1];
        }
        ClTest.runGrid(b.build(), cases.length, null, input, accs);
        for (int k = 0; k < cases.length; k++) {
            assertEquals(Float.floatToIntBits(Math.min(cases[k][0], cases[k][1])), Float.floatToIntBits(accs[2 * k]),
                    "min(" + cases[k][0] + ", " + cases[k][1] + ")");
            assertEquals(Float.floatToIntBits(Math.max(cases[k][0], cases[k][1])), Float.floatToIntBits(accs[2 * k + 1]),
                    "max(" + cases[k][0] + ", " + cases[k][1] + ")");
        }
    }

    @Test
    void compareAndSetAndExchangeOnEveryTypeAndLocalFloatAdd() {
        // One work-item, in order: two compare-and-sets and an exchange per type. Integer CAS: the first
        // succeeds, the second fails. Float/double CAS compares bits: expecting -0.0 fails against 0.0.
        IrBuilder b = new IrBuilder("io.kiln.opencl.TestKernels", "casAll", KernelKind.WORK_ITEM);
        b.context();
        ArrayRef ints = b.array("ints", ElementType.INT, Access.READ_WRITE);
        ArrayRef longs = b.array("longs", ElementType.LONG, Access.READ_WRITE);
        ArrayRef floats = b.array("floats", ElementType.FLOAT, Access.READ_WRITE);
        ArrayRef doubles = b.array("doubles", ElementType.DOUBLE, Access.READ_WRITE);
        ArrayRef local = b.localArray("acc", ElementType.FLOAT, 1);
        ArrayRef localLong = b.localArray("accL", ElementType.LONG, 1);
        Value[][] vals = {
                {Const.ofInt(5), Const.ofInt(7), Const.ofInt(5), Const.ofInt(9)},
                {Const.ofLong(5L << 40), Const.ofLong(7L << 40), Const.ofLong(5L << 40), Const.ofLong(-42)},
                {Const.ofFloat(-0f), Const.ofFloat(Float.NaN), Const.ofFloat(0f), Const.ofFloat(7.5f)},
                {Const.ofDouble(-0d), Const.ofDouble(Double.NaN), Const.ofDouble(0d), Const.ofDouble(Double.NEGATIVE_INFINITY)}};
        ArrayRef[] arrays = {ints, longs, floats, doubles};
        for (int t = 0; t < 4; t++) {
            ArrayRef a = arrays[t];
            Value[] v = vals[t];
            // a[1] = CAS(a[0], v[0] -> v[1]); a[2] = CAS(a[0], v[2] -> v[3]); a[4] = exchange(a[3], v[3])
            b.store(a, i(1), atomic(b, AtomicOp.COMPARE_AND_SET, a, 0, v[1], v[0]));
            b.store(a, i(2), atomic(b, AtomicOp.COMPARE_AND_SET, a, 0, v[3], v[2]));
            b.store(a, i(4), atomic(b, AtomicOp.EXCHANGE, a, 3, v[3], null));
        }
        b.store(local, i(0), Const.ofFloat(1.5f));
        b.store(floats, i(5), atomic(b, AtomicOp.ADD, local, 0, Const.ofFloat(2.25f), null));
        b.store(floats, i(6), b.load(local, i(0)));
        b.store(localLong, i(0), Const.ofLong(10));
        b.store(longs, i(5), atomic(b, AtomicOp.MAX, localLong, 0, Const.ofLong(1L << 50), null));
        b.store(longs, i(6), b.load(localLong, i(0)));
        b.ret();

        int[] is = {5, 0, 0, 3, 0};
        long[] ls = {5L << 40, 0, 0, 3, 0, 0, 0};
        float[] fs = {0f, 0, 0, 3, 0, 0, 0};
        double[] ds = {0d, 0, 0, 3, 0};
        ClTest.run(b.build(), new LaunchGeometry(new long[] {1}, null), null, is, ls, fs, ds);
        assertArrayEquals(new int[] {7, 5, 7, 9, 3}, is);
        assertArrayEquals(new long[] {7L << 40, 5L << 40, 7L << 40, -42, 3, 10, 1L << 50}, ls, "with local long max");
        assertArrayEquals(new float[] {7.5f, 0f, 0f, 7.5f, 3f, 1.5f, 3.75f}, fs, "bitwise CAS, then local float add");
        assertArrayEquals(new double[] {Double.NEGATIVE_INFINITY, 0d, 0d, Double.NEGATIVE_INFINITY, 3d}, ds);
    }

    @Test
    void workItemGridMustBeWholeGroups() {
        OpenClDeviceRuntime device = ClTest.device();
        IrBuilder b = new IrBuilder("io.kiln.opencl.TestKernels", "nothing", KernelKind.WORK_ITEM);
        b.context();
        b.ret();
        try (var k = device.compile(b.build()); var s = device.openSession()) {
            // the plan refuses this grid with LaunchRules' message (LaunchRulesTest); a direct session caller gets the driver's refusal
            io.kiln.KilnException e = assertThrows(io.kiln.KilnException.class,
                    () -> s.launch(k, new Object[1], new LaunchGeometry(new long[] {100}, new long[] {32})));
            assertTrue(e.getMessage().contains("global size [100] and local size [32]") && e.getMessage().contains("CL_INVALID_WORK_GROUP_SIZE"),
                    e.getMessage());
        }
    }

    private static Var atomic(IrBuilder b, AtomicOp op, ArrayRef a, int index, Value operand, Value expected) {
        return atomic(b, op, a, i(index), operand, expected);
    }

    private static Var atomic(IrBuilder b, AtomicOp op, ArrayRef a, Value index, Value operand) {
        return atomic(b, op, a, index, operand, null);
    }

    private static Var atomic(IrBuilder b, AtomicOp op, ArrayRef a, Value index, Value operand, Value expected) {
        Var old = b.var(a.element().valueType(), "old");
        b.add(new Instr.Atomic(old, op, a, index, operand, expected, 0));
        return old;
    }
}
