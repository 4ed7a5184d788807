package io.kiln.passes;

import io.kiln.ir.ArrayRef;
import io.kiln.ir.BinOp;
import io.kiln.ir.Block;
import io.kiln.ir.Cfg;
import io.kiln.ir.CmpOp;
import io.kiln.ir.Const;
import io.kiln.ir.Conversion;
import io.kiln.ir.DefUse;
import io.kiln.ir.Instr;
import io.kiln.ir.KernelIR;
import io.kiln.ir.Terminator;
import io.kiln.ir.Value;
import io.kiln.ir.Var;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Deque;
import java.util.List;

/**
 * Removes the {@link Instr.CheckIndex} bounds checks that the kernel's own code already proves, so that
 * Java's bounds checks cost little where kernels are written the usual way. A check of {@code a[i]} goes
 * when both bounds are proven:
 * <ul>
 *   <li><b>{@code i < a.length}</b>: {@code i} is a constant and {@code a} has a constant length
 *       (private, local and constant arrays) greater than it; or a branch {@code i < len} (in any of
 *       javac's forms: {@code if (i >= len) exit}, ...) leads to a block that dominates the access, with
 *       no assignment to {@code i} on a path from that block to the access, where {@code len} is
 *       {@code a.length} (a variable assigned only by {@link Instr.ArrayLength} of {@code a} or as
 *       {@code a.length - c} with {@code c >= 0}, or a constant no larger than a constant length). This covers the {@code i < a.length} test of a
 *       {@code @Parallel} loop and of an ordinary counted loop, and {@code if (i < a.length)} guards.</li>
 *   <li><b>{@code i >= 0}</b>: {@code i} is a non-negative constant, or every assignment to {@code i}
 *       gives a non-negative value: a non-negative constant or variable, a work-item query, a parallel
 *       index or stride, an array length, a widening of a non-negative int, {@code x & c} with
 *       {@code c >= 0}, a {@code @Parallel} loop's entry {@code i = start + ParallelIndex} with
 *       {@code start >= 0}, or a step {@code x + k} of a non-negative {@code x} with {@code k} a positive
 *       constant or the parallel stride (a loop update {@code i++}, {@code i += stride}).</li>
 *   <li><b>Offsets and masks</b> of an index {@code t} computed just before the access in the same
 *       block (its only assignment, with no assignment to {@code x} in between): {@code t = x + k}
 *       ({@code k >= 0}) when {@code x >= 0} and {@code x < len - k'} with {@code k' >= k} as above (the
 *       {@code a[i + 1]} of a stencil under {@code i < a.length - 1}); {@code t = x - 1} when {@code x >= 1}
 *       (every assignment gives at least 1: a loop from 1) and {@code x < a.length}; {@code t = x & k}
 *       ({@code k >= 0}) into a private, local or constant array longer than {@code k}.</li>
 * </ul>
 * The step rule assumes that such a counter never wraps past {@code Integer.MAX_VALUE}
 * ({@code Long.MAX_VALUE} for long indices), which holds for counters tested against a length on
 * every iteration ({@code length + step} fits in the index type); the strided form of {@code @Parallel}
 * loops already relies on it. A loop that counts past the maximum and wraps is outside what this
 * pass keeps checked.
 * <p>Not eliminated (the check stays, which is always correct): guards against a scalar such as
 * {@code if (i < n)}, which would need a host-side check {@code n <= a.length} before each launch;
 * other computed indices ({@code a[i + offset]}, {@code a[row * n + col]}).
 */
public final class RangeCheckElimination implements KernelPass {

    @Override
    public String name() {
        return "range-check-elimination";
    }

    @Override
    public KernelIR run(KernelIR ir) {
        return hasChecks(ir) ? eliminate(ir, new Analysis(ir, false, null)) : ir;
    }

    /**
     * A fact about a launch's arguments that the host checks before each launch:
     * {@code bound <= length(array) + offset}, where {@code bound} is the length of array parameter
     * {@code param} ({@code scalar} false) or the value of scalar parameter {@code param} ({@code scalar}
     * true), and {@code array} is an array parameter. Parameters are numbered as in Java.
     */
    /** A fact about a launch's arguments that the host checks before launching a kernel built assuming it. */
    public sealed interface HostFact permits LengthFact, ProductFact {
        /** Whether the fact holds for {@code args}, the launch's arguments in Java parameter order. */
        boolean holds(Object[] args);
    }

    /**
     * {@code value(a) * value(b) <= length(array)} for scalar parameters {@code a} and {@code b} that the
     * kernel never assigns and array parameter {@code array}: the fact behind a row-major
     * {@code x[r * cols + c]} under {@code r < rows} and {@code c < cols} (then the index is at most
     * {@code rows * cols - 1}, and neither the product nor the sum can wrap). Computed exactly on the host.
     */
    public record ProductFact(int a, int b, int array) implements HostFact {
        // written out, as LengthFact's (why there)
        @Override
        public boolean equals(Object o) {
            return o instanceof ProductFact f && a == f.a && b == f.b && array == f.array;
        }

