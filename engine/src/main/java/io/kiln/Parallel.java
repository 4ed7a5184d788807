package io.kiln;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;

/**
 * Marks a loop whose iterations are independent and may run in parallel:
 * <pre>{@code for (@Parallel int i = 0; i < n; i++) { y[i] = a * x[i] + y[i]; }}</pre>
 * Up to three perfectly or imperfectly nested {@code @Parallel} loops form a 1-, 2- or 3-dimensional
 * iteration space. The loop must count up by one from its start to a bound tested with {@code <} or
 * {@code <=}, and its variable must not be assigned in the body.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@java.lang.annotation.Target(ElementType.TYPE_USE)
public @interface Parallel {
}
