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
 * <p>A loop qualifies ({@link #analyse}) when it is parallel loop 0 of a chunkable loop kernel without
 * reductions, its header compares the induction variable with a bound the body does not change, and
 * its body is one block (no branches, no calls) in which
 * <ul>
 * <li>every array access is {@code a[i]} at the induction variable (or its {@code i2l}), of a parameter
 * array (heap or off-heap) of {@code int}, {@code long}, {@code float} or {@code double};</li>
 * <li>every value computed is 32 bits wide, or every one is 64 bits wide (one lane count), and each
 * is assigned before it is read in the iteration and not read outside it;</li>
 * <li>every operation has a lanewise Vector API equivalent that is exact in Java's terms: float and
 * double {@code + - * /}, negation, {@code Math.abs}, {@code Math.fma}, {@code Math.sqrt},
 * {@code Math.min}/{@code max} (the API specifies them as {@code Math.min}/{@code max}: NaN wins,
 * {@code -0.0 < 0.0}); int and long {@code + - * & | ^}, negation, {@code Math.min}/{@code max} and the
 * shifts (the API masks the count to the lane width, as Java does); {@code i2f} and {@code l2d}
 * (round to nearest, like Java's). Integer division and remainder, float remainder, other
 * conversions, transcendental functions, compares, atomics and printing keep the loop scalar.</li>
 * </ul>
 * By default only loops that touch an off-heap array get a vector loop (see {@link #PROPERTY}).
 * The vector loop runs the chunk's whole vectors and leaves the rest to the unchanged scalar loop; the
 * iterations it covers are those whose bounds checks pass (see {@code JvmEmitter}), so a failing access
 * is reached by the scalar loop, after the same writes, with the same exception.
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

    /**
     * A recognised loop.
     *
     * @param header     the header block of parallel loop 0
     * @param body       the loop's single body block, which jumps back to the header
     * @param induction  the induction variable
     * @param bound      what the header compares it with (a constant or a variable the loop does not change)
     * @param inclusive  whether the loop runs while {@code i <= bound} (else {@code i < bound})
     * @param laneBytes  4 (int and float lanes) or 8 (long and double lanes)
     * @param lanes      values per vector of the preferred shape
     * @param vectors    the variables held as vectors in the vector loop
     * @param skipped    positions in the body's instructions the vector loop leaves out: the induction
     *                   update, index widenings and the bounds checks (covered by the vector loop's limit)
     * @param uniformAt  positions of instructions whose operands are the same in every lane: they run as
     *                   scalars, once per vector iteration, and lanewise operations broadcast their results
     * @param floatSqrt  positions of the {@code d2f} of a {@code (float) Math.sqrt(f)}, with {@code f}: one
     *                   float lanewise square root (the {@code f2d} and the double root are skipped)
     * @param checked    the arrays whose bounds checks remain in the loop: the vector loop stops at the
     *                   shortest of them
     * @param offHeap    the off-heap arrays the body accesses
     * @param written    the off-heap arrays the body stores to
     */
    record Plan(int header, int body, Var induction, Value bound, boolean inclusive, int laneBytes, int lanes,
                BitSet vectors, BitSet skipped, BitSet uniformAt, java.util.Map<Integer, Var> floatSqrt, List<ArrayRef> checked, List<ArrayRef> offHeap, List<ArrayRef> written) {

        /** One line for the listing. */
        String describe() {
            return "parallel loop 0 runs as " + lanes + " x " + (laneBytes * 8) + "-bit Vector API lanes (body b" + body
                    + "), then scalar for the tail" + (written.isEmpty() || offHeap.size() < 2 ? ""
                    : "; off-heap arrays that overlap partially take the scalar loop");
        }
    }

    /** What {@link #analyse} found: a plan, or why the loop stays scalar. */
    record Result(Plan plan, String reason) {
        static Result no(String reason) {
            return new Result(null, reason);
        }
    }

    /**
     * The plan for {@code ir}'s loop 0 if the Vector API is usable here (module resolved and readable,
     * vectors of at least two 64-bit lanes, not {@code -Dkiln.cpu.vectorize=false}) and the loop touches
     * an off-heap array (or {@code -Dkiln.cpu.vectorize=all}); otherwise why not.
     */
    static Result plan(KernelIR ir, KernelAnalysis an) {
        String mode = System.getProperty(PROPERTY, "auto");
        if ("false".equalsIgnoreCase(mode)) return Result.no("-D" + PROPERTY + "=false");
        if (BITS == 0) return Result.no("jdk.incubator.vector is not available (run with --add-modules jdk.incubator.vector)");
        Result r = analyse(ir, an, BITS);
        if (r.plan() != null && r.plan().offHeap().isEmpty() && !"all".equalsIgnoreCase(mode)) {
            return Result.no("only Java arrays: C2 vectorises this loop itself (-D" + PROPERTY + "=all forces a vector loop)");
        }
        return r;
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
     * Java array parameter at an arbitrary offset). Called by generated code once per chunk.
     */
    static boolean usable(MemorySegment s) {
        return s.isNative();
    }

    /**
     * Whether two segments, one of which the loop writes, are identical or disjoint. Iteration
     * {@code i} touches element {@code i} of each, so then a vector of iterations reads and writes what
     * the same iterations one at a time would; with a partial overlap an iteration could read what a
     * later one of the same vector wrote (or the reverse), so the chunk takes the scalar loop, which is
     * the plain Java method's order. Called by generated code once per chunk.
     */
    static boolean independent(MemorySegment written, MemorySegment other) {
        long a = written.address();
        long b = other.address();
        return a == b || a + written.byteSize() <= b || b + other.byteSize() <= a;
    }

    /** Records that a vector loop ran (generated code calls this only while {@link #ran} is false). */
    static void markRan() {
        ran = true;
    }

    /** The analysis with {@code bits}-bit vectors, whatever this JVM supports (tests use it directly). */
    static Result analyse(KernelIR ir, KernelAnalysis an, int bits) {
        if (ir.kind() != KernelKind.LOOP_PARALLEL || !an.chunkable || an.loop0 == null) {
            return Result.no("not a loop kernel with a chunkable parallel loop 0");
        }
        if (!ir.reductions().isEmpty()) return Result.no("@Reduce kernel");
        ParallelLoop loop = an.loop0;
        Var iv = loop.induction();
        Block header = ir.blocks().get(loop.header());
        if (!(header.terminator() instanceof Terminator.Branch br)) return Result.no("irregular loop header");
        Exit exit = exitTest(br, loop);
        if (exit == null) return Result.no("the loop test is not i < bound or i <= bound");
        int bodyId = br.ifTrue() == loop.exit() ? br.ifFalse() : br.ifTrue();
        Block body = ir.blocks().get(bodyId);
        if (!(body.terminator() instanceof Terminator.Goto g) || g.target() != loop.header()) {
            return Result.no("the loop body has branches or calls");
        }
        for (Block b : ir.blocks()) {
            for (int s : b.terminator().successors()) {
                if (s == bodyId && b.id() != loop.header()) return Result.no("the loop body is entered from elsewhere");
                if (s == loop.header() && b.id() != bodyId && !(b.terminator() instanceof Terminator.Goto)) {
                    return Result.no("the loop is entered by a branch");
                }
            }
        }
        // Variables the loop assigns: the header may only measure arrays (pure, loop-invariant).
        for (Instr in : header.instrs()) {
            if (!(in instanceof Instr.ArrayLength)) return Result.no("the loop header computes more than array lengths");
        }
        BitSet bodyDefs = new BitSet();
        for (Instr in : body.instrs()) {
            Var d = KernelAnalysis.dst(in);
            if (d != null) bodyDefs.set(d.id());
        }
        if (exit.bound instanceof Var bv && (bodyDefs.get(bv.id()) || bv.id() == iv.id())) {
            return Result.no("the loop bound changes in the loop");
        }
        BitSet scalarParams = new BitSet();
        for (Param p : ir.params()) {
            if (p instanceof Param.Scalar s) scalarParams.set(s.var().id());
        }

        BitSet vectors = new BitSet();
        BitSet uniform = new BitSet();
        BitSet uniformAt = new BitSet();
        BitSet temps = new BitSet();
        java.util.Map<Integer, Var> floatSqrt = new java.util.TreeMap<>();
        BitSet index = new BitSet();
        index.set(iv.id());
        BitSet skipped = new BitSet();
        BitSet update = new BitSet();
        List<ArrayRef> checked = new ArrayList<>();
        List<ArrayRef> offHeap = new ArrayList<>();
        List<ArrayRef> written = new ArrayList<>();
        int laneBytes = 0;
        int stride = -1;
        boolean updated = false;
        int accesses = 0;
        List<Instr> instrs = body.instrs();
        for (int p = 0; p < instrs.size(); p++) {
            Instr in = instrs.get(p);
            Var dst = KernelAnalysis.dst(in);
            if (dst != null && dst.id() != iv.id() && (index.get(dst.id()) || update.get(dst.id()))) {
                return Result.no(dst + ", an index or induction temporary, is assigned twice");
            }
            // The induction update: s = parallel_stride 0; i = i + s (or t = i + s; i = t).
            if (in instanceof Instr.ParallelStride ps && ps.dim() == 0 && stride < 0) {
                stride = ps.dst().id();
                update.set(stride);
                skipped.set(p);
                continue;
            }
            if (in instanceof Instr.Binary b && b.op() == BinOp.ADD && stride >= 0 && !updated
                    && (isVar(b.a(), iv) && isVar(b.b(), stride) || isVar(b.b(), iv) && isVar(b.a(), stride))) {
                skipped.set(p);
                if (b.dst().id() == iv.id()) {
                    updated = true;
                } else {
                    update.set(b.dst().id());
                }
                continue;
            }
            if (in instanceof Instr.Move m && m.dst().id() == iv.id() && m.src() instanceof Var v && update.get(v.id())
                    && v.id() != stride && !updated) {
                skipped.set(p);
                updated = true;
                continue;
            }
            if (dst != null && dst.id() == iv.id()) return Result.no("the induction variable is assigned in the body");
            if (updated) return Result.no("instructions after the induction update");
            if (in instanceof Instr.Convert c && c.op() == io.kiln.ir.Conversion.I2L && isVar(c.a(), iv) && !vectors.get(c.dst().id())) {
                index.set(c.dst().id());
                skipped.set(p);
                continue;
            }
            if (in instanceof Instr.CheckIndex c) {
                String why = access(c.array(), c.index(), index);
                if (why != null) return Result.no(why);
                if (!checked.contains(c.array())) checked.add(c.array());
                skipped.set(p);
                continue;
            }
            // (float) Math.sqrt(f): f2d, sqrt, d2f in a row is the float square root (rounding the
            // correctly rounded double root to float is correctly rounded: 53 >= 2 * 24 + 2), one
            // lanewise SQRT on float lanes.
            if (p + 2 < instrs.size() && in instanceof Instr.Convert f2d && f2d.op() == io.kiln.ir.Conversion.F2D
                    && instrs.get(p + 1) instanceof Instr.MathCall sq && sq.fn() == MathFunction.SQRT
                    && isVar(sq.args().get(0), f2d.dst().id())
                    && instrs.get(p + 2) instanceof Instr.Convert d2f && d2f.op() == io.kiln.ir.Conversion.D2F
                    && isVar(d2f.a(), sq.dst().id()) && f2d.a() instanceof Var src && vectors.get(src.id())
                    && uses(instrs, f2d.dst()) == 1 && uses(instrs, sq.dst()) == 1) {
                temps.set(f2d.dst().id());
                temps.set(sq.dst().id());
                skipped.set(p);
                skipped.set(p + 1);
                floatSqrt.put(p + 2, src);
                p += 2;
                in = instrs.get(p);
                dst = ((Instr.Convert) in).dst();
            } else {
                // An access is per lane (element i of each lane's iteration) even when its value is not.
                boolean varying = in instanceof Instr.Load || in instanceof Instr.Store;
                for (Value v : KernelAnalysis.uses(in)) {
                    if (v instanceof Var x && vectors.get(x.id())) varying = true;
                }
                String why = varying ? lanewise(in, vectors, index, bodyDefs, uniform) : uniform(in, index, bodyDefs, uniform);
                if (why != null) return Result.no(why);
                if (in instanceof Instr.Load || in instanceof Instr.Store) accesses++;
                ArrayRef stored = in instanceof Instr.Store st ? st.array() : null;
                ArrayRef touched = in instanceof Instr.Load l ? l.array() : stored;
                if (touched != null && touched.isOffHeap() && !offHeap.contains(touched)) offHeap.add(touched);
                if (stored != null && stored.isOffHeap() && !written.contains(stored)) written.add(stored);
                if (stored != null) {
                    // A store has no destination variable, but its vector has the array's lane width.
                    String w = laneWidth(stored.element().valueType(), laneBytes);
                    if (w != null) return Result.no(w);
                    laneBytes = stored.element().valueType().isWide() ? 8 : 4;
                }
                if (dst == null) continue;
                if (!varying) {
                    // The same value in every lane: computed once per vector iteration, as a scalar.
                    if (vectors.get(dst.id())) return Result.no(dst + " holds lanes and a scalar in one iteration");
                    uniform.set(dst.id());
                    uniformAt.set(p);
                    continue;
                }
            }
            if (scalarParams.get(dst.id())) return Result.no("the loop assigns scalar parameter " + dst);
            if (uniform.get(dst.id())) return Result.no(dst + " holds lanes and a scalar in one iteration");
            String w = laneWidth(dst.type(), laneBytes);
            if (w != null) return Result.no(w);
            laneBytes = dst.type().isWide() ? 8 : 4;
            vectors.set(dst.id());
        }
        if (!updated) return Result.no("no induction update i += stride at the end of the body");
        if (accesses == 0 || laneBytes == 0) return Result.no("the body accesses no array");
        // Vector values and index variables must not live outside the body (the scalar tail may run no iteration).
        BitSet local = (BitSet) vectors.clone();
        local.or(update);
        local.or(index);
        local.or(uniform);
        local.or(temps);
        local.clear(iv.id());
        for (Block b : ir.blocks()) {
            if (b.id() == bodyId) continue;
            for (Instr in : b.instrs()) {
                Var d = KernelAnalysis.dst(in);
                if (d != null && local.get(d.id())) return Result.no(d + " is also assigned outside the loop body");
                for (Value v : KernelAnalysis.uses(in)) {
                    if (v instanceof Var u && local.get(u.id())) return Result.no(u + " is read outside the loop body");
                }
            }
            for (Value v : io.kiln.ir.DefUse.uses(b.terminator())) {
                if (v instanceof Var u && local.get(u.id())) return Result.no(u + " is read outside the loop body");
            }
        }
        int lanes = bits / (laneBytes * 8);
        if (lanes < 2) return Result.no(bits + "-bit vectors hold one lane");
        return new Result(new Plan(loop.header(), bodyId, iv, exit.bound, exit.inclusive, laneBytes, lanes, vectors, skipped, uniformAt, floatSqrt,
                List.copyOf(checked), List.copyOf(offHeap), List.copyOf(written)), null);
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

    /** Why {@code in}, whose operands hold lanes, has no exact lanewise form here, or {@code null}. */
    private static String lanewise(Instr in, BitSet vectors, BitSet index, BitSet bodyDefs, BitSet uniform) {
        return switch (in) {
            case Instr.Load l -> access(l.array(), l.index(), index);
            case Instr.Store s -> {
                String w = access(s.array(), s.index(), index);
                yield w != null ? w : operand(s.value(), vectors, index, bodyDefs, uniform);
            }
            case Instr.Move m -> operand(m.src(), vectors, index, bodyDefs, uniform);
            case Instr.Binary b -> {
                String w = binary(b);
                if (w == null) w = operand(b.a(), vectors, index, bodyDefs, uniform);
                if (w == null && b.op().isShift() && b.dst().type() == Type.I64) {
                    // A long shift by an int count: the count must be the same for every lane.
                    if (b.b() instanceof Var v && (vectors.get(v.id()) || index.get(v.id()))) {
                        w = "a long shift by a count that differs per iteration";
                    }
                } else if (w == null) {
                    w = operand(b.b(), vectors, index, bodyDefs, uniform);
                }
                yield w;
            }
            case Instr.Negate n -> operand(n.a(), vectors, index, bodyDefs, uniform);
            case Instr.MathCall m -> {
                String w = switch (m.fn()) {
                    case ABS, SQRT, FMA -> m.dst().type().isFloating() ? null : "Math." + m.fn().javaName() + " on integers";
                    case MIN, MAX -> null;
                    default -> "Math." + m.fn().javaName() + " (no exact lanewise equivalent)";
                };
                for (Value a : m.args()) {
                    if (w == null) w = operand(a, vectors, index, bodyDefs, uniform);
                }
                yield w;
            }
            case Instr.Convert c -> c.op() == io.kiln.ir.Conversion.I2F || c.op() == io.kiln.ir.Conversion.L2D
                    ? operand(c.a(), vectors, index, bodyDefs, uniform)
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
    private static String uniform(Instr in, BitSet index, BitSet bodyDefs, BitSet uniform) {
        for (Value v : KernelAnalysis.uses(in)) {
            if (!(v instanceof Var x)) continue;
            if (index.get(x.id())) return "the loop index is used as a value";
            if (bodyDefs.get(x.id()) && !uniform.get(x.id())) {
                return x + " is read before it is assigned in the iteration (carried between iterations)";
            }
        }
        return switch (in) {
            case Instr.Binary b -> b.dst().type().isFloating() || (b.op() != BinOp.DIV && b.op() != BinOp.REM) ? null
                    : "integer division";
            case Instr.Move m -> null;
            case Instr.Negate n -> null;
            case Instr.Convert c -> null;
            case Instr.MathCall m -> null;
            case Instr.BitCast c -> null;
            case Instr.Compare c -> null;
            default -> in.getClass().getSimpleName() + " in the loop body";
        };
    }

    private static boolean isVar(Value v, Var w) {
        return v instanceof Var x && x.id() == w.id();
    }

    private static boolean isVar(Value v, int id) {
        return v instanceof Var x && x.id() == id;
    }

    /** Why an access of {@code a} at {@code index} cannot be a vector access, or {@code null}. */
    private static String access(ArrayRef a, Value index, BitSet indexVars) {
        if (a.space() != AddressSpace.GLOBAL || !a.isParameter()) return "an access to a non-parameter array " + a;
        ElementType e = a.element();
        if (e != ElementType.INT && e != ElementType.LONG && e != ElementType.FLOAT && e != ElementType.DOUBLE) {
            return "an access to a " + e.javaName() + " array";
        }
        if (!(index instanceof Var v) || !indexVars.get(v.id())) return "an access to " + a + " not at the loop index";
        if (!a.isOffHeap() && v.type() != Type.I32) return "a heap access with a long index";
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

    /**
     * Why operand {@code v} cannot feed a lanewise operation, or {@code null}: it must be a constant, a
     * vector computed earlier in this iteration, or a variable the loop never assigns (broadcast).
     */
    private static String operand(Value v, BitSet vectors, BitSet index, BitSet bodyDefs, BitSet uniform) {
        if (!(v instanceof Var x)) return null;
        if (index.get(x.id())) return "the loop index is used as a value";
        if (vectors.get(x.id()) || uniform.get(x.id())) return null;
        if (bodyDefs.get(x.id())) return x + " is read before it is assigned in the iteration (carried between iterations)";
        return null;
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