        @Override
        public int hashCode() {
            return (a * 31 + b) * 31 + array;
        }

        @Override
        public boolean holds(Object[] args) {
            long x = LengthFact.scalarValue(args[a]), y = LengthFact.scalarValue(args[b]);
            try {
                return Math.multiplyExact(x, y) <= LengthFact.length(args[array]);
            } catch (ArithmeticException e) {
                return false;
            }
        }

        @Override
        public String toString() {
            return "arg" + a + " * arg" + b + " <= length(arg" + array + ")";
        }
    }

    public record LengthFact(boolean scalar, int param, int array, long offset) implements HostFact {
        // written out, as a record's would be: the generated ones link through ObjectMethods.bootstrap on
        // first use (1-4 ms interpreted on a first build), and the facts are collected in a set
        @Override
        public boolean equals(Object o) {
            return o instanceof LengthFact f && scalar == f.scalar && param == f.param && array == f.array && offset == f.offset;
        }

        @Override
        public int hashCode() {
            return ((Boolean.hashCode(scalar) * 31 + param) * 31 + array) * 31 + Long.hashCode(offset);
        }

        /** Whether the fact holds for {@code args}, the launch's arguments in Java parameter order. */
        @Override
        public boolean holds(Object[] args) {
            long bound = scalar ? scalarValue(args[param]) : length(args[param]);
            long length = length(args[array]);
            try {
                return Math.subtractExact(bound, offset) <= length;
            } catch (ArithmeticException e) {
                return false; // beyond long: not proven, so the checked kernel runs
            }
        }

        private static long length(Object a) {
            return a instanceof io.kiln.OffHeapArray o ? o.length() : java.lang.reflect.Array.getLength(a);
        }

        private static long scalarValue(Object o) {
            return o instanceof Character c ? c : ((Number) o).longValue();
        }

        @Override
        public String toString() {
            return (scalar ? "arg" + param : "length(arg" + param + ")") + " <= length(arg" + array + ")"
                    + (offset == 0 ? "" : (offset > 0 ? " + " : " - ") + Math.abs(offset));
        }
    }

    /**
     * {@code ir} (already through {@link #run}) without the further checks that hold when the host
     * knows some {@link LengthFact}s about the launch's arguments: the {@code x[i]} of a loop
     * {@code i < y.length} needs {@code y.length <= x.length}, an {@code if (i < n)} guard {@code n <= x.length}.
     *
     * @param ir    the kernel, with the checks its own code proves already removed
     * @param facts what the host must check before launching {@code ir}; every fact must hold
     */
    public record Assumed(KernelIR ir, List<HostFact> facts) {
        public Assumed {
            facts = List.copyOf(facts);
        }

        /** Whether every fact holds for {@code args}, the launch's arguments in Java parameter order. */
        public boolean holds(Object[] args) {
            for (HostFact f : facts) {
                if (!f.holds(args)) return false;
            }
            return true;
        }
    }

    /**
     * The kernel without the checks that {@link LengthFact}s on the host would prove, or {@code null}
     * when there are none (then {@code ir} is all there is). The host launches the returned kernel only
     * when its facts hold, else {@code ir} with its checks: the result is the same, only faster.
     */
    public static Assumed assuming(KernelIR ir) {
        return assuming(ir, null);
    }

    /**
     * As {@link #assuming(KernelIR)}, for launches whose work-group size is exactly {@code local} (one
     * entry per dimension; {@code null}: unknown): a work-item kernel's {@code localIdx()} is then below
     * {@code local[0]}, so a local tile's {@code tile[ly * TILE + lx]} is proven inside a
     * {@code TILE * TILE} array when the group is {@code TILE x TILE}. The host builds this kernel for
     * the local size of the plan's grid and launches it only with that local size (the fact it checks).
     */
    public static Assumed assuming(KernelIR ir, long[] local) {
        if (!hasChecks(ir)) return null;
        Analysis an = new Analysis(ir, true, local == null ? null : local.clone());
        KernelIR out = eliminate(ir, an);
        return out == ir ? null : new Assumed(out, List.copyOf(an.facts));
    }

    /** The bounds checks left in {@code ir}. */
    public static int checks(KernelIR ir) {
        int n = 0;
        for (Block b : ir.blocks()) {
            for (Instr i : b.instrs()) {
                if (i instanceof Instr.CheckIndex) n++;
            }
        }
        return n;
    }

