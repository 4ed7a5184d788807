package io.kiln.ptx;

import io.kiln.ptx.PtxCode.Insn;
import io.kiln.ptx.PtxCode.Ty;

import static io.kiln.ptx.PtxInterpreter.JUNK;

/**
 * What one PTX arithmetic, comparison or conversion instruction computes, on register values held
 * as raw bits in a {@code long} (32-bit values zero-extended), as the PTX ISA states it. Separate
 * from {@link PtxInterpreter}, which parses and schedules, because this is the part a reader checks
 * against the ISA, one instruction at a time, and it has no state.
 */
final class PtxSemantics {
    private PtxSemantics() {
    }

    /** Keeps a register value in its canonical form: 32-bit values zero-extended. */
    static long norm(Ty t, long v) {
        return t.bytes == 4 ? v & 0xFFFFFFFFL : v;
    }

    static float f(long bits) {
        return Float.intBitsToFloat((int) bits);
    }

    static double d(long bits) {
        return Double.longBitsToDouble(bits);
    }

    static long bits(float v) {
        return Float.floatToRawIntBits(v) & 0xFFFFFFFFL;
    }

    static long bits(double v) {
        return Double.doubleToRawLongBits(v);
    }

    static boolean compare(String cmp, Ty t, long a, long b) {
        if (t.isFloat()) {
            double x = t == Ty.F32 ? f(a) : d(a);
            double y = t == Ty.F32 ? f(b) : d(b);
            boolean unordered = Double.isNaN(x) || Double.isNaN(y);
            return switch (cmp) {
                case "eq" -> !unordered && x == y;
                case "ne" -> !unordered && x != y;
                case "lt" -> !unordered && x < y;
                case "le" -> !unordered && x <= y;
                case "gt" -> !unordered && x > y;
                case "ge" -> !unordered && x >= y;
                case "equ" -> unordered || x == y;
                case "neu" -> unordered || x != y;
                case "ltu" -> unordered || x < y;
                case "leu" -> unordered || x <= y;
                case "gtu" -> unordered || x > y;
                case "geu" -> unordered || x >= y;
                case "nan" -> unordered;
                case "num" -> !unordered;
                default -> throw new IllegalStateException("setp." + cmp + " on floats");
            };
        }
        int c;
        if (t.wide()) {
            c = t.isSigned() ? Long.compare(a, b) : Long.compareUnsigned(a, b);
        } else {
            c = t.isSigned() ? Integer.compare((int) a, (int) b) : Integer.compareUnsigned((int) a, (int) b);
        }
        return switch (cmp) {
            case "eq" -> c == 0;
            case "ne" -> c != 0;
            case "lt" -> c < 0;
            case "le" -> c <= 0;
            case "gt" -> c > 0;
            case "ge" -> c >= 0;
            default -> throw new IllegalStateException("setp." + cmp + " on integers");
        };
    }

    static long unary(Insn in, long a) {
        Ty t = in.type();
        return switch (in.op() + "." + t) {
            case "neg.S32" -> -(int) a & 0xFFFFFFFFL;
            case "neg.S64" -> -a;
            case "neg.F64" -> a ^ Long.MIN_VALUE;
            case "abs.F64" -> a & Long.MAX_VALUE;
            case "sqrt.F32" -> bits((float) Math.sqrt(f(a)));
            case "sqrt.F64" -> bits(Math.sqrt(d(a)));
            default -> throw new IllegalStateException("unsupported: " + in.text);
        };
    }

    static long fma(Ty t, long a, long b, long c) {
        return t == Ty.F32 ? bits(Math.fma(f(a), f(b), f(c))) : bits(Math.fma(d(a), d(b), d(c)));
    }

