package io.kiln.cpu;

import io.kiln.ir.AddressSpace;
import io.kiln.ir.ArrayRef;
import io.kiln.ir.BinOp;
import io.kiln.ir.Block;
import io.kiln.ir.CmpOp;
import io.kiln.ir.Const;
import io.kiln.ir.ElementType;
import io.kiln.ir.Instr;
import io.kiln.ir.KernelIR;
import io.kiln.ir.KernelKind;
import io.kiln.ir.MathFunction;
import io.kiln.ir.Param;
import io.kiln.ir.ParallelLoop;
import io.kiln.ir.Terminator;
import io.kiln.ir.Type;
import io.kiln.ir.Value;
import io.kiln.ir.Var;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/**
 * Finds the {@code @Parallel} loops whose iterations the {@code chunk} method can run as Vector API
 * lanes ({@code jdk.incubator.vector}) with exactly Java's results, and holds what the emitter needs to
 * write such a loop. JDK 25's C2 does not vectorise float accesses to a {@code MemorySegment}, nor a
 * loop that stores to one segment while it loads another (two segments may overlap partially and
 * SuperWord has no run-time aliasing check), so saxpy on {@code FloatArray} ran 1.4-2.7x slower than on
 * {@code float[]}; an explicit vector loop closes that gap for every kernel of this shape.
 * <p>A loop qualifies ({@link #analyse}) when it is a parallel loop or a counted sequential loop of a
 * chunkable loop kernel without reductions, its header compares the induction variable with a bound
 * the loop does not change, and its iteration (the region: one block, or blocks with inner loops and
 * branches whose conditions are the same in every lane) passes {@link Scan}'s rules:
 * <ul>
 * <li>every array access is at the iteration's own index {@code i}, at {@code base + i}
 * ({@link #SHIFTED}), at {@code s * i + base + k} ({@link #STRIDED}, Java arrays only: a gather or
 * scatter) or at an index the same in every lane, of a parameter array of {@code int}, {@code long},
 * {@code float} or {@code double}; a written array is accessed so that no lane touches another's
 * elements;</li>
 * <li>every value that differs per lane is 32 bits wide, or every one is 64 bits wide (one lane count),
 * and each is assigned before it is read in the iteration and not read outside it;</li>
 * <li>every operation on such values has a lanewise Vector API equivalent that is exact in Java's terms:
 * float and double {@code + - * /}, negation, {@code Math.abs}, {@code Math.fma}, {@code Math.sqrt},
 * {@code Math.min}/{@code max} (the API specifies them as {@code Math.min}/{@code max}: NaN wins,
 * {@code -0.0 < 0.0}); int and long {@code + - * & | ^}, negation, {@code Math.min}/{@code max} and the
 * shifts (the API masks the count to the lane width, as Java does); {@code i2f} and {@code l2d}
 * (round to nearest, like Java's). Integer division and remainder, float remainder, other
 * conversions, transcendental functions, compares, atomics and printing keep the loop scalar.</li>
 * </ul>
 * By default only loops that touch an off-heap array or hold inner loops get a vector loop (see
 * {@link #PROPERTY}). The vector loop runs the chunk's whole vectors and leaves the rest to the unchanged
 * scalar loop; the iterations it covers are those whose bounds checks pass (see {@code VectorLoopWriter}),
 * so a failing access is reached by the scalar loop, after the same writes, with the same exception.
 * docs/cpu-backend.md, "Vector loops", says the same for users.
 */
final class VectorLoops {
    /**
     * {@code -Dkiln.cpu.vectorize}: {@code false} keeps every loop scalar (for comparisons); {@code all}
     * also vectorises loops over Java arrays only; anything else (the default) vectorises the loops
     * that touch an off-heap array. C2's own SuperWord already vectorises loops over Java arrays, and
     * unrolls them, which the explicit vector loop does not: measured, saxpy on {@code float[]} took
     * 1.15-1.3x as long with it.
     */
    static final String PROPERTY = "kiln.cpu.vectorize";

    private static final int BITS = preferredBits();

    /** Set by generated code the first time a vector loop runs (a diagnostic for tests). */
    static volatile boolean ran;

    private VectorLoops() {
    }

    /** Kinds of values in a vector iteration ({@link #analyse}), ordered: a variable takes the largest of its definitions'. */
    static final int UNIFORM = 0;
    /** The iteration's own index: the induction variable or its {@code i2l}; held as lane 0's value. */
    static final int OWN = 1;
    /** The iteration's index plus a value the same in every lane: held as lane 0's value, lane {@code l} is it plus {@code l}. */
    static final int SHIFTED = 2;
    /**
     * The iteration's index times a constant stride, plus a value the same in every lane
     * ({@code i * 4 + 1}, an element of an array of structures): held as lane 0's value, lane {@code l}
     * is it plus {@code l * stride} (int arithmetic, which wraps as Java's does). Heap arrays are
     * accessed there with a gather or scatter through the index map {@code 0, stride, 2 * stride, ...}.
     */
    static final int STRIDED = 3;
    /** A value per lane: held as a vector. */
    static final int VECTOR = 4;

    /** The largest stride a {@link #STRIDED} index may have (the index map's last entry must be an int). */
    static final int MAX_STRIDE = 1 << 12;

    /** {@link #analyse}'s {@code anchor} of a strided variable: its offset from {@code stride * i} is a constant. */
    static final int ANCHOR_NONE = -1;
    /** {@link #analyse}'s {@code anchor} of a strided variable: its offset from {@code stride * i} is not known. */
    static final int ANCHOR_UNKNOWN = -2;

    /**
     * The index map of a gather or scatter at a {@link #STRIDED} index, {@code 0, stride, ..., (lanes - 1) * stride}
     * (called once per entry of a vector loop).
     */
    static int[] strideMap(int stride, int lanes) {
        int[] map = new int[lanes];
        for (int l = 0; l < lanes; l++) map[l] = l * stride;
        return map;
    }