    private static KernelIR eliminate(KernelIR ir, Analysis an) {
        List<Block> out = new ArrayList<>(ir.blocks().size());
        boolean changed = false;
        for (Block b : ir.blocks()) {
            List<Instr> kept = new ArrayList<>(b.instrs().size());
            for (int k = 0; k < b.instrs().size(); k++) {
                Instr in = b.instrs().get(k);
                if (in instanceof Instr.CheckIndex c && an.proven(c, b.id(), k)) {
                    changed = true;
                    continue;
                }
                kept.add(in);
            }
            out.add(kept.size() == b.instrs().size() ? b : new Block(b.id(), kept, b.terminator()));
        }
        if (!changed) return ir;
        return new KernelIR(ir.ownerClass(), ir.methodName(), ir.descriptor(), ir.kind(), ir.params(), ir.vars(), ir.arrays(),
                out, ir.parallelLoops(), ir.constants(), ir.reductions());
    }

    private static boolean hasChecks(KernelIR ir) {
        for (Block b : ir.blocks()) {
            for (Instr i : b.instrs()) {
                if (i instanceof Instr.CheckIndex) return true;
            }
        }
        return false;
    }

    /** Facts about one kernel, computed once. */
    private static final class Analysis {
        final KernelIR ir;
        final Cfg cfg;
        /** Every instruction assigning each variable. */
        final List<List<Instr>> defs = new ArrayList<>();
        /** Whether checks may be removed under {@link LengthFact}s the host checks ({@link #assuming}). */
        final boolean assume;
        /** The facts the removed checks need, in the order found. */
        final java.util.LinkedHashSet<HostFact> facts = new java.util.LinkedHashSet<>();
        /** The Java parameter index of each scalar parameter's variable, by variable id; -1 for others. */
        final int[] scalarParam;
        /** Variables proven non-negative wherever they are read. */
        final BitSet nonNegative = new BitSet();
        /**
         * Variables proven at least 1 wherever they are read (a loop from 1, as in a stencil's
         * {@code for (i = 1; ...)}): the index {@code i - 1} is then non-negative.
         */
        final BitSet positive = new BitSet();

        /** The launch's work-group size per dimension, when the kernel is built for one; else {@code null}. */
        final long[] local;

        Analysis(KernelIR ir, boolean assume, long[] local) {
            this.ir = ir;
            this.assume = assume;
            this.local = local;
            this.cfg = Cfg.of(ir);
            this.scalarParam = new int[ir.vars().size()];
            java.util.Arrays.fill(scalarParam, -1);
            for (io.kiln.ir.Param p : ir.params()) {
                if (p instanceof io.kiln.ir.Param.Scalar sp) scalarParam[sp.var().id()] = p.index();
            }
            for (int v = 0; v < ir.vars().size(); v++) defs.add(new ArrayList<>());
            for (Block b : ir.blocks()) {
                for (Instr i : b.instrs()) {
                    Var d = DefUse.def(i);
                    if (d != null) defs.get(d.id()).add(i);
                }
            }
            // Greatest fixed point: assume every assigned, non-parameter variable is non-negative, then drop
            // those with an assignment that is not, until nothing changes (so loop updates can rely on
            // their own variable).
            BitSet params = new BitSet();
            for (io.kiln.ir.Param p : ir.params()) {
                if (p instanceof io.kiln.ir.Param.Scalar s) params.set(s.var().id());
            }
            for (int v = 0; v < defs.size(); v++) {
                if (!defs.get(v).isEmpty() && !params.get(v)) nonNegative.set(v);
            }
            greatestFixedPoint(nonNegative, false);
            // the same for >= 1, within the non-negative variables (every rule below keeps a value >= 1)
            positive.or(nonNegative);
            greatestFixedPoint(positive, true);
        }

        /**
         * Drops from {@code set} each variable with an assignment whose result is not non-negative (or, with
         * {@code positive}, not {@code >= 1}), until nothing changes. A flag rather than a method reference:
         * the pass runs interpreted on a kernel's first build, where each lambda site costs about 1 ms.
         */
        private void greatestFixedPoint(BitSet set, boolean positive) {
            boolean again = true;
            while (again) {
                again = false;
                for (int v = set.nextSetBit(0); v >= 0; v = set.nextSetBit(v + 1)) {
                    for (Instr d : defs.get(v)) {
                        if (!(positive ? positiveResult(d) : nonNegativeResult(d))) {
                            set.clear(v);
                            again = true;
                            break;
                        }
                    }
                }
            }
        }

        boolean positive(Value v) {
            return switch (v) {
                case Const c -> !c.type().isFloating() && c.longValue() >= 1;
                case Var x -> positive.get(x.id());
            };
        }

