package io.kiln.cpu;

import io.kiln.ir.ArrayRef;
import io.kiln.ir.ElementType;
import io.kiln.ir.Instr;
import io.kiln.ir.Type;
import io.kiln.ir.Value;
import io.kiln.ir.Var;

import java.lang.classfile.Label;
import java.lang.constant.ClassDesc;
import java.lang.constant.ConstantDescs;
import java.lang.constant.MethodTypeDesc;
import java.util.List;

import static io.kiln.cpu.JvmEmitter.CD_MATH;
import static io.kiln.cpu.JvmEmitter.CD_SEGMENT;
import static io.kiln.cpu.JvmEmitter.arrayDesc;
import static io.kiln.cpu.JvmEmitter.desc;
import static io.kiln.cpu.JvmEmitter.kind;
import static java.lang.constant.ConstantDescs.CD_int;
import static java.lang.constant.ConstantDescs.CD_long;
import static java.lang.constant.ConstantDescs.CD_void;

/**
 * Writes the Vector API loop of one parallel loop in a {@code chunk} method, as {@link VectorLoops}
 * planned it: reached from the edges that enter the loop, it runs whole vectors of iterations (the
 * iteration's blocks once per vector, inner loops and uniform branches as scalar control flow) and then
 * jumps to the loop's header, where the scalar loop runs the rest.
 */
final class VectorLoopWriter extends MethodPart {
    private final VectorLoops.Plan vec;
    /** Per variable, its vector's slot in the vector loop, or -1. */
    private int[] vecSlot;
    /** Per stride of a {@link VectorLoops#STRIDED} index, the slot of its index map ({@link VectorLoops#strideMap}). */
    private final java.util.Map<Integer, Integer> mapSlot = new java.util.TreeMap<>();

    VectorLoopWriter(MethodWriter w) {
        super(w);
        this.vec = w.vec;
    }