    /**
     * A recognised loop.
     *
     * @param dim        which parallel loop runs as vectors (0, or an inner one), or -1 for a sequential loop
     * @param header     the loop's header block
     * @param region     the blocks of one iteration, the entry first (one block, or a body with inner loops)
     * @param latch      the region's block that jumps back to the header (it ends with the induction update)
     * @param induction  the induction variable
     * @param bound      what the header compares it with (a constant or a variable the loop does not change)
     * @param inclusive  whether the loop runs while {@code i <= bound} (else {@code i < bound})
     * @param laneBytes  4 (int and float lanes) or 8 (long and double lanes)
     * @param lanes      values per vector of the preferred shape
     * @param kind       per variable, {@link #UNIFORM}, {@link #OWN}, {@link #SHIFTED}, {@link #STRIDED} or {@link #VECTOR}
     * @param stride     per variable of kind {@link #STRIDED}, its stride (0 for the others)
     * @param window     per region block, per position of a bounds check at a strided index {@code x}, the
     *                   offsets {@code lo, hi} from {@code x} that it tests (for every lane): the window of
     *                   the accesses of that array at that stride and base, whose other checks it covers
     *                   (they are skipped)
     * @param skipped    per region block, positions the vector loop leaves out: the induction update and
     *                   the bounds checks at the own index (covered by the vector loop's limit)
     * @param scalarAt   per region block, positions of instructions that run as scalars once per vector
     *                   iteration: values the same in every lane and lane 0's index
     * @param floatSqrt  per region block, positions of the {@code d2f} of a {@code (float) Math.sqrt(f)},
     *                   with {@code f}: one float lanewise square root (the {@code f2d} and the double root are skipped)
     * @param checked    the arrays whose checks at the own index remain: the vector loop stops at the shortest
     * @param offHeap    the off-heap arrays the region accesses
     * @param independent pairs (written, other) of off-heap arrays that must be identical or disjoint
     * @param disjoint   pairs (written, other) of off-heap arrays that must be disjoint
     * @param distinct   pairs (written, other) of Java arrays of one element type that must not be the same array
     * @param innerLoops whether the region holds loops (which C2's SuperWord does not vectorise across)
     * @param hoisted    bounds checks at a {@link #SHIFTED} index that come after a store of the iteration,
     *                   tested instead at the iteration's start (where nothing is stored yet), after the
     *                   instructions that compute their index ({@link Hoisted})
     */
    record Plan(int dim, int header, List<Integer> region, int latch, Var induction, Value bound, boolean inclusive,
                int laneBytes, int lanes, int[] kind, int[] stride, java.util.Map<Integer, java.util.Map<Integer, long[]>> window,
                java.util.Map<Integer, BitSet> skipped,
                java.util.Map<Integer, BitSet> scalarAt, java.util.Map<Integer, java.util.Map<Integer, Var>> floatSqrt,
                List<ArrayRef> checked, List<ArrayRef> offHeap, List<ArrayRef[]> independent, List<ArrayRef[]> disjoint,
                List<ArrayRef[]> distinct, boolean innerLoops, List<Hoisted> hoisted) {

        /** One line for the listing. */
        String describe() {
            StringBuilder blocks = new StringBuilder();
            for (int b : region) blocks.append(blocks.isEmpty() ? "b" : ", b").append(b);
            return (dim >= 0 ? "parallel loop " + dim : "the loop at b" + header) + " runs as " + lanes + " x " + (laneBytes * 8) + "-bit Vector API lanes ("
                    + (region.size() == 1 ? "body " : "blocks ") + blocks + "), then scalar for the tail"
                    + (independent.isEmpty() && disjoint.isEmpty() && distinct.isEmpty() ? ""
                    : "; arrays that may overlap are checked once per entry and take the scalar loop if they do")
                    + (region.size() > 1 ? "; a bounds check that fails in a vector re-runs its iterations as scalars" : "")
                    + (hoisted.isEmpty() ? "" : "; " + hoisted.size() + " bounds check(s) after a store tested at the iteration's start");
        }

        /** Whether variable {@code v} is held as a vector. */
        boolean isVector(Var v) {
            return kind[v.id()] == VECTOR;
        }
    }

    /**
     * A bounds check moved to the start of the vector iteration: the check at position {@code pos} of block
     * {@code block}, and the instructions {@code {block, pos}} that compute its index from the induction
     * variable, constants and values the loop does not assign, in the order to run them. Each of those
     * instructions is the only assignment of its variable in the iteration and comes before the check on
     * every path (it dominates it), and each is index arithmetic that cannot throw, so running them early
     * gives the check's own index; the region's variables are assigned before they are read
     * ({@code assignedBeforeRead}), so an early assignment is read by nobody before its own.
     */
    record Hoisted(int block, int pos, List<int[]> chain) {}

    /** What {@link #analyse} found: a plan, or why the loop stays scalar. */
    record Result(Plan plan, String reason) {
        static Result no(String reason) {
            return new Result(null, reason);
        }
    }

    /**
     * The plan for one of {@code ir}'s parallel loops if the Vector API is usable here (module resolved and
     * readable, vectors of at least two 64-bit lanes, not {@code -Dkiln.cpu.vectorize=false}) and the loop
     * touches an off-heap array or holds inner loops (or {@code -Dkiln.cpu.vectorize=all}); otherwise why not.
     */
    static Result plan(KernelIR ir, KernelAnalysis an) {
        String mode = System.getProperty(PROPERTY, "auto");
        if ("false".equalsIgnoreCase(mode)) return Result.no("-D" + PROPERTY + "=false");
        if (BITS == 0) return Result.no("jdk.incubator.vector is not available (run with --add-modules jdk.incubator.vector)");
        return analyse(ir, an, BITS, "all".equalsIgnoreCase(mode));
    }

    /** Whether generated vector loops can run in this JVM (the same test as {@link #plan}, without a kernel). */
    static boolean available() {
        return BITS != 0 && !"false".equalsIgnoreCase(System.getProperty(PROPERTY, "auto"));
    }

    private static int preferredBits() {
        var module = ModuleLayer.boot().findModule("jdk.incubator.vector");
        if (module.isEmpty() || !VectorLoops.class.getModule().canRead(module.get())) return 0;
        try {
            // Loaded only now: without the module, the class cannot link.
            int bits = VectorShape.preferredBits();
            return bits >= 128 ? bits : 0;
        } catch (LinkageError e) {
            return 0;
        }
    }

    /**
     * Whether a vector loop over {@code s} is allowed: native memory (a heap segment could alias a
     * Java array parameter at an arbitrary offset). Called by generated code once per entry.
     */
    static boolean usable(MemorySegment s) {
        return s.isNative();
    }

    /**
     * Whether two segments, one of which the loop writes, are identical or disjoint. Iteration
     * {@code i} touches element {@code i} of each, so then a vector of iterations reads and writes what
     * the same iterations one at a time would; with a partial overlap an iteration could read what a
     * later one of the same vector wrote (or the reverse), so the loop takes the scalar path, which is
     * the plain Java method's order. Called by generated code once per entry.
     */
    static boolean independent(MemorySegment written, MemorySegment other) {
        return written.address() == other.address() || disjoint(written, other);
    }

    /**
     * Whether two segments, one of which the loop writes, share no byte: needed where an iteration reads
     * one of them at another index than its own (a neighbour, or an element every lane reads).
     */
    static boolean disjoint(MemorySegment written, MemorySegment other) {
        long a = written.address();
        long b = other.address();
        return a + written.byteSize() <= b || b + other.byteSize() <= a;
    }

    /** Records that a vector loop ran (generated code calls this only while {@link #ran} is false). */
    static void markRan() {
        ran = true;
    }

    /** Why {@link #plan} leaves a loop that qualifies to C2 (by default). */
    static final String LEFT_TO_C2 = "only Java arrays: C2 vectorises this loop itself (-D" + PROPERTY + "=all forces a vector loop)";

    /**
     * The analysis with {@code bits}-bit vectors, whatever this JVM supports (tests use it directly): the
     * innermost loop that qualifies, trying the kernel's loops from the innermost out. Candidates are
     * the parallel loops and the sequential loops {@code for (int x = s; x < bound; x++)}: the analysis
     * proves by itself that the iterations of the loop it plans do not interact (it never relies on
     * {@code @Parallel}'s promise), so an inner sequential loop whose iterations are independent, the
     * {@code x} loop of a stencil over rows, runs as lanes as well. Without {@code all}, a loop over Java
     * arrays only whose iteration holds no inner loop is left to C2 ({@link #LEFT_TO_C2}).
     */
    static Result analyse(KernelIR ir, KernelAnalysis an, int bits, boolean all) {
        if (ir.kind() != KernelKind.LOOP_PARALLEL || !an.chunkable || an.loop0 == null) {
            return Result.no("not a loop kernel with a chunkable parallel loop 0");
        }
        if (!ir.reductions().isEmpty()) return Result.no("@Reduce kernel");
        List<Candidate> candidates = candidates(ir);
        StringBuilder why = new StringBuilder();
        for (Candidate c : candidates) {
            Result r = new Scan(ir, an, c.loop(), bits).run();
            if (r.plan() != null && (all || !r.plan().offHeap().isEmpty() || r.plan().innerLoops())) return r;
            String reason = r.plan() != null ? LEFT_TO_C2 : r.reason();
            if (candidates.size() == 1) return Result.no(reason);
            why.append(why.isEmpty() ? "" : "; ").append(c.name()).append(": ").append(reason);
        }
        return Result.no(why.toString());
    }