        /** Whether assignment {@code d} gives a value >= 1, given the current {@link #positive} set. */
        private boolean positiveResult(Instr d) {
            return switch (d) {
                case Instr.Move m -> positive(m.src());
                case Instr.Convert c -> c.op() == Conversion.I2L && positive(c.a());
                case Instr.Binary b -> switch (b.op()) {
                    // a loop update or a @Parallel loop's entry (start + ParallelIndex) from a value >= 1:
                    // the same no-wrap argument as for non-negative counters
                    case ADD -> positive(b.a()) && (step(b.b()) || nonNegative(b.b()) && parallelIndex(b.b()))
                            || positive(b.b()) && (step(b.a()) || nonNegative(b.a()) && parallelIndex(b.a()));
                    default -> false;
                };
                default -> false;
            };
        }

        boolean nonNegative(Value v) {
            return switch (v) {
                case Const c -> !c.type().isFloating() && c.longValue() >= 0;
                case Var x -> nonNegative.get(x.id());
            };
        }

        private boolean nonNegativeResult(Instr d) {
            return switch (d) {
                case Instr.Move m -> nonNegative(m.src());
                case Instr.WorkItem w -> true;
                case Instr.ParallelIndex p -> true;
                case Instr.ParallelStride p -> true;
                case Instr.ArrayLength l -> true;
                case Instr.Convert c -> c.op() == Conversion.I2L && nonNegative(c.a());
                case Instr.Binary b -> switch (b.op()) {
                    // x & c is in [0, c] for c >= 0, whatever x is
                    case AND -> b.a() instanceof Const c && nonNegative(c) || b.b() instanceof Const c2 && nonNegative(c2);
                    // a loop update i = i + k (see the class comment for why it does not wrap)
                    case ADD -> (nonNegative(b.a()) && step(b.b())) || (nonNegative(b.b()) && step(b.a()))
                            // a @Parallel loop's entry, i = start + ParallelIndex(dim)
                            || nonNegative(b.a()) && nonNegative(b.b()) && (parallelIndex(b.a()) || parallelIndex(b.b()));
                    default -> false;
                };
                default -> false;
            };
        }

        private boolean parallelIndex(Value v) {
            if (!(v instanceof Var x)) return false;
            List<Instr> d = defs.get(x.id());
            return allOfKind(d, Instr.ParallelIndex.class);
        }

        /** A step: a positive constant or the parallel stride. */
        private boolean step(Value v) {
            if (v instanceof Const c) return !c.type().isFloating() && c.longValue() > 0;
            Var x = (Var) v;
            List<Instr> d = defs.get(x.id());
            return allOfKind(d, Instr.ParallelStride.class);
        }

        /** Whether {@code defs} is not empty and each of them is a {@code kind} (a loop: see greatestFixedPoint). */
        private static boolean allOfKind(List<Instr> defs, Class<? extends Instr> kind) {
            if (defs.isEmpty()) return false;
            for (Instr i : defs) {
                if (!kind.isInstance(i)) return false;
            }
            return true;
        }

        /** Whether check {@code c}, instruction {@code at} of block {@code block}, can never fail. */
        boolean proven(Instr.CheckIndex c, int block, int at) {
            ArrayRef a = c.array();
            Value index = c.index();
            if (index instanceof Const k) return nonNegative(k) && !a.isParameter() && k.longValue() < a.length();
            Var v = (Var) index;
            if (assume && a.isParameter() && !a.isOffHeap() && rowMajor(v, a, block, at)) return true;
            if (!a.isParameter()) {
                // an index whose whole range fits a constant length: ly * TILE + lx under a known group size,
                // t[p * TILE + lx] under p < Math.min(TILE, ...)
                long[] r = range(v, block, at, 0, new BitSet());
                if (r[0] >= 0 && r[1] < a.length()) return true;
            }
            if (nonNegative(v) && proves(belowLength(v, 0, a, block, at))) return true;
            // an index computed just before the access, in the same block: t = x + k, t = x - k, t = x & k
            Instr d = definitionBefore(v, block, at);
            if (!(d instanceof Instr.Binary b) || !(b.b() instanceof Const k) || k.type().isFloating() || !(b.a() instanceof Var x)) return false;
            int def = indexOfSame(ir.blocks().get(block).instrs(), d);
            if (assigns(ir.blocks().get(block).instrs(), x, def + 1, at)) return false;
            long kv = k.longValue();
            return switch (b.op()) {
                // x + k < length when x < length - k' with k' >= k; x >= 0 and k >= 0 give t >= 0 (x + k
                // cannot wrap: it is below a length)
                case ADD -> kv >= 0 && kv <= Integer.MAX_VALUE && nonNegative(x) && proves(belowLength(x, kv, a, block, def));
                // x - 1 >= 0 when x >= 1; below a length when x is
                case SUB -> kv == 1 && positive(x) && proves(belowLength(x, 0, a, block, def));
                // x & k is in [0, k]: below a constant length greater than k
                case AND -> kv >= 0 && !a.isParameter() && kv < a.length();
                default -> false;
            };
        }

        // ---- row-major indices under scalar guards (host fact: rows * cols <= length) ---------------------

