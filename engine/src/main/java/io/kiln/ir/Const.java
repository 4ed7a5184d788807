package io.kiln.ir;

/**
 * A constant operand, stored as raw bits so that NaN payloads and negative zero survive exactly.
 *
 * @param type the value type
 * @param bits for I32 and F32 the low 32 bits hold the int value or the float's raw bits;
 *             for I64 and F64 all 64 bits
 */
public record Const(Type type, long bits) implements Value {
    // equals and hashCode written out, as Var's (why there)
    @Override
    public boolean equals(Object o) {
        return o instanceof Const c && type == c.type && bits == c.bits;
    }

    @Override
    public int hashCode() {
        return 31 * java.util.Objects.hashCode(type) + Long.hashCode(bits);
    }

    public static Const ofInt(int v) {
        return new Const(Type.I32, v);
    }

    public static Const ofLong(long v) {
        return new Const(Type.I64, v);
    }

    public static Const ofFloat(float v) {
        return new Const(Type.F32, Float.floatToRawIntBits(v) & 0xFFFF_FFFFL);
    }

    public static Const ofDouble(double v) {
        return new Const(Type.F64, Double.doubleToRawLongBits(v));
    }

    public int intValue() {
        return (int) bits;
    }

    public long longValue() {
        return bits;
    }

    public float floatValue() {
        return Float.intBitsToFloat((int) bits);
    }

    public double doubleValue() {
        return Double.longBitsToDouble(bits);
    }

    @Override
    public String toString() {
        return switch (type) {
            case I32 -> Integer.toString(intValue());
            case I64 -> longValue() + "L";
            case F32 -> Float.toString(floatValue()) + "f";
            case F64 -> Double.toString(doubleValue()) + "d";
        };
    }
}
