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
 *   JVM's full power (threads, the Vector API, any library). It is called from a thread of the cpu
 *   device's fork-join pool, so fork-join tasks it forks run on that pool's threads; it must not keep
 *   the arrays after it returns, and it cannot be cancelled mid-way (a cancelled run ends when it
 *   returns).</li>
 *   <li>{@link Backend#OPENCL}, {@link Backend#CUDA}: a <b>Kiln kernel</b> (same rules as any kernel)
 *   that the engine compiles for that back end in place of the reference, with the reference's grid.</li>
 * </ul>
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

    /** Several variants of one kernel, one per back end. */
    @Documented
    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.METHOD)
    @interface List {
        /** The variants. */
        Variant[] value();
    }
}