    /**
     * The vector loop ({@link VectorLoops.Plan}), reached from the edges that enter the planned
     * parallel loop; it ends by jumping to the loop's header, where the scalar loop runs the remaining
     * iterations:
     * <pre>
     * header instructions (array lengths)
     * if (!usable(seg) || !independent(w, o) || !disjoint(w, o) || a == b || i &lt; 0) goto header
     * end = min(bound (+1 if inclusive), limit (loop 0 only), length of every array checked at i)
     * upper = i + (max(end - i, 0) &amp; -LANES)
     * if (i &gt;= upper) goto header
     * top: the region on vectors (its inner loops and uniform branches as scalar control flow)
     * latch: (cancel check, where the header has one) i += LANES; if (i &lt; upper) goto top
     * goto header
     * </pre>
     * Every iteration below {@code upper} passes the checks at its own index. A check at another index
     * (a neighbour {@code base + i}, an element every lane reads) is tested for all lanes at once, before
     * any store of the vector iteration ({@link VectorLoops} ensures that); when it fails, the scalar
     * loop takes over at lane 0 and reaches the failing access in Java's order. All arithmetic on
     * {@code end} is on longs: {@code bound + 1} cannot overflow.
     */
    void write() {
        Var iv = vec.induction();
        boolean wide = iv.type() == Type.I64;
        Label header = w.blockLabel[vec.header()];
        MethodTypeDesc minLong = MethodTypeDesc.of(CD_long, CD_long, CD_long);
        vecSlot = new int[ir.vars().size()];
        java.util.Arrays.fill(vecSlot, -1);
        for (Var var : ir.vars()) {
            if (vec.isVector(var) && var.type().isWide() == (vec.laneBytes() == 8)) {
                vecSlot[var.id()] = w.alloc(1, var + " as " + vec.lanes() + " lanes (" + vectorClass(var.type()).displayName() + ")");
            }
        }
        for (Var var : ir.vars()) {
            int st = vec.stride()[var.id()];
            if (vec.kind()[var.id()] == VectorLoops.STRIDED && !mapSlot.containsKey(st)) {
                mapSlot.put(st, w.alloc(1, "index map 0, " + st + ", ... of the gathers and scatters at stride " + st));
            }
        }
        int upperSlot = w.alloc(wide ? 2 : 1, "end of the vector loop (whole vectors of its iterations)");
        cb.labelBinding(w.vecEntry);
        for (Instr in : ir.blocks().get(vec.header()).instrs()) w.instrs.instr(in);
        ClassDesc loops = ClassDesc.of(VectorLoops.class.getName());
        MethodTypeDesc pair = MethodTypeDesc.of(ConstantDescs.CD_boolean, CD_SEGMENT, CD_SEGMENT);
        for (ArrayRef a : vec.offHeap()) {
            cb.aload(w.arraySlot[a.id()]);
            cb.invokestatic(loops, "usable", MethodTypeDesc.of(ConstantDescs.CD_boolean, CD_SEGMENT));
            cb.ifeq(header);
        }
        for (ArrayRef[] p : vec.independent()) {
            cb.aload(w.arraySlot[p[0].id()]);
            cb.aload(w.arraySlot[p[1].id()]);
            cb.invokestatic(loops, "independent", pair);
            cb.ifeq(header);
        }
        for (ArrayRef[] p : vec.disjoint()) {
            cb.aload(w.arraySlot[p[0].id()]);
            cb.aload(w.arraySlot[p[1].id()]);
            cb.invokestatic(loops, "disjoint", pair);
            cb.ifeq(header);
        }
        for (ArrayRef[] p : vec.distinct()) {
            cb.aload(w.arraySlot[p[0].id()]);
            cb.aload(w.arraySlot[p[1].id()]);
            cb.if_acmpeq(header);
        }
        loadLong(iv);
        cb.lconst_0();
        cb.lcmp();
        cb.iflt(header);
        // end (a long) on the stack
        loadLong(vec.bound());
        if (vec.inclusive()) {
            if (vec.dim() == 0) {
                loadLimitLong();
                cb.lconst_1();
                cb.lsub();
                cb.invokestatic(CD_MATH, "min", minLong);
            }
            cb.lconst_1();
            cb.ladd();
        } else if (vec.dim() == 0) {
            loadLimitLong();
            cb.invokestatic(CD_MATH, "min", minLong);
        }
        for (ArrayRef a : vec.checked()) {
            w.length(a);
            if (!a.isOffHeap()) cb.i2l();
            cb.invokestatic(CD_MATH, "min", minLong);
        }
        loadLong(iv);
        cb.lsub();
        cb.lconst_0();
        cb.invokestatic(CD_MATH, "max", minLong);
        cb.loadConstant(-(long) vec.lanes());
        cb.land();
        loadLong(iv);
        cb.ladd();
        if (wide) {
            cb.lstore(upperSlot);
        } else {
            cb.l2i();
            cb.istore(upperSlot);
        }
        compareWithUpper(iv, upperSlot);
        cb.ifge(header);
        for (var e : mapSlot.entrySet()) {
            cb.loadConstant(e.getKey());
            cb.loadConstant(vec.lanes());
            cb.invokestatic(loops, "strideMap", MethodTypeDesc.of(CD_int.arrayType(), CD_int, CD_int));
            cb.astore(e.getValue());
        }
        // A diagnostic for tests: one volatile read per entry, a write only the first time.
        Label marked = cb.newLabel();
        cb.getstatic(loops, "ran", ConstantDescs.CD_boolean);
        cb.ifne(marked);
        cb.invokestatic(loops, "markRan", MethodTypeDesc.of(CD_void));
        cb.labelBinding(marked);
        java.util.Map<Integer, Label> label = new java.util.HashMap<>();
        for (int b : vec.region()) label.put(b, cb.newLabel());
        Label latch = cb.newLabel();
        for (int b : vec.region()) {
            cb.labelBinding(label.get(b));
            if (an.cancelChecks.get(b)) w.instrs.cancelCheck();
            if (b == vec.region().get(0)) {
                // Checks after a store of the iteration, tested before any (VectorLoops.Hoisted).
                for (VectorLoops.Hoisted h : vec.hoisted()) {
                    for (int[] at : h.chain()) w.instrs.instr(ir.blocks().get(at[0]).instrs().get(at[1]));
                    check((Instr.CheckIndex) ir.blocks().get(h.block()).instrs().get(h.pos()), null, header);
                }
            }
            List<Instr> instrs = ir.blocks().get(b).instrs();
            java.util.BitSet skipped = vec.skipped().getOrDefault(b, new java.util.BitSet());
            java.util.BitSet scalar = vec.scalarAt().getOrDefault(b, new java.util.BitSet());
            java.util.Map<Integer, Var> roots = vec.floatSqrt().getOrDefault(b, java.util.Map.of());
            for (int p = 0; p < instrs.size(); p++) {
                Instr in = instrs.get(p);
                if (skipped.get(p)) continue;
                Var root = roots.get(p);
                if (root != null) {
                    vload(root);
                    operator("SQRT", "Unary");
                    ClassDesc vc = vectorClass(Type.F32);
                    cb.invokevirtual(vc, "lanewise", MethodTypeDesc.of(vc, CD_OPERATORS.nested("Unary")));
                    vstore(KernelAnalysis.dst(in));
                } else if (in instanceof Instr.CheckIndex c) {
                    check(c, vec.window().getOrDefault(b, java.util.Map.of()).get(p), header);
                } else if (scalar.get(p)) {
                    w.instrs.instr(in);
                } else {
                    vectorInstr(in);
                }
            }
            switch (ir.blocks().get(b).terminator()) {
                case io.kiln.ir.Terminator.Goto g -> cb.goto_(g.target() == vec.header() ? latch : label.get(g.target()));
                case io.kiln.ir.Terminator.Branch br -> {
                    w.terms.branch(br.op(), br.a(), br.b(), label.get(br.ifTrue()));
                    cb.goto_(label.get(br.ifFalse()));
                }
                default -> throw new IllegalStateException("VectorLoops accepted " + ir.blocks().get(b).terminator());
            }
        }
        cb.labelBinding(latch);
        // The scalar loop tests for a cancel at its header (when KernelAnalysis put a test there); the
        // vector loop does not pass the header, so it tests at its own back edge.
        if (an.cancelChecks.get(vec.header())) w.instrs.cancelCheck();
        if (wide) {
            load(iv);
            cb.loadConstant((long) vec.lanes());
            cb.ladd();
            store(iv);
        } else {
            cb.iinc(w.varSlot[iv.id()], vec.lanes());
        }
        compareWithUpper(iv, upperSlot);
        cb.iflt(label.get(vec.region().get(0)));
        cb.goto_(header);
    }

