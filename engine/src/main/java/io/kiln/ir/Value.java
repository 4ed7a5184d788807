package io.kiln.ir;

/** An operand: a {@link Var} or a {@link Const}. */
public sealed interface Value permits Var, Const {
    /** The operand's type. */
    Type type();
}