    /** A loop the analysis may plan: a parallel loop, or a sequential one as a loop of dimension -1. */
    private record Candidate(ParallelLoop loop, int size) {
        String name() {
            return loop.dim() >= 0 ? "parallel loop " + loop.dim() : "the loop at b" + loop.header();
        }
    }

    /** At most this many loops are analysed per kernel (innermost first), bounding the compile time. */
    private static final int MAX_CANDIDATES = 8;

    /**
     * The kernel's parallel loops and its counted sequential loops of step 1 on an int counter
     * ({@link KernelAnalysis#countedLoop}), the smallest (innermost) first; among loops of one size,
     * the parallel loops from the innermost out.
     */
    private static List<Candidate> candidates(KernelIR ir) {
        io.kiln.ir.Cfg cfg = io.kiln.ir.Cfg.of(ir);
        int n = ir.blocks().size();
        BitSet[] body = new BitSet[n];
        for (int b = 0; b < n; b++) {
            if (!cfg.isReachable(b)) continue;
            for (int h : cfg.successors(b)) {
                if (h < 0 || h >= n || !cfg.dominates(h, b)) continue;
                if (body[h] == null) {
                    body[h] = new BitSet();
                    body[h].set(h);
                }
                KernelAnalysis.naturalLoop(cfg, b, body[h]);
            }
        }
        List<Candidate> out = new ArrayList<>();
        java.util.Set<Integer> parallelHeaders = new java.util.HashSet<>();
        List<ParallelLoop> loops = ir.parallelLoops();
        for (int k = loops.size() - 1; k >= 0; k--) {
            ParallelLoop l = loops.get(k);
            parallelHeaders.add(l.header());
            out.add(new Candidate(l, body[l.header()] == null ? Integer.MAX_VALUE : body[l.header()].cardinality()));
        }
        for (int h = 0; h < n; h++) {
            if (body[h] == null || parallelHeaders.contains(h)) continue;
            KernelAnalysis.CountedLoop c = KernelAnalysis.countedLoop(ir, h, body[h]);
            if (c == null || c.step() != 1 || !(ir.blocks().get(h).terminator() instanceof Terminator.Branch br)) continue;
            int exit = body[h].get(br.ifTrue()) ? br.ifFalse() : br.ifTrue();
            out.add(new Candidate(new ParallelLoop(-1, c.counter(), null, h, exit, null), body[h].cardinality()));
        }
        out.sort(java.util.Comparator.comparingInt(Candidate::size));
        return out.size() > MAX_CANDIDATES ? List.copyOf(out.subList(0, MAX_CANDIDATES)) : out;
    }

    /**
     * The analysis of one loop. The iteration's blocks (the region) may hold branches and loops whose
     * conditions are the same in every lane: each lane then takes the same path, so the vector
     * iteration runs the region once, with values that differ per lane as vectors and the others as
     * scalars. What makes it exact besides the lanewise operations (see the class comment):
     * <ul>
     * <li>an array the loop writes is accessed, loads and stores, at one index only, the iteration's own
     * ({@code i}) or one variable {@code base + i} computed once per iteration, so each lane touches its own
     * elements of it and no other lane's; other arrays that could be the same memory are checked at run time;</li>
     * <li>a bounds check that the vector loop cannot prove up front (a neighbour, an element every lane reads)
     * runs for all lanes; if it fails, the vector iteration has stored nothing yet (no store may precede such a
     * check in the region), and the scalar loop runs the iterations from lane 0 on, failing as Java does;</li>
     * <li>every variable the region assigns is assigned before it is read in the iteration and is not used
     * outside the region.</li>
     * </ul>
     */
    private static final class Scan {
        final KernelIR ir;
        final KernelAnalysis an;
        final ParallelLoop loop;
        final int bits;
        final Var iv;
        final int[] kind;
        /** Per {@link #STRIDED} variable: value = stride * i + (anchor's value, or 0 for {@link #ANCHOR_NONE}) + offset. */
        final int[] stride;
        final int[] anchor;
        final long[] offset;
        final java.util.Map<Integer, BitSet> skipped = new java.util.TreeMap<>();
        /** Per {@link #family}: its offsets' range, and the block of the check that tests it for all. */
        final java.util.Map<String, long[]> windows = new java.util.HashMap<>();
        final java.util.Map<String, Integer> covering = new java.util.HashMap<>();
        final java.util.Map<Integer, java.util.Map<Integer, long[]>> window = new java.util.TreeMap<>();
        final java.util.Map<Integer, BitSet> scalarAt = new java.util.TreeMap<>();
        final java.util.Map<Integer, java.util.Map<Integer, Var>> floatSqrt = new java.util.TreeMap<>();
        final BitSet temps = new BitSet();
        final List<ArrayRef> checked = new ArrayList<>();
        final List<ArrayRef> offHeap = new ArrayList<>();
        /** Per array id: the index variable classes it is accessed at (-1: own; else a variable id). */
        final java.util.Map<Integer, java.util.Set<Integer>> accessedAt = new java.util.TreeMap<>();
        final BitSet writtenIds = new BitSet();
        final List<Hoisted> hoisted = new ArrayList<>();
        int laneBytes;

        Scan(KernelIR ir, KernelAnalysis an, ParallelLoop loop, int bits) {
            this.ir = ir;
            this.an = an;
            this.loop = loop;
            this.bits = bits;
            this.iv = loop.induction();
            this.kind = new int[ir.vars().size()];
            this.stride = new int[ir.vars().size()];
            this.anchor = new int[ir.vars().size()];
            this.offset = new long[ir.vars().size()];
        }