        /**
         * Whether {@code t}, the index of an access of parameter {@code a} at instruction {@code at} of
         * {@code block}, is {@code x * s + y} computed in that block with {@code 0 <= x < A} and
         * {@code 0 <= y < s} for scalar parameters {@code A} and {@code s} (dominating tests, no assignment
         * to {@code x} or {@code y} after the multiplication): then the host fact {@code A * s <= a.length}
         * proves it, and is recorded.
         */
        private boolean rowMajor(Var t, ArrayRef a, int block, int at) {
            List<Instr> in = ir.blocks().get(block).instrs();
            if (!(definitionBefore(t, block, at) instanceof Instr.Binary add) || add.op() != BinOp.ADD || t.type() != io.kiln.ir.Type.I32) return false;
            int addAt = indexOfSame(in, add);
            for (int order = 0; order < 2; order++) {
                if (!((order == 0 ? add.a() : add.b()) instanceof Var u) || !((order == 0 ? add.b() : add.a()) instanceof Var y)) continue;
                if (!(definitionBefore(u, block, addAt) instanceof Instr.Binary mul) || mul.op() != BinOp.MUL) continue;
                int mulAt = indexOfSame(in, mul);
                for (int side = 0; side < 2; side++) {
                    if (!((side == 0 ? mul.a() : mul.b()) instanceof Var x) || !((side == 0 ? mul.b() : mul.a()) instanceof Var s)) continue;
                    int sParam = scalarParam[s.id()];
                    if (sParam < 0 || !defs.get(s.id()).isEmpty()) continue;
                    if (!(nonNegative(x) || range(x, block, mulAt, 0, new BitSet())[0] >= 0)
                            || !(nonNegative(y) || range(y, block, addAt, 0, new BitSet())[0] >= 0)) continue;
                    if (assigns(in, x, mulAt + 1, at) || assigns(in, y, mulAt + 1, at)) continue;
                    int rows = scalarBound(x, block, at);
                    if (rows < 0 || scalarBound(y, block, at) != sParam) continue;
                    facts.add(new ProductFact(rows, sParam, a.paramIndex()));
                    return true;
                }
            }
            return false;
        }

        /**
         * The Java index of a scalar parameter {@code A} (never assigned) with a dominating test
         * {@code x < A} and no assignment to {@code x} between it and instruction {@code at} of {@code block};
         * -1 when there is none.
         */
        private int scalarBound(Var x, int block, int at) {
            for (int s = block; s != Cfg.NONE; s = cfg.idom(s)) {
                List<Integer> preds = cfg.predecessors(s);
                if (preds.size() != 1 || preds.get(0) == s) continue;
                if (!(ir.blocks().get(preds.get(0)).terminator() instanceof Terminator.Branch br) || br.ifTrue() == br.ifFalse()) continue;
                CmpOp holds = br.ifTrue() == s ? br.op() : negate(br.op());
                Value w = holds == CmpOp.LT && br.a().equals(x) ? br.b() : holds == CmpOp.GT && br.b().equals(x) ? br.a() : null;
                if (!(w instanceof Var wv) || scalarParam[wv.id()] < 0 || !defs.get(wv.id()).isEmpty()) continue;
                if (assignedBetween(x, s, block, at)) continue;
                return scalarParam[wv.id()];
            }
            return -1;
        }

        // ---- value ranges -----------------------------------------------------------------------------

        private static final long[] UNKNOWN = {Long.MIN_VALUE, Long.MAX_VALUE};
        /** How deep {@link #range} follows definitions: kernels' index expressions are shallow. */
        private static final int MAX_DEPTH = 24;

        /**
         * {@code {lo, hi}} with {@code lo <= v <= hi} wherever {@code v} is read at instruction {@code at} of
         * {@code block} ({@code Long.MIN_VALUE}/{@code MAX_VALUE}: unbounded). A variable's range is the union of
         * what its assignments give (each evaluated where it is), narrowed by a dominating test {@code v < w}
         * or {@code v <= w} and by {@link #nonNegative}; a computed range that could leave the variable's type
         * (the arithmetic could wrap) is unknown. {@code visiting} breaks cycles through loop updates.
         */
        long[] range(Value v, int block, int at, int depth, BitSet visiting) {
            if (v instanceof Const c) return c.type().isFloating() ? UNKNOWN : new long[] {c.longValue(), c.longValue()};
            Var x = (Var) v;
            long lo = Long.MAX_VALUE, hi = Long.MIN_VALUE;
            List<Instr> ds = defs.get(x.id());
            if (ds.isEmpty() || depth > MAX_DEPTH || visiting.get(x.id())) {
                lo = Long.MIN_VALUE;
                hi = Long.MAX_VALUE;
            } else {
                visiting.set(x.id());
                for (Instr d : ds) {
                    int[] where = position(d);
                    long[] r = where == null ? UNKNOWN : defRange(d, where[0], where[1], depth + 1, visiting);
                    lo = Math.min(lo, r[0]);
                    hi = Math.max(hi, r[1]);
                }
                visiting.clear(x.id());
            }
            if (lo == Long.MIN_VALUE && nonNegative(x)) lo = 0;
            hi = Math.min(hi, branchUpper(x, block, at, depth, visiting));
            return new long[] {lo, hi};
        }

