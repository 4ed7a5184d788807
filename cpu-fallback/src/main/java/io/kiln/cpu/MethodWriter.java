package io.kiln.cpu;

import io.kiln.KernelCompilationException;
import io.kiln.cpu.JvmEmitter.Mode;
import io.kiln.ir.ArrayRef;
import io.kiln.ir.Block;
import io.kiln.ir.Const;
import io.kiln.ir.ElementType;
import io.kiln.ir.Instr;
import io.kiln.ir.KernelIR;
import io.kiln.ir.Param;
import io.kiln.ir.ScalarKind;
import io.kiln.ir.Value;
import io.kiln.ir.Var;

import java.lang.classfile.CodeBuilder;
import java.lang.classfile.Label;
import java.lang.classfile.TypeKind;
import java.lang.constant.ClassDesc;
import java.lang.constant.ConstantDescs;
import java.lang.constant.DynamicConstantDesc;
import java.lang.constant.MethodTypeDesc;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static io.kiln.cpu.JvmEmitter.CD_CONTROL;
import static io.kiln.cpu.JvmEmitter.CD_DOUBLE;
import static io.kiln.cpu.JvmEmitter.CD_FLOAT;
import static io.kiln.cpu.JvmEmitter.CD_SEGMENT;
import static io.kiln.cpu.JvmEmitter.GEOM_GLOBAL;
import static io.kiln.cpu.JvmEmitter.GEOM_LOCAL;
import static io.kiln.cpu.JvmEmitter.arrayDesc;
import static io.kiln.cpu.JvmEmitter.kind;
import static java.lang.constant.ConstantDescs.CD_double;
import static java.lang.constant.ConstantDescs.CD_float;
import static java.lang.constant.ConstantDescs.CD_int;
import static java.lang.constant.ConstantDescs.CD_long;

/**
 * Writes one method of a kernel class ({@link JvmEmitter.Mode}): the local slots of the IR's
 * variables and arrays, the unpacking of the arguments, the loops of the mode around the kernel's
 * blocks, and the values every writer loads and stores. Instructions ({@link InstrWriter}),
 * terminators ({@link TerminatorWriter}), the vector loop ({@link VectorLoopWriter}) and the
 * work-group loops with their barriers ({@link GroupLoops}) are written by the classes that share
 * this state.
 */
final class MethodWriter {
    static final int ARGS = 0;
    static final int LO = 1;
    static final int HI = 3;
    static final int GEOM = 5;
    static final int PARTIALS = 6;

    final KernelIR ir;
    final KernelAnalysis an;
    final Mode mode;
    final CodeBuilder cb;
    private final int[] dataIndex;
    private final Map<Integer, String> slotNames;
    final int[] varSlot;
    final int[] arraySlot;
    final Label[] blockLabel;
    private int nextSlot = 7;
    int limitSlot = -1;
    /** The launch's {@link LaunchControl}, loaded at entry when some loop header tests it. */
    int controlSlot = -1;
    /** The print buffer ({@link io.kiln.spi.PrintBuffer}) of a kernel that prints, loaded at entry, and a scratch slot. */
    int printSlot = -1;
    int printAt = -1;
    final int[] idSlot = {-1, -1, -1};
    final int[] hiSlot = {-1, -1, -1};
    final int[] globalSlot = {-1, -1, -1};
    final int[] localSlot = {-1, -1, -1};
    final Map<Integer, Integer> paramCopySlot = new LinkedHashMap<>();
    /** Per privatised array ({@link AtomicPrivatisation.Candidate#slot()}), the local holding this thread's copy or {@code null}. */
    int[] privateCopySlot;
    /** Where a work-item's {@code return} goes: the next item. */
    Label nextItem;
    // groups: the work-group's ids and the work-item's local ids (the barrier machinery is GroupLoops')
    final int[] groupSlot = {-1, -1, -1};
    final int[] localIdSlot = {-1, -1, -1};
    /** The vector loop of a {@code chunk} method (see {@link VectorLoops}), or {@code null}. */
    final VectorLoops.Plan vec;
    /** Where the edges entering loop 0 go when it has a vector loop: the vector loop's set-up. */
    final Label vecEntry;
    /** The writer of instructions. */
    final InstrWriter instrs;
    /** The writer of terminators. */
    final TerminatorWriter terms;
    /** The vector loop's writer, or {@code null}. */
    final VectorLoopWriter vectors;
    /** The work-group loops of a {@code groups} method, or {@code null}. */
    final GroupLoops groups;

