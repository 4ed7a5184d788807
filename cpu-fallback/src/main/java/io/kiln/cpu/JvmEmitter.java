package io.kiln.cpu;

import io.kiln.KernelCompilationException;
import io.kiln.ir.AddressSpace;
import io.kiln.ir.ArrayRef;
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
import io.kiln.ir.ScalarKind;
import io.kiln.ir.Terminator;
import io.kiln.ir.Type;
import io.kiln.ir.Value;
import io.kiln.ir.Var;

import java.lang.classfile.ClassFile;
import java.lang.classfile.CodeBuilder;
import java.lang.classfile.Label;
import java.lang.classfile.Opcode;
import java.lang.classfile.TypeKind;
import java.lang.classfile.instruction.OperatorInstruction;
import java.lang.classfile.instruction.SwitchCase;
import java.lang.constant.ClassDesc;
import java.lang.constant.ConstantDescs;
import java.lang.constant.DynamicConstantDesc;
import java.lang.constant.MethodTypeDesc;
import java.lang.invoke.MethodType;
import java.util.concurrent.CancellationException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static java.lang.constant.ConstantDescs.CD_Object;
import static java.lang.constant.ConstantDescs.CD_double;
import static java.lang.constant.ConstantDescs.CD_float;
import static java.lang.constant.ConstantDescs.CD_int;
import static java.lang.constant.ConstantDescs.CD_long;
import static java.lang.constant.ConstantDescs.CD_void;

/**
 * Translates a {@link KernelIR} into a JVM class whose static methods run a range of the kernel's
 * iteration space directly on the caller's arrays. Every method has the signature
 * {@code static void m(Object[] args, long lo, long hi, int[] geometry, long[] partials)}:
 * <ul>
 * <li>{@code chunk} (loop kernels whose outermost {@code @Parallel} loop is an int or long loop with
 * a regular header): runs iterations {@code [lo, hi)} of parallel loop 0, as a plain counted loop
 * ({@code hi = Long.MAX_VALUE}: no upper limit beyond the loop's own bound). Inner parallel loops run all their
 * iterations.</li>
 * <li>{@code strided} (every loop kernel): runs iterations {@code lo, lo + hi, lo + 2*hi, ...} of
 * loop 0, for trip counts the host does not know.</li>
 * <li>{@code items} (work-item kernels without barriers or local memory): runs work-items
 * {@code geometry[2d] <= id_d < geometry[2d+1]} for d = 0..2; {@code geometry[6..8]} are the global
 * sizes, {@code geometry[9..11]} the local sizes.</li>
 * <li>{@code groups} (work-item kernels with barriers or local memory): runs whole work-groups
 * {@code geometry[2d] <= group_d < geometry[2d+1]}, each on this thread, its work-items one barrier
 * region at a time (see {@code writeGroupLoops}); sizes as for {@code items}.</li>
 * <li>{@code single} (kernels with neither): runs the method body once.</li>
 * </ul>
 * IR variables map to JVM locals (two slots for I64/F64), blocks to labels, terminators to
 * {@code if}/{@code goto}/{@code tableswitch}/{@code lookupswitch}. Java's semantics hold natively; in
 * particular int and long {@code /} and {@code %} by zero throw {@link ArithmeticException} as in Java
 * (GPU back ends yield 0 instead; the divisor is tested explicitly, see {@link KernelSupport#divisionByZero}).
 * Atomics call {@link CpuAtomics}. Constant tables reach the class as class data
 * ({@code ldc} of a {@code MethodHandles.classDataAt} dynamic constant). For {@code @Reduce} kernels each
 * {@code return} stores the raw bits of every reduction's accumulator into {@code partials[r]}; the
 * caller combines the partials of all chunks.
 * <p>Off-heap parameters ({@link ArrayRef#isOffHeap()}, {@code FloatArray} and friends) arrive as their
 * {@link java.lang.foreign.MemorySegment}; {@code Load}/{@code Store} become
 * {@code MemorySegment.getAtIndex/setAtIndex} with the layout read by {@code getstatic
 * ValueLayout.JAVA_FLOAT} (a constant to C2, so each access compiles to a bounds-checked plain load),
 * an {@code int} index widened with {@code i2l}; {@code ArrayLength} is {@code byteSize() >> log2(element
 * size)}; atomics call the {@code MemorySegment} overloads of {@link CpuAtomics}.
 */
final class JvmEmitter {
    private JvmEmitter() {
    }

    /** The methods a kernel class may have. */
    enum Mode {
        CHUNK("chunk"), STRIDED("strided"), ITEMS("items"), GROUPS("groups"), SINGLE("single");

        final String methodName;

        Mode(String methodName) {
            this.methodName = methodName;
        }
    }

    /** The JVM type of every generated method. */
    static final MethodType METHOD_TYPE = MethodType.methodType(void.class, Object[].class, long.class, long.class, int[].class,
            long[].class);
    private static final MethodTypeDesc METHOD_DESC = MethodTypeDesc.of(CD_void, CD_Object.arrayType(), CD_long, CD_long,
            CD_int.arrayType(), CD_long.arrayType());

    /** Layout of the {@code geometry} argument of {@code items}. */
    static final int GEOM_GLOBAL = 6;
    static final int GEOM_LOCAL = 9;
    static final int GEOM_LENGTH = 12;

    private static final ClassDesc CD_MATH = ClassDesc.of("java.lang.Math");
    private static final ClassDesc CD_FLOAT = ClassDesc.of("java.lang.Float");
    private static final ClassDesc CD_DOUBLE = ClassDesc.of("java.lang.Double");
    private static final ClassDesc CD_ATOMICS = ClassDesc.of(CpuAtomics.class.getName());
    private static final ClassDesc CD_SUPPORT = ClassDesc.of(KernelSupport.class.getName());
    private static final ClassDesc CD_CONTROL = ClassDesc.of(LaunchControl.class.getName());
    static final ClassDesc CD_SEGMENT = ClassDesc.of("java.lang.foreign.MemorySegment");
    private static final ClassDesc CD_VALUE_LAYOUT = ClassDesc.of("java.lang.foreign.ValueLayout");

    /**
     * A generated class.
     *
     * @param className  the binary name written into the class file
     * @param bytes      the class file
     * @param classData  the constant tables, by their index in the class data
     * @param modes      the methods the class has
     * @param slotNames  per method name, what each local slot holds (for the listing)
     * @param stateSlotsPerItem for {@code groups} with barriers, the most elements one work-item keeps
     *                   in one typed state array (the launch checks that a group's state fits an array)
     * @param vectorLoop what {@link VectorLoops} decided for the {@code chunk} method: a vector loop's
     *                   {@link VectorLoops.Plan}, or {@code null} with the reason in {@code scalarReason}
     * @param scalarReason why loop 0 stays scalar ({@code null} when it is vectorised or there is no chunk method)
     */
    record Output(String className, byte[] bytes, List<Object> classData, Set<Mode> modes,
                  Map<String, Map<Integer, String>> slotNames, int stateSlotsPerItem,
                  VectorLoops.Plan vectorLoop, String scalarReason) {

        /** The largest bytecode size of the class's methods. */
        int maxCodeLength() {
            int max = 0;
            for (var m : ClassFile.of().parse(bytes).methods()) {
                if (m.code().orElse(null) instanceof java.lang.classfile.attribute.CodeAttribute c) {
                    max = Math.max(max, c.codeLength());
                }
            }
            return max;
        }
    }

    /** HotSpot does not JIT-compile methods with more bytecode than this (-XX:HugeMethodLimit, fixed in product builds). */
    static final int HUGE_METHOD_LIMIT = 8000;

    /** The modes a kernel gets. */
    static Set<Mode> modes(KernelIR ir, KernelAnalysis an) {
        return switch (ir.kind()) {
            case LOOP_PARALLEL -> an.chunkable ? EnumSet.of(Mode.CHUNK, Mode.STRIDED) : EnumSet.of(Mode.STRIDED);
            case WORK_ITEM -> an.groupMode ? EnumSet.of(Mode.GROUPS) : EnumSet.of(Mode.ITEMS);
            case SINGLE -> EnumSet.of(Mode.SINGLE);
        };
    }

