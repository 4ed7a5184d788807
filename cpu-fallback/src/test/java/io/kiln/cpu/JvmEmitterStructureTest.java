package io.kiln.cpu;

import io.kiln.KernelCompilationException;
import io.kiln.KernelContext;
import io.kiln.KilnException;
import io.kiln.Target;
import io.kiln.ir.Access;
import io.kiln.ir.ArrayRef;
import io.kiln.ir.AtomicOp;
import io.kiln.ir.BinOp;
import io.kiln.ir.CmpOp;
import io.kiln.ir.Const;
import io.kiln.ir.ElementType;
import io.kiln.ir.HostExpr;
import io.kiln.ir.Instr;
import io.kiln.ir.IrBuilder;
import io.kiln.ir.KernelIR;
import io.kiln.ir.KernelKind;
import io.kiln.ir.ScalarKind;
import io.kiln.ir.Type;
import io.kiln.ir.Var;
import io.kiln.ir.WorkItemQuery;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Control flow, iteration spaces and chunking of the JVM emitter, on hand-built IR. */
class JvmEmitterStructureTest {

    /**
     * {@code for (@Parallel int i = start; i <cmp> bound; i++) out[i] += 1} in one of the header shapes
     * javac and the front end produce; {@code bound} is {@code n} or {@code n - 1} (for {@code <=}).
     */
    static KernelIR countingLoop(CmpOp op, boolean exitOnTrue, boolean ivFirst, int start, HostExpr trips) {
        IrBuilder ir = new IrBuilder("test.Kernels", "count_" + op + exitOnTrue + ivFirst, KernelKind.LOOP_PARALLEL);
        Var n = ir.scalar("n", ScalarKind.INT);
        ArrayRef out = ir.array("out", ElementType.INT, Access.READ_WRITE);
        IrBuilder.BlockBuilder entry = ir.entry();
        boolean inclusive = op == CmpOp.LE || op == CmpOp.GT || op == CmpOp.ULE || op == CmpOp.UGT;
        // Mirrored forms flip the inclusive side: "n > i" continues like "i < n".
        if (!ivFirst) inclusive = op == CmpOp.GE || op == CmpOp.LT || op == CmpOp.UGE || op == CmpOp.ULT;
        if (op == CmpOp.NE || op == CmpOp.EQ) inclusive = false;
        Var bound = n;
        if (inclusive) {
            bound = entry.binary(BinOp.SUB, n, Const.ofInt(1));
        }
        IrBuilder.BlockBuilder exit = ir.parallelLoop(0, Type.I32, entry, Const.ofInt(start), op, bound, exitOnTrue, ivFirst, trips, (b, i) -> {
            Var v = b.load(out, i);
            Var w = b.binary(BinOp.ADD, v, Const.ofInt(1));
            b.store(out, i, w);
            return b;
        });
        exit.ret();
        // unordered compares of ints (UGE, ULT) break the verifier's TYPE rule; the emitter still reads them
        // as their ordered forms, which the header-shape test keeps covered
        return op.isUnordered() ? ir.buildUnverified() : ir.build();
    }

    /** Asked for {@code wanted} chunks of {@code range} indices, the launch had about that many. */
    static void assertChunks(int wanted, int range, int actual) {
        int expected = Math.min(wanted, range);
        assertTrue(actual >= 1 && actual <= expected && (expected == 1 || actual > expected / 2),
                "asked for " + wanted + " chunks of " + range + ", got " + actual);
    }

    static void assertCountedOnce(int[] out, int start, int n) {
        for (int i = 0; i < out.length; i++) {
            assertEquals(i >= start && i < n ? 1 : 0, out[i], "element " + i);
        }
    }

    @ParameterizedTest
    @CsvSource({
            "GE, true, true", "LT, false, true", "UGE, true, true", "ULT, false, true",
            "GT, true, true", "LE, false, true",
            "LE, true, false", "GT, false, false", "LT, true, false", "GE, false, false",
            "EQ, true, true", "NE, false, true", "EQ, true, false", "NE, false, false"})
    void everyHeaderShapeRunsEachIterationOnceInAnyChunking(CmpOp op, boolean exitOnTrue, boolean ivFirst) {
        int n = 1009;
        for (int start : new int[] {0, 3}) {
            KernelIR ir = countingLoop(op, exitOnTrue, ivFirst, start,
                    new HostExpr.Binary(BinOp.SUB, new HostExpr.Scalar(0), new HostExpr.Constant(start)));
            CpuKernel k = CpuTesting.build(ir);
            for (int chunks : new int[] {1, 2, 3, 7, 64, 5000}) {
                int[] out = new int[n + 5];
                CpuTesting.launch(k, new Object[] {n, out}, chunks, null, n - start);
                assertCountedOnce(out, start, n);
                assertChunks(chunks, n - start, k.lastChunks);
            }
        }
        String listing = new CpuBackendProvider().emit(countingLoop(op, exitOnTrue, ivFirst, 0, null), Target.JVM);
        assertTrue(listing.contains("static void chunk("), listing);
        if (op != CmpOp.EQ && op != CmpOp.NE) {
            assertTrue(listing.contains("java/lang/Math.min(II)I"), "the header should compare with min(bound, limit):\n" + listing);
        }
    }