    MethodWriter(KernelIR ir, KernelAnalysis an, Mode mode, CodeBuilder cb, int[] dataIndex, Map<Integer, String> slotNames,
                 VectorLoops.Plan vec) {
        this.vec = vec;
        this.vecEntry = vec == null ? null : cb.newLabel();
        this.ir = ir;
        this.an = an;
        this.mode = mode;
        this.cb = cb;
        this.dataIndex = dataIndex;
        this.slotNames = slotNames;
        slotNames.put(ARGS, "args");
        slotNames.put(LO, mode == Mode.STRIDED ? "first" : "lo");
        slotNames.put(HI, mode == Mode.STRIDED ? "step" : "hi");
        slotNames.put(GEOM, "geometry");
        slotNames.put(PARTIALS, "partials");
        varSlot = new int[ir.vars().size()];
        for (Var v : ir.vars()) {
            varSlot[v.id()] = alloc(v.type().isWide() ? 2 : 1, v + " (" + v.type() + ")");
        }
        arraySlot = new int[ir.arrays().size()];
        for (ArrayRef a : ir.arrays()) {
            arraySlot[a.id()] = alloc(1, a + " (" + a.space().name().toLowerCase(java.util.Locale.ROOT) + " "
                    + (a.isOffHeap() ? offHeapName(a.element()) + " segment" : a.element().javaName() + "[]") + ")");
        }
        blockLabel = new Label[ir.blocks().size()];
        for (int i = 0; i < blockLabel.length; i++) blockLabel[i] = cb.newLabel();
        instrs = new InstrWriter(this);
        terms = new TerminatorWriter(this);
        vectors = vec == null ? null : new VectorLoopWriter(this);
        groups = mode == Mode.GROUPS ? new GroupLoops(this) : null;
    }

    private static String offHeapName(ElementType e) {
        String n = e.javaName();
        return Character.toUpperCase(n.charAt(0)) + n.substring(1) + "Array";
    }

    int alloc(int width, String name) {
        int s = nextSlot;
        nextSlot += width;
        slotNames.putIfAbsent(s, name);
        return s;
    }

    /** Writes the method: arguments, entry zeroing, then the mode's loops around the kernel's blocks. */
    void write() {
        unpackArguments();
        for (ArrayRef a : ir.arrays()) {
            switch (a.space()) {
                case CONSTANT -> {
                    cb.ldc(DynamicConstantDesc.ofNamed(ConstantDescs.BSM_CLASS_DATA_AT, ConstantDescs.DEFAULT_NAME,
                            arrayDesc(a.element()), dataIndex[a.id()]));
                    cb.astore(arraySlot[a.id()]);
                }
                case PRIVATE -> {
                    // Storage once per chunk: the front end zero-fills the array where Java's
                    // 'new' executes, so each work-item and iteration sees a fresh array. With
                    // barriers each work-item keeps its own (see writeGroupLoops).
                    if (an.used[a.id()] && !(mode == Mode.GROUPS && an.barriers.count() > 0)) allocate(a);
                }
                default -> {
                }
            }
        }
        for (int v = an.needsInit.nextSetBit(0); v >= 0; v = an.needsInit.nextSetBit(v + 1)) {
            Var var = ir.vars().get(v);
            loadConst(new Const(var.type(), 0));
            store(var);
        }
        if (mode == Mode.CHUNK) {
            if (instrs.longLoop()) {
                limitSlot = alloc(2, "limit (end of this chunk of parallel loop 0, long)");
                cb.loadConstant(Long.MAX_VALUE);
                cb.lstore(limitSlot);
            } else {
                limitSlot = alloc(1, "limit (end of this chunk of parallel loop 0)");
                cb.loadConstant(Integer.MAX_VALUE);
                cb.istore(limitSlot);
            }
        }
        if (mode == Mode.ITEMS) {
            writeItemLoops();
        } else if (mode == Mode.GROUPS) {
            groups.write();
        } else {
            writeBlocks();
        }
    }

