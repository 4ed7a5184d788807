package io.kiln.ir;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static io.kiln.ir.IrBuilder.f;
import static io.kiln.ir.IrBuilder.i;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The public {@link IrBuilder}: what it builds verifies, prints and parses back to the same text and
 * blocks ({@link IrParser}), block handles become the right ids, names are unique, and misuse is an
 * error that says what to do.
 */
class IrBuilderTest {

    /** Print, parse, print: the same text, and the parsed kernel's blocks, params and loops equal the built ones. */
    static void assertRoundTrips(KernelIR ir) {
        String text = IrPrinter.print(ir);
        KernelIR parsed = IrParser.parse(text);
        IrVerifier.verify(parsed);
        assertEquals(text, IrPrinter.print(parsed), "print(parse(print(ir)))");
        assertEquals(ir.descriptor(), parsed.descriptor(), text);
        assertEquals(ir.blocks().size(), parsed.blocks().size(), text);
        assertEquals(ir.params().size(), parsed.params().size(), text);
        assertEquals(ir.parallelLoops().size(), parsed.parallelLoops().size(), text);
        for (int k = 0; k < ir.parallelLoops().size(); k++) {
            assertEquals(ir.parallelLoops().get(k).header(), parsed.parallelLoops().get(k).header(), text);
            assertEquals(ir.parallelLoops().get(k).exit(), parsed.parallelLoops().get(k).exit(), text);
        }
    }

    /** The example of the class comment and docs/architecture.md. */
    static KernelIR scale() {
        IrBuilder b = new IrBuilder("demo.Kernels", "scale", KernelKind.WORK_ITEM);
        b.context();
        Var n = b.scalar("n", ScalarKind.INT);
        ArrayRef x = b.array("x", ElementType.FLOAT, Access.READ_WRITE);
        Var gid = b.workItem(WorkItemQuery.GLOBAL_ID, 0);
        IrBuilder.BlockBuilder body = b.block(), done = b.block();
        b.branch(CmpOp.GE, gid, n, done, body);
        b.at(body).store(x, gid, b.binary(BinOp.MUL, b.load(x, gid), f(2f)));
        b.jump(done);
        b.at(done).ret();
        return b.build();
    }

    @Test
    void theDocumentedExampleVerifiesPrintsAndParsesBack() {
        KernelIR ir = scale();
        assertEquals("(Lio/kiln/KernelContext;I[F)V", ir.descriptor());
        assertEquals(3, ir.blocks().size());
        Terminator.Branch br = assertInstanceOf(Terminator.Branch.class, ir.blocks().get(0).terminator());
        assertEquals(2, br.ifTrue(), "done is the third block made");
        assertEquals(1, br.ifFalse());
        assertEquals(List.of(2), ir.blocks().get(1).terminator().successors());
        assertRoundTrips(ir);
    }

    @Test
    void blocksMayBeFilledInAnyOrderAndIdsFollowCreation() {
        IrBuilder b = new IrBuilder("demo.Kernels", "order", KernelKind.SINGLE);
        ArrayRef out = b.array("out", ElementType.INT, Access.WRITE);
        IrBuilder.BlockBuilder last = b.block();
        IrBuilder.BlockBuilder middle = b.block();
        last.store(out, i(1), i(2));
        last.ret();
        middle.store(out, i(0), i(1));
        middle.jump(last);
        b.entry().jump(middle);
        KernelIR ir = b.build();
        assertEquals(List.of(2), ir.blocks().get(0).terminator().successors());
        assertEquals(List.of(1), ir.blocks().get(2).terminator().successors());
        assertEquals(new Instr.Store(out, i(1), i(2), 0), ir.blocks().get(1).instrs().getFirst());
        assertRoundTrips(ir);
    }

