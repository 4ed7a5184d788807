package io.kiln.ir;

import io.kiln.ir.IrVerifier.Rule;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One test per verifier rule: a valid kernel changed to break exactly that rule, and the message
 * that must name it. Valid kernels come from {@link IrParser}; breaks the parser would itself refuse
 * (wrong operand types) are made by replacing one instruction's record.
 */
class IrVerifierTest {

    static final String SAXPY = IrParserTest.golden("saxpy.ir");

    static final String GROUPS = """
            kernel T.groups WORK_ITEM(KernelContext ctx, float[] @x READ_WRITE, int[] @bins READ_WRITE, LongArray @big READ_WRITE)
              array @tile: LOCAL float[64]
            b0:
              %i = global_id 0
              %l = local_id 0
              %v = load @x[%i]
              store @tile[%l] = %v
              barrier
              %w = load @tile[%l]
              %old = atomic_add @bins[%l], 1
              %j = i2l %i
              %o = atomic_compare_and_set @big[%j], 5L, 7L
              store @x[%i] = %w
              return
            """;

    /** An integer division guarded by its divisor check (as the front end emits it). */
    static final String DIVIDE = """
            kernel Golden.divide LOOP_PARALLEL(int %d, int[] @y READ_WRITE)
              parallel dim 0: %i header b1 exit b2 trips (len(arg1) - 0)
            b0:
              %i_start = 0
              %t = parallel_index 0
              %i = add.I32 %i_start, %t
              goto b1
            b1:
              %n = length @y
              if %i GE %n goto b2 else b3
            b2:
              return
            b3:
              check @y[%i]  @4
              %y = load @y[%i]  @4
              check_divisor %d  @4
              %q = div.I32 %y, %d  @4
              check @y[%i]  @4
              store @y[%i] = %q  @4
              %st = parallel_stride 0
              %i = add.I32 %i, %st
              goto b1
            """;

    static KernelIR saxpy() {
        return IrParser.parse(SAXPY);
    }

    static Var var(KernelIR ir, String name) {
        return ir.vars().stream().filter(v -> v.name().equals(name)).findFirst().orElseThrow();
    }

    static ArrayRef array(KernelIR ir, String name) {
        return ir.arrays().stream().filter(a -> a.name().equals(name)).findFirst().orElseThrow();
    }

    /** {@code ir} with instruction {@code index} of block {@code block} replaced (or the terminator, at {@code instrs().size()}). */
    static KernelIR replace(KernelIR ir, int block, int index, Object with) {
        List<Block> blocks = new ArrayList<>(ir.blocks());
        Block b = blocks.get(block);
        List<Instr> instrs = new ArrayList<>(b.instrs());
        Terminator t = b.terminator();
        if (with instanceof Terminator nt) t = nt;
        else instrs.set(index, (Instr) with);
        blocks.set(block, new Block(b.id(), instrs, t));
        return withBlocks(ir, blocks);
    }

    static KernelIR withBlocks(KernelIR ir, List<Block> blocks) {
        return new KernelIR(ir.ownerClass(), ir.methodName(), ir.descriptor(), ir.kind(), ir.params(), ir.vars(), ir.arrays(), blocks,
                ir.parallelLoops(), ir.constants(), ir.reductions());
    }

    static IrVerificationException rejects(KernelIR ir, Rule rule, String... fragments) {
        IrVerificationException e = assertThrows(IrVerificationException.class, () -> IrVerifier.verify(ir));
        assertEquals(rule, e.rule(), e.getMessage());
        assertTrue(e.getMessage().contains("[" + rule + "]"), e.getMessage());
        for (String f : fragments) assertTrue(e.getMessage().contains(f), () -> "'" + f + "' missing from:\n" + e.getMessage());
        return e;
    }

    static KernelIR groups() {
        return IrParser.parse(GROUPS);
    }

    @Test
    void validKernelsPass() {
        IrVerifier.verify(saxpy());
        IrVerifier.verify(groups());
    }

    @Test
    void messageNamesKernelBlockInstructionAndMarksTheLine() {
        KernelIR ir = saxpy();
        Var p = var(ir, "p");
        KernelIR bad = replace(ir, 3, 1, new Instr.Binary(p, BinOp.MUL, var(ir, "a"), Const.ofInt(2), 0));
        IrVerificationException e = rejects(bad, Rule.TYPE, "kernel Golden.saxpy, block b3, instruction 1", "MUL operand b 2 has type I32, expected F32");
        assertEquals(3, e.block());
        assertEquals(1, e.index());
        assertTrue(e.getMessage().contains(">>   %p = mul.F32 %a, 2\n"), e.getMessage());
        assertEquals(1, e.getMessage().lines().filter(l -> l.startsWith(">>")).count(), e.getMessage());
    }

