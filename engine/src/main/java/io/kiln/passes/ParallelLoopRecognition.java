package io.kiln.passes;

import io.kiln.ir.BinOp;
import io.kiln.ir.Block;
import io.kiln.ir.Cfg;
import io.kiln.ir.CmpOp;
import io.kiln.ir.Const;
import io.kiln.ir.DefUse;
import io.kiln.ir.HostExpr;
import io.kiln.ir.Instr;
import io.kiln.ir.KernelIR;
import io.kiln.ir.KernelKind;
import io.kiln.ir.ParallelLoop;
import io.kiln.ir.Param;
import io.kiln.ir.Terminator;
import io.kiln.ir.Type;
import io.kiln.ir.Value;
import io.kiln.ir.Var;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns the {@code @Parallel} loops of a kernel into its iteration space. The front end translates a
 * {@code for (@Parallel int i = start; i < bound; i++)} loop as the plain counted loop Java runs, in a
 * {@link KernelKind#SINGLE} kernel, and hands this pass a {@link Marker} per loop: what only the
 * bytecode says (which variable the annotation names, where its scope begins, which variables to use).
 * This pass finds the rest in the IR and rewrites each loop into the strided form of {@link ParallelLoop}:
 * <pre>
 *   i_start = start; i = i_start             i_start = start; ix = parallel_index d; i = add i_start, ix
 *   header: if i >= bound goto exit    ==>   header: if i >= bound goto exit
 *   ... ; i = add i, 1                       ... ; st = parallel_stride d; i = add i, st
 * </pre>
 * and returns a {@link KernelKind#LOOP_PARALLEL} kernel with one {@link ParallelLoop} per marker, its
 * exit the header branch's taken target and its trip count {@code bound - start} ({@code + 1} for
 * {@code <=}) as a host expression rebuilt from the IR: constants, scalar parameters never assigned,
 * array parameter lengths, and single-assignment variables computed from those with integer
 * arithmetic and int/long conversions; {@code null} (a launch of default size) where the bound or
 * start depends on anything else. The loop test must compare the variable itself with the bound
 * ({@code i < n}, {@code i <= n} or their mirrored forms); anything else is refused with a
 * {@link Failure} at the test's line. The rest of the loop's form (one update {@code i++}, no other
 * assignment) is checked by the front end on the bytecode, where its messages name the construct.
 * <p>The output computes what the input did under {@code @Parallel}'s promise that iterations are
 * independent: each iteration runs once, on some work-item, with the same stores.
 * <p>The variables of the index and the stride are the marker's, reserved by the front end where it
 * translated the loop's initialisation and update: allocated here, they would be numbered after every
 * other variable, and the OpenCL C and PTX emitted would differ in names from the front end's order.
 */
public final class ParallelLoopRecognition implements KernelPass {
    private final List<Marker> markers;

    /**
     * One {@code @Parallel} loop as the front end saw it in the bytecode.
     *
     * @param dim       the loop's dimension, 0 for the outermost
     * @param name      the loop variable's source name, for messages
     * @param induction the loop variable
     * @param start     the variable holding the start value; the loop is entered by {@code induction = start}
     * @param header    the block ending in the loop test
     * @param index     an unused variable of the induction's type, to hold {@code parallel_index dim}
     * @param stride    an unused variable of the induction's type, to hold {@code parallel_stride dim}
     */
    public record Marker(int dim, String name, Var induction, Var start, int header, Var index, Var stride) {
    }

    /** A loop that does not have the recognised form; {@link #line()} is the loop test's, 0 when unknown. */
    public static final class Failure extends KernelRefusal {
        Failure(int line, String message) {
            super(line, message);
        }
    }

    /** A recognition of the loops {@code markers}, outermost first (dims 0, 1, ...). */
    public ParallelLoopRecognition(List<Marker> markers) {
        this.markers = List.copyOf(markers);
    }

    @Override
    public String name() {
        return "parallel-loop-recognition";
    }

    /**
     * Rewrites {@code ir}, a {@link KernelKind#SINGLE} kernel holding the marked loops, into a
     * loop-parallel kernel; returns {@code ir} itself where there are no markers.
     *
     * @throws Failure where a loop test does not compare the loop variable with a bound
     */
    @Override
    public KernelIR run(KernelIR ir) {
        if (markers.isEmpty()) return ir;
        if (ir.kind() != KernelKind.SINGLE) throw new IllegalArgumentException("parallel loops need a SINGLE kernel, not " + ir.kind());
        Cfg cfg = Cfg.of(ir);
        Map<Var, List<Instr>> defs = new HashMap<>();
        for (Block b : ir.blocks()) {
            for (Instr i : b.instrs()) {
                Var d = DefUse.def(i);
                if (d == null) continue;
                // not computeIfAbsent(d, k -> ...): a lambda costs ~1 ms on a first build
                List<Instr> list = defs.get(d);
                if (list == null) defs.put(d, list = new ArrayList<>());
                list.add(i);
            }
        }
        List<List<Instr>> blocks = new ArrayList<>();
        for (Block b : ir.blocks()) blocks.add(new ArrayList<>(b.instrs()));
        List<ParallelLoop> loops = new ArrayList<>();
        for (Marker m : markers) {
            Terminator.Branch br = (Terminator.Branch) ir.blocks().get(m.header()).terminator();
            CmpOp op = br.op();
            Value boundValue;
            boolean inclusive;
            if (m.induction().equals(br.a()) && (op == CmpOp.GE || op == CmpOp.GT)) {
                boundValue = br.b();
                inclusive = op == CmpOp.GT;
            } else if (m.induction().equals(br.b()) && (op == CmpOp.LE || op == CmpOp.LT)) {
                boundValue = br.a();
                inclusive = op == CmpOp.LT;
            } else {
                boolean longOperand = br.a().type() == Type.I64 || br.b().type() == Type.I64;
                throw new Failure(br.line(), "a @Parallel loop must test its variable first, as in " + m.name() + " < bound or " + m.name() + " <= bound"
                        + (m.induction().type() == Type.I32 && longOperand
                        ? " (an int variable needs an int bound: write " + m.name() + " < (int) x.length(), or use @Parallel long)" : ""));
            }
            BitSet body = loopBlocks(cfg, m.header(), br);
            rewriteEntry(blocks, body, m);
            rewriteUpdate(blocks, body, m);
            HostExpr bound = host(ir, defs, boundValue, 0);
            HostExpr start = host(ir, defs, m.start(), 0);
            HostExpr trips = null;
            if (bound != null && start != null) {
                trips = new HostExpr.Binary(BinOp.SUB, bound, start);
                if (inclusive) trips = new HostExpr.Binary(BinOp.ADD, trips, new HostExpr.Constant(1));
            }
            loops.add(new ParallelLoop(m.dim(), m.induction(), m.start(), m.header(), br.ifTrue(), trips));
        }
        List<Block> out = new ArrayList<>();
        for (Block b : ir.blocks()) out.add(new Block(b.id(), blocks.get(b.id()), b.terminator()));
        return new KernelIR(ir.ownerClass(), ir.methodName(), ir.descriptor(), KernelKind.LOOP_PARALLEL, ir.params(), ir.vars(),
                ir.arrays(), out, loops, ir.constants(), ir.reductions());
    }

    /**
     * The blocks of the loop tested at {@code header}: those on a path from the body's first block
     * ({@code br}'s fall-through) back to the header, and the header. Not simply the natural loop of
     * {@code header}: where the loop test calls a method, javac's back edge goes to the start of the
     * test, and the block ending in the test is the inlined call's continuation.
     */
    private static BitSet loopBlocks(Cfg cfg, int header, Terminator.Branch br) {
        BitSet forward = new BitSet();
        forward.set(header);
        ArrayDeque<Integer> work = new ArrayDeque<>();
        work.add(br.ifFalse());
        while (!work.isEmpty()) {
            int b = work.pop();
            if (forward.get(b)) continue;
            forward.set(b);
            work.addAll(cfg.successors(b));
        }
        BitSet in = new BitSet();
        work.add(header);
        while (!work.isEmpty()) {
            int b = work.pop();
            if (in.get(b) || !forward.get(b)) continue;
            in.set(b);
            work.addAll(cfg.predecessors(b));
        }
        return in;
    }

    /** {@code i = i_start} outside the loop becomes {@code ix = parallel_index d; i = add i_start, ix}. */
    private static void rewriteEntry(List<List<Instr>> blocks, BitSet body, Marker m) {
        int found = 0;
        for (int b = 0; b < blocks.size(); b++) {
            if (body.get(b)) continue;
            List<Instr> list = blocks.get(b);
            for (int k = 0; k < list.size(); k++) {
                if (list.get(k) instanceof Instr.Move mv && mv.dst().equals(m.induction()) && mv.src().equals(m.start())) {
                    list.set(k, new Instr.ParallelIndex(m.index(), m.dim(), mv.line()));
                    list.add(k + 1, new Instr.Binary(m.induction(), BinOp.ADD, m.start(), m.index(), mv.line()));
                    found++;
                    k++;
                }
            }
        }
        if (found != 1) throw new Failure(0, notRecognised(m.name()));
    }

    /**
     * The update {@code i = add i, 1} in the loop (for a long, {@code t = add i, 1L; ...; i = t}) becomes
     * {@code st = parallel_stride d; i = add i, st}.
     */
    private static void rewriteUpdate(List<List<Instr>> blocks, BitSet body, Marker m) {
        int found = 0;
        for (int b = body.nextSetBit(0); b >= 0; b = body.nextSetBit(b + 1)) {
            List<Instr> list = blocks.get(b);
            for (int k = 0; k < list.size(); k++) {
                if (!(list.get(k) instanceof Instr.Binary add) || add.op() != BinOp.ADD || !add.a().equals(m.induction())
                        || !(add.b() instanceof Const one) || one.type() != m.induction().type() || one.longValue() != 1) continue;
                if (!add.dst().equals(m.induction()) && !movedTo(list, k, add.dst(), m.induction())) continue;
                list.set(k, new Instr.Binary(add.dst(), BinOp.ADD, m.induction(), m.stride(), add.line()));
                list.add(k, new Instr.ParallelStride(m.stride(), m.dim(), add.line()));
                found++;
                k++;
            }
        }
        if (found != 1) throw new Failure(0, notRecognised(m.name()));
    }

    /** Whether {@code t} is moved into {@code to} later in {@code list}, after {@code k}, with no other write to {@code t} between. */
    private static boolean movedTo(List<Instr> list, int k, Var t, Var to) {
        for (int j = k + 1; j < list.size(); j++) {
            if (list.get(j) instanceof Instr.Move mv && mv.dst().equals(to) && mv.src().equals(t)) return true;
            if (t.equals(DefUse.def(list.get(j)))) return false;
        }
        return false;
    }

    /** The message for a {@code @Parallel} loop over {@code name} that is not in the recognised form (the front end's too). */
    public static String notRecognised(String name) {
        return "the @Parallel loop of '" + name + "' was not recognised: write it as for (@Parallel int " + name
                + " = start; " + name + " < bound; " + name + "++) (or @Parallel long)";
    }

    /**
     * {@code v} as a host expression: constants, never-assigned scalar parameters, array parameter
     * lengths, and variables assigned once from those by integer arithmetic or int/long conversion.
     * {@code null} for anything else (a value only the device knows).
     */
    private static HostExpr host(KernelIR ir, Map<Var, List<Instr>> defs, Value v, int depth) {
        if (depth > 64) return null;
        if (v instanceof Const c) return c.type() == Type.I32 || c.type() == Type.I64 ? new HostExpr.Constant(c.longValue()) : null;
        Var x = (Var) v;
        if (x.type() != Type.I32 && x.type() != Type.I64) return null;
        List<Instr> ds = defs.getOrDefault(x, List.of());
        for (Param p : ir.params()) {
            if (p instanceof Param.Scalar s && s.var().equals(x)) return ds.isEmpty() ? new HostExpr.Scalar(s.index()) : null;
        }
        if (ds.size() != 1) return null;
        return switch (ds.get(0)) {
            case Instr.Move mv -> host(ir, defs, mv.src(), depth + 1);
            case Instr.Binary b -> {
                HostExpr l = host(ir, defs, b.a(), depth + 1);
                HostExpr r = l == null ? null : host(ir, defs, b.b(), depth + 1);
                yield r == null ? null : new HostExpr.Binary(b.op(), l, r);
            }
            case Instr.Negate n -> {
                HostExpr a = host(ir, defs, n.a(), depth + 1);
                yield a == null ? null : new HostExpr.Binary(BinOp.SUB, new HostExpr.Constant(0), a);
            }
            // i2l keeps the value, l2i the low 32 bits ((x << 32) >> 32 in the host's long arithmetic)
            case Instr.Convert cv -> {
                HostExpr a = host(ir, defs, cv.a(), depth + 1);
                yield a == null ? null : switch (cv.op()) {
                    case I2L -> a;
                    case L2I -> new HostExpr.Binary(BinOp.SHR, new HostExpr.Binary(BinOp.SHL, a, new HostExpr.Constant(32)),
                            new HostExpr.Constant(32));
                    default -> null;
                };
            }
            case Instr.ArrayLength al -> al.array().paramIndex() >= 0 ? new HostExpr.Length(al.array().paramIndex()) : null;
            default -> null;
        };
    }
}
