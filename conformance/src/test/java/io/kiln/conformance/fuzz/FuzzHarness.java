package io.kiln.conformance.fuzz;

import io.kiln.Device;
import io.kiln.ExecutionPlan;
import io.kiln.Grid;
import io.kiln.RunResult;
import io.kiln.TaskGraph;
import io.kiln.Transfer;

import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.FileObject;
import javax.tools.ForwardingJavaFileManager;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.BiFunction;

/**
 * Compiles generated kernel sources in process ({@code javax.tools}) into a throwaway class loader, runs
 * each kernel as plain Java and on a device through {@link TaskGraph}, and compares the outputs bit for bit
 * (floating-point values by {@code floatToIntBits}/{@code doubleToLongBits}, so any NaN equals any NaN).
 */
final class FuzzHarness {
    static final String PACKAGE = "io.kiln.fuzzgen";

    private FuzzHarness() {
    }

    /**
     * A compiled kernel: its class, seed and source; {@code reference} is the work-group form's
     * {@link GroupContext} twin, null for a {@code @Parallel} kernel.
     */
    record Compiled(long seed, String source, Class<?> owner, Method kernel, Method register, Method reference) {
        boolean groups() {
            return reference != null;
        }
    }

    private static final JavaCompiler JAVAC = ToolProvider.getSystemJavaCompiler();