    /**
     * A bounds check the vector loop could not prove up front, for every lane at once: at an index the
     * same in every lane, {@code 0 <= x < length}; at {@code x = base + i} (lane 0's), lanes {@code x} to
     * {@code x + LANES - 1}, {@code 0 <= x <= length - LANES}; at a strided {@code x = s * i + base}, lanes
     * {@code x + lo} to {@code x + hi + (LANES - 1) * s} for the window {@code lo, hi} of that array's
     * accesses at that stride and base (on longs, so that a lane whose int index wrapped fails the test
     * too; the checks of the window's other accesses are skipped). When it fails the vector iteration has
     * stored nothing, and the scalar loop runs from lane 0 on, failing where Java fails.
     */
    private void check(Instr.CheckIndex c, long[] window, Label scalar) {
        int k = c.index() instanceof Var x ? vec.kind()[x.id()] : VectorLoops.UNIFORM;
        long lo = window == null ? 0 : window[0];
        long hi = window == null ? 0 : window[1];
        loadLong(c.index());
        if (lo != 0) {
            cb.loadConstant(lo);
            cb.ladd();
        }
        cb.lconst_0();
        cb.lcmp();
        cb.iflt(scalar);
        loadLong(c.index());
        w.length(c.array());
        if (!c.array().isOffHeap()) cb.i2l();
        if (k == VectorLoops.STRIDED) {
            // lanes x + lo, ..., x + hi + (LANES - 1) * s: in bounds (and none wrapped) when the last one is
            cb.loadConstant(hi + (long) (vec.lanes() - 1) * vec.stride()[((Var) c.index()).id()]);
            cb.lsub();
            cb.lcmp();
            cb.ifge(scalar);
        } else if (k == VectorLoops.SHIFTED) {
            cb.loadConstant((long) vec.lanes());
            cb.lsub();
            cb.lcmp();
            cb.ifgt(scalar);
        } else {
            cb.lcmp();
            cb.ifge(scalar);
        }
    }

    /** Whether {@code index} is a {@link VectorLoops#STRIDED} variable (a gather or scatter through its stride's index map). */
    private boolean strided(Value index) {
        return index instanceof Var x && vec.kind()[x.id()] == VectorLoops.STRIDED;
    }

    /** Pushes {@code iv <=> upper} as an int for {@code if<cond>}. */
    private void compareWithUpper(Var iv, int upperSlot) {
        load(iv);
        if (iv.type() == Type.I64) {
            cb.lload(upperSlot);
            cb.lcmp();
        } else {
            cb.iload(upperSlot);
            cb.isub();
        }
    }

    /** Pushes an int or long value as a long. */
    private void loadLong(Value v) {
        load(v);
        if (v.type() == Type.I32) cb.i2l();
    }

