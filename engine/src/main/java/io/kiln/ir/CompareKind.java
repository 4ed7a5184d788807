package io.kiln.ir;

/** Java's three-way comparison bytecodes. */
public enum CompareKind {
    LCMP(Type.I64, 0), FCMPL(Type.F32, -1), FCMPG(Type.F32, 1), DCMPL(Type.F64, -1), DCMPG(Type.F64, 1);

    private final Type operandType;
    private final int nanResult;

    CompareKind(Type operandType, int nanResult) {
        this.operandType = operandType;
        this.nanResult = nanResult;
    }

    public Type operandType() {
        return operandType;
    }

    /** The result when an operand is NaN (meaningless for {@link #LCMP}). */
    public int nanResult() {
        return nanResult;
    }
}
