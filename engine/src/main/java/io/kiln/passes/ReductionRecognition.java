package io.kiln.passes;

import io.kiln.ir.ArrayRef;
import io.kiln.ir.BinOp;
import io.kiln.ir.Block;
import io.kiln.ir.DefUse;
import io.kiln.ir.Instr;
import io.kiln.ir.KernelIR;
import io.kiln.ir.MathFunction;
import io.kiln.ir.Param;
import io.kiln.ir.ReduceOp;
import io.kiln.ir.Reduction;
import io.kiln.ir.Value;
import io.kiln.ir.Var;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns the updates of {@code @Reduce} arrays into {@link Reduction}s with a private accumulator:
 * {@code t = load total[0]; r = add t, v; store total[0] = r} becomes {@code t = acc; r = add t, v;
 * acc = r}, with {@code acc} set to the operation's identity at the start of block 0, and the bounds
 * checks of those accesses dropped (element 0 is written once, by the back end's final combine).
 * <p>Which parameters are {@code @Reduce} is bytecode-level information (an annotation), so the front end
 * names them; the front end has also already refused every access of such an array other than at
 * constant index 0 inside the {@code @Parallel} loop, with the source position of the access. This pass
 * states the rest on the IR:
 * <ul>
 *   <li>each store to the array stores a value computed in the same block as {@code x op y}
 *       ({@code add}, {@code mul}, {@code Math.min}, {@code Math.max}), where {@code x} or {@code y} is the
 *       value of a load of the array in that block (so the update reads element 0 once, directly);</li>
 *   <li>every update of one array uses the same operation;</li>
 *   <li>the array is updated at least once, and read only by its updates (as many loads as stores).</li>
 * </ul>
 * A kernel that breaks one of these is refused with a {@link Failure} naming the source line of the
 * offending store where there is one.
 */
public final class ReductionRecognition implements KernelPass {
    private final Set<Integer> params;

    /**
     * A recognition of the {@code @Reduce} array parameters at positions {@code params} (Java parameter
     * indices; each must be an array parameter of the kernels this runs on).
     */
    public ReductionRecognition(Set<Integer> params) {
        this.params = Set.copyOf(params);
    }

    /**
     * A kernel whose {@code @Reduce} updates are not of the recognised form. The message says what the
     * update must look like; {@link #line()} is the source line of the offending access, or 0 where the
     * rule concerns the whole kernel (never updated, read outside its update).
     */
    public static final class Failure extends KernelRefusal {
        Failure(int line, String message) {
            super(line, message);
        }
    }

    @Override
    public String name() {
        return "reduction-recognition";
    }

    /**
     * Rewrites the updates of the {@code @Reduce} arrays of {@code ir}.
     *
     * @throws Failure where an update is not of the recognised form
     */
    @Override
    public KernelIR run(KernelIR ir) {
        if (params.isEmpty()) return ir;
        List<Var> vars = new ArrayList<>(ir.vars());
        Set<String> names = new HashSet<>();
        for (Var v : vars) names.add(v.name());
        // one accumulator per array, in parameter order (the order of KernelIR.reductions())
        Map<ArrayRef, State> states = new LinkedHashMap<>();
        for (Param p : ir.params()) {
            if (!params.contains(p.index())) continue;
            if (!(p instanceof Param.Array a)) throw new IllegalArgumentException("@Reduce parameter " + p.name() + " is not an array");
            String name = a.array().name() + "_acc";
            for (int k = 2; !names.add(name); k++) name = a.array().name() + "_acc_" + k;
            Var acc = new Var(vars.size(), a.array().element().valueType(), name);
            vars.add(acc);
            states.put(a.array(), new State(a.array(), acc));
        }
        List<Block> blocks = new ArrayList<>(ir.blocks().size());
        for (Block b : ir.blocks()) blocks.add(rewrite(b, states));
        List<Reduction> reductions = new ArrayList<>();
        List<Instr> inits = new ArrayList<>();
        for (State s : states.values()) {
            String name = s.array.name();
            if (s.op == null) throw new Failure(0, "@Reduce parameter '" + name + "' is never updated in the @Parallel loop");
            if (s.loads != s.stores) {
                throw new Failure(0, "@Reduce parameter '" + name + "' is read outside its update; "
                        + "inside the loop only " + name + "[0] = " + name + "[0] op value is allowed");
            }
            // the front end's order: each accumulator's initialisation went to the front of block 0 in turn
            inits.add(0, new Instr.Move(s.accumulator, s.op.identity(s.accumulator.type()), s.line));
            reductions.add(new Reduction(s.array, s.op, s.accumulator));
        }
        Block entry = blocks.get(0);
        List<Instr> first = new ArrayList<>(inits);
        first.addAll(entry.instrs());
        blocks.set(0, new Block(entry.id(), first, entry.terminator()));
        List<Reduction> all = new ArrayList<>(ir.reductions());
        all.addAll(reductions);
        return new KernelIR(ir.ownerClass(), ir.methodName(), ir.descriptor(), ir.kind(), ir.params(), vars, ir.arrays(),
                blocks, ir.parallelLoops(), ir.constants(), all);
    }

    /** What is known of one {@code @Reduce} array while its kernel is rewritten. */
    private static final class State {
        final ArrayRef array;
        final Var accumulator;
        ReduceOp op;
        /** The line of the first update: the accumulator's initialisation at entry carries it. */
        int line;
        int loads;
        int stores;

        State(ArrayRef array, Var accumulator) {
            this.array = array;
            this.accumulator = accumulator;
        }
    }

    private static Block rewrite(Block b, Map<ArrayRef, State> states) {
        List<Instr> in = b.instrs();
        List<Instr> out = new ArrayList<>(in.size());
        boolean changed = false;
        for (int k = 0; k < in.size(); k++) {
            Instr i = in.get(k);
            if (i instanceof Instr.CheckIndex c && states.containsKey(c.array())) {
                changed = true; // the access it guards becomes a use of the accumulator
                continue;
            }
            if (i instanceof Instr.Load l && states.get(l.array()) instanceof State s) {
                s.loads++;
                out.add(new Instr.Move(l.dst(), s.accumulator, l.line()));
                changed = true;
            } else if (i instanceof Instr.Store st && states.get(st.array()) instanceof State s) {
                ReduceOp op = update(in, k, st, s);
                if (s.op != null && s.op != op) {
                    throw new Failure(in.get(k).line(), "@Reduce array '" + s.array.name() + "' is updated with both " + s.op + " and " + op
                            + "; use one operation");
                }
                s.op = op;
                if (s.stores++ == 0) s.line = st.line();
                out.add(new Instr.Move(s.accumulator, st.value(), st.line()));
                changed = true;
            } else {
                out.add(i);
            }
        }
        return changed ? new Block(b.id(), out, b.terminator()) : b;
    }

    /**
     * The operation of the update that ends with the store at {@code in.get(at)}: its value is the
     * result of {@code x op y} defined in this block, one operand being a load of the array in this block.
     */
    private static ReduceOp update(List<Instr> in, int at, Instr.Store st, State s) {
        // positions, not List.lastIndexOf: that compares records with equals, whose first call links a
        // bootstrap method (milliseconds of a kernel's first build, docs/cpu-backend.md "Early runs")
        int defAt = st.value() instanceof Var v ? lastDef(in, at, v) : -1;
        Instr def = defAt < 0 ? null : in.get(defAt);
        ReduceOp op = null;
        List<Value> operands = List.of();
        if (def instanceof Instr.Binary bin && (bin.op() == BinOp.ADD || bin.op() == BinOp.MUL)) {
            op = bin.op() == BinOp.ADD ? ReduceOp.ADD : ReduceOp.MUL;
            operands = List.of(bin.a(), bin.b());
        } else if (def instanceof Instr.MathCall m && (m.fn() == MathFunction.MIN || m.fn() == MathFunction.MAX)) {
            op = m.fn() == MathFunction.MIN ? ReduceOp.MIN : ReduceOp.MAX;
            operands = m.args();
        }
        for (Value o : operands) {
            int loadAt = o instanceof Var v ? lastDef(in, defAt, v) : -1;
            if (loadAt >= 0 && in.get(loadAt) instanceof Instr.Load l && l.array().equals(s.array)) return op;
        }
        String name = s.array.name();
        String e0 = s.array.isOffHeap() ? name + ".get(0)" : name + "[0]";
        String form = s.array.isOffHeap() ? name + ".set(0, " + e0 + " + value)" : e0 + " = " + e0 + " + value";
        throw new Failure(in.get(at).line(), "@Reduce array '" + name + "' must be updated as " + form
                + " (or *, Math.min, Math.max), reading " + e0 + " once");
    }

    /** The position of the last instruction before {@code in.get(before)} that assigns {@code v}, or -1. */
    private static int lastDef(List<Instr> in, int before, Var v) {
        for (int k = before - 1; k >= 0; k--) {
            if (v.equals(DefUse.def(in.get(k)))) return k;
        }
        return -1;
    }
}