        Result run() {
            Block header = ir.blocks().get(loop.header());
            if (!(header.terminator() instanceof Terminator.Branch br)) return Result.no("irregular loop header");
            Exit exit = exitTest(br, loop);
            if (exit == null) return Result.no("the loop test is not i < bound or i <= bound");
            // The header runs once before the vector loop instead of once per iteration: only instructions
            // that cannot throw and, with nothing they read assigned in the body, give the same value each time.
            for (Instr in : header.instrs()) {
                boolean pure = switch (in) {
                    case Instr.ArrayLength a -> true;
                    case Instr.Move m -> true;
                    case Instr.Negate n -> true;
                    case Instr.Convert c -> true;
                    case Instr.Binary b -> b.dst().type().isFloating() || b.op() != BinOp.DIV && b.op() != BinOp.REM;
                    default -> false;
                };
                if (!pure) return Result.no("the loop header computes more than its bound from parameters and array lengths");
            }
            int entry = br.ifTrue() == loop.exit() ? br.ifFalse() : br.ifTrue();
            io.kiln.ir.Cfg cfg = io.kiln.ir.Cfg.of(ir);
            // The region: what the entry reaches without passing the header.
            BitSet in = new BitSet();
            java.util.ArrayDeque<Integer> work = new java.util.ArrayDeque<>();
            in.set(entry);
            work.add(entry);
            while (!work.isEmpty()) {
                int b = work.poll();
                for (int s : cfg.successors(b)) {
                    if (s >= 0 && s != loop.header() && !in.get(s)) {
                        in.set(s);
                        work.add(s);
                    }
                }
            }
            List<Integer> region = new ArrayList<>();
            for (int b : cfg.reversePostOrder()) if (in.get(b)) region.add(b);
            if (region.isEmpty() || region.get(0) != entry) return Result.no("irregular loop body");
            int latch = -1;
            for (int b : region) {
                Terminator t = ir.blocks().get(b).terminator();
                if (t instanceof Terminator.Return || t instanceof Terminator.Switch) {
                    return Result.no(region.size() == 1 ? "the loop body has branches or calls" : "the loop body leaves the loop or switches");
                }
                for (ParallelLoop o : ir.parallelLoops()) {
                    if (o.header() == b) return Result.no("an inner parallel loop");
                }
                for (int s : cfg.successors(b)) {
                    if (s == loop.header()) {
                        if (latch >= 0 || !(t instanceof Terminator.Goto)) return Result.no("the loop has several back edges");
                        latch = b;
                    }
                }
                for (int p : cfg.predecessors(b)) {
                    if (b == entry ? p != loop.header() : !in.get(p)) return Result.no("the loop body is entered from elsewhere");
                }
            }
            if (latch < 0) return Result.no("the loop has no back edge");
            for (int p : cfg.predecessors(loop.header())) {
                if (p != latch && !(ir.blocks().get(p).terminator() instanceof Terminator.Goto)) {
                    return Result.no("the loop is entered by a branch");
                }
            }
            String w = update(ir.blocks().get(latch));
            if (w != null) return Result.no(w);
            // What the region assigns.
            BitSet defs = new BitSet();
            for (int b : region) {
                List<Instr> instrs = ir.blocks().get(b).instrs();
                for (int p = 0; p < instrs.size(); p++) {
                    Var d = KernelAnalysis.dst(instrs.get(p));
                    if (d == null || skipped(b, p)) continue;
                    if (d.id() == iv.id()) return Result.no("the induction variable is assigned in the body");
                    defs.set(d.id());
                }
            }
            for (Instr h : header.instrs()) {
                Var d = KernelAnalysis.dst(h);
                if (d.id() == iv.id() || defs.get(d.id())) return Result.no("the loop header assigns " + d + ", which the body also assigns");
                for (Value v : KernelAnalysis.uses(h)) {
                    if (v instanceof Var u && (u.id() == iv.id() || defs.get(u.id()))) return Result.no("the loop header reads " + u + ", which changes in the loop");
                }
            }
            if (exit.bound instanceof Var bv && (defs.get(bv.id()) || bv.id() == iv.id())) {
                return Result.no("the loop bound changes in the loop");
            }
            for (Param p : ir.params()) {
                if (p instanceof Param.Scalar s && defs.get(s.var().id())) return Result.no("the loop assigns scalar parameter " + s.var());
            }
            kinds(region);
            w = assignedBeforeRead(region, cfg, defs);
            if (w != null) return Result.no(w);
            BitSet inner = innerLoopBlocks(region, cfg, in);
            w = instructions(region, cfg, in, defs);
            if (w != null) return Result.no(w);
            w = localToRegion(in, defs);
            if (w != null) return Result.no(w);
            List<ArrayRef[]> independent = new ArrayList<>();
            List<ArrayRef[]> disjoint = new ArrayList<>();
            List<ArrayRef[]> distinct = new ArrayList<>();
            w = aliasing(region, inner, defs, independent, disjoint, distinct);
            if (w != null) return Result.no(w);
            if (laneBytes == 0) return Result.no("the body accesses no array");
            int lanes = bits / (laneBytes * 8);
            if (lanes < 2) return Result.no(bits + "-bit vectors hold one lane");
            return new Result(new Plan(loop.dim(), loop.header(), List.copyOf(region), latch, iv, exit.bound, exit.inclusive,
                    laneBytes, lanes, kind, stride, window, skipped, scalarAt, floatSqrt, List.copyOf(checked), List.copyOf(offHeap),
                    independent, disjoint, distinct, !inner.isEmpty(), List.copyOf(hoisted)), null);
        }

        private boolean skipped(int b, int p) {
            BitSet s = skipped.get(b);
            return s != null && s.get(p);
        }

        private void mark(java.util.Map<Integer, BitSet> m, int b, int p) {
            m.computeIfAbsent(b, x -> new BitSet()).set(p);
        }

        /** Finds the induction update at the end of the latch ({@code s = parallel_stride d; i = i + s}, or {@code t = i + s; i = t}). */
        private String update(Block latch) {
            List<Instr> instrs = latch.instrs();
            if (loop.dim() < 0) {
                // a sequential loop: x = x + 1 at the end, or t = x + 1; x = t
                int n = instrs.size();
                if (n >= 1 && instrs.get(n - 1) instanceof Instr.Binary b && b.dst().id() == iv.id() && increments(b)) {
                    mark(skipped, latch.id(), n - 1);
                    return null;
                }
                if (n >= 2 && instrs.get(n - 1) instanceof Instr.Move m && m.dst().id() == iv.id()
                        && instrs.get(n - 2) instanceof Instr.Binary b && increments(b) && isVar(m.src(), b.dst())) {
                    mark(skipped, latch.id(), n - 2);
                    mark(skipped, latch.id(), n - 1);
                    temps.set(b.dst().id());
                    return null;
                }
                return "no induction update x += 1 at the end of the body";
            }
            for (int p = 0; p < instrs.size(); p++) {
                if (!(instrs.get(p) instanceof Instr.ParallelStride ps) || ps.dim() != loop.dim()) continue;
                Var s = ps.dst();
                if (p + 1 < instrs.size() && instrs.get(p + 1) instanceof Instr.Binary b && b.op() == BinOp.ADD
                        && (isVar(b.a(), iv) && isVar(b.b(), s) || isVar(b.b(), iv) && isVar(b.a(), s))) {
                    if (b.dst().id() == iv.id() && p + 2 == instrs.size()) {
                        mark(skipped, latch.id(), p);
                        mark(skipped, latch.id(), p + 1);
                        temps.set(s.id());
                        return null;
                    }
                    if (p + 3 == instrs.size() && instrs.get(p + 2) instanceof Instr.Move m && m.dst().id() == iv.id()
                            && isVar(m.src(), b.dst())) {
                        mark(skipped, latch.id(), p);
                        mark(skipped, latch.id(), p + 1);
                        mark(skipped, latch.id(), p + 2);
                        temps.set(s.id());
                        temps.set(b.dst().id());
                        return null;
                    }
                }
                return "instructions after the induction update";
            }
            return "no induction update i += stride at the end of the body";
        }

        /** {@code iv + 1} or {@code 1 + iv}. */
        private boolean increments(Instr.Binary b) {
            if (b.op() != BinOp.ADD) return false;
            Value other = isVar(b.a(), iv) ? b.b() : isVar(b.b(), iv) ? b.a() : null;
            return other instanceof Const c && c.type() == Type.I32 && c.intValue() == 1;
        }

        private int kindOf(Value v) {
            return v instanceof Var x ? kind[x.id()] : UNIFORM;
        }

        /**
         * The kinds of the region's variables: the largest over each one's definitions, to a fixed point.
         * A {@link #STRIDED} variable whose definitions disagree on the stride is a {@link #VECTOR} (which
         * {@link #instructions} then refuses as an index), on the offset has {@link #ANCHOR_UNKNOWN}.
         */
        private void kinds(List<Integer> region) {
            kind[iv.id()] = OWN;
            boolean changed = true;
            while (changed) {
                changed = false;
                for (int b : region) {
                    List<Instr> instrs = ir.blocks().get(b).instrs();
                    for (int p = 0; p < instrs.size(); p++) {
                        Instr in = instrs.get(p);
                        Var d = KernelAnalysis.dst(in);
                        if (d == null || skipped(b, p)) continue;
                        int k = transfer(in);
                        int id = d.id();
                        if (k == STRIDED && kind[id] <= STRIDED) {
                            Affine f = affine(in);
                            if (kind[id] < STRIDED) {
                                kind[id] = STRIDED;
                                stride[id] = f.stride();
                                anchor[id] = f.anchor();
                                offset[id] = f.offset();
                                changed = true;
                            } else if (stride[id] != f.stride()) {
                                kind[id] = VECTOR;
                                changed = true;
                            } else if (anchor[id] != ANCHOR_UNKNOWN && (anchor[id] != f.anchor() || offset[id] != f.offset())) {
                                anchor[id] = ANCHOR_UNKNOWN;
                                changed = true;
                            }
                        } else if (k > kind[id]) {
                            kind[id] = k;
                            changed = true;
                        }
                    }
                }
            }
        }