    /** Pushes the chunk's limit of loop 0 as a long. */
    private void loadLimitLong() {
        if (vec.induction().type() == Type.I64) {
            cb.lload(w.limitSlot);
        } else {
            cb.iload(w.limitSlot);
            cb.i2l();
        }
    }

    private static final ClassDesc CD_VECTOR = ClassDesc.of("jdk.incubator.vector.Vector");
    private static final ClassDesc CD_SPECIES = ClassDesc.of("jdk.incubator.vector.VectorSpecies");
    private static final ClassDesc CD_OPERATORS = ClassDesc.of("jdk.incubator.vector.VectorOperators");
    private static final ClassDesc CD_BYTE_ORDER = ClassDesc.of("java.nio.ByteOrder");

    /** {@code FloatVector}, {@code DoubleVector}, {@code IntVector} or {@code LongVector}. */
    private static ClassDesc vectorClass(Type t) {
        return ClassDesc.of("jdk.incubator.vector." + switch (t) {
            case I32 -> "IntVector";
            case I64 -> "LongVector";
            case F32 -> "FloatVector";
            case F64 -> "DoubleVector";
        });
    }

    /** Pushes the preferred species of lane type {@code t} (a static final: a constant to C2). */
    private void species(Type t) {
        cb.getstatic(vectorClass(t), "SPECIES_PREFERRED", CD_SPECIES);
    }

    /** Pushes {@code v} as a vector: its vector slot, or a broadcast of a loop-invariant value. */
    private void vload(Value v) {
        if (v instanceof Var x && vec.isVector(x)) {
            cb.aload(vecSlot[x.id()]);
            return;
        }
        species(v.type());
        load(v);
        cb.invokestatic(vectorClass(v.type()), "broadcast", MethodTypeDesc.of(vectorClass(v.type()), CD_SPECIES, desc(v.type())));
    }

    private void vstore(Var v) {
        cb.astore(vecSlot[v.id()]);
    }

    /** Pushes a {@code VectorOperators} constant; {@code kind} is its declared type ({@code Binary}, {@code Associative}, ...). */
    private void operator(String name, String kind) {
        cb.getstatic(CD_OPERATORS, name, CD_OPERATORS.nested(kind));
    }

    /** Pushes the byte offset of element {@code index} (lane 0's) of an off-heap array of {@code e}. */
    private void byteOffset(Value index, ElementType e) {
        loadLong(index);
        cb.loadConstant(Integer.numberOfTrailingZeros(e.bytes()));
        cb.lshl();
    }

