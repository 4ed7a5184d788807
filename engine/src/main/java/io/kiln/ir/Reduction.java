package io.kiln.ir;

/**
 * A {@code @Reduce} parameter. The front end replaces every access to {@code array[0]} inside the
 * parallel loop by the private variable {@code accumulator}, set to the identity of {@code op} at
 * kernel entry. When a work-item returns, its accumulator holds a partial result; the back end
 * combines the partials of all work-items, and the initial {@code array[0]}, with {@code op} and
 * stores the result in {@code array[0]}.
 *
 * @param array       the parameter array (element 0 receives the result)
 * @param op          how partials combine
 * @param accumulator the per-work-item partial
 */
public record Reduction(ArrayRef array, ReduceOp op, Var accumulator) {
}
