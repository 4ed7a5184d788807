package io.kiln.cpu;

import io.kiln.KernelCompilationException;
import io.kiln.ir.AddressSpace;
import io.kiln.ir.ArrayRef;
import io.kiln.ir.ElementType;
import io.kiln.ir.KernelIR;
import io.kiln.ir.KernelKind;
import io.kiln.ir.Type;
import java.lang.classfile.ClassFile;
import java.lang.classfile.TypeKind;
import java.lang.constant.ClassDesc;
import java.lang.constant.ConstantDescs;
import java.lang.constant.MethodTypeDesc;
import java.lang.invoke.MethodType;
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
 * region at a time (see {@link GroupLoops} and {@link BarrierRegions}); sizes as for {@code items}.</li>
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

    static final ClassDesc CD_MATH = ClassDesc.of("java.lang.Math");
    static final ClassDesc CD_FLOAT = ClassDesc.of("java.lang.Float");
    static final ClassDesc CD_DOUBLE = ClassDesc.of("java.lang.Double");
    static final ClassDesc CD_ATOMICS = ClassDesc.of(CpuAtomics.class.getName());
    static final ClassDesc CD_SUPPORT = ClassDesc.of(KernelSupport.class.getName());
    static final ClassDesc CD_CONTROL = ClassDesc.of(LaunchControl.class.getName());
    static final ClassDesc CD_SEGMENT = ClassDesc.of("java.lang.foreign.MemorySegment");
    static final ClassDesc CD_VALUE_LAYOUT = ClassDesc.of("java.lang.foreign.ValueLayout");

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
     * @param privatised the array parameters whose atomics the generated code sends to a private copy when
     *                   the launch passes one ({@link AtomicPrivatisation})
     */
    record Output(String className, byte[] bytes, List<Object> classData, Set<Mode> modes,
                  Map<String, Map<Integer, String>> slotNames, int stateSlotsPerItem,
                  VectorLoops.Plan vectorLoop, String scalarReason, List<AtomicPrivatisation.Candidate> privatised) {

        /** The largest bytecode size of the class's methods. */
        int maxCodeLength() {
            return JvmEmitter.maxCodeLength(bytes);
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
        byte[] bytes = null;
        KernelCompilationException vectorFailure = null;
        try {
            bytes = build(new KernelClass(ir, an, modes, dataIndex, slotNames, vector), className);
        } catch (KernelCompilationException e) {
            if (vector.plan() == null) throw e;
            vectorFailure = e;
        }
        // A vector loop doubles the chunk method (the scalar loop stays for the tail). Past HotSpot's limit
        // the whole method would run in the interpreter, 10-100x slower than the scalar loop compiled, and
        // past 64 KiB it cannot be built: then the kernel keeps the scalar loop alone.
        int size = bytes == null || vector.plan() == null ? -1 : maxCodeLength(bytes);
        if (vectorFailure != null || size > HUGE_METHOD_LIMIT && CpuKernel.hugeMethodsInterpreted()) {
            Map<String, Map<Integer, String>> scalarNames = new LinkedHashMap<>();
            VectorLoops.Result scalar = VectorLoops.Result.no(vectorFailure != null
                    ? "with a vector loop the chunk method would exceed the JVM's limits: " + vectorFailure.getMessage()
                    : "with a vector loop the chunk method would have " + size + " bytes of bytecode, over HotSpot's limit of "
                    + HUGE_METHOD_LIMIT + " for JIT compilation (-XX:-DontCompileHugeMethods lifts it)");
            byte[] plain = build(new KernelClass(ir, an, modes, dataIndex, scalarNames, scalar), className);
            if (vectorFailure != null || maxCodeLength(plain) <= HUGE_METHOD_LIMIT) {
                bytes = plain;
                slotNames = scalarNames;
                vector = scalar;
            }
        }
        return new Output(className, bytes, Collections.unmodifiableList(classData), modes, slotNames, an.barriers.maxSlots(), vector.plan(),
                vector.reason(), an.privatised.candidates);
    }

    /** The class file of {@code k}; a {@link KernelCompilationException} where the JVM's limits refuse it. */
    private static byte[] build(KernelClass k, String className) {
        try {
            return ClassFile.of().build(ClassDesc.of(className), k);
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new KernelCompilationException(k.ir().displayName() + ": the cpu back end cannot generate bytecode for this kernel ("
                    + e.getMessage() + "); a JVM method is limited to 64 KiB of code and 65535 local slots", e);
        }
    }

    /** The largest bytecode size of the methods of class file {@code bytes}. */
    static int maxCodeLength(byte[] bytes) {
        int max = 0;
        for (var m : ClassFile.of().parse(bytes).methods()) {
            if (m.code().orElse(null) instanceof java.lang.classfile.attribute.CodeAttribute c) {
                max = Math.max(max, c.codeLength());
            }
        }
        return max;
    }

    /**
     * The kernel class: one static method per mode. Named classes rather than lambdas, because each lambda
     * spins a class through LambdaMetafactory the first time it runs (about 1 ms on a first build;
     * docs/cpu-backend.md, "Early runs").
     */
    private record KernelClass(KernelIR ir, KernelAnalysis an, Set<Mode> modes, int[] dataIndex,
                               Map<String, Map<Integer, String>> slotNames, VectorLoops.Result vector)
            implements java.util.function.Consumer<java.lang.classfile.ClassBuilder> {
        @Override
        public void accept(java.lang.classfile.ClassBuilder clb) {
            clb.withFlags(ClassFile.ACC_FINAL | ClassFile.ACC_SYNTHETIC);
            for (Mode m : modes) {
                Map<Integer, String> names = new java.util.TreeMap<>();
                slotNames.put(m.methodName, names);
                clb.withMethodBody(m.methodName, METHOD_DESC, ClassFile.ACC_STATIC | ClassFile.ACC_PUBLIC,
                        new KernelMethod(this, m, names));
            }
        }
    }

    /** One mode's method body (a named class for the reason given on {@link KernelClass}). */
    private record KernelMethod(KernelClass k, Mode m, Map<Integer, String> names)
            implements java.util.function.Consumer<java.lang.classfile.CodeBuilder> {
        @Override
        public void accept(java.lang.classfile.CodeBuilder cb) {
            new MethodWriter(k.ir, k.an, m, cb, k.dataIndex, names, m == Mode.CHUNK ? k.vector.plan() : null).write();
        }
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
    static String layoutName(ElementType e) {
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

    static ClassDesc layoutDesc(ElementType e) {
        String n = e.javaName();
        return CD_VALUE_LAYOUT.nested("Of" + Character.toUpperCase(n.charAt(0)) + n.substring(1));
    }

    static ClassDesc elementDesc(ElementType e) {
        return arrayDesc(e).componentType();
    }

    static ClassDesc desc(Type t) {
        return switch (t) {
            case I32 -> CD_int;
            case I64 -> CD_long;
            case F32 -> CD_float;
            case F64 -> CD_double;
        };
    }

}
