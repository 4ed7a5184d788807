package io.kiln.lowering;

import io.kiln.ir.ReduceOp;
import io.kiln.ir.Type;

import java.util.ArrayList;
import java.util.List;

/**
 * The one combine order of {@code @Reduce} partials, stated once for every back end. Each back end
 * has {@code n} partials to combine: OpenCL and PTX one per work-item of a group (in local memory),
 * the {@code cpu} back end one per chunk. All of them combine them with this tree:
 * <ol>
 * <li>Let {@code P} be the smallest power of two {@code >= n} ({@link #firstStride} is {@code P / 2}).</li>
 * <li>For the strides {@code s = P/2, P/4, ..., 1}, in this order: every partial {@code i < s} whose
 * partner {@code i + s} exists ({@code i + s < n}) becomes {@code p[i] op p[i + s]} (the left operand
 * is always the lower index). A partial without a partner stays as it is. On a GPU each level ends with
 * a barrier of the group.</li>
 * <li>{@code p[0]} is the result. It is combined into element 0 of the {@code @Reduce} array, element 0
 * on the left: on a GPU by the group's first work-item with one atomic (an atomic instruction, or a
 * compare-and-swap loop where none exists), so groups meet in the order they finish; on the cpu once,
 * after the last chunk, so the initial value comes first.</li>
 * </ol>
 * This is the "sequential addressing" tree: at every level the active partials are a prefix
 * {@code [0, s)} and the partners the next {@code s}, so a GPU's active work-items are contiguous
 * (whole warps idle together) and consecutive work-items touch consecutive local-memory words (no bank
 * conflicts). Any {@code n} works, not only powers of two.
 * <p>Exactness: integer {@code +} and {@code *} wrap and are associative and commutative, and
 * {@code min}/{@code max} are exact on every type, so those results do not depend on the tree at all;
 * floating-point sums and products differ from the sequential loop by reassociation only (the bound is
 * in {@code docs/kernel-language.md}).
 */
public final class ReductionTree {
    private ReductionTree() {
    }

    /** The first stride, {@code P / 2} for the smallest power of two {@code P >= n}; 0 for {@code n <= 1} (nothing to combine). */
    public static int firstStride(int n) {
        if (n <= 1) return 0;
        return Integer.highestOneBit(n - 1);
    }

    /** Whether partial {@code i} takes its partner {@code i + stride} at the level of {@code stride}. */
    public static boolean combines(int i, int stride, int n) {
        return i < stride && i + stride < n;
    }

    /**
     * The pairs combined at each level, for {@code n} partials: level {@code k} (stride {@code
     * firstStride(n) >> k}) lists {@code {i, i + s}} for every {@code i} that {@link #combines}.
     */
    public static List<List<int[]>> levels(int n) {
        List<List<int[]>> out = new ArrayList<>();
        for (int s = firstStride(n); s > 0; s >>= 1) {
            List<int[]> level = new ArrayList<>();
            for (int i = 0; i < s; i++) {
                if (combines(i, s, n)) level.add(new int[] {i, i + s});
            }
            out.add(level);
        }
        return out;
    }

    /**
     * Combines the raw bits of {@code n} partials of type {@code t} with this tree, in place; returns
     * {@code bits[0]}, the result (the identity of {@code op} for {@code n == 0}).
     */
    public static long reduce(ReduceOp op, Type t, long[] bits, int n) {
        if (n == 0) return op.identity(t).bits();
        for (int s = firstStride(n); s > 0; s >>= 1) {
            for (int i = 0; i < s && i + s < n; i++) bits[i] = combine(op, t, bits[i], bits[i + s]);
        }
        return bits[0];
    }

    /**
     * {@code a op b} with Java's operators on the raw bits of two values of type {@code t} (as
     * {@link io.kiln.ir.Const#bits()} holds them): {@code +} and {@code *} wrap on integers,
     * {@code Math.min}/{@code Math.max} order NaN and signed zeros as Java does (see {@link JavaMinMax}).
     */
    public static long combine(ReduceOp op, Type t, long a, long b) {
        return switch (t) {
            case I32 -> {
                int x = (int) a;
                int y = (int) b;
                yield switch (op) {
                    case ADD -> x + y;
                    case MUL -> x * y;
                    case MIN -> Math.min(x, y);
                    case MAX -> Math.max(x, y);
                };
            }
            case I64 -> switch (op) {
                case ADD -> a + b;
                case MUL -> a * b;
                case MIN -> Math.min(a, b);
                case MAX -> Math.max(a, b);
            };
            case F32 -> {
                float x = Float.intBitsToFloat((int) a);
                float y = Float.intBitsToFloat((int) b);
                float r = switch (op) {
                    case ADD -> x + y;
                    case MUL -> x * y;
                    case MIN -> Math.min(x, y);
                    case MAX -> Math.max(x, y);
                };
                yield Float.floatToRawIntBits(r) & 0xFFFF_FFFFL;
            }
            case F64 -> {
                double x = Double.longBitsToDouble(a);
                double y = Double.longBitsToDouble(b);
                yield Double.doubleToRawLongBits(switch (op) {
                    case ADD -> x + y;
                    case MUL -> x * y;
                    case MIN -> Math.min(x, y);
                    case MAX -> Math.max(x, y);
                });
            }
        };
    }

    // ---------------------------------------------------------------- OpenCL C

    /**
     * The OpenCL C loop of the tree over {@code n} partials in {@code __local} memory, as the head of a
     * {@code for} statement whose body the caller writes: {@code for (int s = first; s > 0; s >>= 1)},
     * where {@code first} is computed from {@code n} ({@code n} and {@code s} are C expressions: a
     * variable name each). The body must be guarded by {@link #openClCombines} and end with a barrier.
     */
    public static String openClLoop(String n, String s) {
        // P / 2 = 1 << (31 - clz(n - 1)) for n >= 2; OpenCL's clz(0) is 32, so n == 1 gives 1 << -1: guard it.
        return "for (int " + s + " = " + n + " > 1 ? 1 << (31 - clz(" + n + " - 1)) : 0; " + s + " > 0; " + s + " >>= 1)";
    }

    /** The OpenCL C condition of {@link #combines}: {@code i < s && i + s < n}. */
    public static String openClCombines(String i, String s, String n) {
        return i + " < " + s + " && " + i + " + " + s + " < " + n;
    }
}
