package io.kiln.frontend;

import io.kiln.KernelCompilationException;
import io.kiln.ir.Access;
import io.kiln.ir.AddressSpace;
import io.kiln.ir.ArrayRef;
import io.kiln.ir.Block;
import io.kiln.ir.ElementType;
import io.kiln.ir.Instr;
import io.kiln.ir.KernelIR;
import io.kiln.ir.KernelKind;
import io.kiln.ir.Param;
import io.kiln.ir.ScalarKind;
import io.kiln.ir.Storage;
import io.kiln.ir.Var;

import java.io.IOException;
import java.io.InputStream;
import java.lang.classfile.Attributes;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassModel;
import java.lang.classfile.CodeModel;
import java.lang.classfile.Label;
import java.lang.classfile.MethodModel;
import java.lang.classfile.TypeAnnotation;
import java.lang.classfile.instruction.LineNumber;
import java.lang.classfile.instruction.LocalVariable;
import java.lang.reflect.Array;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The bytecode front end: compiles a static Java method into {@link KernelIR}, inlining every static
 * method it calls (JDK methods included) and refusing, with class, method, line and construct,
 * everything a device cannot do.
 */
public final class FrontEnd {
    private FrontEnd() {
    }

    static final String PARALLEL = "Lio/kiln/Parallel;";

    /** A {@code @Parallel} loop variable found in the type annotations. */
    static final class ParallelVar {
        int slot;
        String name;
        /** Whether the loop variable is a {@code long} (an I64 induction), else {@code int}. */
        boolean wide;
        Label startLabel;
        Label endLabel;
        int startIndex;
        int endIndex;
        int dim;
        /** The loop variable, its start variable and header block (-1 until translated), and the reserved index and stride variables. */
        Var induction;
        Var start;
        int header = -1;
        Var index;
        Var stride;
    }

    /** State shared by the kernel and every method inlined into it. */
    static final class Session {
        final IrBuilder builder = new IrBuilder();
        final Deque<String> callStack = new ArrayDeque<>();
        final ClassLoader loader;
        final Map<String, ClassModel> classes = new HashMap<>();
        final Map<String, ArrayRef> tables = new HashMap<>();
        /** Whether the kernel calls {@code barrier()}: then {@link BarrierCheck} runs (each barrier names its own line). */
        boolean hasBarriers;
        /** The {@code @Reduce} arrays: their accesses are checked where they are (index 0, in the loop), their updates recognised on the IR. */
        final java.util.Set<ArrayRef> reduced = new java.util.HashSet<>();
        List<ParallelVar> kernelParallelVars = List.of();
        int inlineDepth;
        int inlineCount;
        int privateArrays;
        /** printf call sites ({@link Instr.Print#site()}) and varargs arrays so far. */
        int printSites;
        int printArrays;
        /** Whether the kernel takes a KernelContext: printf records then carry the global ids. */
        boolean workItemKernel;
        /** Whether the top-level call being inlined is inside the innermost {@code @Parallel} loop. */
        boolean callInInnermostLoop;
        /** The kernel method's source file: a bounds check in a helper of the same file keeps its own line. */
        String kernelSourceFile;

        Session(ClassLoader loader) {
            this.loader = loader;
        }

        String inlinePrefix() {
            return "i" + inlineCount + "_";
        }

        String inlinePrefixFor(String method) {
            inlineCount++;
            return method + inlineCount + "_";
        }

        Class<?> loadClass(String internalName, MethodTranslator where) {
            try {
                return Class.forName(internalName.replace('/', '.'), false, loader);
            } catch (ClassNotFoundException | LinkageError e) {
                throw where.error("cannot load class " + internalName.replace('/', '.') + ": " + e);
            }
        }

        ClassModel classModel(String internalName, MethodTranslator where) {
            ClassModel m = classes.get(internalName);
            if (m != null) return m;
            Class<?> c = loadClass(internalName, where);
            m = FrontEnd.parse(c);
            classes.put(internalName, m);
            return m;
        }