    @Test
    void blockIdsAreIndices() {
        KernelIR ir = saxpy();
        List<Block> blocks = new ArrayList<>(ir.blocks());
        blocks.set(2, new Block(5, blocks.get(2).instrs(), blocks.get(2).terminator()));
        rejects(withBlocks(ir, blocks), Rule.BLOCK_ID, "the block at index 2 has id b5");
    }

    @Test
    void terminatorTargetsExist() {
        KernelIR ir = saxpy();
        rejects(replace(ir, 3, 7, new Terminator.Goto(9, 0)), Rule.TERMINATOR_TARGET, "block b3, terminator", "jump to b9, but the kernel has blocks b0..b3");
        rejects(replace(ir, 3, 7, new Terminator.Switch(Const.ofInt(0), List.of(1, 1), List.of(1, 2), 1, 0)), Rule.TERMINATOR_TARGET, "duplicate keys");
    }

    @Test
    void varsAreTheKernelsVars() {
        KernelIR ir = saxpy();
        Var stranger = new Var(var(ir, "p").id(), Type.F64, "p");
        rejects(replace(ir, 3, 1, new Instr.Binary(stranger, BinOp.MUL, Const.ofDouble(1), Const.ofDouble(2), 0)), Rule.VAR_REF,
                "variable %p (id " + stranger.id() + ", F64) is not vars()");
    }

    @Test
    void arraysAreTheKernelsArrays() {
        KernelIR ir = saxpy();
        ArrayRef stranger = new ArrayRef(7, ElementType.FLOAT, AddressSpace.PRIVATE, 4, -1, "ghost");
        rejects(replace(ir, 3, 0, new Instr.Load(var(ir, "x"), stranger, var(ir, "i"), 0)), Rule.ARRAY_REF, "array @ghost (id 7) is not arrays()[7]");
    }

    @Test
    void scalarParametersArriveInVarsOfTheirType() {
        KernelIR ir = saxpy();
        List<Param> params = new ArrayList<>(ir.params());
        params.set(0, new Param.Scalar(0, "a", ScalarKind.DOUBLE, var(ir, "a")));
        KernelIR bad = new KernelIR(ir.ownerClass(), ir.methodName(), ir.descriptor(), ir.kind(), params, ir.vars(), ir.arrays(), ir.blocks(),
                ir.parallelLoops(), ir.constants(), ir.reductions());
        rejects(bad, Rule.PARAM, "scalar parameter a of kind DOUBLE arrives in %a of type F32, expected F64");
    }

    @Test
    void declaredAccessCoversWrites() {
        rejects(IrParser.parse(SAXPY.replace("float[] @y READ_WRITE", "float[] @y READ")), Rule.ACCESS,
                "parameter @y is declared READ but this instruction needs WRITE");
    }

    @Test
    void operandTypesFollowEachInstructionsContract() {
        KernelIR ir = saxpy();
        Var i = var(ir, "i");
        Var x = var(ir, "x");
        Var n = var(ir, "n");
        ArrayRef ax = array(ir, "x");
        ArrayRef ay = array(ir, "y");
        Var p = var(ir, "p");
        rejects(replace(ir, 3, 1, new Instr.Binary(p, BinOp.SHL, var(ir, "a"), x, 0)), Rule.TYPE, "SHL shift count %x has type F32, expected I32");
        rejects(replace(ir, 3, 1, new Instr.Binary(p, BinOp.XOR, var(ir, "a"), x, 0)), Rule.TYPE, "XOR on F32");
        rejects(replace(ir, 3, 1, new Instr.Convert(p, Conversion.I2F, x, 0)), Rule.TYPE, "I2F source %x has type F32, expected I32");
        rejects(replace(ir, 3, 1, new Instr.Convert(p, Conversion.I2D, i, 0)), Rule.TYPE, "result %p of I2D has type F32, expected F64");
        rejects(replace(ir, 3, 1, new Instr.Compare(i, CompareKind.DCMPL, x, x, 0)), Rule.TYPE, "DCMPL operand a %x has type F32, expected F64");
        rejects(replace(ir, 3, 0, new Instr.Load(x, ax, Const.ofLong(1), 0)), Rule.TYPE, "index 1L of heap array @x has type I64; expected I32");
        rejects(replace(ir, 3, 0, new Instr.Load(i, ax, i, 0)), Rule.TYPE, "result %i of load of float has type I32, expected F32");
        rejects(replace(ir, 3, 4, new Instr.Store(ay, i, i, 0)), Rule.TYPE, "stored value for float array @y %i has type I32, expected F32");
        rejects(replace(ir, 1, 0, new Instr.ArrayLength(var(ir, "x"), ay, 0)), Rule.TYPE, "length of heap array @y has type F32, expected I32");
        rejects(replace(ir, 3, 1, new Instr.MathCall(p, MathFunction.POW, List.of(x), 0)), Rule.TYPE, "pow takes 2 operands, has 1");
        rejects(replace(ir, 3, 1, new Instr.MathCall(i, MathFunction.SQRT, List.of(i), 0)), Rule.TYPE, "sqrt yields I32");
        rejects(replace(ir, 3, 1, new Instr.BitCast(p, x, 0)), Rule.TYPE, "bitcast from F32 to F32");
        rejects(replace(ir, 3, 1, new Instr.Move(p, i, 0)), Rule.TYPE, "move source %i has type I32, expected F32");
        rejects(replace(ir, 3, 1, new Instr.Negate(p, i, 0)), Rule.TYPE, "negate operand %i has type I32");
        rejects(replace(ir, 1, 1, new Terminator.Branch(CmpOp.GE, i, x, 2, 3, 0)), Rule.TYPE, "block b1, terminator", "branch operand b (operand a is I32) %x has type F32");
        rejects(replace(ir, 1, 1, new Terminator.Branch(CmpOp.UGE, i, n, 2, 3, 0)), Rule.TYPE, "unordered condition UGE on I32");
        rejects(replace(ir, 0, 1, new Instr.ParallelIndex(x, 0, 0)), Rule.TYPE, "result %x of parallel_index (the loop variable's type) has type F32, expected I32");
    }