    /** The class path for generated kernels: where the engine's classes are (for {@code @Parallel}, {@code TaskGraph}). */
    private static String classPath() {
        try {
            return Path.of(TaskGraph.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString()
                    + File.pathSeparator + System.getProperty("java.class.path");
        } catch (Exception e) {
            return System.getProperty("java.class.path");
        }
    }

    private static final String CLASS_PATH = classPath();

    /** Compiles the kernels of {@code seeds} in one javac invocation (one class each, {@code -g -parameters}). */
    static List<Compiled> compile(List<Long> seeds) {
        return compile(seeds, false);
    }

    /** As {@link #compile(List)}; with {@code groups}, the work-group kernels of {@link KernelGenerator#generateGroup}. */
    static List<Compiled> compile(List<Long> seeds, boolean groups) {
        return compile(seeds, groups ? (s, name) -> KernelGenerator.generateGroup(s, PACKAGE, name)
                : (s, name) -> KernelGenerator.generate(s, PACKAGE, name));
    }

    /** As {@link #compile(List)}, with the sources {@code generator} writes (seed, class name in {@link #PACKAGE}). */
    static List<Compiled> compile(List<Long> seeds, BiFunction<Long, String, String> generator) {
        if (JAVAC == null) throw new IllegalStateException("no system Java compiler (run the tests on a JDK, not a JRE)");
        Map<String, String> sources = new HashMap<>();
        List<JavaFileObject> units = new ArrayList<>();
        for (long s : seeds) {
            String name = className(s);
            String src = generator.apply(s, name);
            sources.put(name, src);
            units.add(new SimpleJavaFileObject(URI.create("string:///" + PACKAGE.replace('.', '/') + "/" + name + ".java"),
                    JavaFileObject.Kind.SOURCE) {
                @Override
                public CharSequence getCharContent(boolean ignoreEncodingErrors) {
                    return src;
                }
            });
        }
        Map<String, byte[]> classes = new HashMap<>();
        DiagnosticCollector<JavaFileObject> diags = new DiagnosticCollector<>();
        StandardJavaFileManager std = JAVAC.getStandardFileManager(diags, null, null);
        ForwardingJavaFileManager<StandardJavaFileManager> fm = new ForwardingJavaFileManager<>(std) {
            @Override
            public JavaFileObject getJavaFileForOutput(Location location, String className, JavaFileObject.Kind kind, FileObject sibling) {
                return new SimpleJavaFileObject(URI.create("mem:///" + className.replace('.', '/') + ".class"), kind) {
                    @Override
                    public OutputStream openOutputStream() {
                        return new ByteArrayOutputStream() {
                            @Override
                            public void close() {
                                classes.put(className, toByteArray());
                            }
                        };
                    }
                };
            }
        };
        Boolean ok = JAVAC.getTask(null, fm, diags, List.of("-g", "-parameters", "-proc:none", "-Xlint:none", "-classpath", CLASS_PATH),
                null, units).call();
        if (!ok) {
            StringBuilder sb = new StringBuilder("a generated kernel does not compile (a bug in KernelGenerator):\n");
            for (Diagnostic<? extends JavaFileObject> d : diags.getDiagnostics()) {
                if (d.getKind() != Diagnostic.Kind.ERROR) continue;
                String file = d.getSource() == null ? "?" : d.getSource().getName();
                String name = file.substring(file.lastIndexOf('/') + 1).replace(".java", "");
                String[] lines = sources.getOrDefault(name, "").split("\n");
                long line = d.getLineNumber();
                sb.append(file).append(':').append(line).append(": ").append(d.getMessage(null)).append('\n')
                        .append("    ").append(line > 0 && line <= lines.length ? lines[(int) line - 1].trim() : "").append('\n');
            }
            throw new IllegalStateException(sb.toString());
        }
        Loader loader = new Loader(classes, FuzzHarness.class.getClassLoader());
        List<Compiled> out = new ArrayList<>();
        for (long s : seeds) {
            String name = PACKAGE + "." + className(s);
            try {
                Class<?> c = Class.forName(name, true, loader);
                Method kernel = null, register = null, reference = null;
                for (Method m : c.getDeclaredMethods()) {
                    if (m.getName().equals("kernel")) kernel = m;
                    if (m.getName().equals("register")) register = m;
                    if (m.getName().equals("reference")) reference = m;
                }
                out.add(new Compiled(s, sources.get(className(s)), c, kernel, register, reference));
            } catch (ClassNotFoundException e) {
                throw new IllegalStateException("javac produced no class " + name, e);
            }
        }
        return out;
    }

    static String className(long seed) {
        return "K" + Long.toUnsignedString(seed, 36);
    }

    /** Serves the generated classes and their bytes (the front end reads a kernel's class file as a resource). */
    private static final class Loader extends ClassLoader {
        private final Map<String, byte[]> classes;

        Loader(Map<String, byte[]> classes, ClassLoader parent) {
            super("kiln-fuzz", parent);
            this.classes = classes;
        }

        @Override
        protected Class<?> findClass(String name) throws ClassNotFoundException {
            byte[] b = classes.get(name);
            if (b == null) throw new ClassNotFoundException(name);
            return defineClass(name, b, 0, b.length);
        }

        @Override
        public InputStream getResourceAsStream(String name) {
            String n = name.startsWith("/") ? name.substring(1) : name;
            if (n.endsWith(".class")) {
                byte[] b = classes.get(n.substring(0, n.length() - 6).replace('/', '.'));
                if (b != null) return new ByteArrayInputStream(b);
            }
            return super.getResourceAsStream(name);
        }
    }

    // ---- inputs and runs ---------------------------------------------------------------------------

    static final int[] SIZES = {1, 2, 5, 8, 13};

    /** The arguments of kernel {@code seed}: inputs mixing random bits and edge values, zeroed outputs. */
    static Object[] inputs(long seed) {
        return inputs(seed, false);
    }

    /** As {@link #inputs(long)}; for a work-group kernel ({@code groups}) as many work-items as its {@link KernelGenerator#groupShape}. */
    static Object[] inputs(long seed, boolean groups) {
        Random r = new Random(seed ^ 0x5DEECE66DL);
        int n = SIZES[r.nextInt(SIZES.length)];
        if (groups) {
            int[] shape = KernelGenerator.groupShape(seed);
            n = shape[0] * shape[1];
        }
        return inputs(r, n, n);
    }

    /**
     * Arguments for {@code n} work items from {@code r}: inputs of {@code length} elements mixing random
     * bits and edge values, zeroed outputs of {@code 4 n}.
     */
    static Object[] inputs(Random r, int n, int length) {
        int[] ia = new int[length];
        long[] la = new long[length];
        float[] fa = new float[length];
        double[] da = new double[length];
        int[] ie = {0, 1, -1, Integer.MIN_VALUE, Integer.MAX_VALUE, 31, 32, 255};
        long[] le = {0, 1, -1, Long.MIN_VALUE, Long.MAX_VALUE, 4294967299L, 63};
        float[] fe = {0f, -0f, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.MIN_VALUE, Float.MAX_VALUE, 0.5f, -2.5f, 3e38f, 1e-40f};
        double[] de = {0.0, -0.0, Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, Double.MIN_VALUE, Double.MAX_VALUE, 0.5, -2.5,
                9.1e18, 1e-310};
        for (int i = 0; i < length; i++) {
            boolean edge = r.nextInt(3) == 0;
            ia[i] = edge ? ie[r.nextInt(ie.length)] : r.nextBoolean() ? r.nextInt() : r.nextInt(200) - 100;
            la[i] = edge ? le[r.nextInt(le.length)] : r.nextBoolean() ? r.nextLong() : r.nextInt(2000) - 1000;
            fa[i] = edge ? fe[r.nextInt(fe.length)] : r.nextBoolean() ? (float) (r.nextGaussian() * 100) : Float.intBitsToFloat(r.nextInt());
            da[i] = edge ? de[r.nextInt(de.length)] : r.nextBoolean() ? r.nextGaussian() * 1e4 : Double.longBitsToDouble(r.nextLong());
        }
        return new Object[] {ia, la, fa, da, r.nextBoolean() ? ie[r.nextInt(ie.length)] : r.nextInt(), r.nextLong(),
                fe[r.nextInt(fe.length)], r.nextBoolean() ? de[r.nextInt(de.length)] : r.nextGaussian(), n,
                new int[4 * n], new long[4 * n], new float[4 * n], new double[4 * n]};
    }

    static Object[] copy(Object[] a) {
        Object[] c = a.clone();
        for (int i = 0; i < c.length; i++) {
            Object o = c[i];
            if (o instanceof int[] x) c[i] = x.clone();
            else if (o instanceof long[] x) c[i] = x.clone();
            else if (o instanceof float[] x) c[i] = x.clone();
            else if (o instanceof double[] x) c[i] = x.clone();
        }
        return c;
    }

    /** Runs the kernel as plain Java on {@code args} (a work-group kernel: its reference, one thread per work-item). */
    static void runJava(Compiled k, Object[] args) {
        if (k.groups()) {
            int[] shape = KernelGenerator.groupShape(k.seed());
            try {
                GroupContext.run(shape[1], shape[0], ctx -> {
                    Object[] withCtx = new Object[args.length + 1];
                    withCtx[0] = ctx;
                    System.arraycopy(args, 0, withCtx, 1, args.length);
                    k.reference().invoke(null, withCtx);
                });
            } catch (IllegalStateException e) {
                throw new IllegalStateException("work-group kernel " + k.seed() + " fails in its reference (a bug in KernelGenerator): " + e.getMessage(), e);
            }
            return;
        }
        try {
            k.kernel().invoke(null, args);
        } catch (InvocationTargetException e) {
            throw new IllegalStateException("kernel " + k.seed() + " throws in plain Java (a bug in KernelGenerator): " + e.getCause(), e.getCause());
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Runs the kernel on {@code device} through a task graph on {@code args}, updated in place. */
    static void runOn(Compiled k, Device device, Object[] args) {
        Object[] arrays = {args[0], args[1], args[2], args[3], args[9], args[10], args[11], args[12]};
        TaskGraph g = new TaskGraph("fuzz-" + className(k.seed()));
        g.transferToDevice(Transfer.EVERY_RUN, arrays);
        try {
            k.register().invoke(null, g, args);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot add kernel " + k.seed() + " to a task graph: " + e.getCause(), e);
        }
        g.transferToHost(Transfer.EVERY_RUN, arrays);
        try (ExecutionPlan plan = g.plan(device)) {
            if (k.groups()) {
                int[] shape = KernelGenerator.groupShape(k.seed());
                plan.withGrid("k", Grid.of(shape[0] * shape[1]).local(shape[0]));
            }
            RunResult.TaskRun run = plan.run().task("k");
            if (!run.device().id().equals(device.id()) || run.fallbackReason() != null) {
                throw new AssertionError("the task ran on " + run.device().id() + " instead of " + device.id()
                        + " (fallback: " + run.fallbackReason() + ")");
            }
        }
    }

    /**
     * Runs the kernel with every array parameter off-heap ({@link io.kiln.conformance.OffHeapVariant}: the
     * IR of the same method with {@code IntArray} for {@code int[]} and so on) on {@code device} through the
     * back end's SPI, on off-heap copies of {@code args}, and copies the results back into {@code args}.
     * A {@code @Parallel} kernel only (the launch covers its loops' trip counts). Returns the back end's
     * {@link io.kiln.spi.CompiledKernel#source()} (for {@code cpu}, the listing).
     */
    static String runOffHeapOn(Compiled k, Device device, Object[] args) {
        io.kiln.ir.KernelIR ir = io.kiln.conformance.OffHeapVariant.of(io.kiln.frontend.FrontEnd.compile(k.kernel()));
        return io.kiln.conformance.OffHeapVariant.run(ir, device, args, io.kiln.conformance.OffHeapVariant.loopGeometry(ir, args));
    }

    /** Differences between the Java outputs and the device's, bit for bit; empty when equal. */
    static List<String> compare(Object[] expected, Object[] dev) {
        List<String> diffs = new ArrayList<>();
        String[] names = {"oi", "ol", "of", "od"};
        for (int a = 9; a <= 12; a++) {
            Object e = expected[a], d = dev[a];
            int n = java.lang.reflect.Array.getLength(e);
            for (int i = 0; i < n && diffs.size() < 12; i++) {
                boolean same = switch (e) {
                    case int[] x -> x[i] == ((int[]) d)[i];
                    case long[] x -> x[i] == ((long[]) d)[i];
                    case float[] x -> Float.floatToIntBits(x[i]) == Float.floatToIntBits(((float[]) d)[i]);
                    case double[] x -> Double.doubleToLongBits(x[i]) == Double.doubleToLongBits(((double[]) d)[i]);
                    default -> throw new IllegalStateException();
                };
                if (!same) {
                    diffs.add(names[a - 9] + "[" + i + "] (work item " + i / 4 + ", v" + (a - 9) + (i % 4) + "): Java "
                            + java.lang.reflect.Array.get(e, i) + ", device " + java.lang.reflect.Array.get(d, i));
                }
            }
        }
        return diffs;
    }
}