        /** The value of a static final field: a boxed primitive, or an {@link ArrayRef} constant table. */
        Object staticFinalValue(String owner, String name, MethodTranslator where) {
            String full = owner.replace('/', '.') + "." + name;
            Class<?> c = loadClass(owner, where);
            Field f = null;
            for (Class<?> k = c; k != null && f == null; k = k.getSuperclass()) {
                try {
                    f = k.getDeclaredField(name);
                } catch (NoSuchFieldException e) {
                    // look further up
                }
            }
            if (f == null) throw where.error("cannot find static field " + full);
            if (name.equals("$assertionsDisabled") && f.getType() == boolean.class) {
                return Boolean.TRUE; // assertions are off in kernels: the assert's branch is never compiled
            }
            if (!Modifier.isFinal(f.getModifiers())) {
                throw where.error("read of non-final static field " + full + " is not supported in kernels (a kernel sees its arguments"
                        + " and constants only: make the field static final if it is a constant, else pass its value as an argument;"
                        + " to count or collect across work-items, pass an array and update it, e.g. with a @Reduce parameter or"
                        + " KernelContext.atomicAdd)");
            }
            Object value;
            try {
                f.setAccessible(true);
                value = f.get(null);
            } catch (ReflectiveOperationException | RuntimeException e) {
                value = Intrinsics.knownJdkConstant(owner, name);
                if (value instanceof Number num && f.getType() == long.class) value = num.longValue();
                if (value instanceof Number num && f.getType() == int.class) value = num.intValue();
                if (value == null) {
                    throw where.error("cannot read static final field " + full + " (" + e.getMessage()
                            + "); open its package to io.kiln.engine or use a compile-time constant");
                }
            }
            if (value == null) throw where.error("null references are not supported in kernels (static field " + full + " is null)");
            if (!value.getClass().isArray()) return value;
            ElementType et = ElementType.ofArrayClass(value.getClass());
            if (et == null) throw where.error("static field " + full + " of type " + value.getClass().getTypeName() + " is not supported in kernels");
            ArrayRef cached = tables.get(full);
            if (cached != null) return cached;
            int n = Array.getLength(value);
            List<Long> bits = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                Object v = Array.get(value, i);
                bits.add(switch (v) {
                    case Float x -> (long) Float.floatToRawIntBits(x);
                    case Double x -> Double.doubleToRawLongBits(x);
                    case Character x -> (long) x;
                    case Number x -> x.longValue();
                    default -> throw new IllegalStateException();
                });
            }
            ArrayRef a = builder.newArray(et, AddressSpace.CONSTANT, n, -1, name.toLowerCase(java.util.Locale.ROOT), bits);
            tables.put(full, a);
            return a;
        }
    }

    /** The simple name of a class from its internal or binary name ({@code a/b/Outer$Inner} gives {@code Inner}). */
    static String simpleName(String name) {
        String s = name.substring(Math.max(name.lastIndexOf('/'), name.lastIndexOf('.')) + 1);
        return s.substring(s.lastIndexOf('$') + 1);
    }

    static ClassModel parse(Class<?> c) {
        String resource = "/" + c.getName().replace('.', '/') + ".class";
        try (InputStream in = c.getResourceAsStream(resource)) {
            if (in == null) {
                throw new KernelCompilationException("cannot read the bytecode of " + c.getName()
                        + ": the class file " + resource + " is not available from its class loader");
            }
            return ClassFile.of().parse(in.readAllBytes());
        } catch (IOException e) {
            throw new KernelCompilationException("cannot read the bytecode of " + c.getName() + ": " + e.getMessage(), e);
        }
    }

    /** Compiles {@code method} to IR. */
    public static KernelIR compile(Method method) {
        return compile(method, null);
    }

    /**
     * Compiles {@code method} to IR, sending the printed IR before the passes and after each pass to
     * {@code dump} ({@code kiln compile --passes}); {@code null} for no dump.
     */
    public static KernelIR compile(Method method, java.util.function.Consumer<String> dump) {
        try {
            return doCompile(method, dump);
        } catch (MethodTranslator.KernelCompilationError e) {
            throw new KernelCompilationException(e.getMessage());
        } catch (KernelCompilationException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new KernelCompilationException("internal error while compiling kernel " + method.getDeclaringClass().getName()
                    + "." + method.getName() + ": " + e, e);
        }
    }

    private static KernelIR doCompile(Method method, java.util.function.Consumer<String> dump) {
        Class<?> owner = method.getDeclaringClass();
        String where = simpleName(owner.getName()) + "." + method.getName();
        ClassLoader loader = owner.getClassLoader() != null ? owner.getClassLoader() : ClassLoader.getSystemClassLoader();
        Session session = new Session(loader);
        ClassModel cls = parse(owner);
        session.classes.put(cls.thisClass().asInternalName(), cls);
        String desc = runtimeDescriptor(method);
        // Loops rather than streams and lambdas on this path: each lambda (or method reference) costs about
        // a millisecond the first time a JVM runs it, and a kernel's first build is what users wait for
        // (docs/cpu-backend.md, "Early runs").
        MethodModel mm = method(cls, method.getName(), desc);
        if (mm == null) throw new KernelCompilationException("cannot find the bytecode of " + where + desc);
        String source = sourceFile(cls, simpleName(owner.getName()) + ".java");
        if (mm.code().isEmpty()) throw new KernelCompilationException(where + ": the method has no bytecode (abstract or native)");
        CodeModel code = mm.code().get();
        int firstLine = 0;
        for (var e : code.elementList()) {
            if (e instanceof LineNumber ln) {
                firstLine = ln.line();
                break;
            }
        }
        String location = where + " (" + source + (firstLine > 0 ? ":" + firstLine : "") + "): ";
        if (!Modifier.isStatic(method.getModifiers())) {
            throw new KernelCompilationException(location + "kernels must be static methods");
        }
        if (method.getReturnType() != void.class) {
            throw new KernelCompilationException(location + "kernels must return void (found " + method.getReturnType().getTypeName() + ")");
        }
        if (Modifier.isSynchronized(method.getModifiers())) {
            throw new KernelCompilationException(location + "synchronized is not supported in kernels");
        }

        List<ParallelVar> parallel = parallelVars(code);
        session.kernelParallelVars = parallel;
        MethodTranslator t = new MethodTranslator(session, cls, mm, null, 0, null, true, parallel);

        // parameters
        Class<?>[] types = method.getParameterTypes();
        java.lang.reflect.Parameter[] rp = method.getParameters();
        List<Param> params = new ArrayList<>();
        Map<Integer, AbstractValues.Ref> refs = new HashMap<>();
        java.util.Set<Integer> reduceParams = new java.util.LinkedHashSet<>();
        boolean[] reduced = reducedParameters(mm, types.length);
        boolean hasContext = false;
        int slot = 0;
        for (int i = 0; i < types.length; i++) {
            Class<?> pt = types[i];
            String name = paramName(code, slot, rp[i]);
            if (pt == io.kiln.KernelContext.class) {
                if (i != 0) throw new KernelCompilationException(location + "the KernelContext must be the first parameter");
                hasContext = true;
                params.add(new Param.Context(i, name));
                refs.put(slot, new AbstractValues.Ref(null, true));
                slot += 1;
                continue;
            }
            if (pt.isPrimitive()) {
                ScalarKind k = ScalarKind.ofDescriptor(pt.descriptorString().charAt(0));
                Var v = t.local(slot, k.valueType());
                params.add(new Param.Scalar(i, name, k, v));
                slot += k.valueType().isWide() ? 2 : 1;
                continue;
            }
            ElementType offHeap = offHeapElement(pt);
            ElementType et = offHeap != null ? offHeap : pt.isArray() ? ElementType.ofArrayClass(pt) : null;
            if (et == null || et == ElementType.CHAR) {
                String hint = pt == io.kiln.OffHeapArray.class
                        ? " (declare the concrete type: FloatArray, DoubleArray, IntArray, LongArray, ShortArray or ByteArray)"
                        : " (use int, long, float, double, short, byte, boolean, arrays of float, double, int, long, short or byte,"
                        + " or the off-heap FloatArray, DoubleArray, IntArray, LongArray, ShortArray or ByteArray)";
                throw new KernelCompilationException(location + "parameter " + i + " (" + name + ") of type " + pt.getTypeName()
                        + " is not supported" + hint);
            }
            // Off-heap parameters are arrays to the IR, told apart only by their storage: long length and index.
            ArrayRef a = session.builder.newArray(et, AddressSpace.GLOBAL, -1, i, name, null,
                    offHeap != null ? Storage.OFF_HEAP : Storage.HEAP);
            refs.put(slot, new AbstractValues.Ref(a, false));
            if (reduced[i]) {
                if (parallel.isEmpty()) {
                    throw new KernelCompilationException(location + "@Reduce parameter '" + name + "' needs a kernel with a @Parallel loop");
                }
                if (et != ElementType.INT && et != ElementType.LONG && et != ElementType.FLOAT && et != ElementType.DOUBLE) {
                    throw new KernelCompilationException(location + "@Reduce parameter '" + name + "' must be int[], long[], float[] or double[]"
                            + " (or IntArray, LongArray, FloatArray, DoubleArray)");
                }
                session.reduced.add(a);
                reduceParams.add(i);
            }
            params.add(new Param.Array(i, name, a, Access.NONE));
            slot += 1;
        }
        if (hasContext && !parallel.isEmpty()) {
            throw new KernelCompilationException(location + "a KernelContext kernel cannot also use @Parallel loops: "
                    + "use one or the other");
        }
        session.callStack.push(cls.thisClass().asInternalName() + "." + method.getName() + desc);
        session.workItemKernel = hasContext;
        t.translate(refs);

        List<Block> blocks = session.builder.finish();
        List<io.kiln.passes.ParallelLoopRecognition.Marker> markers = new ArrayList<>();
        for (ParallelVar pv : parallel) {
            if (pv.header < 0 || pv.stride == null) {
                throw new KernelCompilationException(location + io.kiln.passes.ParallelLoopRecognition.notRecognised(pv.name));
            }
            markers.add(new io.kiln.passes.ParallelLoopRecognition.Marker(pv.dim, pv.name, pv.induction, pv.start, pv.header, pv.index, pv.stride));
        }
        if (session.hasBarriers) {
            BarrierCheck.check(blocks, where + " (" + source);
        }
        // @Parallel loops are plain loops of a SINGLE kernel until ParallelLoopRecognition (the first pass) makes
        // them the iteration space of a LOOP_PARALLEL one
        KernelKind kind = hasContext ? KernelKind.WORK_ITEM : KernelKind.SINGLE;
        KernelIR raw = new KernelIR(owner.getName(), method.getName(), desc, kind, params, session.builder.vars,
                session.builder.arrays, blocks, List.of(), session.builder.constants, List.of());
        // each array parameter's access mode, from the IR's loads, stores, atomics and reductions
        KernelIR ir = new io.kiln.passes.AccessAnalysis().run(raw);
        // every kernel the front end produces keeps the IR's contract; a violation is a front-end bug. Checked
        // here only when the pipeline verifies after each pass (the test suites); otherwise the pipeline verifies
        // its output once, which covers this IR too (io.kiln.passes.Pipeline: a first build runs interpreted)
        // the @Parallel loops into the iteration space and the @Reduce updates into accumulators (only the front end
        // knows which loops and parameters are annotated), constant
        // folding, then the removal of the bounds checks that loop bounds and guards prove; the result is verified
        // (after each pass in the test suites: io.kiln.passes.Pipeline). -Dkiln.rangeCheckElimination=false keeps every check: for measuring
        // the pass and for debugging it.
        io.kiln.passes.Pipeline passes = io.kiln.passes.Pipeline.standard();
        if (!reduceParams.isEmpty()) passes = passes.first(new io.kiln.passes.ReductionRecognition(reduceParams));
        if (!markers.isEmpty()) passes = passes.first(new io.kiln.passes.ParallelLoopRecognition(markers));
        if (!"false".equals(System.getProperty("kiln.rangeCheckElimination"))) passes = passes.then(new io.kiln.passes.RangeCheckElimination());
        if (dump != null) passes = passes.dumpingTo(dump);
        if (passes.verifiesEachPass()) io.kiln.ir.IrVerifier.verify(ir);
        try {
            return passes.run(ir);
        } catch (io.kiln.passes.KernelRefusal e) {
            String at = e.line() > 0 ? where + " (" + source + ":" + e.line() + "): " : location;
            throw new KernelCompilationException(at + e.getMessage());
        }
    }

    /** The method {@code name} with descriptor {@code desc} of {@code cls}, or {@code null}. */
    static MethodModel method(ClassModel cls, String name, String desc) {
        for (MethodModel m : cls.methods()) {
            if (m.methodName().equalsString(name) && m.methodType().equalsString(desc)) return m;
        }
        return null;
    }

    /**
     * Which parameters carry {@code @Reduce}, read from the method's {@code RuntimeVisibleParameterAnnotations}
     * attribute: reflection ({@code Parameter.isAnnotationPresent}) makes a proxy class for the annotation,
     * which took about 28 ms of a kernel's first build in a fresh JVM (docs/cpu-backend.md, "Early runs").
     * A kernel is static, so the attribute has one entry per declared parameter.
     */
    static boolean[] reducedParameters(MethodModel mm, int count) {
        boolean[] reduced = new boolean[count];
        var attr = mm.findAttribute(Attributes.runtimeVisibleParameterAnnotations());
        if (attr.isEmpty()) return reduced;
        List<List<java.lang.classfile.Annotation>> all = attr.get().parameterAnnotations();
        for (int i = 0; i < Math.min(count, all.size()); i++) {
            for (java.lang.classfile.Annotation a : all.get(i)) {
                if (a.classSymbol().descriptorString().equals(REDUCE_DESCRIPTOR)) reduced[i] = true;
            }
        }
        return reduced;
    }

    private static final String REDUCE_DESCRIPTOR = "L" + io.kiln.Reduce.class.getName().replace('.', '/') + ";";

    /** The class's SourceFile attribute, or {@code otherwise} where it has none. */
    static String sourceFile(ClassModel cls, String otherwise) {
        var attr = cls.findAttribute(Attributes.sourceFile());
        return attr.isPresent() ? attr.get().sourceFile().stringValue() : otherwise;
    }

    /** The element type of an off-heap array class ({@code FloatArray} gives FLOAT), or {@code null}. */
    static ElementType offHeapElement(Class<?> c) {
        if (c == io.kiln.FloatArray.class) return ElementType.FLOAT;
        if (c == io.kiln.DoubleArray.class) return ElementType.DOUBLE;
        if (c == io.kiln.IntArray.class) return ElementType.INT;
        if (c == io.kiln.LongArray.class) return ElementType.LONG;
        if (c == io.kiln.ShortArray.class) return ElementType.SHORT;
        if (c == io.kiln.ByteArray.class) return ElementType.BYTE;
        return null;
    }

    /** The element type of an off-heap array class by internal name ({@code io/kiln/FloatArray}), or {@code null}. */
    static ElementType offHeapElement(String internalName) {
        return switch (internalName) {
            case "io/kiln/FloatArray" -> ElementType.FLOAT;
            case "io/kiln/DoubleArray" -> ElementType.DOUBLE;
            case "io/kiln/IntArray" -> ElementType.INT;
            case "io/kiln/LongArray" -> ElementType.LONG;
            case "io/kiln/ShortArray" -> ElementType.SHORT;
            case "io/kiln/ByteArray" -> ElementType.BYTE;
            default -> null;
        };
    }

    private static String paramName(CodeModel code, int slot, java.lang.reflect.Parameter p) {
        if (p.isNamePresent()) return p.getName();
        for (var e : code.elementList()) {
            if (e instanceof LocalVariable lv && lv.slot() == slot) return lv.name().stringValue();
        }
        return p.getName();
    }

    private static List<ParallelVar> parallelVars(CodeModel code) {
        List<ParallelVar> out = new ArrayList<>();
        var attr = code.findAttribute(Attributes.runtimeVisibleTypeAnnotations());
        if (attr.isEmpty()) return out;
        Map<Label, Integer> index = new java.util.IdentityHashMap<>();
        var elems = code.elementList();
        for (int i = 0; i < elems.size(); i++) {
            if (elems.get(i) instanceof java.lang.classfile.instruction.LabelTarget lt) index.put(lt.label(), i);
        }
        for (TypeAnnotation ta : attr.get().annotations()) {
            if (!ta.annotation().classSymbol().descriptorString().equals(PARALLEL)) continue;
            if (!(ta.targetInfo() instanceof TypeAnnotation.LocalVarTarget lvt)) continue;
            for (TypeAnnotation.LocalVarTargetInfo info : lvt.table()) {
                if (hasVar(out, info)) continue;
                ParallelVar pv = new ParallelVar();
                pv.slot = info.index();
                pv.startLabel = info.startLabel();
                pv.endLabel = info.endLabel();
                pv.startIndex = index.get(info.startLabel());
                pv.endIndex = index.get(info.endLabel());
                pv.name = "l" + pv.slot;
                for (var e : elems) {
                    if (e instanceof LocalVariable lv && lv.slot() == pv.slot && lv.startScope() == pv.startLabel) pv.name = lv.name().stringValue();
                }
                out.add(pv);
            }
        }
        out.sort(BY_START);
        if (out.size() > 3) {
            throw new KernelCompilationException("kernels support at most 3 nested @Parallel loops, found " + out.size());
        }
        for (int d = 0; d < out.size(); d++) {
            ParallelVar pv = out.get(d);
            pv.dim = d;
            if (d > 0) {
                ParallelVar outer = out.get(d - 1);
                if (!(pv.startIndex > outer.startIndex && pv.endIndex <= outer.endIndex)) {
                    throw new KernelCompilationException("the @Parallel loops over '" + outer.name + "' and '" + pv.name
                            + "' are not nested: a kernel may contain one @Parallel loop nest; put sibling parallel loops in separate tasks");
                }
            }
        }
        return out;
    }

    private static boolean hasVar(List<ParallelVar> vars, TypeAnnotation.LocalVarTargetInfo info) {
        for (ParallelVar p : vars) {
            if (p.slot == info.index() && p.startLabel == info.startLabel()) return true;
        }
        return false;
    }

    /** Parallel loops in bytecode order (outermost first). A class, not a lambda: see doCompile. */
    private static final Comparator<ParallelVar> BY_START = new Comparator<>() {
        @Override
        public int compare(ParallelVar a, ParallelVar b) {
            return Integer.compare(a.startIndex, b.startIndex);
        }
    };

    private static String runtimeDescriptor(Method m) {
        StringBuilder sb = new StringBuilder("(");
        for (Class<?> p : m.getParameterTypes()) sb.append(p.descriptorString());
        return sb.append(')').append(m.getReturnType().descriptorString()).toString();
    }
}