    @Test
    void parallelLoopsInTheFrontEndsShapeVerifyAndParseBackInDimensionOrder() {
        IrBuilder b = new IrBuilder("demo.Kernels", "add2d", KernelKind.LOOP_PARALLEL);
        Var rows = b.scalar("rows", ScalarKind.INT);
        Var cols = b.scalar("cols", ScalarKind.INT);
        ArrayRef a = b.array("a", ElementType.DOUBLE, Access.READ);
        ArrayRef c = b.array("c", ElementType.DOUBLE, Access.WRITE);
        IrBuilder.BlockBuilder exit = b.parallelLoop(0, b.entry(), i(0), rows, new HostExpr.Scalar(0), (outer, r) ->
                b.parallelLoop(1, outer, i(0), cols, new HostExpr.Scalar(1), (inner, k) -> {
                    Var at = inner.binary(BinOp.ADD, inner.binary(BinOp.MUL, r, cols), k);
                    inner.store(c, at, inner.binary(BinOp.ADD, inner.load(a, at), IrBuilder.d(1)));
                    return inner;
                }));
        exit.ret();
        KernelIR ir = b.build();
        assertEquals(2, ir.parallelLoops().size());
        assertEquals(0, ir.parallelLoops().get(0).dim(), "recorded inner first, sorted by dimension");
        assertEquals(1, ir.parallelLoops().get(1).dim());
        assertEquals("(II[D[D)V", ir.descriptor());
        assertRoundTrips(ir);
    }

    @Test
    void everyKindOfArrayAndAReductionVerify() {
        IrBuilder b = new IrBuilder("demo.Kernels", "arrays", KernelKind.LOOP_PARALLEL);
        ArrayRef in = b.offHeapArray("in", ElementType.FLOAT, Access.READ);
        ArrayRef sum = b.array("sum", ElementType.FLOAT, Access.READ_WRITE);
        ArrayRef table = b.constantArray("table", ElementType.FLOAT, Float.floatToRawIntBits(0.5f), Float.floatToRawIntBits(-0f));
        ArrayRef scratch = b.privateArray("scratch", ElementType.INT, 4);
        Var acc = b.var(Type.F32, "acc");
        b.reduction(sum, ReduceOp.ADD, acc);
        IrBuilder.BlockBuilder entry = b.entry();
        entry.move(acc, f(0f));
        Var n = entry.convert(Conversion.L2I, entry.length(in));
        IrBuilder.BlockBuilder exit = b.parallelLoop(0, entry, i(0), n, null, (body, k) -> {
            body.store(scratch, i(0), k);
            Var w = body.load(table, body.binary(BinOp.AND, body.load(scratch, i(0)), i(1)));
            body.move(acc, body.binary(BinOp.ADD, acc, body.binary(BinOp.MUL, body.load(in, k), w)));
            return body;
        });
        exit.ret();
        KernelIR ir = b.build();
        assertEquals("(Lio/kiln/FloatArray;[F)V", ir.descriptor());
        assertEquals(Storage.OFF_HEAP, in.storage());
        assertEquals(List.of((long) Float.floatToRawIntBits(0.5f), (long) Float.floatToRawIntBits(-0f)), ir.constants().get(table.id()));
        assertEquals(List.of(new Reduction(sum, ReduceOp.ADD, acc)), ir.reductions());
        assertRoundTrips(ir);
    }

    @Test
    void namesAreMadeSafeAndUniqueArraysApartFromVariables() {
        IrBuilder b = new IrBuilder("demo.Kernels", "names", KernelKind.SINGLE);
        Var t1 = b.var(Type.I32, "t");
        Var t2 = b.var(Type.I32, "t");
        Var odd = b.var(Type.I32, "a.b$c");
        ArrayRef arrT = b.privateArray("t", ElementType.INT, 1);
        ArrayRef arrT2 = b.localArray("t", ElementType.INT, 1);
        assertEquals(List.of("t", "t_2", "a_b_c"), List.of(t1.name(), t2.name(), odd.name()));
        assertEquals(List.of("t", "t_2"), List.of(arrT.name(), arrT2.name()));
        assertEquals(List.of(0, 1, 2), List.of(t1.id(), t2.id(), odd.id()));
    }

