package io.kiln.passes;

import io.kiln.ir.BinOp;
import io.kiln.ir.Block;
import io.kiln.ir.CmpOp;
import io.kiln.ir.Const;
import io.kiln.ir.Instr;
import io.kiln.ir.KernelIR;
import io.kiln.ir.ParallelLoop;
import io.kiln.ir.Terminator;
import io.kiln.ir.Type;
import io.kiln.ir.Var;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Lowers each {@link Instr.ZeroArray} (Java's {@code new float[n]}: a fresh, zeroed array at every
 * execution) into a counted loop of stores, so that no back end needs to know the instruction:
 * <pre>
 *   b:     ...; zero @priv; rest         b:     ...; zi = 0; goto head
 *                                  ==>   head:  if zi < n goto body else after
 *                                        body:  store @priv[zi] = 0; zi = add zi, 1; goto head
 *                                        after: rest
 * </pre>
 * The new blocks go at the end of the block list (ids stay list indices and no existing reference
 * changes); {@code after} takes over the split block's terminator, and where the split block was a
 * parallel loop's header, {@code after} becomes the header, since it now ends in the loop test. A
 * zero-length array needs no loop and the instruction is dropped. Each loop gets a counter of its own
 * ({@code zi}, {@code zi_2}, ...), dead after the loop. Why a loop and not stores: a private array may
 * be 65,536 elements long, and the device compilers unroll short constant loops themselves.
 */
public final class PrivateArrayZeroing implements KernelPass {

    @Override
    public String name() {
        return "private-array-zeroing";
    }

    @Override
    public KernelIR run(KernelIR ir) {
        if (!hasZero(ir)) return ir;
        List<Var> vars = new ArrayList<>(ir.vars());
        Set<String> names = new HashSet<>();
        for (Var v : vars) names.add(v.name());
        List<Block> blocks = new ArrayList<>(ir.blocks());
        List<ParallelLoop> loops = new ArrayList<>(ir.parallelLoops());
        // blocks appended by a split are scanned too: 'after' may hold the next zero of the same block
        for (int k = 0; k < blocks.size(); k++) {
            Block b = blocks.get(k);
            List<Instr> instrs = new ArrayList<>(b.instrs());
            int at = firstZero(instrs);
            if (at < 0) continue;
            Instr.ZeroArray zero = (Instr.ZeroArray) instrs.get(at);
            int n = zero.array().length();
            if (n == 0) {
                instrs.remove(at);
                blocks.set(k, new Block(k, instrs, b.terminator()));
                k--; // the same block again, for a later zero
                continue;
            }
            String name = "zi";
            for (int s = 2; !names.add(name); s++) name = "zi_" + s;
            Var i = new Var(vars.size(), Type.I32, name);
            vars.add(i);
            int head = blocks.size();
            int body = head + 1;
            int after = head + 2;
            List<Instr> before = new ArrayList<>(instrs.subList(0, at));
            before.add(new Instr.Move(i, Const.ofInt(0), zero.line()));
            blocks.set(k, new Block(k, before, new Terminator.Goto(head, zero.line())));
            blocks.add(new Block(head, List.of(), new Terminator.Branch(CmpOp.LT, i, Const.ofInt(n), body, after, zero.line())));
            Type element = zero.array().element().valueType();
            blocks.add(new Block(body, List.of(
                    new Instr.Store(zero.array(), i, new Const(element, 0), zero.line()), // bits 0: +0 of every type
                    new Instr.Binary(i, BinOp.ADD, i, Const.ofInt(1), zero.line())), new Terminator.Goto(head, zero.line())));
            blocks.add(new Block(after, instrs.subList(at + 1, instrs.size()), b.terminator()));
            for (int d = 0; d < loops.size(); d++) {
                ParallelLoop l = loops.get(d);
                if (l.header() == k) loops.set(d, new ParallelLoop(l.dim(), l.induction(), l.start(), after, l.exit(), l.tripCount()));
            }
        }
        return new KernelIR(ir.ownerClass(), ir.methodName(), ir.descriptor(), ir.kind(), ir.params(), vars, ir.arrays(),
                blocks, loops, ir.constants(), ir.reductions());
    }

    private static boolean hasZero(KernelIR ir) {
        for (Block b : ir.blocks()) {
            if (firstZero(b.instrs()) >= 0) return true;
        }
        return false;
    }

    private static int firstZero(List<Instr> instrs) {
        for (int k = 0; k < instrs.size(); k++) {
            if (instrs.get(k) instanceof Instr.ZeroArray) return k;
        }
        return -1;
    }
}