    @Test
    void hostTripCountThatIsTooSmallOrTooLargeStillRunsJavasIterations() {
        int n = 500;
        for (long trips : new long[] {0, 1, 100, 499, 501, 10_000}) {
            KernelIR ir = countingLoop(CmpOp.GE, true, true, 0, new HostExpr.Constant(trips));
            CpuKernel k = CpuTesting.build(ir);
            for (int chunks : new int[] {1, 4}) {
                int[] out = new int[n + 3];
                CpuTesting.launch(k, new Object[] {n, out}, chunks, null, trips);
                assertCountedOnce(out, 0, n);
            }
        }
    }

    @Test
    void unknownTripCountRunsInterleavedChunks() {
        int n = 777;
        KernelIR ir = countingLoop(CmpOp.GE, true, true, 2, null);
        CpuKernel k = CpuTesting.build(ir);
        for (int chunks : new int[] {1, 2, 5}) {
            int[] out = new int[n + 3];
            CpuTesting.launch(k, new Object[] {n, out}, chunks, null, -1);
            assertCountedOnce(out, 2, n);
            assertEquals(chunks, k.lastChunks);
        }
    }

    @Test
    void twoDimensionalLoopNestSplitsTheOuterLoopOnly() {
        // for (@Parallel i < rows) for (@Parallel j < cols) out[i * cols + j] = i * 1000 + j
        IrBuilder ir = new IrBuilder("test.Kernels", "grid2", KernelKind.LOOP_PARALLEL);
        Var rows = ir.scalar("rows", ScalarKind.INT);
        Var cols = ir.scalar("cols", ScalarKind.INT);
        ArrayRef out = ir.array("out", ElementType.INT, Access.WRITE);
        IrBuilder.BlockBuilder entry = ir.entry();
        IrBuilder.BlockBuilder exit = ir.parallelLoop(0, Type.I32, entry, Const.ofInt(0), CmpOp.GE, rows, true, true, new HostExpr.Scalar(0), (b0, i) -> {
            IrBuilder.BlockBuilder after = ir.parallelLoop(1, Type.I32, b0, Const.ofInt(0), CmpOp.GE, cols, true, true, new HostExpr.Scalar(1), (b1, j) -> {
                Var base = b1.binary(BinOp.MUL, i, cols);
                Var idx = b1.binary(BinOp.ADD, base, j);
                Var v = b1.binary(BinOp.MUL, i, Const.ofInt(1000));
                Var w = b1.binary(BinOp.ADD, v, j);
                b1.store(out, idx, w);
                return b1;
            });
            return after;
        });
        exit.ret();
        CpuKernel k = CpuTesting.build(ir.build());
        int r = 37, c = 53;
        for (int chunks : new int[] {1, 2, 9, 100}) {
            int[] o = new int[r * c];
            CpuTesting.launch(k, new Object[] {r, c, o}, chunks, null, r, c);
            for (int i = 0; i < r; i++) {
                for (int j = 0; j < c; j++) assertEquals(i * 1000 + j, o[i * c + j]);
            }
            assertChunks(chunks, r, k.lastChunks);
        }
    }