        private int transfer(Instr in) {
            switch (in) {
                case Instr.Load l -> {
                    return kindOf(l.index()) == UNIFORM ? UNIFORM : VECTOR;
                }
                case Instr.Move m -> {
                    return kindOf(m.src());
                }
                case Instr.Convert c when c.op() == io.kiln.ir.Conversion.I2L && kindOf(c.a()) == OWN -> {
                    return OWN;
                }
                case Instr.Binary b when affine(b) != null -> {
                    return STRIDED;
                }
                case Instr.Binary b when (b.op() == BinOp.ADD || b.op() == BinOp.SUB) && !b.dst().type().isFloating() -> {
                    int ka = kindOf(b.a());
                    int kb = kindOf(b.b());
                    if ((ka == OWN || ka == SHIFTED) && kb == UNIFORM) return SHIFTED;
                    if (b.op() == BinOp.ADD && ka == UNIFORM && (kb == OWN || kb == SHIFTED)) return SHIFTED;
                }
                default -> {
                }
            }
            int k = UNIFORM;
            for (Value v : KernelAnalysis.uses(in)) k = Math.max(k, kindOf(v));
            return k == UNIFORM ? UNIFORM : VECTOR;
        }

        /** A strided value: {@code stride * i + (anchor's value, or 0) + offset}. */
        private record Affine(int stride, int anchor, long offset) {}

        /**
         * {@code in}'s result as a strided value, or {@code null}: a copy of one, an int index
         * ({@link #OWN}, {@link #SHIFTED} or {@link #STRIDED}) times a constant of at least 2 (up to
         * {@link #MAX_STRIDE} in all), or a strided value plus or minus a value the same in every lane.
         */
        private Affine affine(Instr in) {
            if (in instanceof Instr.Move m && m.src() instanceof Var x && kind[x.id()] == STRIDED) return affineOf(x);
            if (!(in instanceof Instr.Binary b) || b.dst().type() != Type.I32) return null;
            int ka = kindOf(b.a());
            int kb = kindOf(b.b());
            switch (b.op()) {
                case MUL -> {
                    boolean aIndex = ka == OWN || ka == SHIFTED || ka == STRIDED;
                    Value index = aIndex ? b.a() : b.b();
                    Value factor = aIndex ? b.b() : b.a();
                    int k = kindOf(index);
                    if (!(k == OWN || k == SHIFTED || k == STRIDED) || !(factor instanceof Const c) || c.type() != Type.I32) return null;
                    int x = ((Var) index).id();
                    long s = (long) (k == STRIDED ? stride[x] : 1) * c.intValue();
                    if (c.intValue() < 2 || s > MAX_STRIDE) return null;
                    if (k == OWN) return new Affine((int) s, ANCHOR_NONE, 0);
                    if (k == STRIDED && anchor[x] == ANCHOR_NONE) return shifted(new Affine((int) s, ANCHOR_NONE, offset[x] * c.intValue()));
                    return new Affine((int) s, ANCHOR_UNKNOWN, 0);
                }
                case ADD, SUB -> {
                    if (ka == STRIDED && kb == UNIFORM) return plus(affineOf((Var) b.a()), b.b(), b.op() == BinOp.SUB);
                    if (b.op() == BinOp.ADD && ka == UNIFORM && kb == STRIDED) return plus(affineOf((Var) b.b()), b.a(), false);
                    return null;
                }
                default -> {
                    return null;
                }
            }
        }

        private Affine affineOf(Var x) {
            return new Affine(stride[x.id()], anchor[x.id()], offset[x.id()]);
        }

        /** {@code f + u} or {@code f - u} for {@code u} the same in every lane. */
        private static Affine plus(Affine f, Value u, boolean minus) {
            if (f.anchor() == ANCHOR_UNKNOWN) return f;
            if (u instanceof Const c) return shifted(new Affine(f.stride(), f.anchor(), f.offset() + (minus ? -(long) c.intValue() : c.intValue())));
            if (!minus && f.anchor() == ANCHOR_NONE && u instanceof Var v) return new Affine(f.stride(), v.id(), f.offset());
            return new Affine(f.stride(), ANCHOR_UNKNOWN, 0);
        }

        /** {@code f}, or its offset forgotten when it is too large to compare usefully. */
        private static Affine shifted(Affine f) {
            return Math.abs(f.offset()) <= 1 << 20 ? f : new Affine(f.stride(), ANCHOR_UNKNOWN, 0);
        }

        /** Every variable the region assigns is assigned before it is read, on every path of the iteration. */
        private String assignedBeforeRead(List<Integer> region, io.kiln.ir.Cfg cfg, BitSet defs) {
            java.util.Map<Integer, BitSet> out = new java.util.HashMap<>();
            boolean changed = true;
            while (changed) {
                changed = false;
                for (int b : region) {
                    BitSet at = entryState(b, region.get(0), cfg, out, defs);
                    List<Instr> instrs = ir.blocks().get(b).instrs();
                    for (int p = 0; p < instrs.size(); p++) {
                        Var d = KernelAnalysis.dst(instrs.get(p));
                        if (d != null) at.set(d.id());
                    }
                    if (!at.equals(out.get(b))) {
                        out.put(b, at);
                        changed = true;
                    }
                }
            }
            for (int b : region) {
                BitSet at = entryState(b, region.get(0), cfg, out, defs);
                List<Instr> instrs = ir.blocks().get(b).instrs();
                for (int p = 0; p < instrs.size(); p++) {
                    if (skipped(b, p)) continue;
                    for (Value v : KernelAnalysis.uses(instrs.get(p))) {
                        if (v instanceof Var x && defs.get(x.id()) && !at.get(x.id())) {
                            return x + " is read before it is assigned in the iteration (carried between iterations)";
                        }
                    }
                    Var d = KernelAnalysis.dst(instrs.get(p));
                    if (d != null) at.set(d.id());
                }
                for (Value v : io.kiln.ir.DefUse.uses(ir.blocks().get(b).terminator())) {
                    if (v instanceof Var x && defs.get(x.id()) && !at.get(x.id())) {
                        return x + " is read before it is assigned in the iteration (carried between iterations)";
                    }
                }
            }
            return null;
        }

        /** Variables assigned on every path to {@code b}'s start (all of them where no path is known yet). */
        private static BitSet entryState(int b, int entry, io.kiln.ir.Cfg cfg, java.util.Map<Integer, BitSet> out, BitSet defs) {
            if (b == entry) return new BitSet();
            BitSet at = null;
            for (int p : cfg.predecessors(b)) {
                BitSet o = out.get(p);
                if (o == null) o = defs;
                if (at == null) {
                    at = (BitSet) o.clone();
                } else {
                    at.and(o);
                }
            }
            return at == null ? new BitSet() : at;
        }

        /** The region's blocks that lie on a cycle inside it (inner loops). */
        private static BitSet innerLoopBlocks(List<Integer> region, io.kiln.ir.Cfg cfg, BitSet in) {
            BitSet inner = new BitSet();
            for (int b : region) {
                // b is on a cycle if it reaches itself inside the region.
                BitSet seen = new BitSet();
                java.util.ArrayDeque<Integer> work = new java.util.ArrayDeque<>();
                for (int s : cfg.successors(b)) if (s >= 0 && in.get(s) && !seen.get(s)) { seen.set(s); work.add(s); }
                while (!work.isEmpty() && !seen.get(b)) {
                    int x = work.poll();
                    for (int s : cfg.successors(x)) if (s >= 0 && in.get(s) && !seen.get(s)) { seen.set(s); work.add(s); }
                }
                if (seen.get(b)) inner.set(b);
            }
            return inner;
        }

