package io.kiln;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;

/**
 * Marks an array parameter of a {@code @Parallel} loop kernel whose element 0 accumulates a
 * reduction over the loop:
 * <pre>{@code
 * static void sum(float[] x, @Reduce float[] total) {
 *     for (@Parallel int i = 0; i < x.length; i++) {
 *         total[0] += x[i];
 *     }
 * }
 * }</pre>
 * The update must read {@code total[0]} once and write it back combined with {@code +}, {@code *},
 * {@code Math.min} or {@code Math.max} (int, long, float or double). The initial value of element 0
 * takes part. The result equals the sequential Java result up to reassociation, which for
 * floating-point sums and products means up to rounding; min and max, and integer sums and
 * products, are exact. GPUs compute it with work-group tree reductions and one combine per group;
 * the CPU with one partial per chunk.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@java.lang.annotation.Target(ElementType.PARAMETER)
public @interface Reduce {
}