    /**
     * {@code out[linear id] = the query's value}, for each query and dimension, in a 3-D grid; with
     * {@code barrier}, the queries are read before a barrier and stored after it (the work-group
     * method, each item's values kept across the barrier).
     */
    @ParameterizedTest
    @CsvSource({"1, false", "2, false", "3, false", "1, true", "2, true", "3, true"})
    void workItemQueriesMatchTheirDefinitions(int dims, boolean barrier) {
        long[] global = switch (dims) {
            case 1 -> new long[] {1000};
            case 2 -> new long[] {36, 25};
            default -> new long[] {9, 8, 12};
        };
        long[] local = switch (dims) {
            case 1 -> new long[] {8};
            case 2 -> new long[] {4, 5};
            default -> new long[] {3, 2, 4};
        };
        WorkItemQuery[] queries = WorkItemQuery.values();
        IrBuilder ir = new IrBuilder("test.Kernels", "items" + dims + barrier, KernelKind.WORK_ITEM);
        ir.context();
        ArrayRef out = ir.array("out", ElementType.INT, Access.WRITE);
        IrBuilder.BlockBuilder b = ir.entry();
        Var x = ir.var(Type.I32, "x");
        Var y = ir.var(Type.I32, "y");
        Var z = ir.var(Type.I32, "z");
        Var sx = ir.var(Type.I32, "sx");
        Var sy = ir.var(Type.I32, "sy");
        b.add(new Instr.WorkItem(x, WorkItemQuery.GLOBAL_ID, 0, 0));
        b.add(new Instr.WorkItem(y, WorkItemQuery.GLOBAL_ID, 1, 0));
        b.add(new Instr.WorkItem(z, WorkItemQuery.GLOBAL_ID, 2, 0));
        b.add(new Instr.WorkItem(sx, WorkItemQuery.GLOBAL_SIZE, 0, 0));
        b.add(new Instr.WorkItem(sy, WorkItemQuery.GLOBAL_SIZE, 1, 0));
        Var lin = b.binary(BinOp.ADD, b.binary(BinOp.MUL, b.binary(BinOp.ADD, b.binary(BinOp.MUL, z, sy), y), sx), x);
        Var base = b.binary(BinOp.MUL, lin, Const.ofInt(queries.length * 3));
        List<Var> values = new java.util.ArrayList<>();
        for (int q = 0; q < queries.length; q++) {
            for (int d = 0; d < 3; d++) {
                Var v = ir.var(Type.I32, "q");
                b.add(new Instr.WorkItem(v, queries[q], d, 0));
                values.add(v);
            }
        }
        if (barrier) b.add(new Instr.Barrier(0));
        for (int q = 0; q < values.size(); q++) b.store(out, b.binary(BinOp.ADD, base, Const.ofInt(q)), values.get(q));
        b.ret();
        CpuKernel k = CpuTesting.build(ir.build());
        assertTrue(k.source().contains("static void " + (barrier ? "groups" : "items") + "("), k.source());
        long total = 1;
        for (long g : global) total *= g;
        for (int chunks : new int[] {1, 3, 8}) {
            for (long[] loc : new long[][] {local, null}) {
                int[] o = new int[(int) total * queries.length * 3];
                CpuTesting.launch(k, new Object[] {new KernelContext(), o}, chunks, loc, global);
                int item = 0;
                long g0 = global[0], g1 = dims > 1 ? global[1] : 1, g2 = dims > 2 ? global[2] : 1;
                for (int iz = 0; iz < g2; iz++) {
                    for (int iy = 0; iy < g1; iy++) {
                        for (int ix = 0; ix < g0; ix++, item++) {
                            int[] id = {ix, iy, iz};
                            for (int q = 0; q < queries.length; q++) {
                                for (int d = 0; d < 3; d++) {
                                    long gs = d < dims ? global[d] : 1;
                                    // Without a local size a barrier kernel gets the largest group up to 256
                                    // dividing dimension 0; other kernels get groups of one.
                                    long ls = d < dims && loc != null ? loc[d] : barrier && d == 0 ? defaultGroup(global[0]) : 1;
                                    long expected = switch (queries[q]) {
                                        case GLOBAL_ID -> id[d];
                                        case GLOBAL_SIZE -> gs;
                                        case LOCAL_ID -> id[d] % ls;
                                        case LOCAL_SIZE -> ls;
                                        case GROUP_ID -> id[d] / ls;
                                        case NUM_GROUPS -> (gs + ls - 1) / ls;
                                    };
                                    assertEquals(expected, o[item * queries.length * 3 + q * 3 + d],
                                            queries[q] + "(" + d + ") of item " + ix + "," + iy + "," + iz + " local " + java.util.Arrays.toString(loc));
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    static long defaultGroup(long n) {
        for (long c = Math.min(256, n); c > 1; c--) {
            if (n % c == 0) return c;
        }
        return 1;
    }

    @Test
    void workItemsSeeTheParameterValueOfTheLaunchEvenIfAnItemAssignsIt() {
        // n = n + gid; out[gid] = n; an early return for gid == 3 must not skip later items.
        IrBuilder ir = new IrBuilder("test.Kernels", "reassign", KernelKind.WORK_ITEM);
        ir.context();
        Var n = ir.scalar("n", ScalarKind.INT);
        ArrayRef out = ir.array("out", ElementType.INT, Access.WRITE);
        IrBuilder.BlockBuilder b = ir.entry();
        IrBuilder.BlockBuilder skip = ir.block();
        IrBuilder.BlockBuilder work = ir.block();
        Var gid = ir.var(Type.I32, "gid");
        b.add(new Instr.WorkItem(gid, WorkItemQuery.GLOBAL_ID, 0, 0));
        b.branch(CmpOp.EQ, gid, Const.ofInt(3), skip, work);
        skip.ret();
        work.add(new Instr.Binary(n, BinOp.ADD, n, gid, 0));
        work.store(out, gid, n);
        work.ret();
        int[] o = new int[10];
        CpuTesting.run(ir.build(), new Object[] {new KernelContext(), 100, o}, 10);
        for (int i = 0; i < 10; i++) assertEquals(i == 3 ? 0 : 100 + i, o[i]);
    }

    @Test
    void zeroSizedGridRunsNothingAndSingleKernelsRunOnce() {
        IrBuilder ir = new IrBuilder("test.Kernels", "inc", KernelKind.WORK_ITEM);
        ir.context();
        ArrayRef out = ir.array("out", ElementType.INT, Access.READ_WRITE);
        IrBuilder.BlockBuilder b = ir.entry();
        Var v = b.load(out, Const.ofInt(0));
        b.store(out, Const.ofInt(0), b.binary(BinOp.ADD, v, Const.ofInt(1)));
        b.ret();
        int[] o = new int[1];
        CpuTesting.run(ir.build(), new Object[] {new KernelContext(), o}, 0);
        CpuTesting.run(ir.build(), new Object[] {new KernelContext(), o}, 5, 0);
        assertEquals(0, o[0]);
        CpuTesting.run(ir.build(), new Object[] {new KernelContext(), o}, 1);
        assertEquals(1, o[0]);

        IrBuilder single = new IrBuilder("test.Kernels", "single", KernelKind.SINGLE);
        ArrayRef so = single.array("out", ElementType.INT, Access.READ_WRITE);
        IrBuilder.BlockBuilder sb = single.entry();
        Var sv = sb.load(so, Const.ofInt(0));
        sb.store(so, Const.ofInt(0), sb.binary(BinOp.ADD, sv, Const.ofInt(1)));
        sb.ret();
        int[] s = new int[1];
        CpuTesting.run(single.build(), new Object[] {s}, 1);
        assertEquals(1, s[0]);
    }

    @Test
    void loopKernelWithZeroTripsStillRunsTheCodeAroundTheLoopOnce() {
        // Java runs the code before and after an empty loop; so does the cpu back end.
        IrBuilder ir = new IrBuilder("test.Kernels", "around", KernelKind.LOOP_PARALLEL);
        Var n = ir.scalar("n", ScalarKind.INT);
        ArrayRef out = ir.array("out", ElementType.INT, Access.READ_WRITE);
        IrBuilder.BlockBuilder entry = ir.entry();
        IrBuilder.BlockBuilder exit = ir.parallelLoop(0, Type.I32, entry, Const.ofInt(0), CmpOp.GE, n, true, true, new HostExpr.Scalar(0), (b, i) -> {
            b.store(out, i, Const.ofInt(7));
            return b;
        });
        Var v = exit.load(out, Const.ofInt(0));
        exit.store(out, Const.ofInt(0), exit.binary(BinOp.ADD, v, Const.ofInt(1)));
        exit.ret();
        int[] o = new int[1];
        CpuTesting.run(ir.build(), new Object[] {0, o}, 0);
        assertEquals(1, o[0]);
    }

    @Test
    void switchesUseTableAndLookupForms() {
        for (List<Integer> keys : List.of(List.of(0, 1, 2, 3), List.of(-5, 1000, 7, 1_000_000), List.of(4, 4, 9), List.<Integer>of())) {
            IrBuilder ir = new IrBuilder("test.Kernels", "sw", KernelKind.LOOP_PARALLEL);
            ArrayRef in = ir.array("in", ElementType.INT, Access.READ);
            ArrayRef out = ir.array("out", ElementType.INT, Access.WRITE);
            IrBuilder.BlockBuilder entry = ir.entry();
            Var n = ir.var(Type.I32, "n");
            entry.add(new Instr.ArrayLength(n, out, 0));
            IrBuilder.BlockBuilder exit = ir.parallelLoop(0, Type.I32, entry, Const.ofInt(0), CmpOp.GE, n, true, true, new HostExpr.Length(1), (b, i) -> {
                Var key = b.load(in, i);
                IrBuilder.BlockBuilder join = ir.block();
                IrBuilder.BlockBuilder dflt = ir.block();
                dflt.store(out, i, Const.ofInt(-1));
                dflt.jump(join);
                IrBuilder.BlockBuilder[] targets = new IrBuilder.BlockBuilder[keys.size()];
                for (int t = 0; t < keys.size(); t++) {
                    IrBuilder.BlockBuilder c = ir.block();
                    c.store(out, i, Const.ofInt(100 + t));
                    c.jump(join);
                    targets[t] = c;
                }
                b.switchOn(key, keys.stream().mapToInt(Integer::intValue).toArray(), targets, dflt);
                return join;
            });
            exit.ret();
            int[] probe = {0, 1, 2, 3, 4, 5, -5, 7, 9, 1000, 1_000_000, Integer.MIN_VALUE, Integer.MAX_VALUE};
            int[] o = new int[probe.length];
            // duplicate keys break the verifier's TERMINATOR_TARGET rule; the emitter takes the first, as tested
            KernelIR built = keys.size() == keys.stream().distinct().count() ? ir.build() : ir.buildUnverified();
            CpuTesting.run(built, new Object[] {probe, o}, probe.length);
            for (int p = 0; p < probe.length; p++) {
                int expected = keys.contains(probe[p]) ? 100 + keys.indexOf(probe[p]) : -1;
                assertEquals(expected, o[p], "key " + probe[p] + " in " + keys);
            }
        }
    }

    @Test
    void constantTablesArriveAsClassData() {
        IrBuilder ir = new IrBuilder("test.Kernels", "table", KernelKind.LOOP_PARALLEL);
        ArrayRef out = ir.array("out", ElementType.FLOAT, Access.WRITE);
        ArrayRef lens = ir.array("lens", ElementType.INT, Access.WRITE);
        ArrayRef t = ir.constantArray("table", ElementType.FLOAT, Float.floatToRawIntBits(-0f) & 0xffffffffL, 0x7fc01234L,
                Float.floatToRawIntBits(3.5f));
        ArrayRef s = ir.constantArray("table", ElementType.SHORT, -3, 40000, 7);
        IrBuilder.BlockBuilder entry = ir.entry();
        IrBuilder.BlockBuilder exit = ir.parallelLoop(0, Type.I32, entry, Const.ofInt(0), CmpOp.GE, Const.ofInt(3), true, true, new HostExpr.Constant(3), (b, i) -> {
            Var v = b.load(t, i);
            Var w = b.load(s, i);
            Var wf = ir.var(Type.F32, "wf");
            b.add(new Instr.Convert(wf, io.kiln.ir.Conversion.I2F, w, 0));
            Var zero = b.binary(BinOp.SUB, i, i);
            Var sum = ir.var(Type.F32, "sum");
            IrBuilder.BlockBuilder keep = ir.block();
            IrBuilder.BlockBuilder add = ir.block();
            IrBuilder.BlockBuilder join = ir.block();
            b.branch(CmpOp.EQ, i, Const.ofInt(1), keep, add);
            keep.store(out, i, v);
            keep.jump(join);
            add.add(new Instr.Binary(sum, BinOp.ADD, v, wf, 0));
            add.store(out, i, sum);
            add.jump(join);
            Var len = ir.var(Type.I32, "len");
            join.add(new Instr.ArrayLength(len, s, 0));
            join.store(lens, i, join.binary(BinOp.ADD, len, zero));
            return join;
        });
        exit.ret();
        float[] o = new float[3];
        int[] l = new int[3];
        CpuKernel k = CpuTesting.run(ir.build(), new Object[] {o, l}, 3);
        assertEquals(Float.floatToRawIntBits(-0f + (short) -3), Float.floatToRawIntBits(o[0]));
        assertEquals(0x7fc01234, Float.floatToRawIntBits(o[1]));
        assertEquals(3.5f + 7, o[2]);
        assertArrayEquals(new int[] {3, 3, 3}, l);
        assertTrue(k.source().contains("class data [0] float[]"), k.source());
    }

    @Test
    void privateArraysBelongToOneChunkEach() {
        // priv[0] = x[i]; spin on priv[0]; out[i] = priv[0] * 2: a shared array would mix iterations.
        IrBuilder ir = new IrBuilder("test.Kernels", "priv", KernelKind.LOOP_PARALLEL);
        ArrayRef x = ir.array("x", ElementType.INT, Access.READ);
        ArrayRef out = ir.array("out", ElementType.INT, Access.WRITE);
        ArrayRef p = ir.privateArray("priv", ElementType.INT, 4);
        IrBuilder.BlockBuilder entry = ir.entry();
        Var n = ir.var(Type.I32, "n");
        entry.add(new Instr.ArrayLength(n, x, 0));
        IrBuilder.BlockBuilder exit = ir.parallelLoop(0, Type.I32, entry, Const.ofInt(0), CmpOp.GE, n, true, true, new HostExpr.Length(0), (b, i) -> {
            b.store(p, Const.ofInt(0), b.load(x, i));
            Var k = ir.var(Type.I32, "k");
            b.add(new Instr.Move(k, Const.ofInt(0), 0));
            IrBuilder.BlockBuilder head = ir.block();
            IrBuilder.BlockBuilder body = ir.block();
            IrBuilder.BlockBuilder after = ir.block();
            b.jump(head);
            head.branch(CmpOp.LT, k, Const.ofInt(50), body, after);
            Var old = body.load(p, Const.ofInt(1));
            body.store(p, Const.ofInt(1), body.binary(BinOp.ADD, old, k));
            body.add(new Instr.Binary(k, BinOp.ADD, k, Const.ofInt(1), 0));
            body.jump(head);
            Var v = after.load(p, Const.ofInt(0));
            after.store(out, i, after.binary(BinOp.MUL, v, Const.ofInt(2)));
            return after;
        });
        exit.ret();
        int size = 20_000;
        int[] xs = new int[size];
        for (int i = 0; i < size; i++) xs[i] = i * 3 + 1;
        int[] o = new int[size];
        CpuKernel k = CpuTesting.build(ir.build());
        CpuTesting.launch(k, new Object[] {xs, o}, 16, null, size);
        for (int i = 0; i < size; i++) assertEquals(xs[i] * 2, o[i]);
    }

    @Test
    void variablesUnassignedOnSomePathStartAtZeroSoTheVerifierAcceptsTheClass() {
        // if (x[0] > 0) v = 5;  out[0] = v   (not Java, but legal IR)
        IrBuilder ir = new IrBuilder("test.Kernels", "maybe", KernelKind.SINGLE);
        ArrayRef x = ir.array("x", ElementType.INT, Access.READ);
        ArrayRef out = ir.array("out", ElementType.LONG, Access.WRITE);
        Var v = ir.var(Type.I64, "v");
        IrBuilder.BlockBuilder b = ir.entry();
        IrBuilder.BlockBuilder set = ir.block();
        IrBuilder.BlockBuilder join = ir.block();
        Var x0 = b.load(x, Const.ofInt(0));
        b.branch(CmpOp.GT, x0, Const.ofInt(0), set, join);
        set.add(new Instr.Move(v, Const.ofLong(5), 0));
        set.jump(join);
        join.store(out, Const.ofInt(0), v);
        join.ret();
        long[] o = {9};
        KernelIR maybe = ir.buildUnverified(); // IrVerifier refuses it (DEFINITE_ASSIGNMENT); the emitter must still cope
        CpuTesting.run(maybe, new Object[] {new int[] {-1}, o}, 1);
        assertEquals(0, o[0]);
        CpuTesting.run(maybe, new Object[] {new int[] {1}, o}, 1);
        assertEquals(5, o[0]);
    }

    @Test
    void workGroupFeaturesOutsideWorkItemKernelsAndNarrowAtomicsAreRefusedClearly() {
        IrBuilder bar = new IrBuilder("test.Kernels", "bar", KernelKind.SINGLE);
        bar.entry().add(new Instr.Barrier(0)).ret();
        IrBuilder loc = new IrBuilder("test.Kernels", "loc", KernelKind.SINGLE);
        ArrayRef l = loc.localArray("local", ElementType.FLOAT, 64);
        loc.entry().store(l, Const.ofInt(0), Const.ofFloat(1f));
        loc.entry().ret();
        IrBuilder at = new IrBuilder("test.Kernels", "at", KernelKind.WORK_ITEM);
        at.context();
        ArrayRef a = at.array("a", ElementType.SHORT, Access.READ_WRITE);
        at.entry().add(new Instr.Atomic(at.var(Type.I32, "old"), AtomicOp.ADD, a, Const.ofInt(0), Const.ofInt(1), null, 0)).ret();
        IrBuilder cas = new IrBuilder("test.Kernels", "cas", KernelKind.WORK_ITEM);
        cas.context();
        ArrayRef c = cas.array("c", ElementType.INT, Access.READ_WRITE);
        cas.entry().add(new Instr.Atomic(cas.var(Type.I32, "old"), AtomicOp.COMPARE_AND_SET, c, Const.ofInt(0), Const.ofInt(1), null, 0)).ret();
        for (IrBuilder b : List.of(bar, loc, at, cas)) {
            // IR the verifier refuses too: this checks the back end's own refusals
            KernelIR ir = b.buildUnverified();
            KernelCompilationException e = assertThrows(KernelCompilationException.class, () -> CpuTesting.build(ir));
            assertTrue(e.getMessage().startsWith("Kernels." + ir.methodName()), e.getMessage());
            assertTrue(e.getMessage().contains(switch (ir.methodName()) {
                case "bar", "loc" -> "only work-item kernels have work-groups";
                case "at" -> "atomics work on int, long, float and double arrays";
                default -> "malformed atomic";
            }), e.getMessage());
        }
    }

    @Test
    void kernelExceptionsNameTheKernelAndKeepTheCause() {
        KernelIR ir = countingLoop(CmpOp.GE, true, true, 0, new HostExpr.Scalar(0));
        CpuKernel k = CpuTesting.build(ir);
        for (int chunks : new int[] {1, 4}) {
            int[] tooShort = new int[10];
            KilnException e = assertThrows(KilnException.class,
                    () -> CpuTesting.launch(k, new Object[] {1000, tooShort}, chunks, null, 1000));
            assertInstanceOf(ArrayIndexOutOfBoundsException.class, e.getCause());
            assertTrue(e.getMessage().contains(ir.displayName()) && e.getMessage().contains("cpu"), e.getMessage());
        }
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> CpuTesting.launch(k, new Object[] {1000L, new int[4]}, 0, null, 4));
        assertTrue(bad.getMessage().contains("must be Integer, got Long"), bad.getMessage());
        assertThrows(IllegalArgumentException.class, () -> CpuTesting.launch(k, new Object[] {3, new float[4]}, 0, null, 4));
    }

    @Test
    void oversizedMethodsAreACompileErrorNotACrash() {
        IrBuilder ir = new IrBuilder("test.Kernels", "huge", KernelKind.SINGLE);
        ArrayRef out = ir.array("out", ElementType.INT, Access.WRITE);
        IrBuilder.BlockBuilder b = ir.entry();
        for (int i = 0; i < 12_000; i++) b.store(out, Const.ofInt(i % 100), Const.ofInt(i * 1000));
        b.ret();
        KernelCompilationException e = assertThrows(KernelCompilationException.class, () -> CpuTesting.build(ir.build()));
        assertTrue(e.getMessage().contains("64 KiB"), e.getMessage());
    }

    @Test
    void reductionPartialsOfEveryChunkAreCombinedWithTheInitialValue() {
        // total[0] += i  and  hi[0] = max(hi[0], x[i])  over i < n, the front end's way: private accumulators.
        IrBuilder ir = new IrBuilder("test.Kernels", "reduce", KernelKind.LOOP_PARALLEL);
        Var n = ir.scalar("n", ScalarKind.INT);
        ArrayRef total = ir.array("total", ElementType.LONG, Access.READ_WRITE);
        ArrayRef x = ir.array("x", ElementType.DOUBLE, Access.READ);
        ArrayRef hi = ir.array("hi", ElementType.DOUBLE, Access.READ_WRITE);
        Var acc = ir.var(Type.I64, "acc");
        Var max = ir.var(Type.F64, "max");
        ir.reduction(total, io.kiln.ir.ReduceOp.ADD, acc);
        ir.reduction(hi, io.kiln.ir.ReduceOp.MAX, max);
        IrBuilder.BlockBuilder entry = ir.entry();
        entry.add(new Instr.Move(acc, Const.ofLong(0), 0));
        entry.add(new Instr.Move(max, Const.ofDouble(Double.NEGATIVE_INFINITY), 0));
        IrBuilder.BlockBuilder exit = ir.parallelLoop(0, Type.I32, entry, Const.ofInt(0), CmpOp.GE, n, true, true, new HostExpr.Scalar(0), (b, i) -> {
            Var il = ir.var(Type.I64, "il");
            b.add(new Instr.Convert(il, io.kiln.ir.Conversion.I2L, i, 0));
            b.add(new Instr.Binary(acc, BinOp.ADD, acc, il, 0));
            Var v = b.load(x, i);
            Var av = ir.var(Type.F64, "av");
            b.add(new Instr.MathCall(av, io.kiln.ir.MathFunction.ABS, List.of(v), 0));
            IrBuilder.BlockBuilder set = ir.block();
            IrBuilder.BlockBuilder join = ir.block();
            b.branch(CmpOp.GT, av, max, set, join);
            set.add(new Instr.Move(max, av, 0));
            set.jump(join);
            return join;
        });
        exit.ret();
        CpuKernel kernel = CpuTesting.build(ir.build());
        int size = 10_000;
        double[] xs = new double[size];
        double expectedMax = -5;
        for (int i = 0; i < size; i++) {
            xs[i] = Math.sin(i * 0.37) * (i % 977);
            expectedMax = Math.max(expectedMax, Math.abs(xs[i]));
        }
        for (int chunks : new int[] {1, 2, 7, 100}) {
            long[] t = {1000};
            double[] h = {-5};
            CpuTesting.launch(kernel, new Object[] {size, t, xs, h}, chunks, null, size);
            assertEquals(1000L + (long) size * (size - 1) / 2, t[0], chunks + " chunks");
            assertEquals(expectedMax, h[0], chunks + " chunks");
            assertChunks(chunks, size, kernel.lastChunks);
        }
        double[] big = {1e300};
        long[] t = {0};
        CpuTesting.launch(kernel, new Object[] {size, t, xs, big}, 3, null, size);
        assertEquals(1e300, big[0], "the initial value takes part");
        String listing = kernel.source();
        assertTrue(listing.contains("lastore") && listing.contains("doubleToRawLongBits"), listing);
    }

    /** The warning's condition reads the JVM's own flag: this test JVM runs without -XX:-DontCompileHugeMethods. */
    @Test
    void theHugeMethodWarningFollowsTheJvmsFlag() {
        boolean turnedOff = java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments()
                .contains("-XX:-DontCompileHugeMethods");
        assertEquals(!turnedOff, CpuKernel.hugeMethodsInterpreted(), "HotSpot interprets huge methods unless told otherwise");
    }

    @Test
    void methodsTooBigForTheJitAreReportedOnce() {
        IrBuilder ir = new IrBuilder("test.Kernels", "big", KernelKind.SINGLE);
        ArrayRef out = ir.array("out", ElementType.INT, Access.WRITE);
        IrBuilder.BlockBuilder b = ir.entry();
        for (int i = 0; i < 1500; i++) b.store(out, Const.ofInt(i % 100), Const.ofInt(i * 1000));
        b.ret();
        java.util.logging.Logger log = java.util.logging.Logger.getLogger("io.kiln");
        List<String> messages = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.logging.Handler h = new java.util.logging.Handler() {
            @Override
            public void publish(java.util.logging.LogRecord r) {
                messages.add(r.getMessage());
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        log.addHandler(h);
        try {
            CpuKernel k = CpuTesting.build(ir.build());
            CpuTesting.build(ir.build());
            // once, unless this JVM compiles huge methods anyway (-XX:-DontCompileHugeMethods): then never
            assertEquals(CpuKernel.hugeMethodsInterpreted() ? 1 : 0, messages.stream()
                    .filter(m -> m.contains("Kernels.big") && m.contains("-XX:-DontCompileHugeMethods")).count(), messages.toString());
            int[] o = new int[100];
            CpuTesting.launch(k, new Object[] {o}, 0, null, 1);
            assertEquals(1499 * 1000, o[99]);
        } finally {
            log.removeHandler(h);
        }
    }

    @Test
    void providerEmitsJvmListingsOnlyForTheJvmTarget() {
        KernelIR ir = countingLoop(CmpOp.GE, true, true, 0, new HostExpr.Scalar(0));
        CpuBackendProvider p = new CpuBackendProvider();
        String text = p.emit(ir, Target.JVM);
        assertTrue(text.contains("static void chunk(") && text.contains("static void strided(") && text.contains("iastore"), text);
        assertNull(p.emit(ir, Target.OPENCL_C));
        assertNull(p.emit(ir, Target.PTX));
        assertEquals(io.kiln.Backend.CPU, p.backend());
        assertNull(p.unavailableReason());
        assertEquals("cpu", p.devices().get(0).device().id());
    }
}