    @Test
    void offHeapIndicesMayBeLongAndTheirLengthIsLong() {
        KernelIR ir = groups();
        ArrayRef big = array(ir, "big");
        Var j = var(ir, "j");
        Var i = var(ir, "i");
        IrVerifier.verify(replace(ir, 0, 8, new Instr.Atomic(var(ir, "o"), AtomicOp.COMPARE_AND_SET, big, i, Const.ofLong(5), Const.ofLong(7), 0)));
        rejects(replace(ir, 0, 8, new Instr.Atomic(var(ir, "o"), AtomicOp.COMPARE_AND_SET, big, Const.ofFloat(1), Const.ofLong(5), Const.ofLong(7), 0)),
                Rule.TYPE, "index 1.0f of off-heap array @big has type F32; expected I32 or I64");
        rejects(replace(ir, 0, 8, new Instr.ArrayLength(i, big, 0)), Rule.TYPE, "length of off-heap array @big has type I32, expected I64");
        rejects(replace(ir, 0, 8, new Instr.Atomic(var(ir, "o"), AtomicOp.COMPARE_AND_SET, big, j, Const.ofInt(5), Const.ofLong(7), 0)),
                Rule.TYPE, "atomic operand 5 has type I32, expected I64");
        rejects(replace(ir, 0, 8, new Instr.Atomic(var(ir, "o"), AtomicOp.ADD, big, j, Const.ofLong(5), Const.ofLong(7), 0)),
                Rule.TYPE, "exactly COMPARE_AND_SET has one");
        rejects(replace(ir, 0, 0, new Instr.WorkItem(j, WorkItemQuery.GLOBAL_ID, 0, 0)), Rule.TYPE, "result %j of work-item query has type I64, expected I32");
        rejects(replace(ir, 0, 0, new Instr.WorkItem(i, WorkItemQuery.GLOBAL_ID, 3, 0)), Rule.TYPE, "dimension 3; dimensions are 0..2");
    }

    @Test
    void variablesAreAssignedOnEveryPath() {
        String text = """
                kernel T.k SINGLE(int %c, int[] @out WRITE)
                b0:
                  if %c EQ 0 goto b1 else b2
                b1:
                  %x = 1
                  goto b2
                b2:
                  store @out[0] = %x
                  return
                """;
        rejects(IrParser.parse(text), Rule.DEFINITE_ASSIGNMENT, "block b2, instruction 0", "%x is read here but not assigned on every path");
        IrVerifier.verify(IrParser.parse(text.replace("  if %c EQ 0", "  %x = 2\n  if %c EQ 0")));
        // a loop-carried variable is assigned before the loop: fine
        IrVerifier.verify(saxpy());
    }

    @Test
    void parallelLoopsHaveExistingBlocksAndDims() {
        rejects(IrParser.parse(SAXPY.replace("header b1 exit b2", "header b1 exit b7")), Rule.PARALLEL_LOOP,
                "parallel loop 0 has header b1 and exit b7, but the kernel has blocks b0..b3");
        rejects(IrParser.parse(SAXPY.replace("parallel dim 0:", "parallel dim 1:")), Rule.PARALLEL_LOOP, "parallel loop 0 has dim 1");
        rejects(IrParser.parse(SAXPY.replace("header b1", "header b3")), Rule.PARALLEL_LOOP, "header b3 must end in a branch that tests %i");
        rejects(IrParser.parse(SAXPY.replace("trips (len(arg2) - 0)", "trips len(arg0)")), Rule.PARALLEL_LOOP,
                "len(arg0), which is not an array parameter");
        KernelIR ir = saxpy();
        rejects(replace(ir, 0, 1, new Instr.ParallelIndex(var(ir, "t"), 1, 0)), Rule.PARALLEL_LOOP, "parallel_index of dimension 1, but the kernel has 1 parallel loops");
    }

