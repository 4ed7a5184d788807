import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;

/**
 * Build step (engine/pom.xml, run by the toolchain's JDK before the engine compiles): writes the typed
 * kernel references {@code io.kiln.KernelMethod.Of1..OfN} and the matching {@code task} overloads of
 * {@code io.kiln.TaskGraph} (in its package-private superclass {@code TaskMethods}),
 * {@code java Arities.java <generated-sources dir> <N>}. With a third argument {@code conformance}
 * (conformance/pom.xml) it writes instead the arity-typed part of the conformance suite's test helper,
 * {@code io.kiln.conformance.KernelCaseArities}: a case factory {@code k} per parameter count, and the
 * calls of a kernel through its {@code KernelMethod.OfN}, as plain Java and as a graph task.
 *
 * <p>Why: Java has no variadic generics, so a call that type-checks each argument against the kernel's
 * parameter ({@code graph.task("saxpy", Kernels::saxpy, 2f, x, y)}) needs one interface and one overload
 * per parameter count. Written out by hand these were 30 near-identical declarations that had to agree in
 * their type parameters, names and Javadoc; here they are one loop each.
 */
public class Arities {
    public static void main(String[] args) throws IOException {
        boolean conformance = args.length == 3 && args[2].equals("conformance");
        if (args.length != 2 && !conformance) {
            throw new IllegalArgumentException("usage: java Arities.java <generated-sources dir> <highest arity> [conformance]");
        }
        int n = Integer.parseInt(args[1]);
        if (n < 1 || n > 26) throw new IllegalArgumentException("highest arity " + n + " must be 1..26 (one letter per parameter)");
        if (conformance) {
            Path dir = Path.of(args[0], "io", "kiln", "conformance");
            Files.createDirectories(dir);
            write(dir.resolve("KernelCaseArities.java"), kernelCaseArities(n));
            return;
        }
        Path dir = Path.of(args[0], "io", "kiln");
        Files.createDirectories(dir);
        write(dir.resolve("KernelMethod.java"), kernelMethod(n));
        write(dir.resolve("TaskMethods.java"), taskMethods(n));
    }

    /** {@code A, B, C} for {@code k = 3}. */
    static String types(int k) {
        return join(k, i -> String.valueOf((char) ('A' + i)));
    }

    /** {@code A a, B b, C c} for {@code k = 3}. */
    static String params(int k) {
        return join(k, i -> (char) ('A' + i) + " " + (char) ('a' + i));
    }

    /** {@code a, b, c} for {@code k = 3}. */
    static String names(int k) {
        return join(k, i -> String.valueOf((char) ('a' + i)));
    }