    private void unpackArguments() {
        if (!an.cancelChecks.isEmpty()) {
            // The LaunchControl follows the kernel's arguments (CpuKernel appends it).
            controlSlot = alloc(1, "the launch's cancellation flag");
            cb.aload(ARGS);
            cb.loadConstant(ir.params().size());
            cb.aaload();
            cb.checkcast(CD_CONTROL);
            cb.astore(controlSlot);
        }
        if (io.kiln.spi.PrintBuffer.prints(ir)) {
            // The print buffer follows the LaunchControl (CpuKernel appends both).
            printSlot = alloc(1, "the print buffer");
            printAt = alloc(1, "a printf record's index");
            cb.aload(ARGS);
            cb.loadConstant(ir.params().size() + 1);
            cb.aaload();
            cb.checkcast(ConstantDescs.CD_int.arrayType());
            cb.astore(printSlot);
        }
        java.util.List<AtomicPrivatisation.Candidate> priv = an.privatised.candidates;
        privateCopySlot = new int[priv.size()];
        for (AtomicPrivatisation.Candidate c : priv) {
            // This thread's private copy (or null: real atomics) follows the control and the print buffer.
            privateCopySlot[c.slot()] = alloc(1, "private copy of " + c.array() + " for its atomics (or null)");
            cb.aload(ARGS);
            cb.loadConstant(ir.params().size() + 2 + c.slot());
            cb.aaload();
            cb.checkcast(arrayDesc(c.array().element()));
            cb.astore(privateCopySlot[c.slot()]);
        }
        for (Param p : ir.params()) {
            switch (p) {
                case Param.Array a -> {
                    cb.aload(ARGS);
                    cb.loadConstant(p.index());
                    cb.aaload();
                    // An off-heap array arrives as its segment (CpuKernel maps the argument).
                    cb.checkcast(a.array().isOffHeap() ? CD_SEGMENT : arrayDesc(a.array().element()));
                    cb.astore(arraySlot[a.array().id()]);
                }
                case Param.Scalar s -> {
                    cb.aload(ARGS);
                    cb.loadConstant(p.index());
                    cb.aaload();
                    unbox(s.kind());
                    if (s.kind().valueType() != s.var().type()) {
                        throw new KernelCompilationException(ir.displayName() + ": parameter " + s.name() + " of kind "
                                + s.kind() + " arrives in a variable of type " + s.var().type());
                    }
                    store(s.var());
                }
                case Param.Context c -> {
                }
            }
        }
    }

    private void unbox(ScalarKind k) {
        String owner;
        String method;
        ClassDesc prim;
        switch (k) {
            case BOOLEAN -> { owner = "java.lang.Boolean"; method = "booleanValue"; prim = ConstantDescs.CD_boolean; }
            case BYTE -> { owner = "java.lang.Byte"; method = "byteValue"; prim = ConstantDescs.CD_byte; }
            case SHORT -> { owner = "java.lang.Short"; method = "shortValue"; prim = ConstantDescs.CD_short; }
            case CHAR -> { owner = "java.lang.Character"; method = "charValue"; prim = ConstantDescs.CD_char; }
            case INT -> { owner = "java.lang.Integer"; method = "intValue"; prim = CD_int; }
            case LONG -> { owner = "java.lang.Long"; method = "longValue"; prim = CD_long; }
            case FLOAT -> { owner = "java.lang.Float"; method = "floatValue"; prim = CD_float; }
            case DOUBLE -> { owner = "java.lang.Double"; method = "doubleValue"; prim = CD_double; }
            default -> throw new IllegalStateException();
        }
        ClassDesc o = ClassDesc.of(owner);
        cb.checkcast(o);
        cb.invokevirtual(o, method, MethodTypeDesc.of(prim));
    }

    void allocate(ArrayRef a) {
        cb.loadConstant(a.length());
        cb.newarray(kind(a.element()));
        cb.astore(arraySlot[a.id()]);
    }

    /**
     * Sets every element of array {@code a} (allocated by {@link #allocate}) to zero, with
     * {@code Arrays.fill}: a work-group's fresh local memory without a new array per group. A new
     * array per group cost the tiled transpose about a fifth of its time (allocation marches through
     * new cache lines and fills the young generation; docs/cpu-backend.md, "Work-groups"); one array
     * per chunk, zeroed, stays in L1.
     */
    void zero(ArrayRef a) {
        ClassDesc array = arrayDesc(a.element());
        cb.aload(arraySlot[a.id()]);
        TypeKind k = kind(a.element());
        switch (k) {
            case LONG -> cb.lconst_0();
            case FLOAT -> cb.fconst_0();
            case DOUBLE -> cb.dconst_0();
            default -> cb.iconst_0();
        }
        cb.invokestatic(ClassDesc.of("java.util.Arrays"), "fill",
                MethodTypeDesc.of(ConstantDescs.CD_void, array, array.componentType()));
    }

    /** Loads dimension {@code d} of the launch geometry: the chunk's end into {@code hiSlot}, the global and local sizes. */
    void loadGeometry(int d, int hiSlot) {
        cb.aload(GEOM);
        cb.loadConstant(2 * d + 1);
        cb.iaload();
        cb.istore(hiSlot);
        cb.aload(GEOM);
        cb.loadConstant(GEOM_GLOBAL + d);
        cb.iaload();
        cb.istore(globalSlot[d]);
        cb.aload(GEOM);
        cb.loadConstant(GEOM_LOCAL + d);
        cb.iaload();
        cb.istore(localSlot[d]);
    }

    /** Parameters the kernel assigns are copied at entry, so that every work-item starts from the launch value. */
    void copyReassignedParams() {
        for (int v = an.reassignedParams.nextSetBit(0); v >= 0; v = an.reassignedParams.nextSetBit(v + 1)) {
            Var var = ir.vars().get(v);
            int copy = alloc(var.type().isWide() ? 2 : 1, "value of parameter " + var + " at launch");
            paramCopySlot.put(v, copy);
            load(var);
            cb.storeLocal(kind(var.type()), copy);
        }
    }