    @Test
    void barriersOnlyInWorkItemKernels() {
        KernelIR ir = saxpy();
        List<Block> blocks = new ArrayList<>(ir.blocks());
        List<Instr> b3 = new ArrayList<>(blocks.get(3).instrs());
        b3.add(2, new Instr.Barrier(0));
        blocks.set(3, new Block(3, b3, blocks.get(3).terminator()));
        rejects(withBlocks(ir, blocks), Rule.KERNEL_KIND, "block b3, instruction 2", "barrier in a LOOP_PARALLEL kernel");
        rejects(IrParser.parse(GROUPS.replace("WORK_ITEM(KernelContext ctx, ", "SINGLE(").replace("  %i = global_id 0\n  %l = local_id 0\n", "  %i = 0\n  %l = 0\n")),
                Rule.KERNEL_KIND, "local array @tile in a SINGLE kernel");
        rejects(IrParser.parse(GROUPS.replace("WORK_ITEM(KernelContext ctx, ", "SINGLE(").replace("  array @tile: LOCAL float[64]\n", "")
                .replace("@tile", "@x")), Rule.KERNEL_KIND, "work-item query GLOBAL_ID in a SINGLE kernel");
    }

    @Test
    void reductionsAreOverParameterArraysOfReducibleTypes() {
        String text = """
                kernel T.sum LOOP_PARALLEL(byte[] @x READ, byte[] @total READ_WRITE)
                  reduce @total[0] ADD over %acc
                  parallel dim 0: %i header b1 exit b2 trips len(arg0)
                b0:
                  %acc = 0
                  %i_start = 0
                  %t = parallel_index 0
                  %i = add.I32 %i_start, %t
                  goto b1
                b1:
                  %n = length @x
                  if %i GE %n goto b2 else b3
                b2:
                  return
                b3:
                  %v = load @x[%i]
                  %acc = add.I32 %acc, %v
                  %st = parallel_stride 0
                  %i = add.I32 %i, %st
                  goto b1
                """;
        rejects(IrParser.parse(text), Rule.REDUCTION, "reduction over @total of byte; only int, long, float and double reduce");
        String ints = text.replace("byte[]", "int[]");
        IrVerifier.verify(IrParser.parse(ints));
        rejects(IrParser.parse(ints.replace("  %v = load @x[%i]", "  %v = load @total[%i]")), Rule.REDUCTION, "direct access to reduction array @total");
    }

    @Test
    void aDivisorCheckIsFollowedByTheDivisionItGuards() {
        KernelIR ir = IrParser.parse(DIVIDE);
        IrVerifier.verify(ir);
        assertEquals(DIVIDE.strip(), IrPrinter.print(ir).strip(), "check_divisor prints as it parses");
        Var q = var(ir, "q"), y = var(ir, "y"), d = var(ir, "d");
        rejects(replace(ir, 3, 3, new Instr.Binary(q, BinOp.MUL, y, d, 0)), Rule.CHECK_DIVISOR,
                "check_divisor %d is followed by '%q = mul.I32 %y, %d'", "integer division or remainder by %d");
        rejects(replace(ir, 3, 3, new Instr.Binary(q, BinOp.DIV, d, y, 0)), Rule.CHECK_DIVISOR, "check_divisor %d is followed by");
        rejects(replace(ir, 3, 2, new Instr.CheckDivisor(d, -1)), Rule.SOURCE_LINE, "line -1");
    }

    /** SOURCE_LINE: every instruction's and terminator's line is 0 (unknown) or positive. */
    @Test
    void sourceLinesAreNotNegative() {
        KernelIR ir = IrParser.parse(DIVIDE);
        assertEquals(4, ir.blocks().get(3).instrs().get(1).line(), "the parsed '  @4'");
        Var q = var(ir, "q"), y = var(ir, "y"), d = var(ir, "d");
        rejects(replace(ir, 3, 3, new Instr.Binary(q, BinOp.DIV, y, d, -3)), Rule.SOURCE_LINE,
                "'%q = div.I32 %y, %d' has line -3", "0 (unknown) or positive");
        rejects(replace(ir, 2, 0, new Terminator.Return(-1)), Rule.SOURCE_LINE, "the terminator of b2 has line -1");
    }
}