    /** One body instruction on vectors ({@link VectorLoops} accepted it). */
    private void vectorInstr(Instr in) {
        switch (in) {
            case Instr.Move m -> {
                vload(m.src());
                vstore(m.dst());
            }
            case Instr.Load l -> {
                ArrayRef a = l.array();
                Type t = a.element().valueType();
                ClassDesc vc = vectorClass(t);
                species(t);
                cb.aload(w.arraySlot[a.id()]);
                if (a.isOffHeap()) {
                    byteOffset(l.index(), a.element());
                    cb.invokestatic(CD_BYTE_ORDER, "nativeOrder", MethodTypeDesc.of(CD_BYTE_ORDER));
                    cb.invokestatic(vc, "fromMemorySegment", MethodTypeDesc.of(vc, CD_SPECIES, CD_SEGMENT, CD_long, CD_BYTE_ORDER));
                } else if (strided(l.index())) {
                    load(l.index());
                    cb.aload(mapSlot.get(vec.stride()[((Var) l.index()).id()]));
                    cb.iconst_0();
                    cb.invokestatic(vc, "fromArray", MethodTypeDesc.of(vc, CD_SPECIES, arrayDesc(a.element()), CD_int, CD_int.arrayType(), CD_int));
                } else {
                    load(l.index());
                    cb.invokestatic(vc, "fromArray", MethodTypeDesc.of(vc, CD_SPECIES, arrayDesc(a.element()), CD_int));
                }
                vstore(l.dst());
            }
            case Instr.Store s -> {
                ArrayRef a = s.array();
                ClassDesc vc = vectorClass(a.element().valueType());
                vload(s.value());
                cb.aload(w.arraySlot[a.id()]);
                if (a.isOffHeap()) {
                    byteOffset(s.index(), a.element());
                    cb.invokestatic(CD_BYTE_ORDER, "nativeOrder", MethodTypeDesc.of(CD_BYTE_ORDER));
                    cb.invokevirtual(vc, "intoMemorySegment", MethodTypeDesc.of(CD_void, CD_SEGMENT, CD_long, CD_BYTE_ORDER));
                } else if (strided(s.index())) {
                    load(s.index());
                    cb.aload(mapSlot.get(vec.stride()[((Var) s.index()).id()]));
                    cb.iconst_0();
                    cb.invokevirtual(vc, "intoArray", MethodTypeDesc.of(CD_void, arrayDesc(a.element()), CD_int, CD_int.arrayType(), CD_int));
                } else {
                    load(s.index());
                    cb.invokevirtual(vc, "intoArray", MethodTypeDesc.of(CD_void, arrayDesc(a.element()), CD_int));
                }
            }
            case Instr.Binary b -> {
                Type t = b.dst().type();
                ClassDesc vc = vectorClass(t);
                vload(b.a());
                String[] op = switch (b.op()) {
                    case ADD -> new String[] {"ADD", "Associative"};
                    case SUB -> new String[] {"SUB", "Binary"};
                    case MUL -> new String[] {"MUL", "Associative"};
                    case DIV -> new String[] {"DIV", "Binary"};
                    case AND -> new String[] {"AND", "Associative"};
                    case OR -> new String[] {"OR", "Associative"};
                    case XOR -> new String[] {"XOR", "Associative"};
                    // The API masks shift counts to the lane width, as Java does.
                    case SHL -> new String[] {"LSHL", "Binary"};
                    case SHR -> new String[] {"ASHR", "Binary"};
                    case USHR -> new String[] {"LSHR", "Binary"};
                    case REM -> throw new IllegalStateException("VectorLoops accepted a remainder");
                };
                operator(op[0], op[1]);
                if (b.op().isShift() && t == Type.I64) {
                    // A loop-invariant int count, widened: lanewise(op, long)
                    load(b.b());
                    cb.i2l();
                    cb.invokevirtual(vc, "lanewise", MethodTypeDesc.of(vc, CD_OPERATORS.nested("Binary"), CD_long));
                } else {
                    vload(b.b());
                    cb.invokevirtual(vc, "lanewise", MethodTypeDesc.of(vc, CD_OPERATORS.nested("Binary"), CD_VECTOR));
                }
                vstore(b.dst());
            }
            case Instr.Negate n -> {
                vload(n.a());
                operator("NEG", "Unary");
                ClassDesc vc = vectorClass(n.dst().type());
                cb.invokevirtual(vc, "lanewise", MethodTypeDesc.of(vc, CD_OPERATORS.nested("Unary")));
                vstore(n.dst());
            }
            case Instr.MathCall m -> {
                ClassDesc vc = vectorClass(m.dst().type());
                vload(m.args().get(0));
                switch (m.fn()) {
                    case ABS, SQRT -> {
                        operator(m.fn().name(), "Unary");
                        cb.invokevirtual(vc, "lanewise", MethodTypeDesc.of(vc, CD_OPERATORS.nested("Unary")));
                    }
                    case MIN, MAX -> {
                        // Specified as Math.min/max per lane: NaN wins, -0.0 < 0.0.
                        operator(m.fn().name(), "Associative");
                        vload(m.args().get(1));
                        cb.invokevirtual(vc, "lanewise", MethodTypeDesc.of(vc, CD_OPERATORS.nested("Binary"), CD_VECTOR));
                    }
                    case FMA -> {
                        // Math.fma per lane: one rounding.
                        operator("FMA", "Ternary");
                        vload(m.args().get(1));
                        vload(m.args().get(2));
                        cb.invokevirtual(vc, "lanewise", MethodTypeDesc.of(vc, CD_OPERATORS.nested("Ternary"), CD_VECTOR, CD_VECTOR));
                    }
                    default -> throw new IllegalStateException("VectorLoops accepted Math." + m.fn().javaName());
                }
                vstore(m.dst());
            }
            case Instr.Convert c -> {
                // i2f, l2d: same lane width, round to nearest as Java's conversion.
                vload(c.a());
                operator(c.op().name(), "Conversion");
                cb.iconst_0();
                cb.invokevirtual(vectorClass(c.a().type()), "convert",
                        MethodTypeDesc.of(CD_VECTOR, CD_OPERATORS.nested("Conversion"), CD_int));
                cb.checkcast(vectorClass(c.dst().type()));
                vstore(c.dst());
            }
            default -> throw new IllegalStateException("VectorLoops accepted " + in);
        }
    }

}