        /** Checks every instruction and terminator of the region and records how each is written. */
        private String instructions(List<Integer> region, io.kiln.ir.Cfg cfg, BitSet in, BitSet defs) {
            windows(region, defs);
            // Whether a store may have happened in this iteration at a block's start.
            BitSet storedAtEntry = new BitSet();
            BitSet storedAtExit = new BitSet();
            for (int round = 0; round < 2; round++) {
                for (int b : region) {
                    boolean s = false;
                    for (int p : cfg.predecessors(b)) if (in.get(p) && storedAtExit.get(p)) s = true;
                    if (s) storedAtEntry.set(b);
                    for (Instr x : ir.blocks().get(b).instrs()) if (x instanceof Instr.Store) s = true;
                    if (s) storedAtExit.set(b);
                }
            }
            // (storedAtExit only grows; two rounds reach every block of a reducible region's cycles once more.)
            boolean more = true;
            while (more) {
                more = false;
                for (int b : region) {
                    boolean s = storedAtEntry.get(b);
                    for (int p : cfg.predecessors(b)) if (in.get(p) && storedAtExit.get(p)) s = true;
                    if (s && !storedAtEntry.get(b)) { storedAtEntry.set(b); more = true; }
                    if (s && !storedAtExit.get(b)) { storedAtExit.set(b); more = true; }
                }
            }
            for (int b : region) {
                boolean stored = storedAtEntry.get(b);
                List<Instr> instrs = ir.blocks().get(b).instrs();
                for (int p = 0; p < instrs.size(); p++) {
                    if (skipped(b, p)) continue;
                    Instr x = instrs.get(p);
                    Var dst = KernelAnalysis.dst(x);
                    if (x instanceof Instr.CheckIndex c) {
                        int k = kindOf(c.index());
                        String why = k == UNIFORM ? uniformAccess(c.array()) : access(c.array(), c.index(), k);
                        if (why != null) return why;
                        accessed(c.array(), c.index(), false);
                        if (k == OWN) {
                            if (!checked.contains(c.array())) checked.add(c.array());
                            mark(skipped, b, p);
                            continue;
                        }
                        String family = k == STRIDED ? family(c.array(), (Var) c.index(), defs) : null;
                        if (family != null) {
                            // The first check of a family tests the family's whole window, for the checks it dominates too.
                            Integer first = covering.get(family);
                            if (first != null && (first == b || cfg.dominates(first, b))) {
                                mark(skipped, b, p);
                                continue;
                            }
                        }
                        if (stored) {
                            List<int[]> chain = k == SHIFTED ? indexChain((Var) c.index(), b, p, region, cfg, defs) : null;
                            if (chain == null) return "a bounds check that may fail after a store in the iteration";
                            hoisted.add(new Hoisted(b, p, chain));
                            mark(skipped, b, p);
                            continue;
                        }
                        if (k == STRIDED) {
                            long off = offset[((Var) c.index()).id()];
                            long[] wnd = family != null ? windows.get(family) : new long[] {off, off};
                            window.computeIfAbsent(b, z -> new java.util.TreeMap<>()).put(p, new long[] {wnd[0] - off, wnd[1] - off});
                            if (family != null) covering.put(family, b);
                        }
                        continue;
                    }
                    // (float) Math.sqrt(f): f2d, sqrt, d2f in a row is the float square root (rounding the
                    // correctly rounded double root to float is correctly rounded: 53 >= 2 * 24 + 2), one
                    // lanewise SQRT on float lanes.
                    if (p + 2 < instrs.size() && x instanceof Instr.Convert f2d && f2d.op() == io.kiln.ir.Conversion.F2D
                            && instrs.get(p + 1) instanceof Instr.MathCall sq && sq.fn() == MathFunction.SQRT
                            && isVar(sq.args().get(0), f2d.dst().id())
                            && instrs.get(p + 2) instanceof Instr.Convert d2f && d2f.op() == io.kiln.ir.Conversion.D2F
                            && isVar(d2f.a(), sq.dst().id()) && f2d.a() instanceof Var src && kind[src.id()] == VECTOR
                            && usesInRegion(region, f2d.dst()) == 1 && usesInRegion(region, sq.dst()) == 1) {
                        temps.set(f2d.dst().id());
                        temps.set(sq.dst().id());
                        mark(skipped, b, p);
                        mark(skipped, b, p + 1);
                        floatSqrt.computeIfAbsent(b, z -> new java.util.TreeMap<>()).put(p + 2, src);
                        String wd = laneWidth(Type.F32, laneBytes);
                        if (wd != null) return wd;
                        laneBytes = 4;
                        p += 2;
                        continue;
                    }
                    if (x instanceof Instr.Store s) {
                        int k = kindOf(s.index());
                        if (k == UNIFORM) return "a store to one element from every iteration";
                        String why = access(s.array(), s.index(), k);
                        if (why == null) why = operand(s.value());
                        if (why != null) return why;
                        accessed(s.array(), s.index(), true);
                        String wd = laneWidth(s.array().element().valueType(), laneBytes);
                        if (wd != null) return wd;
                        laneBytes = s.array().element().valueType().isWide() ? 8 : 4;
                        stored = true;
                        continue;
                    }
                    if (x instanceof Instr.CheckDivisor) return "integer division (Java's divisor check has no lanewise form)";
                    if (dst == null) return x.getClass().getSimpleName() + " in the loop body";
                    int k = kind[dst.id()];
                    if (k == UNIFORM) {
                        String why;
                        if (x instanceof Instr.Load l) {
                            why = uniformAccess(l.array());
                            if (why == null) accessed(l.array(), l.index(), false);
                        } else {
                            why = uniform(x);
                        }
                        if (why != null) return why;
                        mark(scalarAt, b, p);
                    } else if (k == OWN || k == SHIFTED) {
                        // Lane 0's index, computed as a scalar (transfer() admitted only index arithmetic).
                        boolean index = x instanceof Instr.Move || x instanceof Instr.Convert
                                || x instanceof Instr.Binary bb && (bb.op() == BinOp.ADD || bb.op() == BinOp.SUB);
                        // Each definition must give lane l its value: the own index for an OWN variable,
                        // the own index or base + i for a SHIFTED one (not a value the same in every lane).
                        int t = transfer(x);
                        if (!index || t == UNIFORM || t == VECTOR || k == OWN && t != OWN) {
                            return "the loop index is used as a value";
                        }
                        mark(scalarAt, b, p);
                    } else if (k == STRIDED) {
                        // Lane 0's value, computed as a scalar; every definition must have the variable's stride.
                        boolean index = x instanceof Instr.Move || x instanceof Instr.Binary bb
                                && (bb.op() == BinOp.MUL || bb.op() == BinOp.ADD || bb.op() == BinOp.SUB);
                        Affine f = index ? affine(x) : null;
                        if (f == null || f.stride() != stride[dst.id()]) return "the loop index is used as a value";
                        mark(scalarAt, b, p);
                    } else {
                        String why = lanewise(x);
                        if (why != null) return why;
                        if (x instanceof Instr.Load l) {
                            accessed(l.array(), l.index(), false);
                        }
                        String wd = laneWidth(dst.type(), laneBytes);
                        if (wd != null) return wd;
                        laneBytes = dst.type().isWide() ? 8 : 4;
                    }
                }
                for (Value v : io.kiln.ir.DefUse.uses(ir.blocks().get(b).terminator())) {
                    int k = kindOf(v);
                    if (k == VECTOR) return "the loop body has branches on values that differ per iteration";
                    if (k != UNIFORM) return "the loop body has branches on the loop index";
                }
            }
            return null;
        }