        /** Block and index of instruction {@code d} (by identity). */
        private int[] position(Instr d) {
            for (Block b : ir.blocks()) {
                List<Instr> in = b.instrs();
                for (int k = 0; k < in.size(); k++) {
                    if (in.get(k) == d) return new int[] {b.id(), k};
                }
            }
            return null;
        }

        /** The range of the value assignment {@code d} (instruction {@code at} of {@code block}) gives. */
        private long[] defRange(Instr d, int block, int at, int depth, BitSet visiting) {
            Var dst = DefUse.def(d);
            long[] r = switch (d) {
                case Instr.Move m -> range(m.src(), block, at, depth, visiting);
                // io.kiln.Grid keeps every global size within 0 .. Integer.MAX_VALUE, so ids are below it
                case Instr.WorkItem w -> {
                    long l = local != null && w.dim() < local.length ? local[w.dim()] : -1;
                    yield switch (w.query()) {
                        case LOCAL_ID -> new long[] {0, l > 0 ? l - 1 : Integer.MAX_VALUE - 1};
                        case LOCAL_SIZE -> l > 0 ? new long[] {l, l} : new long[] {1, Integer.MAX_VALUE};
                        case GLOBAL_ID -> new long[] {0, Integer.MAX_VALUE - 1};
                        case GROUP_ID -> new long[] {0, l > 0 ? (Integer.MAX_VALUE - 1) / l : Integer.MAX_VALUE - 1};
                        case GLOBAL_SIZE, NUM_GROUPS -> new long[] {0, Integer.MAX_VALUE};
                    };
                }
                case Instr.ArrayLength l -> new long[] {0, Long.MAX_VALUE};
                case Instr.Convert c when c.op() == Conversion.I2L -> range(c.a(), block, at, depth, visiting);
                case Instr.MathCall m when (m.fn() == io.kiln.ir.MathFunction.MIN || m.fn() == io.kiln.ir.MathFunction.MAX)
                        && !dst.type().isFloating() -> {
                    long[] a = range(m.args().get(0), block, at, depth, visiting);
                    long[] b = range(m.args().get(1), block, at, depth, visiting);
                    yield m.fn() == io.kiln.ir.MathFunction.MIN ? new long[] {Math.min(a[0], b[0]), Math.min(a[1], b[1])}
                            : new long[] {Math.max(a[0], b[0]), Math.max(a[1], b[1])};
                }
                case Instr.Binary b when !dst.type().isFloating() -> binaryRange(b, block, at, depth, visiting);
                default -> UNKNOWN;
            };
            return fits(r, dst.type()) ? r : UNKNOWN;
        }

        private long[] binaryRange(Instr.Binary b, int block, int at, int depth, BitSet visiting) {
            if (b.op() == BinOp.AND && (b.b() instanceof Const c && c.longValue() >= 0 || b.a() instanceof Const c2 && c2.longValue() >= 0)) {
                long k = b.b() instanceof Const c ? c.longValue() : ((Const) b.a()).longValue();
                return new long[] {0, k}; // x & k is in [0, k] for k >= 0, whatever x is
            }
            long[] x = range(b.a(), block, at, depth, visiting);
            long[] y = range(b.b(), block, at, depth, visiting);
            if (!finite(x) || !finite(y)) return UNKNOWN;
            try {
                return switch (b.op()) {
                    case ADD -> new long[] {Math.addExact(x[0], y[0]), Math.addExact(x[1], y[1])};
                    case SUB -> new long[] {Math.subtractExact(x[0], y[1]), Math.subtractExact(x[1], y[0])};
                    case MUL -> {
                        long p1 = Math.multiplyExact(x[0], y[0]), p2 = Math.multiplyExact(x[0], y[1]);
                        long p3 = Math.multiplyExact(x[1], y[0]), p4 = Math.multiplyExact(x[1], y[1]);
                        yield new long[] {Math.min(Math.min(p1, p2), Math.min(p3, p4)), Math.max(Math.max(p1, p2), Math.max(p3, p4))};
                    }
                    default -> UNKNOWN;
                };
            } catch (ArithmeticException e) {
                return UNKNOWN;
            }
        }

        private static boolean finite(long[] r) {
            return r[0] != Long.MIN_VALUE && r[1] != Long.MAX_VALUE;
        }

