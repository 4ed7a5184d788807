package io.kiln.passes;

import io.kiln.ir.CmpOp;
import io.kiln.ir.CompareKind;
import io.kiln.ir.Const;
import io.kiln.ir.Conversion;

/** Java's semantics for conversions and comparisons of constants, shared by the passes. */
final class Evaluation {
    private Evaluation() {
    }

    /** {@code op(a)} exactly as the JVM's conversion bytecode computes it. */
    static Const convert(Conversion op, Const a) {
        return switch (op) {
            case I2L -> Const.ofLong(a.intValue());
            case I2F -> Const.ofFloat(a.intValue());
            case I2D -> Const.ofDouble(a.intValue());
            case L2I -> Const.ofInt((int) a.longValue());
            case L2F -> Const.ofFloat(a.longValue());
            case L2D -> Const.ofDouble(a.longValue());
            case F2I -> Const.ofInt((int) a.floatValue());
            case F2L -> Const.ofLong((long) a.floatValue());
            case F2D -> Const.ofDouble(a.floatValue());
            case D2I -> Const.ofInt((int) a.doubleValue());
            case D2L -> Const.ofLong((long) a.doubleValue());
            case D2F -> Const.ofFloat((float) a.doubleValue());
            case I2B -> Const.ofInt((byte) a.intValue());
            case I2C -> Const.ofInt((char) a.intValue());
            case I2S -> Const.ofInt((short) a.intValue());
        };
    }

    /** Java's {@code lcmp}, {@code fcmpl/g}, {@code dcmpl/g}: -1, 0 or 1. */
    static int compare(CompareKind kind, Const a, Const b) {
        return switch (kind) {
            case LCMP -> Long.compare(a.longValue(), b.longValue()) < 0 ? -1 : a.longValue() == b.longValue() ? 0 : 1;
            case FCMPL, FCMPG -> threeWay(a.floatValue(), b.floatValue(), kind.nanResult());
            case DCMPL, DCMPG -> threeWay(a.doubleValue(), b.doubleValue(), kind.nanResult());
        };
    }

    private static int threeWay(double x, double y, int nan) {
        if (x < y) return -1;
        if (x > y) return 1;
        if (x == y) return 0;
        return nan;
    }

    /** Whether branch condition {@code op} holds for constants of the same type, as {@link CmpOp} defines it. */
    static boolean test(CmpOp op, Const a, Const b) {
        return switch (a.type()) {
            case I32 -> op.test(Integer.compare(a.intValue(), b.intValue()));
            case I64 -> op.test(Long.compare(a.longValue(), b.longValue()));
            case F32, F64 -> {
                double x = a.type() == io.kiln.ir.Type.F32 ? a.floatValue() : a.doubleValue();
                double y = b.type() == io.kiln.ir.Type.F32 ? b.floatValue() : b.doubleValue();
                boolean unordered = Double.isNaN(x) || Double.isNaN(y);
                yield switch (op) {
                    case EQ -> x == y;
                    case NE -> x != y;
                    case LT -> x < y;
                    case LE -> x <= y;
                    case GT -> x > y;
                    case GE -> x >= y;
                    case ULT -> unordered || x < y;
                    case ULE -> unordered || x <= y;
                    case UGT -> unordered || x > y;
                    case UGE -> unordered || x >= y;
                };
            }
        };
    }
}