    static long binary(Insn in, long a, long b) {
        Ty t = in.type();
        String op = in.op();
        if (t.isFloat()) {
            if (!in.has("rn")) throw new IllegalStateException("float arithmetic without .rn: " + in.text);
            if (t == Ty.F32) {
                float x = f(a);
                float y = f(b);
                return bits(switch (op) {
                    case "add" -> x + y;
                    case "sub" -> x - y;
                    case "mul" -> x * y;
                    case "div" -> x / y;
                    default -> throw new IllegalStateException("unsupported: " + in.text);
                });
            }
            double x = d(a);
            double y = d(b);
            return bits(switch (op) {
                case "add" -> x + y;
                case "sub" -> x - y;
                case "mul" -> x * y;
                case "div" -> x / y;
                default -> throw new IllegalStateException("unsupported: " + in.text);
            });
        }
        if (t == Ty.PRED) {
            return switch (op) {
                case "and" -> a & b;
                case "or" -> a | b;
                case "xor" -> a ^ b;
                default -> throw new IllegalStateException("unsupported: " + in.text);
            };
        }
        if (op.equals("mul") && in.has("wide")) {
            return (long) (int) a * (long) (int) b;
        }
        if (op.equals("mul") && in.has("hi")) {
            if (t != Ty.U64) throw new IllegalStateException("unsupported: " + in.text);
            return Math.unsignedMultiplyHigh(a, b);
        }
        if (t.wide()) {
            return switch (op) {
                case "add" -> a + b;
                case "sub" -> a - b;
                case "mul" -> a * b;
                case "div" -> b == 0 || (t.isSigned() && a == Long.MIN_VALUE && b == -1) ? JUNK
                        : t.isSigned() ? a / b : Long.divideUnsigned(a, b);
                case "rem" -> b == 0 || (t.isSigned() && a == Long.MIN_VALUE && b == -1) ? JUNK
                        : t.isSigned() ? a % b : Long.remainderUnsigned(a, b);
                case "and" -> a & b;
                case "or" -> a | b;
                case "xor" -> a ^ b;
                case "min" -> t.isSigned() ? Math.min(a, b) : (Long.compareUnsigned(a, b) < 0 ? a : b);
                case "max" -> t.isSigned() ? Math.max(a, b) : (Long.compareUnsigned(a, b) > 0 ? a : b);
                case "shl" -> Integer.toUnsignedLong((int) b) >= 64 ? 0 : a << b;
                case "shr" -> Integer.toUnsignedLong((int) b) >= 64 ? (t.isSigned() && a < 0 ? -1 : 0)
                        : t.isSigned() ? a >> b : a >>> b;
                default -> throw new IllegalStateException("unsupported: " + in.text);
            };
        }
        int x = (int) a;
        int y = (int) b;
        long shift = Integer.toUnsignedLong(y);
        long v = switch (op) {
            case "add" -> x + y;
            case "sub" -> x - y;
            case "mul" -> x * y;
            case "div" -> y == 0 || (t.isSigned() && x == Integer.MIN_VALUE && y == -1) ? JUNK
                    : t.isSigned() ? x / y : Integer.divideUnsigned(x, y);
            case "rem" -> y == 0 || (t.isSigned() && x == Integer.MIN_VALUE && y == -1) ? JUNK
                    : t.isSigned() ? x % y : Integer.remainderUnsigned(x, y);
            case "and" -> x & y;
            case "or" -> x | y;
            case "xor" -> x ^ y;
            case "min" -> t.isSigned() ? Math.min(x, y) : (Integer.compareUnsigned(x, y) < 0 ? x : y);
            case "max" -> t.isSigned() ? Math.max(x, y) : (Integer.compareUnsigned(x, y) > 0 ? x : y);
            case "shl" -> shift >= 32 ? 0 : x << y;
            case "shr" -> shift >= 32 ? (t.isSigned() && x < 0 ? -1 : 0) : t.isSigned() ? x >> y : x >>> y;
            default -> throw new IllegalStateException("unsupported: " + in.text);
        };
        return v & 0xFFFFFFFFL;
    }

    static long convert(Insn in, long a) {
        Ty to = in.to;
        Ty from = in.from;
        if (from.isFloat() && to.isFloat()) {
            if (from == to) {
                double x = from == Ty.F32 ? f(a) : d(a);
                double r;
                if (in.has("rni")) r = Math.rint(x);
                else if (in.has("rmi")) r = Math.floor(x);
                else if (in.has("rpi")) r = Math.ceil(x);
                else if (in.has("rzi")) r = x < 0 ? Math.ceil(x) : Math.floor(x);
                else throw new IllegalStateException("unsupported: " + in.text);
                return to == Ty.F32 ? bits((float) r) : bits(r);
            }
            if (to == Ty.F64) return bits((double) f(a));
            if (!in.has("rn")) throw new IllegalStateException("narrowing without .rn: " + in.text);
            return bits((float) d(a));
        }
        if (from.isFloat()) {
            if (!in.has("rzi")) throw new IllegalStateException("unsupported rounding: " + in.text);
            double x = from == Ty.F32 ? f(a) : d(a);
            if (Double.isNaN(x)) return to.wide() ? JUNK : JUNK & 0xFFFFFFFFL;
            // saturation is the PTX default for float-to-integer conversions
            if (to == Ty.S32) return (long) (int) x & 0xFFFFFFFFL;
            if (to == Ty.S64) return (long) x;
            throw new IllegalStateException("unsupported: " + in.text);
        }
        if (to.isFloat()) {
            if (!in.has("rn")) throw new IllegalStateException("int-to-float without .rn: " + in.text);
            double wide;
            if (from == Ty.U64) {
                if (to == Ty.F32) throw new IllegalStateException("unsupported: " + in.text);
                return bits(a >= 0 ? (double) a : (double) ((a >>> 1) | (a & 1)) * 2.0);
            }
            long v = from.wide() ? a : (long) (int) a;
            if (to == Ty.F32) return bits((float) v);
            wide = v;
            return bits(wide);
        }
        // integer to integer: take the source type's bits, extend to the destination
        long v = switch (from) {
            case S8 -> (byte) a;
            case U8, B8 -> a & 0xFF;
            case S16 -> (short) a;
            case U16, B16 -> a & 0xFFFF;
            case S32 -> (int) a;
            case U32, B32 -> a & 0xFFFFFFFFL;
            default -> a;
        };
        return to.wide() ? v : v & 0xFFFFFFFFL;
    }
}