    /** Work-item kernels: three nested loops over the chunk's box, the kernel body inside. */
    private void writeItemLoops() {
        for (int d = 0; d < 3; d++) {
            idSlot[d] = alloc(1, "global id " + d);
            hiSlot[d] = alloc(1, "end of this chunk in dimension " + d);
            globalSlot[d] = alloc(1, "global size " + d);
            localSlot[d] = alloc(1, "local size " + d);
            loadGeometry(d, hiSlot[d]);
        }
        copyReassignedParams();
        Label[] test = new Label[3];
        Label[] next = new Label[3];
        Label done = cb.newLabel();
        for (int d = 2; d >= 0; d--) {
            test[d] = cb.newLabel();
            next[d] = cb.newLabel();
            cb.aload(GEOM);
            cb.loadConstant(2 * d);
            cb.iaload();
            cb.istore(idSlot[d]);
            cb.labelBinding(test[d]);
            cb.iload(idSlot[d]);
            cb.iload(hiSlot[d]);
            cb.if_icmpge(d == 2 ? done : next[d + 1]);
        }
        for (Map.Entry<Integer, Integer> e : paramCopySlot.entrySet()) {
            Var var = ir.vars().get(e.getKey());
            cb.loadLocal(kind(var.type()), e.getValue());
            store(var);
        }
        nextItem = next[0];
        writeBlocks();
        for (int d = 0; d < 3; d++) {
            cb.labelBinding(next[d]);
            cb.iinc(idSlot[d], 1);
            cb.goto_(test[d]);
        }
        cb.labelBinding(done);
        cb.return_();
    }

    void writeBlocks() {
        cb.goto_(blockLabel[0]);
        for (Block b : ir.blocks()) {
            cb.labelBinding(blockLabel[b.id()]);
            if (an.cancelChecks.get(b.id())) instrs.cancelCheck();
            List<Instr> ins = b.instrs();
            for (int k = 0; k < ins.size(); k++) {
                if (ins.get(k) instanceof Instr.Barrier) {
                    if (groups == null) throw new IllegalStateException("a barrier outside a work-group method");
                    groups.barrier(an.barriers.numberAt(b.id(), k));
                } else {
                    instrs.instr(ins.get(k));
                }
            }
            terms.terminator(b);
        }
        if (vectors != null) vectors.write();
    }

    /** Pushes the length of {@code a}: {@code arraylength} (int), or an off-heap array's element count (long). */
    void length(ArrayRef a) {
        cb.aload(arraySlot[a.id()]);
        if (a.isOffHeap()) {
            // byteSize() / element bytes, as a shift: the length in elements, a long.
            cb.invokeinterface(CD_SEGMENT, "byteSize", MethodTypeDesc.of(CD_long));
            int shift = Integer.numberOfTrailingZeros(a.element().bytes());
            if (shift > 0) {
                cb.loadConstant(shift);
                cb.lushr();
            }
        } else {
            cb.arraylength();
        }
    }

    // ---------------------------------------------------------------- values

    /** Pushes {@code v}. */
    void load(Value v) {
        switch (v) {
            case Var var -> cb.loadLocal(kind(var.type()), varSlot[var.id()]);
            case Const c -> loadConst(c);
        }
    }

    void store(Var v) {
        cb.storeLocal(kind(v.type()), varSlot[v.id()]);
    }

    void loadConst(Const c) {
        switch (c.type()) {
            case I32 -> cb.loadConstant(c.intValue());
            case I64 -> cb.loadConstant(c.longValue());
            case F32 -> {
                int bits = (int) c.bits();
                float f = Float.intBitsToFloat(bits);
                if (bits == 0) {
                    cb.fconst_0();
                } else if (Float.isNaN(f)) {
                    // ldc of a float NaN would lose its payload to constant-pool deduplication.
                    cb.loadConstant(bits);
                    cb.invokestatic(CD_FLOAT, "intBitsToFloat", MethodTypeDesc.of(CD_float, CD_int));
                } else if (f == 1f || f == 2f) {
                    cb.loadConstant(f);
                } else {
                    cb.ldc(Float.valueOf(f));
                }
            }
            case F64 -> {
                long bits = c.bits();
                double d = Double.longBitsToDouble(bits);
                if (bits == 0) {
                    cb.dconst_0();
                } else if (Double.isNaN(d)) {
                    cb.loadConstant(bits);
                    cb.invokestatic(CD_DOUBLE, "longBitsToDouble", MethodTypeDesc.of(CD_double, CD_long));
                } else if (d == 1d) {
                    cb.dconst_1();
                } else {
                    cb.ldc(Double.valueOf(d));
                }
            }
        }
    }

}