        /** Whether every value of {@code r} is representable in {@code t}: then the computation did not wrap. */
        private static boolean fits(long[] r, io.kiln.ir.Type t) {
            if (t == io.kiln.ir.Type.I64) return true; // unbounded ends stay unbounded; finite ones came from exact arithmetic
            boolean loOk = r[0] == Long.MIN_VALUE || r[0] >= Integer.MIN_VALUE;
            boolean hiOk = r[1] == Long.MAX_VALUE || r[1] <= Integer.MAX_VALUE;
            return loOk && hiOk;
        }

        /**
         * The smallest upper bound of {@code x} that a dominating test gives at instruction {@code at} of
         * {@code block}: an edge where {@code x < w} (then {@code hi(w) - 1}) or {@code x <= w} ({@code hi(w)})
         * holds leads to a dominator of it, with no assignment to {@code x} in between.
         */
        private long branchUpper(Var x, int block, int at, int depth, BitSet visiting) {
            long best = Long.MAX_VALUE;
            if (depth > MAX_DEPTH) return best;
            for (int s = block; s != Cfg.NONE; s = cfg.idom(s)) {
                List<Integer> preds = cfg.predecessors(s);
                if (preds.size() != 1 || preds.get(0) == s) continue;
                int h = preds.get(0);
                if (!(ir.blocks().get(h).terminator() instanceof Terminator.Branch br) || br.ifTrue() == br.ifFalse()) continue;
                CmpOp holds = br.ifTrue() == s ? br.op() : negate(br.op());
                if (holds == null) continue;
                Value w;
                long minus;
                if ((holds == CmpOp.LT || holds == CmpOp.LE) && br.a().equals(x)) {
                    w = br.b();
                    minus = holds == CmpOp.LT ? 1 : 0;
                } else if ((holds == CmpOp.GT || holds == CmpOp.GE) && br.b().equals(x)) {
                    w = br.a();
                    minus = holds == CmpOp.GT ? 1 : 0;
                } else {
                    continue;
                }
                if (assignedBetween(x, s, block, at)) continue;
                long[] r = range(w, h, ir.blocks().get(h).instrs().size(), depth + 1, visiting);
                if (r[1] != Long.MAX_VALUE) best = Math.min(best, r[1] - minus);
            }
            return best;
        }

        /** A proof of {@code v < length(a) - slack}: by the kernel's own code ({@code fact} null), or given a host fact. */
        private record Proof(LengthFact fact) {
        }

        private static final Proof BY_CODE = new Proof(null);

        /** Whether {@code p} proves the bound; records the host fact it needs. */
        private boolean proves(Proof p) {
            if (p == null) return false;
            if (p.fact() != null) facts.add(p.fact());
            return true;
        }

        /**
         * A proof that {@code v < length(a) - slack} holds at instruction {@code at} of {@code block}: an
         * edge testing it leads to a dominator of the access, with no assignment to {@code v} in between;
         * or {@code null}. A proof by the kernel's code is preferred to one that needs a host fact.
         */
        private Proof belowLength(Var v, long slack, ArrayRef a, int block, int at) {
            Proof found = null;
            for (int s = block; s != Cfg.NONE; s = cfg.idom(s)) {
                List<Integer> preds = cfg.predecessors(s);
                if (preds.size() != 1 || preds.get(0) == s) continue;
                int h = preds.get(0);
                if (!(ir.blocks().get(h).terminator() instanceof Terminator.Branch br)) continue;
                Proof p = establishesBelowLength(br, s, v, slack, a);
                if (p == null || assignedBetween(v, s, block, at)) continue;
                if (p == BY_CODE) return p;
                if (found == null) found = p;
            }
            return found;
        }

        /** The only assignment to {@code v}, when it is an instruction of {@code block} before {@code at}; else {@code null}. */
        /**
         * The position of {@code d} itself in {@code in}: by identity, as {@link #definitionBefore} found it
         * (List.indexOf would call the record's generated equals, linked through ObjectMethods on a first build).
         */
        private static int indexOfSame(List<Instr> in, Instr d) {
            for (int k = 0; k < in.size(); k++) {
                if (in.get(k) == d) return k;
            }
            return -1;
        }

        private Instr definitionBefore(Var v, int block, int at) {
            List<Instr> d = defs.get(v.id());
            if (d.size() != 1) return null;
            List<Instr> in = ir.blocks().get(block).instrs();
            for (int k = 0; k < at; k++) {
                if (in.get(k) == d.get(0)) return d.get(0);
            }
            return null;
        }