        /**
         * The instructions that compute {@code x}, read at position {@code p} of block {@code b}, from the
         * induction variable, constants and variables the region does not assign ({@link Hoisted}), or
         * {@code null} where one of them is not the region's only assignment of its variable, does not
         * dominate its use, or is not a move, an {@code i2l} or integer {@code + - * & | ^ << >> >>>}.
         */
        private List<int[]> indexChain(Var x, int b, int p, List<Integer> region, io.kiln.ir.Cfg cfg, BitSet defs) {
            List<int[]> chain = new ArrayList<>();
            return chain(x, b, p, region, cfg, defs, chain, new BitSet()) ? chain : null;
        }

        private boolean chain(Value v, int b, int p, List<Integer> region, io.kiln.ir.Cfg cfg, BitSet defs, List<int[]> chain, BitSet seen) {
            if (!(v instanceof Var x) || x.id() == iv.id() || !defs.get(x.id()) || seen.get(x.id())) return true;
            if (chain.size() >= 8) return false;
            int[] at = null;
            for (int rb : region) {
                List<Instr> instrs = ir.blocks().get(rb).instrs();
                for (int rp = 0; rp < instrs.size(); rp++) {
                    Var d = KernelAnalysis.dst(instrs.get(rp));
                    if (d == null || d.id() != x.id()) continue;
                    if (at != null) return false;
                    at = new int[] {rb, rp};
                }
            }
            if (at == null || (at[0] == b ? at[1] >= p : !cfg.dominates(at[0], b))) return false;
            Instr def = ir.blocks().get(at[0]).instrs().get(at[1]);
            boolean pure = switch (def) {
                case Instr.Move m -> true;
                case Instr.Convert c -> c.op() == io.kiln.ir.Conversion.I2L;
                case Instr.Binary bb -> !bb.dst().type().isFloating() && bb.op() != BinOp.DIV && bb.op() != BinOp.REM;
                default -> false;
            };
            if (!pure) return false;
            for (Value u : KernelAnalysis.uses(def)) {
                if (!chain(u, at[0], at[1], region, cfg, defs, chain, seen)) return false;
            }
            seen.set(x.id());
            chain.add(at);
            return true;
        }

        /**
         * The key of the strided accesses of {@code a} at {@code index}'s stride and base, when the base is
         * known and the loop does not change it (their indices then differ by constants), or {@code null}.
         */
        private String family(ArrayRef a, Var index, BitSet defs) {
            int x = index.id();
            if (kind[x] != STRIDED || anchor[x] == ANCHOR_UNKNOWN || anchor[x] >= 0 && defs.get(anchor[x])) return null;
            return a.id() + "/" + stride[x] + "/" + anchor[x];
        }

        /** The smallest and largest offset of each {@link #family}'s accesses in the region. */
        private void windows(List<Integer> region, BitSet defs) {
            for (int b : region) {
                for (Instr x : ir.blocks().get(b).instrs()) {
                    ArrayRef a;
                    Value index;
                    switch (x) {
                        case Instr.Load l -> { a = l.array(); index = l.index(); }
                        case Instr.Store st -> { a = st.array(); index = st.index(); }
                        case Instr.CheckIndex c -> { a = c.array(); index = c.index(); }
                        default -> { continue; }
                    }
                    if (!(index instanceof Var v)) continue;
                    String f = family(a, v, defs);
                    if (f == null) continue;
                    long o = offset[v.id()];
                    long[] w = windows.computeIfAbsent(f, z -> new long[] {o, o});
                    w[0] = Math.min(w[0], o);
                    w[1] = Math.max(w[1], o);
                }
            }
        }

        private int usesInRegion(List<Integer> region, Var v) {
            int n = 0;
            for (int b : region) n += uses(ir.blocks().get(b).instrs(), v);
            return n;
        }

        private void accessed(ArrayRef a, Value index, boolean store) {
            int k = kindOf(index);
            int at = k == OWN ? -1 : k == UNIFORM ? -2 : ((Var) index).id();
            accessedAt.computeIfAbsent(a.id(), z -> new java.util.TreeSet<>()).add(at);
            if (store) writtenIds.set(a.id());
            if (a.isOffHeap() && !offHeap.contains(a)) offHeap.add(a);
        }

        /** Variables the region assigns must not be used outside it (the scalar tail may run no iteration). */
        private String localToRegion(BitSet in, BitSet defs) {
            BitSet local = (BitSet) defs.clone();
            local.or(temps);
            local.clear(iv.id());
            for (Block b : ir.blocks()) {
                if (in.get(b.id())) continue;
                for (Instr x : b.instrs()) {
                    Var d = KernelAnalysis.dst(x);
                    if (d != null && local.get(d.id())) return d + " is also assigned outside the loop body";
                    for (Value v : KernelAnalysis.uses(x)) {
                        if (v instanceof Var u && local.get(u.id())) return u + " is read outside the loop body";
                    }
                }
                for (Value v : io.kiln.ir.DefUse.uses(b.terminator())) {
                    if (v instanceof Var u && local.get(u.id())) return u + " is read outside the loop body";
                }
            }
            return null;
        }

        /**
         * A written array is accessed at one index only (its own, or one {@code base + i} assigned once per
         * iteration), so that lanes touch disjoint elements of it; the arrays that could be the same memory
         * as a written one are listed for the run-time checks.
         */
        private String aliasing(List<Integer> region, BitSet inner, BitSet defs, List<ArrayRef[]> independent,
                                List<ArrayRef[]> disjoint, List<ArrayRef[]> distinct) {
            for (int id = writtenIds.nextSetBit(0); id >= 0; id = writtenIds.nextSetBit(id + 1)) {
                ArrayRef wa = ir.arrays().get(id);
                java.util.Set<Integer> at = accessedAt.get(id);
                boolean strided = at.stream().allMatch(x -> x >= 0 && kind[x] == STRIDED);
                if (strided) {
                    String w = window(wa, at, defs);
                    if (w != null) return w;
                } else if (at.size() != 1) {
                    return "array " + wa + " is written at one index and accessed at another";
                }
                int v = at.iterator().next();
                if (v >= 0 && !strided) {
                    int count = 0;
                    for (int b : region) {
                        for (Instr x : ir.blocks().get(b).instrs()) {
                            Var d = KernelAnalysis.dst(x);
                            if (d != null && d.id() == v) {
                                count++;
                                if (inner.get(b)) count += 2;
                            }
                        }
                    }
                    if (count != 1) return "array " + wa + " is written at " + ir.vars().get(v) + ", which changes within the iteration";
                }
                boolean ownOnly = v == -1;
                for (var e : accessedAt.entrySet()) {
                    ArrayRef o = ir.arrays().get(e.getKey());
                    if (o.id() == wa.id()) continue;
                    boolean bothOwn = ownOnly && e.getValue().size() == 1 && e.getValue().contains(-1);
                    if (wa.isOffHeap() && o.isOffHeap()) {
                        (bothOwn ? independent : disjoint).add(new ArrayRef[] {wa, o});
                    } else if (!wa.isOffHeap() && !o.isOffHeap() && wa.element() == o.element() && !bothOwn) {
                        if (!(writtenIds.get(o.id()) && o.id() < wa.id())) distinct.add(new ArrayRef[] {wa, o});
                    }
                }
            }
            return null;
        }