    /**
     * Generates the class for {@code ir}.
     *
     * @throws KernelCompilationException if the kernel uses something this back end does not support
     */
    static Output emit(KernelIR ir) {
        if (ir.blocks().isEmpty()) {
            throw new KernelCompilationException(ir.displayName() + ": the kernel has no code");
        }
        if (ir.kind() == KernelKind.LOOP_PARALLEL && ir.parallelLoops().isEmpty()) {
            throw new KernelCompilationException(ir.displayName() + ": a LOOP_PARALLEL kernel without @Parallel loops");
        }
        KernelAnalysis an = new KernelAnalysis(ir);
        List<Object> classData = new ArrayList<>();
        int[] dataIndex = new int[ir.arrays().size()];
        for (ArrayRef a : ir.arrays()) {
            if (a.space() == AddressSpace.CONSTANT) {
                dataIndex[a.id()] = classData.size();
                classData.add(constantArray(ir, a));
            }
        }
        String className = JvmEmitter.class.getPackageName() + ".Kernel_" + ir.symbolName();
        Set<Mode> modes = modes(ir, an);
        VectorLoops.Result vector = modes.contains(Mode.CHUNK) ? VectorLoops.plan(ir, an) : VectorLoops.Result.no(null);
        Map<String, Map<Integer, String>> slotNames = new LinkedHashMap<>();
        byte[] bytes;
        try {
            bytes = ClassFile.of().build(ClassDesc.of(className), clb -> {
                clb.withFlags(ClassFile.ACC_FINAL | ClassFile.ACC_SYNTHETIC);
                for (Mode m : modes) {
                    Map<Integer, String> names = new java.util.TreeMap<>();
                    slotNames.put(m.methodName, names);
                    clb.withMethodBody(m.methodName, METHOD_DESC, ClassFile.ACC_STATIC | ClassFile.ACC_PUBLIC,
                            cb -> new MethodWriter(ir, an, m, cb, dataIndex, names, m == Mode.CHUNK ? vector.plan() : null).write());
                }
            });
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new KernelCompilationException(ir.displayName() + ": the cpu back end cannot generate bytecode for this kernel ("
                    + e.getMessage() + "); a JVM method is limited to 64 KiB of code and 65535 local slots", e);
        }
        int state = 0;
        for (int c : an.stateCount) state = Math.max(state, c);
        return new Output(className, bytes, Collections.unmodifiableList(classData), modes, slotNames, state, vector.plan(),
                vector.reason());
    }

    private static Object constantArray(KernelIR ir, ArrayRef a) {
        List<Long> bits = a.id() < ir.constants().size() ? ir.constants().get(a.id()) : List.of();
        int n = a.length();
        if (bits.size() > n) {
            throw new KernelCompilationException(ir.displayName() + ": constant table " + a + " has " + bits.size()
                    + " values but length " + n);
        }
        return switch (a.element()) {
            case BYTE -> {
                byte[] r = new byte[n];
                for (int i = 0; i < bits.size(); i++) r[i] = (byte) (long) bits.get(i);
                yield r;
            }
            case SHORT -> {
                short[] r = new short[n];
                for (int i = 0; i < bits.size(); i++) r[i] = (short) (long) bits.get(i);
                yield r;
            }
            case CHAR -> {
                char[] r = new char[n];
                for (int i = 0; i < bits.size(); i++) r[i] = (char) (long) bits.get(i);
                yield r;
            }
            case INT -> {
                int[] r = new int[n];
                for (int i = 0; i < bits.size(); i++) r[i] = (int) (long) bits.get(i);
                yield r;
            }
            case LONG -> {
                long[] r = new long[n];
                for (int i = 0; i < bits.size(); i++) r[i] = bits.get(i);
                yield r;
            }
            case FLOAT -> {
                float[] r = new float[n];
                for (int i = 0; i < bits.size(); i++) r[i] = Float.intBitsToFloat((int) (long) bits.get(i));
                yield r;
            }
            case DOUBLE -> {
                double[] r = new double[n];
                for (int i = 0; i < bits.size(); i++) r[i] = Double.longBitsToDouble(bits.get(i));
                yield r;
            }
        };
    }

    static TypeKind kind(Type t) {
        return switch (t) {
            case I32 -> TypeKind.INT;
            case I64 -> TypeKind.LONG;
            case F32 -> TypeKind.FLOAT;
            case F64 -> TypeKind.DOUBLE;
        };
    }

    static TypeKind kind(ElementType e) {
        return switch (e) {
            case BYTE -> TypeKind.BYTE;
            case SHORT -> TypeKind.SHORT;
            case CHAR -> TypeKind.CHAR;
            case INT -> TypeKind.INT;
            case LONG -> TypeKind.LONG;
            case FLOAT -> TypeKind.FLOAT;
            case DOUBLE -> TypeKind.DOUBLE;
        };
    }

    static ClassDesc arrayDesc(ElementType e) {
        return switch (e) {
            case BYTE -> ConstantDescs.CD_byte.arrayType();
            case SHORT -> ConstantDescs.CD_short.arrayType();
            case CHAR -> ConstantDescs.CD_char.arrayType();
            case INT -> CD_int.arrayType();
            case LONG -> CD_long.arrayType();
            case FLOAT -> CD_float.arrayType();
            case DOUBLE -> CD_double.arrayType();
        };
    }

    /**
     * The {@code ValueLayout} constant for an off-heap element ({@code JAVA_FLOAT}) and its type
     * ({@code ValueLayout$OfFloat}): native byte order, aligned to the element's size, as Kiln's
     * off-heap arrays are.
     */
    private static String layoutName(ElementType e) {
        return switch (e) {
            case BYTE -> "JAVA_BYTE";
            case SHORT -> "JAVA_SHORT";
            case CHAR -> "JAVA_CHAR";
            case INT -> "JAVA_INT";
            case LONG -> "JAVA_LONG";
            case FLOAT -> "JAVA_FLOAT";
            case DOUBLE -> "JAVA_DOUBLE";
        };
    }

    private static ClassDesc layoutDesc(ElementType e) {
        String n = e.javaName();
        return CD_VALUE_LAYOUT.nested("Of" + Character.toUpperCase(n.charAt(0)) + n.substring(1));
    }

    private static ClassDesc elementDesc(ElementType e) {
        return arrayDesc(e).componentType();
    }

    private static ClassDesc desc(Type t) {
        return switch (t) {
            case I32 -> CD_int;
            case I64 -> CD_long;
            case F32 -> CD_float;
            case F64 -> CD_double;
        };
    }

    /** Writes one method. */
    private static final class MethodWriter {
        private static final int ARGS = 0;
        private static final int LO = 1;
        private static final int HI = 3;
        private static final int GEOM = 5;
        private static final int PARTIALS = 6;

        private final KernelIR ir;
        private final KernelAnalysis an;
        private final Mode mode;
        private final CodeBuilder cb;
        private final int[] dataIndex;
        private final Map<Integer, String> slotNames;
        private final int[] varSlot;
        private final int[] arraySlot;
        private final Label[] blockLabel;
        private int nextSlot = 7;
        private int limitSlot = -1;
        /** The launch's {@link LaunchControl}, loaded at entry when some loop header tests it. */
        private int controlSlot = -1;
        /** The print buffer ({@link io.kiln.spi.PrintBuffer}) of a kernel that prints, loaded at entry, and a scratch slot. */
        private int printSlot = -1;
        private int printAt = -1;
        private final int[] idSlot = {-1, -1, -1};
        private final int[] hiSlot = {-1, -1, -1};
        private final int[] globalSlot = {-1, -1, -1};
        private final int[] localSlot = {-1, -1, -1};
        private final Map<Integer, Integer> paramCopySlot = new LinkedHashMap<>();
        private Label nextItem;
        // groups: the work-group's ids, the work-item's local ids, and the barrier machinery
        private final int[] groupSlot = {-1, -1, -1};
        private final int[] localIdSlot = {-1, -1, -1};
        private int stopSlot = -1;
        private final int[] stateSlab = {-1, -1, -1, -1};
        private final int[] stateBase = {-1, -1, -1, -1};
        private Label[] resume;
        private int nextBarrier;
        /** The vector loop of a {@code chunk} method (see {@link VectorLoops}), or {@code null}. */
        private final VectorLoops.Plan vec;
        /** Where the edges entering loop 0 go when it has a vector loop: the vector loop's set-up. */
        private final Label vecEntry;
        /** Per variable, its vector's slot in the vector loop, or -1. */
        private int[] vecSlot;

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
        }