    @Test
    void misuseIsAnErrorThatSaysWhatToDo() {
        IrBuilder b = new IrBuilder("demo.Kernels", "bad", KernelKind.SINGLE);
        IrBuilder.BlockBuilder open = b.block();
        b.entry().jump(open);
        IllegalStateException none = assertThrows(IllegalStateException.class, b::build);
        assertTrue(none.getMessage().contains("block b1") && none.getMessage().contains("no terminator"), none.getMessage());
        open.ret();
        IllegalStateException twice = assertThrows(IllegalStateException.class, open::ret);
        assertTrue(twice.getMessage().contains("already ends"), twice.getMessage());
        assertThrows(IllegalStateException.class, () -> open.barrier(), "no instructions after the terminator");
        IrBuilder other = new IrBuilder("demo.Kernels", "other", KernelKind.SINGLE);
        assertThrows(IllegalArgumentException.class, () -> b.at(other.entry()));
        IllegalArgumentException sw = assertThrows(IllegalArgumentException.class,
                () -> other.entry().switchOn(i(0), new int[] {1, 2}, new IrBuilder.BlockBuilder[] {open}, open));
        assertTrue(sw.getMessage().contains("one target per key"), sw.getMessage());
        b.build();
    }

    @Test
    void buildRunsTheVerifierAndBuildUnverifiedDoesNot() {
        IrBuilder b = new IrBuilder("demo.Kernels", "broken", KernelKind.SINGLE);
        ArrayRef a = b.array("a", ElementType.INT, Access.READ); // written below: ACCESS
        b.store(a, i(0), i(1));
        b.ret();
        IrVerificationException e = assertThrows(IrVerificationException.class, b::build);
        assertEquals(IrVerifier.Rule.ACCESS, e.rule());
        assertEquals(1, b.buildUnverified().blocks().size());
    }

    /**
     * Random straight-line and branching kernels over every scalar type: each verifies and round-trips
     * through the printer and parser.
     */
    @Test
    void randomKernelsRoundTrip() {
        long seed = System.nanoTime();
        System.out.println("IrBuilderTest seed " + seed);
        SplittableRandom r = new SplittableRandom(seed);
        Type[] types = Type.values();
        BinOp[] ops = {BinOp.ADD, BinOp.SUB, BinOp.MUL};
        for (int round = 0; round < 200; round++) {
            IrBuilder b = new IrBuilder("demo.Kernels", "random" + round, KernelKind.SINGLE);
            Type t = types[r.nextInt(types.length)];
            ElementType et = switch (t) {
                case I32 -> ElementType.INT;
                case I64 -> ElementType.LONG;
                case F32 -> ElementType.FLOAT;
                case F64 -> ElementType.DOUBLE;
            };
            ArrayRef in = b.array("in", et, Access.READ);
            ArrayRef out = b.array("out", et, Access.WRITE);
            List<Value> pool = new ArrayList<>();
            pool.add(b.load(in, i(0)));
            int blocks = 1 + r.nextInt(4);
            for (int k = 0; k < blocks; k++) {
                for (int s = 0; s < 1 + r.nextInt(6); s++) {
                    Value x = pool.get(r.nextInt(pool.size()));
                    Value y = r.nextBoolean() ? pool.get(r.nextInt(pool.size())) : constant(t, r);
                    pool.add(r.nextInt(8) == 0 ? b.negate(x) : b.binary(ops[r.nextInt(ops.length)], x, y));
                }
                IrBuilder.BlockBuilder next = b.block();
                if (r.nextBoolean()) {
                    IrBuilder.BlockBuilder side = b.block();
                    b.branch(t.isFloating() ? CmpOp.LT : CmpOp.GE, pool.getLast(), constant(t, r), side, next);
                    b.at(side).store(out, i(1), pool.get(r.nextInt(pool.size())));
                    side.jump(next);
                } else {
                    b.jump(next);
                }
                b.at(next);
            }
            b.store(out, i(0), pool.getLast());
            b.ret();
            KernelIR ir = b.build();
            assertRoundTrips(ir);
        }
    }

    private static Const constant(Type t, SplittableRandom r) {
        return switch (t) {
            case I32 -> Const.ofInt(r.nextInt());
            case I64 -> Const.ofLong(r.nextLong());
            case F32 -> Const.ofFloat(r.nextInt(4) == 0 ? -0f : (float) r.nextDouble(-1e6, 1e6));
            case F64 -> Const.ofDouble(r.nextInt(4) == 0 ? Double.NaN : r.nextDouble(-1e9, 1e9));
        };
    }
}
