package io.kiln;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Repeatable;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Names a specialised implementation of a kernel for the devices of one back end. The annotated
 * kernel stays the reference: it runs on every other device and as plain Java, and it defines what
 * the variant must compute (within the precision the kernel documents). When a task's kernel carries
 * a variant for the back end of the device the task runs on, the engine runs the variant instead and
 * records it in {@link RunResult.TaskRun#implementation()}.
 * <pre>{@code
 * @Variant(backend = Backend.CPU, in = FastGemm.class)       // FastGemm.sgemm, same parameters
 * static void sgemm(int m, int n, int k, float[] a, float[] b, float[] c) {
 *     for (@Parallel int i = 0; i < m; i++) { ... }          // the portable reference
 * }
 * }</pre>
 * The variant is the static method {@link #method()} (by default the kernel's own name) of class
 * {@link #in()}, with exactly the kernel's parameter types. What it is depends on the back end:
 * <ul>
 *   <li>{@link Backend#CPU}: a <b>plain Java method</b> that runs on the host arrays themselves with the
 *   JVM's full power (the Vector API, any library). It is called on the thread that runs the plan,
 *   with the cpu device's threads bound to it: work it splits with {@link CpuThreads#forRange} or
 *   {@link CpuThreads#forEach} runs on that thread and the device's pool, {@code -Dkiln.cpu.threads}
 *   threads in all, as the device's compiled kernels do (fork-join tasks or threads of its own would
 *   run elsewhere). It must not keep the arrays after it returns. A cancelled run stops it between
 *   {@code CpuThreads} parts (they then throw {@link java.util.concurrent.CancellationException}),
 *   never inside one.</li>
 *   <li>{@link Backend#OPENCL}, {@link Backend#CUDA}: a <b>Kiln kernel</b> (same rules as any kernel)
 *   that the engine compiles for that back end in place of the reference, with the reference's grid;
 *   or, when {@link #grid()} names a method, a <b>work-item kernel with a launch geometry of its
 *   own</b> (below).</li>
 * </ul>
 * <p><b>A variant with its own geometry</b> (a GPU-shaped algorithm: work-groups, local memory,
 * barriers). The variant takes a {@link KernelContext} followed by the kernel's parameters, and
 * {@link #grid()} names a static method of {@link #in()} with exactly the kernel's parameters that
 * returns the {@link Grid} to launch for a run's arguments (usually with a local size):
 * <pre>{@code
 * @Variant(backend = Backend.OPENCL, in = Tiled.class, grid = "scaleGrid")
 * static void scale(float k, float[] x, float[] y) { ... }                  // the reference
 *
 * static void scale(KernelContext ctx, float k, float[] x, float[] y) { ... }   // Tiled: the variant
 * static Grid scaleGrid(float k, float[] x, float[] y) {                        // its geometry
 *     return Grid.covering(y.length, 128);
 * }
 * }</pre>
 * The engine calls the grid method on the host whenever a run's arguments change (a new binding),
 * checks the grid with the rules of every work-item launch (whole work-groups), and launches the
 * variant with it; a grid given to the task ({@code plan.withGrid}) does not apply to such a variant.
 * The grid method must not modify the arrays; an exception it throws fails the run.</p>
 * Either way the variant must read and write only what the reference reads and writes: the engine
 * derives transfers and ordering from the reference's code. A variant whose method is missing, not
 * static or has other parameter types fails the plan with a message saying so. A runtime can turn
 * variants off ({@link KilnRuntime#useVariants(boolean)}, or {@code -Dkiln.variants=false} for the
 * shared one), which runs every reference as it is: the way to check a variant against it.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
@Repeatable(Variant.List.class)
public @interface Variant {

    /** The back end whose devices run the variant. */
    Backend backend();

    /** The class that declares the variant. */
    Class<?> in();

    /** The variant's method name; empty (the default) for the kernel's own name. */
    String method() default "";

    /**
     * For {@link Backend#OPENCL} and {@link Backend#CUDA} only: the name of the static method of
     * {@link #in()} that returns the variant's launch {@link Grid} from the kernel's arguments (it has
     * exactly the kernel's parameter types); the variant then takes a {@link KernelContext} before the
     * kernel's parameters. Empty (the default): the variant has the kernel's parameters and grid.
     */
    String grid() default "";

    /** Several variants of one kernel, one per back end. */
    @Documented
    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.METHOD)
    @interface List {
        /** The variants. */
        Variant[] value();
    }
}