    static String join(int k, IntFunction<String> part) {
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < k; i++) parts.add(part.apply(i));
        return String.join(", ", parts);
    }

    static final String HEADER = "// Written by engine/src/build/Arities.java (engine/pom.xml); edit the generator, not this file.\n";

    static String kernelMethod(int n) {
        StringBuilder s = new StringBuilder(HEADER).append("""
                package io.kiln;

                import java.io.Serializable;

                /**
                 * Typed references to kernel methods, one interface per parameter count, so that
                 * {@code graph.task("saxpy", Kernels::saxpy, 2f, x, y)} type-checks its arguments against the
                 * kernel's parameters and unboxes primitives. Pass a method reference to a {@code static} method;
                 * Kiln reads the method's bytecode, it never calls the reference.
                 */
                public final class KernelMethod {
                    private KernelMethod() {
                    }
                """);
        for (int k = 1; k <= n; k++) {
            s.append("\n")
                    .append("    /** A kernel with ").append(k).append(k == 1 ? " parameter. */\n" : " parameters. */\n")
                    .append("    @FunctionalInterface\n")
                    .append("    public interface Of").append(k).append('<').append(types(k)).append("> extends Serializable {\n")
                    .append("        /** The kernel body (Kiln never calls this; it compiles the referenced method). */\n")
                    .append("        void run(").append(params(k)).append(");\n")
                    .append("    }\n");
        }
        return s.append("}\n").toString();
    }

    static String taskMethods(int n) {
        StringBuilder s = new StringBuilder(HEADER).append("""
                package io.kiln;

                /**
                 * The typed {@code task} overloads of {@link TaskGraph}, one per kernel parameter count (see
                 * {@link KernelMethod}); {@code TaskGraph} is the only subclass and these methods are part of its API.
                 */
                abstract sealed class TaskMethods permits TaskGraph {
                    TaskMethods() {
                    }

                    /** Adds the task; {@code args} are the kernel's arguments in order. */
                    abstract TaskGraph addTask(String id, Object kernel, Object[] args);

                    /**
                     * Adds a task that runs {@code kernel} with {@code a} when the plan runs. Arrays (Java arrays or
                     * {@link OffHeapArray}s) are passed by reference and stay bound to the task: mutate their contents
                     * between runs, or bind other arrays to them with {@link ExecutionPlan#run(Bindings)}. Scalars are
                     * captured now (rebind them the same way). Tasks run in the order they were added; the graph orders transfers
                     * and dependent tasks from what each kernel reads and writes.
                     *
                     * @param id     a unique task id, used by {@link ExecutionPlan#withGrid} and in results
                     * @param kernel a method reference to a {@code static} kernel method
                     * @throws IllegalArgumentException if the id is taken or an argument is {@code null}
                     */
                """);
        for (int k = 1; k <= n; k++) {
            if (k > 1) {
                s.append("\n    /** Adds a task running a ").append(k)
                        .append("-parameter kernel; see {@link TaskGraph#task(String, KernelMethod.Of1, Object)}. */\n");
            }
            s.append("    public <").append(types(k)).append("> TaskGraph task(String id, KernelMethod.Of").append(k)
                    .append('<').append(types(k)).append("> kernel, ").append(params(k)).append(") {\n")
                    .append("        return addTask(id, kernel, new Object[] {").append(names(k)).append("});\n")
                    .append("    }\n");
        }
        return s.append("}\n").toString();
    }

    /** {@code a[0], a[1], a[2]} for {@code k = 3}. */
    static String elements(int k) {
        return join(k, i -> "a[" + i + "]");
    }

    /** {@code KernelMethod.Of3<Object, Object, Object>} for {@code k = 3}. */
    static String untyped(int k) {
        return "KernelMethod.Of" + k + "<" + join(k, i -> "Object") + ">";
    }

    static String kernelCaseArities(int n) {
        StringBuilder s = new StringBuilder(HEADER.replace("engine/pom.xml", "conformance/pom.xml")).append("""
                package io.kiln.conformance;

                import io.kiln.KernelMethod;
                import io.kiln.TaskGraph;

                /**
                 * The part of {@link KernelCase} that depends on the kernel's parameter count: a factory {@code k}
                 * per count, whose {@code Arg<T>}s are type-checked against the kernel's parameters, and the calls
                 * of the kernel through its {@code KernelMethod.OfN}. {@code KernelCase} is the only subclass.
                 */
                abstract sealed class KernelCaseArities permits KernelCase {
                    KernelCaseArities() {
                    }
                """);
        for (int k = 1; k <= n; k++) {
            StringBuilder ps = new StringBuilder();
            for (int i = 0; i < k; i++) ps.append(", Arg<").append((char) ('A' + i)).append("> ").append((char) ('a' + i));
            s.append("\n    /** A case running a ").append(k).append("-parameter kernel. */\n")
                    .append("    static <").append(types(k)).append("> KernelCase k(KernelMethod.Of").append(k).append('<').append(types(k))
                    .append("> kernel").append(ps).append(") {\n")
                    .append("        return KernelCase.create(kernel, ").append(names(k)).append(");\n")
                    .append("    }\n");
        }
        s.append("""

                    /** Runs {@code kernel}, a {@code KernelMethod.OfN} for {@code N = a.length}, as plain Java with {@code a}. */
                    @SuppressWarnings("unchecked")
                    static void invokeKernel(Object kernel, Object[] a) {
                        switch (a.length) {
                """);
        for (int k = 1; k <= n; k++) {
            s.append("            case ").append(k).append(" -> ((").append(untyped(k)).append(") kernel).run(").append(elements(k)).append(");\n");
        }
        s.append("""
                            default -> throw new IllegalStateException("arity " + a.length);
                        }
                    }

                    /** Adds {@code kernel}, a {@code KernelMethod.OfN} for {@code N = a.length}, as task {@code id} of {@code graph}. */
                    @SuppressWarnings("unchecked")
                    static TaskGraph addKernelTask(TaskGraph graph, String id, Object kernel, Object[] a) {
                        return switch (a.length) {
                """);
        for (int k = 1; k <= n; k++) {
            s.append("            case ").append(k).append(" -> graph.task(id, (").append(untyped(k)).append(") kernel, ").append(elements(k)).append(");\n");
        }
        s.append("""
                            default -> throw new IllegalStateException("arity " + a.length);
                        };
                    }
                }
                """);
        return s.toString();
    }

    static void write(Path target, String text) throws IOException {
        // unchanged text keeps the file's time, so the compile stays incremental
        if (!Files.exists(target) || !Files.readString(target).equals(text)) Files.writeString(target, text);
    }
}
