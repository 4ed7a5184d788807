package io.kiln.ir;

/**
 * An int or long expression over the kernel's arguments that the host evaluates before a launch: the trip
 * count of a {@code @Parallel} loop ({@code n}, {@code a.length}, {@code rows * cols}, ...).
 */
public sealed interface HostExpr {

    /** A constant. */
    record Constant(long value) implements HostExpr {}

    /** The value of scalar parameter {@code paramIndex}. */
    record Scalar(int paramIndex) implements HostExpr {}

    /** The length of array parameter {@code paramIndex} (a Java array's, or an off-heap array's {@code length()}). */
    record Length(int paramIndex) implements HostExpr {}

    /** {@code a op b} in Java {@code int}/{@code long} arithmetic, computed here in long. */
    record Binary(BinOp op, HostExpr a, HostExpr b) implements HostExpr {}

    /** Evaluates the expression against launch arguments (scalars boxed, arrays as Java or off-heap arrays). */
    default long evaluate(Object[] args) {
        return switch (this) {
            case Constant c -> c.value();
            case Scalar s -> {
                Object v = args[s.paramIndex()];
                if (v instanceof Boolean b) yield b ? 1 : 0;
                if (v instanceof Character c) yield c;
                yield ((Number) v).longValue();
            }
            case Length l -> args[l.paramIndex()] instanceof io.kiln.OffHeapArray o
                    ? o.length() : java.lang.reflect.Array.getLength(args[l.paramIndex()]);
            case Binary b -> {
                long x = b.a().evaluate(args);
                long y = b.b().evaluate(args);
                yield switch (b.op()) {
                    case ADD -> x + y;
                    case SUB -> x - y;
                    case MUL -> x * y;
                    case DIV -> y == 0 ? 0 : x / y;
                    case REM -> y == 0 ? 0 : x % y;
                    case AND -> x & y;
                    case OR -> x | y;
                    case XOR -> x ^ y;
                    case SHL -> x << (y & 63);
                    case SHR -> x >> (y & 63);
                    case USHR -> x >>> (y & 63);
                };
            }
        };
    }
}
