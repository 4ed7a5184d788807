package io.kiln.ir;

/** The combining operation of a {@link Reduction}. */
public enum ReduceOp {
    ADD, MUL, MIN, MAX;

    /** The identity element for {@code type}, as a constant. */
    public Const identity(Type type) {
        return switch (this) {
            case ADD -> switch (type) {
                case I32 -> Const.ofInt(0);
                case I64 -> Const.ofLong(0);
                case F32 -> Const.ofFloat(0f);
                case F64 -> Const.ofDouble(0d);
            };
            case MUL -> switch (type) {
                case I32 -> Const.ofInt(1);
                case I64 -> Const.ofLong(1);
                case F32 -> Const.ofFloat(1f);
                case F64 -> Const.ofDouble(1d);
            };
            case MIN -> switch (type) {
                case I32 -> Const.ofInt(Integer.MAX_VALUE);
                case I64 -> Const.ofLong(Long.MAX_VALUE);
                case F32 -> Const.ofFloat(Float.POSITIVE_INFINITY);
                case F64 -> Const.ofDouble(Double.POSITIVE_INFINITY);
            };
            case MAX -> switch (type) {
                case I32 -> Const.ofInt(Integer.MIN_VALUE);
                case I64 -> Const.ofLong(Long.MIN_VALUE);
                case F32 -> Const.ofFloat(Float.NEGATIVE_INFINITY);
                case F64 -> Const.ofDouble(Double.NEGATIVE_INFINITY);
            };
        };
    }
}