        /**
         * Why the lanes of a vector iteration could touch each other's elements of {@code wa}, written and
         * accessed only at strided indices {@code at}, or {@code null}: every index must be
         * {@code stride * i + base + k} with one stride, one base the loop does not change and constants
         * {@code k} that span less than the stride (the fields of one structure of an array of structures).
         */
        private String window(ArrayRef wa, java.util.Set<Integer> at, BitSet defs) {
            int s = 0;
            int a = 0;
            long lo = Long.MAX_VALUE;
            long hi = Long.MIN_VALUE;
            for (int v : at) {
                if (anchor[v] == ANCHOR_UNKNOWN) {
                    return "array " + wa + " is written at " + ir.vars().get(v) + ", whose offset from " + stride[v] + " * " + iv + " is not known";
                }
                if (s == 0) {
                    s = stride[v];
                    a = anchor[v];
                } else if (stride[v] != s || anchor[v] != a) {
                    return "array " + wa + " is written at strided indices of different strides or bases";
                }
                lo = Math.min(lo, offset[v]);
                hi = Math.max(hi, offset[v]);
            }
            if (a >= 0 && defs.get(a)) return "array " + wa + " is written at a strided index whose base " + ir.vars().get(a) + " changes in the loop";
            if (hi - lo >= s) {
                return "array " + wa + " is accessed at offsets " + lo + " to " + hi + " from " + s + " * " + iv
                        + ", a span of at least the stride (lanes would touch each other's elements)";
            }
            return null;
        }

        /** Why {@code in}, whose result differs per lane, has no exact lanewise form here, or {@code null}. */
        private String lanewise(Instr in) {
            return switch (in) {
                case Instr.Load l -> access(l.array(), l.index(), kindOf(l.index()));
                case Instr.Move m -> operand(m.src());
                case Instr.Binary b -> {
                    String w = binary(b);
                    if (w == null) w = operand(b.a());
                    if (w == null && b.op().isShift() && b.dst().type() == Type.I64) {
                        // A long shift by an int count: the count must be the same for every lane.
                        if (kindOf(b.b()) != UNIFORM) w = "a long shift by a count that differs per iteration";
                    } else if (w == null) {
                        w = operand(b.b());
                    }
                    yield w;
                }
                case Instr.Negate n -> operand(n.a());
                case Instr.MathCall m -> {
                    String w = switch (m.fn()) {
                        case ABS, SQRT, FMA -> m.dst().type().isFloating() ? null : "Math." + m.fn().javaName() + " on integers";
                        case MIN, MAX -> null;
                        default -> "Math." + m.fn().javaName() + " (no exact lanewise equivalent)";
                    };
                    for (Value a : m.args()) {
                        if (w == null) w = operand(a);
                    }
                    yield w;
                }
                case Instr.Convert c -> c.op() == io.kiln.ir.Conversion.I2F || c.op() == io.kiln.ir.Conversion.L2D
                        ? operand(c.a())
                        : "conversion " + c.op().name().toLowerCase(java.util.Locale.ROOT) + " of lanes (changes the lane width or is not exact)";
                case Instr.CheckDivisor c -> "integer division (no lanewise form; Java's divisor check)";
                default -> in.getClass().getSimpleName() + " in the loop body";
            };
        }

        /**
         * Why {@code in}, whose operands are the same for every lane, cannot run once per vector
         * iteration as a scalar, or {@code null}: it must be pure and unable to throw (an integer
         * division by zero would throw after the vector iteration's earlier stores, not after one lane's).
         */
        private static String uniform(Instr in) {
            return switch (in) {
                case Instr.Binary b -> b.dst().type().isFloating() || (b.op() != BinOp.DIV && b.op() != BinOp.REM) ? null
                        : "integer division";
                case Instr.Move m -> null;
                case Instr.Negate n -> null;
                case Instr.Convert c -> null;
                case Instr.MathCall m -> null;
                case Instr.BitCast c -> null;
                case Instr.Compare c -> null;
                case Instr.ArrayLength l -> null;
                default -> in.getClass().getSimpleName() + " in the loop body";
            };
        }

        /** Why operand {@code v} cannot feed a lanewise operation, or {@code null}: a vector or a value the same in every lane. */
        private String operand(Value v) {
            int k = kindOf(v);
            return k == OWN || k == SHIFTED || k == STRIDED ? "the loop index is used as a value" : null;
        }
    }

    /** Why lanes of {@code t} cannot join a loop whose lanes so far are {@code laneBytes} wide (0: none yet), or {@code null}. */
    private static String laneWidth(Type t, int laneBytes) {
        int bytes = t.isWide() ? 8 : 4;
        return laneBytes == 0 || bytes == laneBytes ? null : "values of 32 and 64 bits in one loop (different lane counts)";
    }

    /** How often {@code v} is read in {@code instrs}. */
    private static int uses(List<Instr> instrs, Var v) {
        int n = 0;
        for (Instr in : instrs) {
            for (Value u : KernelAnalysis.uses(in)) {
                if (isVar(u, v)) n++;
            }
        }
        return n;
    }

    private static boolean isVar(Value v, Var w) {
        return v instanceof Var x && x.id() == w.id();
    }

    private static boolean isVar(Value v, int id) {
        return v instanceof Var x && x.id() == id;
    }

    /** Why an access of {@code a} at an index of kind {@code kind} cannot be a vector access, or {@code null}. */
    private static String access(ArrayRef a, Value index, int kind) {
        if (a.space() != AddressSpace.GLOBAL || !a.isParameter()) return "an access to a non-parameter array " + a;
        ElementType e = a.element();
        if (e != ElementType.INT && e != ElementType.LONG && e != ElementType.FLOAT && e != ElementType.DOUBLE) {
            return "an access to a " + e.javaName() + " array";
        }
        if (kind == STRIDED && a.isOffHeap()) {
            return "a strided access to off-heap array " + a + " (the Vector API has no gather from a MemorySegment)";
        }
        if (kind != OWN && kind != SHIFTED && kind != STRIDED) return "an access to " + a + " not at the loop index";
        if (!a.isOffHeap() && index.type() != Type.I32) return "a heap access with a long index";
        return null;
    }

    /** Why a load of {@code a} at an index the same in every lane cannot run as a scalar, or {@code null}. */
    private static String uniformAccess(ArrayRef a) {
        if (a.space() != AddressSpace.GLOBAL || !a.isParameter()) return "an access to a non-parameter array " + a;
        return null;
    }

    /** Why {@code b}'s operator has no exact lanewise form, or {@code null}. */
    private static String binary(Instr.Binary b) {
        Type t = b.dst().type();
        return switch (b.op()) {
            case ADD, SUB, MUL -> null;
            case DIV -> t.isFloating() ? null : "integer division";
            case REM -> t.isFloating() ? "float remainder" : "integer remainder";
            case AND, OR, XOR, SHL, SHR, USHR -> t.isFloating() ? "a bitwise operator on floats" : null;
        };
    }

    /** The loop test normalised as {@code exit when i >= bound} ({@code inclusive}: {@code i > bound}). */
    record Exit(Value bound, boolean inclusive) {}

    /**
     * The header branch of {@code loop} as an exit test {@code i >= bound} or {@code i > bound} (signed),
     * with {@code bound} of the induction variable's type; {@code null} for other shapes.
     */
    static Exit exitTest(Terminator.Branch br, ParallelLoop loop) {
        Var iv = loop.induction();
        boolean aIsIv = isVar(br.a(), iv);
        boolean bIsIv = isVar(br.b(), iv);
        if (aIsIv == bIsIv) return null;
        CmpOp op = aIsIv ? br.op() : mirror(br.op());
        Value bound = aIsIv ? br.b() : br.a();
        CmpOp exitOp = br.ifTrue() == loop.exit() ? op : op.negate(false);
        if (bound.type() != iv.type()) return null;
        return switch (exitOp) {
            case GE, UGE -> new Exit(bound, false);
            case GT, UGT -> new Exit(bound, true);
            default -> null;
        };
    }

    /** {@code b op a} for {@code a op b}. */
    static CmpOp mirror(CmpOp op) {
        return switch (op) {
            case EQ, NE -> op;
            case LT -> CmpOp.GT;
            case LE -> CmpOp.GE;
            case GT -> CmpOp.LT;
            case GE -> CmpOp.LE;
            case ULT -> CmpOp.UGT;
            case ULE -> CmpOp.UGE;
            case UGT -> CmpOp.ULT;
            case UGE -> CmpOp.ULE;
        };
    }
}