        private static String offHeapName(ElementType e) {
            String n = e.javaName();
            return Character.toUpperCase(n.charAt(0)) + n.substring(1) + "Array";
        }

        private int alloc(int width, String name) {
            int s = nextSlot;
            nextSlot += width;
            slotNames.putIfAbsent(s, name);
            return s;
        }

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
                        if (an.used[a.id()] && !(mode == Mode.GROUPS && an.barrierCount > 0)) allocate(a);
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
                if (longLoop()) {
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
                writeGroupLoops();
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

        private void allocate(ArrayRef a) {
            cb.loadConstant(a.length());
            cb.newarray(kind(a.element()));
            cb.astore(arraySlot[a.id()]);
        }

        /** Loads dimension {@code d} of the launch geometry: the chunk's end into {@code hiSlot}, the global and local sizes. */
        private void loadGeometry(int d, int hiSlot) {
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
        private void copyReassignedParams() {
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

        /**
         * Work-group kernels: loops over the chunk's work-groups ({@code geometry[2d] <= group_d <
         * geometry[2d+1]}), and in each group over its work-items, x fastest. Local arrays are
         * allocated per group. With barriers, each pass over the items runs every item from where it
         * stopped to its next barrier (or its end): a barrier saves the variables live across it into
         * per-item state arrays, records its number and goes on with the next item; when every item
         * has stopped at the same barrier, the next pass resumes each of them after it (an entry
         * {@code tableswitch} on the barrier number, then the saved variables are reloaded).
         */
        private void writeGroupLoops() {
            boolean bars = an.barrierCount > 0;
            int[] groupHi = new int[3];
            for (int d = 0; d < 3; d++) {
                groupSlot[d] = alloc(1, "work-group id " + d);
                groupHi[d] = alloc(1, "end of this chunk's work-groups in dimension " + d);
                localIdSlot[d] = alloc(1, "local id " + d);
                idSlot[d] = alloc(1, "global id " + d);
                globalSlot[d] = alloc(1, "global size " + d);
                localSlot[d] = alloc(1, "local size " + d);
                loadGeometry(d, groupHi[d]);
            }
            copyReassignedParams();
            int itemSlot = -1;
            int regionSlot = -1;
            int groupStopSlot = -1;
            int[] privateSlab = new int[ir.arrays().size()];
            if (bars) {
                int sizeSlot = alloc(1, "work-items per group");
                cb.iload(localSlot[0]);
                cb.iload(localSlot[1]);
                cb.imul();
                cb.iload(localSlot[2]);
                cb.imul();
                cb.istore(sizeSlot);
                itemSlot = alloc(1, "work-item index in the group");
                regionSlot = alloc(1, "resume point of this pass (0: start, k + 1: after barrier k)");
                stopSlot = alloc(1, "where the work-item stopped (0: returned, k + 1: at barrier k)");
                groupStopSlot = alloc(1, "where work-item 0 stopped in this pass");
                for (Type t : Type.values()) {
                    int n = an.stateCount[t.ordinal()];
                    if (n == 0) continue;
                    stateSlab[t.ordinal()] = alloc(1, "saved " + t + " variables, " + n + " per work-item");
                    stateBase[t.ordinal()] = alloc(1, "this work-item's offset in the saved " + t + " variables");
                    cb.iload(sizeSlot);
                    cb.loadConstant(n);
                    cb.imul();
                    cb.newarray(kind(t));
                    cb.astore(stateSlab[t.ordinal()]);
                }
                for (ArrayRef a : ir.arrays()) {
                    if (a.space() != AddressSpace.PRIVATE || !an.used[a.id()]) continue;
                    // One private array per work-item of a group, reused by every group of the chunk.
                    privateSlab[a.id()] = alloc(1, "private arrays " + a + ", one per work-item");
                    cb.iload(sizeSlot);
                    cb.loadConstant(a.length());
                    cb.multianewarray(arrayDesc(a.element()).arrayType(), 2);
                    cb.astore(privateSlab[a.id()]);
                }
                resume = new Label[an.barrierCount];
                for (int k = 0; k < resume.length; k++) resume[k] = cb.newLabel();
            }

            Label[] groupTest = new Label[3];
            Label[] groupNext = new Label[3];
            Label done = cb.newLabel();
            for (int d = 2; d >= 0; d--) {
                groupTest[d] = cb.newLabel();
                groupNext[d] = cb.newLabel();
                cb.aload(GEOM);
                cb.loadConstant(2 * d);
                cb.iaload();
                cb.istore(groupSlot[d]);
                cb.labelBinding(groupTest[d]);
                cb.iload(groupSlot[d]);
                cb.iload(groupHi[d]);
                cb.if_icmpge(d == 2 ? done : groupNext[d + 1]);
            }
            // A new group: fresh local memory (its contents are undefined in the language; here zero).
            for (ArrayRef a : ir.arrays()) {
                if (a.space() == AddressSpace.LOCAL && an.used[a.id()]) allocate(a);
            }
            Label region = cb.newLabel();
            Label groupDone = cb.newLabel();
            if (bars) {
                cb.iconst_0();
                cb.istore(regionSlot);
                cb.labelBinding(region);
                cb.iconst_0();
                cb.istore(itemSlot);
                cb.iconst_0();
                cb.istore(groupStopSlot);
            }
            Label[] itemTest = new Label[3];
            Label[] itemNext = new Label[3];
            Label itemsDone = cb.newLabel();
            for (int d = 2; d >= 0; d--) {
                itemTest[d] = cb.newLabel();
                itemNext[d] = cb.newLabel();
                cb.iconst_0();
                cb.istore(localIdSlot[d]);
                cb.labelBinding(itemTest[d]);
                cb.iload(localIdSlot[d]);
                cb.iload(localSlot[d]);
                cb.if_icmpge(d == 2 ? itemsDone : itemNext[d + 1]);
            }
            for (int d = 0; d < 3; d++) {
                cb.iload(groupSlot[d]);
                cb.iload(localSlot[d]);
                cb.imul();
                cb.iload(localIdSlot[d]);
                cb.iadd();
                cb.istore(idSlot[d]);
            }
            Label start = cb.newLabel();
            if (bars) {
                for (Type t : Type.values()) {
                    int n = an.stateCount[t.ordinal()];
                    if (n == 0) continue;
                    cb.iload(itemSlot);
                    cb.loadConstant(n);
                    cb.imul();
                    cb.istore(stateBase[t.ordinal()]);
                }
                for (ArrayRef a : ir.arrays()) {
                    if (a.space() != AddressSpace.PRIVATE || !an.used[a.id()]) continue;
                    cb.aload(privateSlab[a.id()]);
                    cb.iload(itemSlot);
                    cb.aaload();
                    cb.astore(arraySlot[a.id()]);
                }
                List<SwitchCase> cases = new ArrayList<>();
                cases.add(SwitchCase.of(0, start));
                for (int k = 0; k < resume.length; k++) cases.add(SwitchCase.of(k + 1, resume[k]));
                cb.iload(regionSlot);
                cb.tableswitch(0, resume.length, start, cases);
            }
            cb.labelBinding(start);
            for (Map.Entry<Integer, Integer> e : paramCopySlot.entrySet()) {
                Var var = ir.vars().get(e.getKey());
                cb.loadLocal(kind(var.type()), e.getValue());
                store(var);
            }
            nextItem = cb.newLabel();
            writeBlocks();
            cb.labelBinding(nextItem);
            if (bars) {
                // Every work-item must stop where work-item 0 stopped.
                Label check = cb.newLabel();
                Label same = cb.newLabel();
                cb.iload(itemSlot);
                cb.ifne(check);
                cb.iload(stopSlot);
                cb.istore(groupStopSlot);
                cb.goto_(same);
                cb.labelBinding(check);
                cb.iload(stopSlot);
                cb.iload(groupStopSlot);
                cb.if_icmpeq(same);
                cb.iload(groupStopSlot);
                cb.iload(stopSlot);
                cb.iload(itemSlot);
                cb.iload(groupSlot[0]);
                cb.iload(groupSlot[1]);
                cb.iload(groupSlot[2]);
                cb.invokestatic(CD_SUPPORT, "divergentBarrier", MethodTypeDesc.of(ClassDesc.of(io.kiln.KilnException.class.getName()),
                        CD_int, CD_int, CD_int, CD_int, CD_int, CD_int));
                cb.athrow();
                cb.labelBinding(same);
                cb.iinc(itemSlot, 1);
            }
            for (int d = 0; d < 3; d++) {
                cb.labelBinding(itemNext[d]);
                cb.iinc(localIdSlot[d], 1);
                cb.goto_(itemTest[d]);
            }
            cb.labelBinding(itemsDone);
            if (bars) {
                // All items stopped at barrier k (groupStop = k + 1): the next pass resumes after it.
                cb.iload(groupStopSlot);
                cb.ifeq(groupDone);
                cb.iload(groupStopSlot);
                cb.istore(regionSlot);
                cb.goto_(region);
            }
            cb.labelBinding(groupDone);
            for (int d = 0; d < 3; d++) {
                cb.labelBinding(groupNext[d]);
                cb.iinc(groupSlot[d], 1);
                cb.goto_(groupTest[d]);
            }
            cb.labelBinding(done);
            cb.return_();
        }

        /** Saves ({@code save}) or reloads the variables a work-item keeps across barrier {@code k}. */
        private void barrierState(int k, boolean save) {
            for (int v : an.barrierState.get(k)) {
                Var var = ir.vars().get(v);
                int t = var.type().ordinal();
                cb.aload(stateSlab[t]);
                cb.iload(stateBase[t]);
                int index = an.stateIndex[v];
                if (index != 0) {
                    cb.loadConstant(index);
                    cb.iadd();
                }
                if (save) {
                    load(var);
                    cb.arrayStore(kind(var.type()));
                } else {
                    cb.arrayLoad(kind(var.type()));
                    store(var);
                }
            }
        }

        private void writeBlocks() {
            cb.goto_(blockLabel[0]);
            for (Block b : ir.blocks()) {
                cb.labelBinding(blockLabel[b.id()]);
                if (an.cancelChecks.get(b.id())) cancelCheck();
                for (Instr i : b.instrs()) {
                    instr(i);
                }
                terminator(b);
            }
            if (vec != null) writeVectorLoop();
        }

        /** Pushes the length of {@code a}: {@code arraylength} (int), or an off-heap array's element count (long). */
        private void length(ArrayRef a) {
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

        /**
         * Java's bounds check, made explicit so that Kiln's exception, not the JVM's, reports it:
         * {@code if (index < 0 || index >= length) throw KernelSupport.outOfBounds(index, length, check)}.
         * It runs before the access, so a bad access never happens (the JVM's own check after it, now
         * redundant, is removed by C2, which also folds the two compares into one unsigned compare and
         * hoists it out of counted loops). {@code check} numbers the CheckIndex in block order
         * ({@link KernelAnalysis#checks}); CpuKernel turns it into the array and the source line.
         */
        private void checkIndex(Instr.CheckIndex c) {
            if (c.array().isOffHeap()) {
                offHeapCheckIndex(c);
                return;
            }
            Label fail = cb.newLabel();
            Label ok = cb.newLabel();
            boolean wide = c.array().isOffHeap() || c.index().type() == Type.I64;
            load(c.index());
            if (c.index().type() == Type.I64) {
                cb.lconst_0();
                cb.lcmp();
            }
            cb.iflt(fail);
            load(c.index());
            if (wide && c.index().type() == Type.I32) cb.i2l();
            length(c.array());
            if (wide && !c.array().isOffHeap()) cb.i2l();
            if (wide) {
                cb.lcmp();
                cb.iflt(ok);
            } else {
                cb.if_icmplt(ok);
            }
            cb.labelBinding(fail);
            throwOutOfBounds(c);
            cb.labelBinding(ok);
        }

        /**
         * Java's division-by-zero check, made explicit so that Kiln's exception (with the source line)
         * reports it, as on the other devices: {@code if (divisor == 0) throw KernelSupport.divisionByZero(line)}.
         * C2 then drops its own implicit zero check of the division that follows.
         */
        private void checkDivisor(Instr.CheckDivisor c) {
            Label ok = cb.newLabel();
            load(c.divisor());
            if (c.divisor().type() == Type.I64) {
                cb.lconst_0();
                cb.lcmp();
            }
            cb.ifne(ok);
            cb.loadConstant(c.line());
            cb.invokestatic(CD_SUPPORT, "divisionByZero", MethodTypeDesc.of(ClassDesc.of(KernelSupport.DivisionByZero.class.getName()), CD_int));
            cb.athrow();
            cb.labelBinding(ok);
        }

        private void throwOutOfBounds(Instr.CheckIndex c) {
            load(c.index());
            if (c.index().type() == Type.I32) cb.i2l();
            length(c.array());
            if (!c.array().isOffHeap()) cb.i2l();
            cb.loadConstant(an.checkId(c));
            cb.invokestatic(CD_SUPPORT, "outOfBounds", MethodTypeDesc.of(ClassDesc.of(KernelSupport.OutOfBounds.class.getName()),
                    CD_long, CD_long, CD_int));
            cb.athrow();
        }

        /**
         * The check of an off-heap access: {@code Objects.checkIndex(index, length)} (long), inside a
         * try range whose handler throws the check's own signal. C2 intrinsifies {@code checkIndex} into
         * a range check that it hoists out of counted loops, as it does for the segment's own check;
         * the explicit compares of {@link #checkIndex} stayed in the loop (the off-heap saxpy of
         * {@code OffHeapSaxpyBenchmark} ran 40% slower with them; with this, within the noise of the measurement).
         */
        private void offHeapCheckIndex(Instr.CheckIndex c) {
            Label start = cb.newLabel();
            Label end = cb.newLabel();
            Label handler = cb.newLabel();
            Label ok = cb.newLabel();
            cb.labelBinding(start);
            load(c.index());
            if (c.index().type() == Type.I32) cb.i2l();
            length(c.array());
            cb.invokestatic(ClassDesc.of("java.util.Objects"), "checkIndex", MethodTypeDesc.of(CD_long, CD_long, CD_long));
            cb.pop2();
            cb.labelBinding(end);
            cb.goto_(ok);
            cb.labelBinding(handler);
            cb.pop();
            throwOutOfBounds(c);
            cb.labelBinding(ok);
            cb.exceptionCatch(start, end, handler, ClassDesc.of(IndexOutOfBoundsException.class.getName()));
        }

        /**
         * At a loop header that KernelAnalysis chose: {@code if (control.cancelled) throw
         * KernelSupport.cancelled();} (CpuKernel turns the exception into the launch's
         * CancellationException naming the kernel).
         */
        private void cancelCheck() {
            Label go = cb.newLabel();
            cb.aload(controlSlot);
            cb.getfield(CD_CONTROL, "cancelled", ConstantDescs.CD_boolean);
            cb.ifeq(go);
            cb.invokestatic(CD_SUPPORT, "cancelled", MethodTypeDesc.of(ClassDesc.of(CancellationException.class.getName())));
            cb.athrow();
            cb.labelBinding(go);
        }

        // ---------------------------------------------------------------- values

        private void load(Value v) {
            switch (v) {
                case Var var -> cb.loadLocal(kind(var.type()), varSlot[var.id()]);
                case Const c -> loadConst(c);
            }
        }

        private void store(Var v) {
            cb.storeLocal(kind(v.type()), varSlot[v.id()]);
        }

        private void loadConst(Const c) {
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

        // ---------------------------------------------------------------- instructions

        private void instr(Instr i) {
            switch (i) {
                case Instr.Move m -> {
                    load(m.src());
                    store(m.dst());
                }
                case Instr.Binary b -> {
                    load(b.a());
                    load(b.b());
                    Type t = b.dst().type();
                    boolean divides = b.op() == io.kiln.ir.BinOp.DIV || b.op() == io.kiln.ir.BinOp.REM;
                    if (divides && (t == Type.I32 || t == Type.I64) && !(b.b() instanceof Const c && c.bits() != 0)) {
                        // An explicit test, not the JVM's SIGFPE trap, which a native library may have replaced.
                        Label ok = cb.newLabel();
                        if (t == Type.I32) {
                            cb.dup();
                        } else {
                            cb.dup2();
                            cb.lconst_0();
                            cb.lcmp();
                        }
                        cb.ifne(ok);
                        cb.invokestatic(CD_SUPPORT, "divisionByZero", MethodTypeDesc.of(ClassDesc.of("java.lang.ArithmeticException")));
                        cb.athrow();
                        cb.labelBinding(ok);
                    }
                    cb.with(OperatorInstruction.of(binaryOpcode(b.op(), b.dst().type())));
                    store(b.dst());
                }
                case Instr.Negate n -> {
                    load(n.a());
                    cb.with(OperatorInstruction.of(switch (n.dst().type()) {
                        case I32 -> Opcode.INEG;
                        case I64 -> Opcode.LNEG;
                        case F32 -> Opcode.FNEG;
                        case F64 -> Opcode.DNEG;
                    }));
                    store(n.dst());
                }
                case Instr.Convert c -> {
                    load(c.a());
                    switch (c.op()) {
                        case I2B -> cb.i2b();
                        case I2C -> cb.i2c();
                        case I2S -> cb.i2s();
                        default -> cb.conversion(kind(c.op().from()), kind(c.op().to()));
                    }
                    store(c.dst());
                }
                case Instr.Compare c -> {
                    load(c.a());
                    load(c.b());
                    switch (c.kind()) {
                        case LCMP -> cb.lcmp();
                        case FCMPL -> cb.fcmpl();
                        case FCMPG -> cb.fcmpg();
                        case DCMPL -> cb.dcmpl();
                        case DCMPG -> cb.dcmpg();
                    }
                    store(c.dst());
                }
                case Instr.Load l -> {
                    ArrayRef a = l.array();
                    if (a.isOffHeap()) {
                        // segment.getAtIndex(ValueLayout.JAVA_X, (long) index): bounds-checked like a[i].
                        segmentAndIndex(a, l.index());
                        cb.invokeinterface(CD_SEGMENT, "getAtIndex",
                                MethodTypeDesc.of(elementDesc(a.element()), layoutDesc(a.element()), CD_long));
                    } else {
                        cb.aload(arraySlot[a.id()]);
                        load(l.index());
                        cb.arrayLoad(kind(a.element()));
                    }
                    store(l.dst());
                }
                case Instr.Store s -> {
                    ArrayRef a = s.array();
                    if (a.isOffHeap()) {
                        segmentAndIndex(a, s.index());
                        load(s.value());
                        // A Java array store truncates natively; a byte/short parameter is narrowed here.
                        switch (a.element()) {
                            case BYTE -> cb.i2b();
                            case SHORT -> cb.i2s();
                            case CHAR -> cb.i2c();
                            default -> {
                            }
                        }
                        cb.invokeinterface(CD_SEGMENT, "setAtIndex",
                                MethodTypeDesc.of(CD_void, layoutDesc(a.element()), CD_long, elementDesc(a.element())));
                    } else {
                        cb.aload(arraySlot[a.id()]);
                        load(s.index());
                        load(s.value());
                        cb.arrayStore(kind(a.element()));
                    }
                }
                case Instr.ArrayLength l -> {
                    length(l.array());
                    store(l.dst());
                }
                case Instr.MathCall m -> mathCall(m);
                case Instr.BitCast c -> {
                    load(c.a());
                    Type from = c.a().type();
                    Type to = c.dst().type();
                    if (from == Type.F32 && to == Type.I32) {
                        cb.invokestatic(CD_FLOAT, "floatToRawIntBits", MethodTypeDesc.of(CD_int, CD_float));
                    } else if (from == Type.I32 && to == Type.F32) {
                        cb.invokestatic(CD_FLOAT, "intBitsToFloat", MethodTypeDesc.of(CD_float, CD_int));
                    } else if (from == Type.F64 && to == Type.I64) {
                        cb.invokestatic(CD_DOUBLE, "doubleToRawLongBits", MethodTypeDesc.of(CD_long, CD_double));
                    } else if (from == Type.I64 && to == Type.F64) {
                        cb.invokestatic(CD_DOUBLE, "longBitsToDouble", MethodTypeDesc.of(CD_double, CD_long));
                    } else if (from != to) {
                        throw new KernelCompilationException(ir.displayName() + ": bit cast from " + from + " to " + to
                                + " changes the width");
                    }
                    store(c.dst());
                }
                case Instr.WorkItem w -> {
                    int d = w.dim();
                    switch (w.query()) {
                        case GLOBAL_ID -> cb.iload(idSlot[d]);
                        case GLOBAL_SIZE -> cb.iload(globalSlot[d]);
                        case LOCAL_SIZE -> cb.iload(localSlot[d]);
                        case LOCAL_ID -> {
                            if (mode == Mode.GROUPS) {
                                cb.iload(localIdSlot[d]);
                            } else {
                                cb.iload(idSlot[d]);
                                cb.iload(localSlot[d]);
                                cb.irem();
                            }
                        }
                        case GROUP_ID -> {
                            if (mode == Mode.GROUPS) {
                                cb.iload(groupSlot[d]);
                            } else {
                                cb.iload(idSlot[d]);
                                cb.iload(localSlot[d]);
                                cb.idiv();
                            }
                        }
                        case NUM_GROUPS -> {
                            // (global - 1) / local + 1 without overflow; a zero global size runs no work-item.
                            cb.iload(globalSlot[d]);
                            cb.iconst_1();
                            cb.isub();
                            cb.iload(localSlot[d]);
                            cb.idiv();
                            cb.iconst_1();
                            cb.iadd();
                        }
                    }
                    widenIntTo(w.dst());
                    store(w.dst());
                }
                case Instr.ParallelIndex p -> {
                    if (p.dim() == 0 && (mode == Mode.CHUNK || mode == Mode.STRIDED)) {
                        if (mode == Mode.CHUNK) chunkLimit();
                        cb.lload(LO);
                        narrowLongTo(p.dst());
                        if (mode == Mode.CHUNK && p.dst().type() == Type.I32) {
                            // lo of an int loop is in [0, MAX_VALUE] (CpuKernel's chunk offsets); the
                            // mask, a no-op, tells C2 so. Without it a hand-written int loop from a
                            // variable start that indexes a segment through i2l kept its long range
                            // checks in the loop (2x slower in a micro-benchmark).
                            cb.loadConstant(Integer.MAX_VALUE);
                            cb.iand();
                        }
                    } else {
                        cb.iconst_0();
                        widenIntTo(p.dst());
                    }
                    store(p.dst());
                }
                case Instr.ParallelStride p -> {
                    if (p.dim() == 0 && mode == Mode.STRIDED) {
                        cb.lload(HI);
                        narrowLongTo(p.dst());
                    } else {
                        cb.iconst_1();
                        widenIntTo(p.dst());
                    }
                    store(p.dst());
                }
                case Instr.Barrier b -> {
                    if (mode != Mode.GROUPS) throw new IllegalStateException("a barrier outside a work-group method");
                    int k = nextBarrier++;
                    barrierState(k, true);
                    cb.loadConstant(k + 1);
                    cb.istore(stopSlot);
                    cb.goto_(nextItem);
                    cb.labelBinding(resume[k]);
                    barrierState(k, false);
                }
                case Instr.Atomic a -> atomic(a);
                case Instr.CheckIndex c -> checkIndex(c);
                case Instr.CheckDivisor c -> checkDivisor(c);
                case Instr.Print p -> print(p);
            }
        }

        /**
         * One printf record, by the same rule as on the GPUs ({@link io.kiln.spi.PrintBuffer}):
         * {@code at = PrintBuffer.reserve(buffer, words)}; if it fits, the site and the raw bits of every
         * value are stored as ints, 64-bit values low word first.
         */
        private void print(Instr.Print p) {
            ClassDesc pb = ClassDesc.of(io.kiln.spi.PrintBuffer.class.getName());
            ClassDesc ints = ConstantDescs.CD_int.arrayType();
            cb.aload(printSlot);
            cb.loadConstant(p.words());
            cb.invokestatic(pb, "reserve", MethodTypeDesc.of(CD_int, ints, CD_int));
            cb.istore(printAt);
            Label skip = cb.newLabel();
            cb.iload(printAt);
            cb.iflt(skip);
            int w = 0;
            storeWord(w++, () -> cb.loadConstant(p.site()));
            for (Value v : p.values()) {
                switch (v.type()) {
                    case I32 -> storeWord(w++, () -> load(v));
                    case F32 -> storeWord(w++, () -> {
                        load(v);
                        cb.invokestatic(ClassDesc.of("java.lang.Float"), "floatToRawIntBits", MethodTypeDesc.of(CD_int, CD_float));
                    });
                    case I64, F64 -> {
                        Runnable bits = () -> {
                            load(v);
                            if (v.type() == Type.F64) {
                                cb.invokestatic(ClassDesc.of("java.lang.Double"), "doubleToRawLongBits", MethodTypeDesc.of(CD_long, CD_double));
                            }
                        };
                        storeWord(w++, () -> {
                            bits.run();
                            cb.l2i();
                        });
                        storeWord(w++, () -> {
                            bits.run();
                            cb.loadConstant(32);
                            cb.lushr();
                            cb.l2i();
                        });
                    }
                }
            }
            cb.labelBinding(skip);
        }

        /** {@code buffer[at + word] = value}, the value pushed by {@code value}. */
        private void storeWord(int word, Runnable value) {
            cb.aload(printSlot);
            cb.iload(printAt);
            if (word > 0) {
                cb.loadConstant(word);
                cb.iadd();
            }
            value.run();
            cb.iastore();
        }

        /**
         * {@code dst = CpuAtomics.op(array, index, [expected,] operand)}: VarHandle atomics on global
         * arrays, plain read-modify-writes on local ones (a group runs on one thread).
         */
        private void atomic(Instr.Atomic a) {
            ArrayRef array = a.array();
            Type t = array.element().valueType();
            boolean cas = a.op() == io.kiln.ir.AtomicOp.COMPARE_AND_SET;
            boolean offHeap = array.isOffHeap();
            cb.aload(arraySlot[array.id()]);
            load(a.index());
            if (offHeap && a.index().type() == Type.I32) cb.i2l();
            if (cas) load(a.expected());
            load(a.operand());
            String name = switch (a.op()) {
                case ADD -> "add";
                case MIN -> "min";
                case MAX -> "max";
                case EXCHANGE -> "exchange";
                case COMPARE_AND_SET -> "compareAndSet";
            } + (array.space() == AddressSpace.GLOBAL ? "" : "Local");
            ClassDesc target = offHeap ? CD_SEGMENT : arrayDesc(array.element());
            ClassDesc indexType = offHeap ? CD_long : CD_int;
            MethodTypeDesc type = cas
                    ? MethodTypeDesc.of(desc(t), target, indexType, desc(t), desc(t))
                    : MethodTypeDesc.of(desc(t), target, indexType, desc(t));
            cb.invokestatic(CD_ATOMICS, name, type);
            store(a.dst());
        }

        /** Whether parallel loop 0 counts with a long induction variable (its chunk limit is a long). */
        private boolean longLoop() {
            return an.loop0 != null && an.loop0.induction().type() == Type.I64;
        }

        /**
         * {@code limit = start + hi} where parallel loop 0 is entered, saturated at the induction type's
         * maximum (a chunk never wraps around); {@code lo} and {@code hi} are longs, {@code hi >= 0}, and
         * the last chunk passes {@code hi = Long.MAX_VALUE} (no limit beyond the loop's own bound).
         * Branch-free ({@code Math.min}/{@code max} are C2 intrinsics, conditional moves): a branch taken
         * only by the last chunk of a launch is one that C2's profile never sees taken, so C2 compiles it
         * as an uncommon trap, and the last chunk deoptimised the freshly compiled kernel on every early
         * launch (measured: the second run of a fresh plan up to 50x its steady-state time).
         */
        private void chunkLimit() {
            Var start = an.loop0.start();
            MethodTypeDesc minLong = MethodTypeDesc.of(CD_long, CD_long, CD_long);
            if (longLoop()) {
                // start + min(hi, MAX - max(start, 0)): cannot overflow, since hi >= 0.
                load(start);
                cb.lload(HI);
                cb.loadConstant(Long.MAX_VALUE);
                load(start);
                cb.lconst_0();
                cb.invokestatic(CD_MATH, "max", minLong);
                cb.lsub();
                cb.invokestatic(CD_MATH, "min", minLong);
                cb.ladd();
                cb.lstore(limitSlot);
            } else {
                // (int) min((long) start + min(hi, 2^32), MAX_VALUE)
                load(start);
                cb.i2l();
                cb.lload(HI);
                cb.loadConstant(1L << 32);
                cb.invokestatic(CD_MATH, "min", minLong);
                cb.ladd();
                cb.loadConstant((long) Integer.MAX_VALUE);
                cb.invokestatic(CD_MATH, "min", minLong);
                cb.l2i();
                cb.istore(limitSlot);
            }
        }

        /** Converts the long on the stack ({@code lo}, {@code hi}) to {@code dst}'s type. */
        private void narrowLongTo(Var dst) {
            if (dst.type() == Type.I32) {
                cb.l2i();
            } else if (dst.type() != Type.I64) {
                throw new KernelCompilationException(ir.displayName() + ": index variable " + dst + " has type " + dst.type());
            }
        }

        /** Pushes an off-heap array's segment, its element layout and the index as a long. */
        private void segmentAndIndex(ArrayRef a, Value index) {
            cb.aload(arraySlot[a.id()]);
            cb.getstatic(CD_VALUE_LAYOUT, layoutName(a.element()), layoutDesc(a.element()));
            load(index);
            // An int index is widened, never wrapped (the IR's contract): a negative one stays out of range.
            if (index.type() == Type.I32) cb.i2l();
        }

        /** Converts the int on the stack to {@code dst}'s type (queries are int; a front end may want a long). */
        private void widenIntTo(Var dst) {
            if (dst.type() == Type.I64) {
                cb.i2l();
            } else if (dst.type() != Type.I32) {
                throw new KernelCompilationException(ir.displayName() + ": index variable " + dst + " has type " + dst.type());
            }
        }

        private static Opcode binaryOpcode(io.kiln.ir.BinOp op, Type t) {
            int k = switch (t) {
                case I32 -> 0;
                case I64 -> 1;
                case F32 -> 2;
                case F64 -> 3;
            };
            Opcode[] row = switch (op) {
                case ADD -> new Opcode[] {Opcode.IADD, Opcode.LADD, Opcode.FADD, Opcode.DADD};
                case SUB -> new Opcode[] {Opcode.ISUB, Opcode.LSUB, Opcode.FSUB, Opcode.DSUB};
                case MUL -> new Opcode[] {Opcode.IMUL, Opcode.LMUL, Opcode.FMUL, Opcode.DMUL};
                case DIV -> new Opcode[] {Opcode.IDIV, Opcode.LDIV, Opcode.FDIV, Opcode.DDIV};
                case REM -> new Opcode[] {Opcode.IREM, Opcode.LREM, Opcode.FREM, Opcode.DREM};
                case AND -> new Opcode[] {Opcode.IAND, Opcode.LAND, null, null};
                case OR -> new Opcode[] {Opcode.IOR, Opcode.LOR, null, null};
                case XOR -> new Opcode[] {Opcode.IXOR, Opcode.LXOR, null, null};
                case SHL -> new Opcode[] {Opcode.ISHL, Opcode.LSHL, null, null};
                case SHR -> new Opcode[] {Opcode.ISHR, Opcode.LSHR, null, null};
                case USHR -> new Opcode[] {Opcode.IUSHR, Opcode.LUSHR, null, null};
            };
            if (row[k] == null) {
                throw new KernelCompilationException("operator " + op + " is not defined on " + t);
            }
            return row[k];
        }

        private void mathCall(Instr.MathCall m) {
            Type t = m.dst().type();
            MathFunction fn = m.fn();
            if (!fn.accepts(t)) {
                throw new KernelCompilationException(ir.displayName() + ": Math." + fn.javaName() + " on " + t);
            }
            if (m.args().size() != fn.arity()) {
                throw new KernelCompilationException(ir.displayName() + ": Math." + fn.javaName() + " takes " + fn.arity()
                        + " operand(s), the IR gives " + m.args().size());
            }
            // min/max: Math's own overload of the type, a HotSpot intrinsic (vectorised in loops)
            boolean direct = t == Type.F64 || fn == MathFunction.ABS || fn == MathFunction.FMA || fn == MathFunction.MIN || fn == MathFunction.MAX;
            for (Value a : m.args()) {
                load(a);
                if (!direct) cb.f2d();
            }
            Type callType = direct ? t : Type.F64;
            ClassDesc[] params = new ClassDesc[fn.arity()];
            java.util.Arrays.fill(params, desc(callType));
            cb.invokestatic(CD_MATH, fn.javaName(), MethodTypeDesc.of(desc(callType), params));
            if (!direct) cb.d2f();
            store(m.dst());
        }

        // ---------------------------------------------------------------- vector loops

        /**
         * The vector loop of parallel loop 0 ({@link VectorLoops.Plan}), reached from the edges that
         * enter the loop, once per chunk; it ends by jumping to the loop's header, where the scalar loop
         * runs the remaining iterations:
         * <pre>
         * header instructions (array lengths)
         * if (!usable(seg) || !independent(written, other) || i &lt; 0) goto header   // off-heap arrays only
         * end = min(bound (+1 if inclusive), limit, length of every array still checked in the body)
         * upper = i + (max(end - i, 0) &amp; -LANES)
         * if (i &gt;= upper) goto header
         * do { body on vectors; i += LANES } while (i &lt; upper)
         * goto header
         * </pre>
         * Every iteration below {@code upper} passes all of the body's bounds checks, so the vector
         * loop throws nothing; a failing access is reached by the scalar loop, after the same writes as
         * in Java's order. All arithmetic on {@code end} is on longs: {@code bound + 1} cannot overflow.
         */
        private void writeVectorLoop() {
            Var iv = vec.induction();
            boolean wide = iv.type() == Type.I64;
            Label header = blockLabel[vec.header()];
            MethodTypeDesc minLong = MethodTypeDesc.of(CD_long, CD_long, CD_long);
            vecSlot = new int[ir.vars().size()];
            java.util.Arrays.fill(vecSlot, -1);
            for (int v = vec.vectors().nextSetBit(0); v >= 0; v = vec.vectors().nextSetBit(v + 1)) {
                Var var = ir.vars().get(v);
                vecSlot[v] = alloc(1, var + " as " + vec.lanes() + " lanes (" + vectorClass(var.type()).displayName() + ")");
            }
            int upperSlot = alloc(wide ? 2 : 1, "end of the vector loop (whole vectors of parallel loop 0 in this chunk)");
            cb.labelBinding(vecEntry);
            for (Instr in : ir.blocks().get(vec.header()).instrs()) instr(in);
            ClassDesc loops = ClassDesc.of(VectorLoops.class.getName());
            for (ArrayRef a : vec.offHeap()) {
                cb.aload(arraySlot[a.id()]);
                cb.invokestatic(loops, "usable", MethodTypeDesc.of(ConstantDescs.CD_boolean, CD_SEGMENT));
                cb.ifeq(header);
            }
            for (ArrayRef w : vec.written()) {
                for (ArrayRef o : vec.offHeap()) {
                    if (o.paramIndex() == w.paramIndex()) continue;
                    cb.aload(arraySlot[w.id()]);
                    cb.aload(arraySlot[o.id()]);
                    cb.invokestatic(loops, "independent", MethodTypeDesc.of(ConstantDescs.CD_boolean, CD_SEGMENT, CD_SEGMENT));
                    cb.ifeq(header);
                }
            }
            loadLong(iv);
            cb.lconst_0();
            cb.lcmp();
            cb.iflt(header);
            // end (a long) on the stack
            loadLong(vec.bound());
            if (vec.inclusive()) {
                loadLimitLong();
                cb.lconst_1();
                cb.lsub();
                cb.invokestatic(CD_MATH, "min", minLong);
                cb.lconst_1();
                cb.ladd();
            } else {
                loadLimitLong();
                cb.invokestatic(CD_MATH, "min", minLong);
            }
            for (ArrayRef a : vec.checked()) {
                length(a);
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
            // A diagnostic for tests: one volatile read per chunk, a write only the first time.
            Label marked = cb.newLabel();
            cb.getstatic(loops, "ran", ConstantDescs.CD_boolean);
            cb.ifne(marked);
            cb.invokestatic(loops, "markRan", MethodTypeDesc.of(CD_void));
            cb.labelBinding(marked);
            Label top = cb.newLabel();
            cb.labelBinding(top);
            List<Instr> body = ir.blocks().get(vec.body()).instrs();
            for (int p = 0; p < body.size(); p++) {
                if (vec.skipped().get(p)) continue;
                Var root = vec.floatSqrt().get(p);
                if (root != null) {
                    vload(root);
                    operator("SQRT", "Unary");
                    ClassDesc vc = vectorClass(Type.F32);
                    cb.invokevirtual(vc, "lanewise", MethodTypeDesc.of(vc, CD_OPERATORS.nested("Unary")));
                    vstore(KernelAnalysis.dst(body.get(p)));
                } else if (vec.uniformAt().get(p)) {
                    instr(body.get(p));
                } else {
                    vectorInstr(body.get(p));
                }
            }
            if (wide) {
                load(iv);
                cb.loadConstant((long) vec.lanes());
                cb.ladd();
                store(iv);
            } else {
                cb.iinc(varSlot[iv.id()], vec.lanes());
            }
            compareWithUpper(iv, upperSlot);
            cb.iflt(top);
            cb.goto_(header);
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
                cb.lload(limitSlot);
            } else {
                cb.iload(limitSlot);
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
            if (v instanceof Var x && vecSlot[x.id()] >= 0) {
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

        /** Pushes the byte offset of element {@code iv} of an off-heap array of {@code e}. */
        private void byteOffset(ElementType e) {
            loadLong(vec.induction());
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
                    cb.aload(arraySlot[a.id()]);
                    if (a.isOffHeap()) {
                        byteOffset(a.element());
                        cb.invokestatic(CD_BYTE_ORDER, "nativeOrder", MethodTypeDesc.of(CD_BYTE_ORDER));
                        cb.invokestatic(vc, "fromMemorySegment", MethodTypeDesc.of(vc, CD_SPECIES, CD_SEGMENT, CD_long, CD_BYTE_ORDER));
                    } else {
                        load(vec.induction());
                        cb.invokestatic(vc, "fromArray", MethodTypeDesc.of(vc, CD_SPECIES, arrayDesc(a.element()), CD_int));
                    }
                    vstore(l.dst());
                }
                case Instr.Store s -> {
                    ArrayRef a = s.array();
                    ClassDesc vc = vectorClass(a.element().valueType());
                    vload(s.value());
                    cb.aload(arraySlot[a.id()]);
                    if (a.isOffHeap()) {
                        byteOffset(a.element());
                        cb.invokestatic(CD_BYTE_ORDER, "nativeOrder", MethodTypeDesc.of(CD_BYTE_ORDER));
                        cb.invokevirtual(vc, "intoMemorySegment", MethodTypeDesc.of(CD_void, CD_SEGMENT, CD_long, CD_BYTE_ORDER));
                    } else {
                        load(vec.induction());
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

        // ---------------------------------------------------------------- terminators

        private void terminator(Block b) {
            int loopDim = -1;
            if (ir.kind() == KernelKind.LOOP_PARALLEL) {
                for (ParallelLoop loop : ir.parallelLoops()) {
                    if (loop.header() == b.id()) loopDim = loop.dim();
                }
            }
            switch (b.terminator()) {
                case Terminator.Goto g -> {
                    // Entering loop 0 (not its back edge) goes through its vector loop first.
                    boolean entersVectorLoop = vec != null && g.target() == vec.header() && b.id() != vec.body();
                    cb.goto_(entersVectorLoop ? vecEntry : blockLabel[g.target()]);
                }
                case Terminator.Return r -> {
                    if (mode == Mode.GROUPS && an.barrierCount > 0) {
                        cb.iconst_0();
                        cb.istore(stopSlot);
                        cb.goto_(nextItem);
                    } else if (mode == Mode.ITEMS || mode == Mode.GROUPS) {
                        cb.goto_(nextItem);
                    } else {
                        storePartials();
                        cb.return_();
                    }
                }
                case Terminator.Switch s -> switchTerminator(s);
                case Terminator.Branch br -> {
                    Label t = blockLabel[br.ifTrue()];
                    Label f = blockLabel[br.ifFalse()];
                    if (mode == Mode.CHUNK && loopDim == 0) {
                        chunkHeader(br, an.loop0, t, f);
                    } else {
                        branch(br.op(), br.a(), br.b(), t);
                        cb.goto_(f);
                    }
                }
            }
        }

        /** {@code partials[r] = raw bits of reduction r's accumulator}, for the caller to combine. */
        private void storePartials() {
            for (int r = 0; r < ir.reductions().size(); r++) {
                Var acc = ir.reductions().get(r).accumulator();
                cb.aload(PARTIALS);
                cb.loadConstant(r);
                load(acc);
                switch (acc.type()) {
                    case I32 -> cb.i2l();
                    case I64 -> {
                    }
                    case F32 -> {
                        cb.invokestatic(CD_FLOAT, "floatToRawIntBits", MethodTypeDesc.of(CD_int, CD_float));
                        cb.i2l();
                    }
                    case F64 -> cb.invokestatic(CD_DOUBLE, "doubleToRawLongBits", MethodTypeDesc.of(CD_long, CD_double));
                }
                cb.lastore();
            }
        }

        /**
         * The header of parallel loop 0 in a chunk: exits at the loop's bound or at the chunk's limit.
         * For the usual {@code i < bound} shapes the test becomes {@code i < Math.min(bound, limit)},
         * which keeps the loop a single-exit counted loop that C2 can unroll and vectorise.
         */
        private void chunkHeader(Terminator.Branch br, ParallelLoop loop, Label t, Label f) {
            Var iv = loop.induction();
            boolean wide = iv.type() == Type.I64;
            Label exit = br.ifTrue() == loop.exit() ? t : f;
            Label body = br.ifTrue() == loop.exit() ? f : t;
            VectorLoops.Exit shape = VectorLoops.exitTest(br, loop);
            if (shape != null) {
                Value bound = shape.bound();
                boolean inclusive = shape.inclusive();
                load(iv);
                load(bound);
                if (wide) {
                    // The same shape on longs: C2 turns a long counted loop into a nest whose
                    // inner int loop it unrolls and vectorises.
                    cb.lload(limitSlot);
                    if (inclusive) {
                        cb.lconst_1();
                        cb.lsub();
                    }
                    cb.invokestatic(CD_MATH, "min", MethodTypeDesc.of(CD_long, CD_long, CD_long));
                    cb.lcmp();
                    if (inclusive) cb.ifgt(exit);
                    else cb.ifge(exit);
                } else {
                    cb.iload(limitSlot);
                    if (inclusive) {
                        cb.iconst_1();
                        cb.isub();
                    }
                    cb.invokestatic(CD_MATH, "min", MethodTypeDesc.of(CD_int, CD_int, CD_int));
                    if (inclusive) cb.if_icmpgt(exit);
                    else cb.if_icmpge(exit);
                }
                cb.goto_(body);
                return;
            }
            load(iv);
            if (wide) {
                cb.lload(limitSlot);
                cb.lcmp();
                cb.ifge(exit);
            } else {
                cb.iload(limitSlot);
                cb.if_icmpge(exit);
            }
            branch(br.op(), br.a(), br.b(), t);
            cb.goto_(f);
        }

        /** Jumps to {@code target} when {@code a op b}, with Java's (and the IR's) NaN rules. */
        private void branch(CmpOp op, Value a, Value b, Label target) {
            Type t = a.type();
            if (b.type() != t) {
                throw new KernelCompilationException(ir.displayName() + ": branch compares " + t + " with " + b.type());
            }
            switch (t) {
                case I32 -> {
                    load(a);
                    if (KernelAnalysis.isZero(b)) {
                        cb.branch(ifZero(op), target);
                    } else {
                        load(b);
                        cb.branch(switch (op) {
                            case EQ -> Opcode.IF_ICMPEQ;
                            case NE -> Opcode.IF_ICMPNE;
                            case LT, ULT -> Opcode.IF_ICMPLT;
                            case LE, ULE -> Opcode.IF_ICMPLE;
                            case GT, UGT -> Opcode.IF_ICMPGT;
                            case GE, UGE -> Opcode.IF_ICMPGE;
                        }, target);
                    }
                }
                case I64 -> {
                    load(a);
                    load(b);
                    cb.lcmp();
                    cb.branch(ifZero(op), target);
                }
                case F32, F64 -> {
                    load(a);
                    load(b);
                    // The *g form gives +1 on NaN, the *l form -1: pick the one that makes the test
                    // false on NaN for ordered conditions and true for NE and the unordered forms.
                    boolean g = switch (op) {
                        case LT, LE, UGT, UGE -> true;
                        case EQ, NE, GT, GE, ULT, ULE -> false;
                    };
                    if (t == Type.F32) {
                        if (g) cb.fcmpg();
                        else cb.fcmpl();
                    } else {
                        if (g) cb.dcmpg();
                        else cb.dcmpl();
                    }
                    cb.branch(ifZero(op), target);
                }
            }
        }

        private static Opcode ifZero(CmpOp op) {
            return switch (op) {
                case EQ -> Opcode.IFEQ;
                case NE -> Opcode.IFNE;
                case LT, ULT -> Opcode.IFLT;
                case LE, ULE -> Opcode.IFLE;
                case GT, UGT -> Opcode.IFGT;
                case GE, UGE -> Opcode.IFGE;
            };
        }

        private void switchTerminator(Terminator.Switch s) {
            if (s.key().type() != Type.I32) {
                throw new KernelCompilationException(ir.displayName() + ": switch on " + s.key().type());
            }
            if (s.keys().size() != s.targets().size()) {
                throw new KernelCompilationException(ir.displayName() + ": switch with " + s.keys().size() + " keys and "
                        + s.targets().size() + " targets");
            }
            load(s.key());
            Label dflt = blockLabel[s.defaultTarget()];
            if (s.keys().isEmpty()) {
                cb.pop();
                cb.goto_(dflt);
                return;
            }
            List<SwitchCase> cases = new ArrayList<>();
            Map<Integer, Integer> seen = new LinkedHashMap<>();
            for (int k = 0; k < s.keys().size(); k++) {
                if (seen.putIfAbsent(s.keys().get(k), k) == null) {
                    cases.add(SwitchCase.of(s.keys().get(k), blockLabel[s.targets().get(k)]));
                }
            }
            cases.sort((x, y) -> Integer.compare(x.caseValue(), y.caseValue()));
            long low = cases.get(0).caseValue();
            long high = cases.get(cases.size() - 1).caseValue();
            if (high - low + 1 <= 2L * cases.size() + 8) {
                cb.tableswitch((int) low, (int) high, dflt, cases);
            } else {
                cb.lookupswitch(dflt, cases);
            }
        }
    }
}
