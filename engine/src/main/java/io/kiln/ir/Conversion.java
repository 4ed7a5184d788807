package io.kiln.ir;

/** Java primitive conversions, named after their bytecodes. */
public enum Conversion {
    I2L(Type.I32, Type.I64), I2F(Type.I32, Type.F32), I2D(Type.I32, Type.F64),
    L2I(Type.I64, Type.I32), L2F(Type.I64, Type.F32), L2D(Type.I64, Type.F64),
    F2I(Type.F32, Type.I32), F2L(Type.F32, Type.I64), F2D(Type.F32, Type.F64),
    D2I(Type.F64, Type.I32), D2L(Type.F64, Type.I64), D2F(Type.F64, Type.F32),
    /** Keep the low 8 bits, sign-extended. */
    I2B(Type.I32, Type.I32),
    /** Keep the low 16 bits, zero-extended. */
    I2C(Type.I32, Type.I32),
    /** Keep the low 16 bits, sign-extended. */
    I2S(Type.I32, Type.I32);

    private final Type from;
    private final Type to;

    Conversion(Type from, Type to) {
        this.from = from;
        this.to = to;
    }

    public Type from() {
        return from;
    }

    public Type to() {
        return to;
    }
}