        /** A proof that taking the edge of {@code br} to {@code target} means {@code v < length(a) - slack}, or {@code null}. */
        private Proof establishesBelowLength(Terminator.Branch br, int target, Var v, long slack, ArrayRef a) {
            if (br.ifTrue() == br.ifFalse()) return null;
            boolean taken = br.ifTrue() == target;
            CmpOp op = br.op();
            // the relation that holds on this edge, as 'x op y'
            CmpOp holds = taken ? op : negate(op);
            if (holds == null) return null;
            Value len = holds == CmpOp.LT && br.a().equals(v) ? br.b() : holds == CmpOp.GT && br.b().equals(v) ? br.a() : null;
            if (len == null) return null;
            if (slackBelowLength(len, a) >= slack) return BY_CODE;
            if (!assume || !a.isParameter()) return null;
            // v < len with len = bound - s, where the host knows bound: v < length(a) - slack when
            // bound - s <= length(a) - slack, i.e. bound <= length(a) + (s - slack)
            long[] bound = hostBound(len);
            if (bound == null || bound[0] == 0 && bound[1] == a.paramIndex()) return null;
            return new Proof(new LengthFact(bound[0] == 1, (int) bound[1], a.paramIndex(), bound[2] - slack));
        }

        /**
         * {@code len} as {@code {scalar ? 1 : 0, parameter, s}} meaning {@code len = bound - s}, where
         * bound is the length of array parameter {@code parameter} or the value of scalar parameter
         * {@code parameter} (never assigned in the kernel); {@code null} otherwise.
         */
        private long[] hostBound(Value len) {
            if (!(len instanceof Var x)) return null;
            List<Instr> d = defs.get(x.id());
            if (d.isEmpty()) return scalarParam[x.id()] >= 0 ? new long[] {1, scalarParam[x.id()], 0} : null;
            if (d.size() != 1) return null;
            if (d.get(0) instanceof Instr.ArrayLength l && l.array().isParameter()) return new long[] {0, l.array().paramIndex(), 0};
            if (d.get(0) instanceof Instr.Binary b && b.op() == BinOp.SUB && b.b() instanceof Const c && nonNegative(c)
                    && c.longValue() <= Integer.MAX_VALUE && b.a() instanceof Var v && !v.equals(x)) {
                long[] inner = hostBound(v);
                return inner == null ? null : new long[] {inner[0], inner[1], inner[2] + c.longValue()};
            }
            return null;
        }

        private static CmpOp negate(CmpOp op) {
            return switch (op) {
                case GE -> CmpOp.LT;
                case LE -> CmpOp.GT;
                case LT -> CmpOp.GE;
                case GT -> CmpOp.LE;
                default -> null;
            };
        }

        /**
         * The largest {@code s >= 0} proven with {@code len <= length(a) - s}, or -1 when {@code len} is not
         * known to be at most the length of {@code a}.
         */
        private long slackBelowLength(Value len, ArrayRef a) {
            if (len instanceof Const k) {
                return a.isParameter() || k.type().isFloating() || k.longValue() > a.length() ? -1 : a.length() - k.longValue();
            }
            List<Instr> d = defs.get(((Var) len).id());
            if (d.isEmpty()) return -1;
            long slack = Long.MAX_VALUE;
            for (Instr i : d) {
                long s;
                if (i instanceof Instr.ArrayLength l && l.array().equals(a)) {
                    s = 0;
                } else if (i instanceof Instr.Binary b && b.op() == BinOp.SUB && b.b() instanceof Const c && nonNegative(c)
                        && c.longValue() <= Integer.MAX_VALUE && b.a() instanceof Var v && !v.equals(len)) {
                    // a.length - c for c >= 0 (the bound of a stencil, i < a.length - 1): at most a.length - c,
                    // and no wrap since both are non-negative
                    long inner = slackBelowLength(v, a);
                    s = inner < 0 ? -1 : inner + c.longValue();
                } else {
                    s = -1;
                }
                slack = Math.min(slack, s);
                if (slack < 0) return -1;
            }
            return slack;
        }

        /**
         * Whether {@code v} may be assigned on a path from the start of block {@code from} to instruction
         * {@code at} of block {@code to} that does not pass through the start of {@code from} again
         * ({@code from} dominates {@code to}, so every path back from {@code to} reaches it).
         */
        private boolean assignedBetween(Var v, int from, int to, int at) {
            if (assigns(ir.blocks().get(to).instrs(), v, at)) return true;
            if (from == to) return false;
            BitSet seen = new BitSet();
            Deque<Integer> work = new ArrayDeque<>(cfg.predecessors(to));
            while (!work.isEmpty()) {
                int x = work.pop();
                if (seen.get(x)) continue;
                seen.set(x);
                List<Instr> in = ir.blocks().get(x).instrs();
                if (assigns(in, v, in.size())) return true;
                if (x == from) continue;
                work.addAll(cfg.predecessors(x));
            }
            return false;
        }

        private static boolean assigns(List<Instr> in, Var v, int end) {
            return assigns(in, v, 0, end);
        }

        private static boolean assigns(List<Instr> in, Var v, int from, int end) {
            for (int k = from; k < end; k++) {
                if (v.equals(DefUse.def(in.get(k)))) return true;
            }
            return false;
        }
    }
}
