package io.kiln.runtime;

import io.kiln.Grid;
import io.kiln.KernelContext;
import io.kiln.OffHeapArray;
import io.kiln.ir.ElementType;
import io.kiln.ir.HostExpr;
import io.kiln.ir.KernelIR;
import io.kiln.ir.Param;
import io.kiln.ir.ParallelLoop;
import io.kiln.ir.ScalarKind;
import io.kiln.spi.LaunchGeometry;

import java.util.Locale;

/**
 * Every rule a launch must satisfy, checked by the plan before any back end sees it, one message per
 * rule. Back ends may rely on what passes here: the argument count matches, each scalar is exactly the
 * boxed type of its parameter ({@link #scalar}), each array argument has the parameter's element type
 * and storage and is open, and the geometry has whole work-groups of positive size.
 * <p><b>Scalars.</b> A scalar parameter accepts exactly its boxed type ({@code Integer} for {@code int},
 * {@code Float} for {@code float}, ...), and, where no information is lost, a narrower boxed number:
 * {@code Integer} for {@code long} and {@code double} (always exact), {@code Integer} for {@code float}
 * when the value is exactly a float ({@code |v| <= 2^24} or a multiple of a power of two that fits),
 * {@code Integer} for {@code byte}, {@code short} and {@code char} when the value is in range, and
 * {@code Float} for {@code double} (always exact). Everything else ({@code Long} for {@code int},
 * {@code Double} for {@code float}, a {@code Long} for {@code float} even when exact) is refused, so that
 * {@code 4294967299L} never silently becomes {@code 3} and {@code 1e300} never becomes infinity.
 */
public final class LaunchRules {
    private LaunchRules() {
    }

    /** Rule 1: one argument per Java parameter. */
    public static void checkCount(String taskId, KernelIR ir, int given) {
        if (given != ir.params().size()) {
            throw new IllegalArgumentException("task '" + taskId + "': " + ir.displayName() + " takes " + ir.params().size()
                    + " arguments, " + given + " were given: pass one per parameter, in order ("
                    + String.join(", ", ir.params().stream().map(LaunchRules::typeOf).toList()) + ")");
        }
    }

    /**
     * Rule 2: the value passed for scalar parameter {@code p}, as exactly its boxed type.
     *
     * @throws IllegalArgumentException if the value is of another type or would lose information
     */
    public static Object scalar(String taskId, KernelIR ir, Param.Scalar p, Object v) {
        Object exact = convert(p.kind(), v);
        if (exact == null) {
            throw new IllegalArgumentException("task '" + taskId + "': " + param(p) + " of " + ir.displayName()
                    + " is a " + typeName(p.kind()) + ", the value is " + describe(v) + ": pass " + accepted(p.kind()));
        }
        return exact;
    }

    /** {@code v} as exactly the boxed type of {@code kind}, or {@code null} if it is not accepted. */
    static Object convert(ScalarKind kind, Object v) {
        return switch (kind) {
            case BOOLEAN -> v instanceof Boolean ? v : null;
            case CHAR -> v instanceof Character ? v
                    : v instanceof Integer i && i >= Character.MIN_VALUE && i <= Character.MAX_VALUE ? (char) i.intValue() : null;
            case BYTE -> v instanceof Byte ? v
                    : v instanceof Integer i && i >= Byte.MIN_VALUE && i <= Byte.MAX_VALUE ? (byte) i.intValue() : null;
            case SHORT -> v instanceof Short ? v
                    : v instanceof Integer i && i >= Short.MIN_VALUE && i <= Short.MAX_VALUE ? (short) i.intValue() : null;
            case INT -> v instanceof Integer ? v : null;
            case LONG -> v instanceof Long ? v : v instanceof Integer i ? (long) i : null;
            case FLOAT -> v instanceof Float ? v : v instanceof Integer i && (int) (float) i == i && i != Integer.MAX_VALUE ? (float) i : null;
            case DOUBLE -> v instanceof Double ? v : v instanceof Float f ? (double) f : v instanceof Integer i ? (double) i : null;
        };
    }

    private static String accepted(ScalarKind kind) {
        return switch (kind) {
            case BOOLEAN -> "a Boolean";
            case CHAR -> "a Character (or an Integer from 0 to 65535)";
            case BYTE -> "a Byte (or an Integer from -128 to 127)";
            case SHORT -> "a Short (or an Integer from -32768 to 32767)";
            case INT -> "an Integer (cast a long explicitly if you mean to truncate it)";
            case LONG -> "a Long or an Integer";
            case FLOAT -> "a Float (or an Integer that is exactly a float; cast a double explicitly if you mean to round it)";
            case DOUBLE -> "a Double, a Float or an Integer";
        };
    }

    private static String typeName(ScalarKind kind) {
        return kind.name().toLowerCase(Locale.ROOT);
    }

    private static String describe(Object v) {
        return v == null ? "null" : v.getClass().getSimpleName() + " " + v;
    }

    /**
     * Rule 3: an array argument has the parameter's storage (Java array or off-heap array) and element
     * type; rule 4: an off-heap argument is open, and not read-only when the kernel writes it.
     */
    public static void checkArray(String taskId, KernelIR ir, Param.Array p, Object v) {
        ElementType want = p.array().element();
        // the message prefix is built only for a failure: this runs for every array of every run
        if (p.array().isOffHeap()) {
            if (!(v instanceof OffHeapArray a) || a.elementType() != want) {
                throw new IllegalArgumentException(where(taskId, ir, p) + " is a " + offHeapName(want) + ", the argument is " + describeData(v)
                        + (v != null && ElementType.ofArrayClass(v.getClass()) == want
                        ? ": copy it into a " + offHeapName(want) + " (" + offHeapName(want) + ".allocate(n).copyFrom(array)) or declare the parameter " + want.javaName() + "[]"
                        : ": pass a " + offHeapName(want)));
            }
            checkOpen(taskId, ir, a, p);
        } else if (v == null || ElementType.ofArrayClass(v.getClass()) != want) {
            throw new IllegalArgumentException(where(taskId, ir, p) + " is a " + want.javaName() + "[], the argument is " + describeData(v)
                    + (v instanceof OffHeapArray o && o.elementType() == want
                    ? ": declare the parameter " + offHeapName(want) + " to pass off-heap data" : ": pass a " + want.javaName() + "[]"));
        }
    }

    /** The start of a message about parameter {@code p}: {@code task 't': parameter 2 (x) of K.m}. */
    private static String where(String taskId, KernelIR ir, Param.Array p) {
        return "task '" + taskId + "': " + param(p) + " of " + ir.displayName();
    }

    /** Rule 4 alone, for the checks before every run (the message is built only for a failure). */
    static void checkOpen(String taskId, KernelIR ir, OffHeapArray a, Param.Array p) {
        if (a.isClosed() || (a.isReadOnly() && p.access().writes())) checkOpen(where(taskId, ir, p), a, p);
    }

    private static void checkOpen(String where, OffHeapArray a, Param.Array p) {
        if (a.isClosed()) {
            throw new IllegalStateException(where + ": " + a + ": the array or its arena was closed: bind an open array to it"
                    + " (plan.run(Bindings.of().data(...))) or keep it open while the plan uses it");
        }
        if (a.isReadOnly() && p.access().writes()) {
            throw new IllegalArgumentException(where + " is written by the kernel, but the argument " + a.getClass().getSimpleName()
                    + "[" + a.length() + "] wraps a read-only segment: pass writable memory");
        }
    }

    /** Rule 5: a {@code KernelContext} parameter gets a {@code KernelContext}. */
    public static void checkContext(String taskId, KernelIR ir, Param.Context p, Object v) {
        if (!(v instanceof KernelContext)) {
            throw new IllegalArgumentException("task '" + taskId + "': " + param(p) + " of " + ir.displayName()
                    + " takes a KernelContext, the argument is " + describe(v) + ": pass new KernelContext()");
        }
    }

    /** Checks every argument of a task and returns them with scalars as their exact boxed types. */
    public static Object[] checkArguments(String taskId, KernelIR ir, Object[] args) {
        checkCount(taskId, ir, args.length);
        Object[] out = args.clone();
        for (Param p : ir.params()) {
            Object v = args[p.index()];
            switch (p) {
                case Param.Scalar s -> out[p.index()] = scalar(taskId, ir, s, v);
                case Param.Array a -> checkArray(taskId, ir, a, v);
                case Param.Context c -> checkContext(taskId, ir, c, v);
            }
        }
        return out;
    }

    /**
     * Rules 6 and 7: the launch geometry of a task. A work-item kernel needs a grid; its local size,
     * if any, must divide each global size (whole work-groups). For a {@code @Parallel} kernel only the
     * grid's local size is used, with one size per parallel loop.
     */
    public static LaunchGeometry geometry(String taskId, KernelIR ir, Grid grid, Object[] args) {
        return switch (ir.kind()) {
            case WORK_ITEM -> {
                if (grid == null) {
                    throw new IllegalStateException("task '" + taskId + "' runs the work-item kernel " + ir.displayName()
                            + ": give it a launch size with plan.withGrid(\"" + taskId + "\", Grid.of(n))");
                }
                long[] local = grid.localSizes();
                if (local != null) {
                    LaunchGeometry.requireWholeGroups("task '" + taskId + "': " + ir.displayName(), grid.globalSizes(), local, ir.hasBarriers());
                }
                yield new LaunchGeometry(grid.globalSizes(), local);
            }
            case LOOP_PARALLEL -> {
                long[] sizes = new long[ir.parallelLoops().size()];
                for (ParallelLoop loop : ir.parallelLoops()) {
                    sizes[loop.dim()] = loop.tripCount() == null ? -1 : Math.max(0, evaluate(loop.tripCount(), args));
                }
                long[] local = grid == null ? null : grid.localSizes();
                if (local != null && local.length != sizes.length) {
                    throw new IllegalArgumentException("task '" + taskId + "': the grid's local size has " + local.length
                            + " dimension(s) but " + ir.displayName() + " has " + sizes.length + " @Parallel loop(s): give one local size per loop");
                }
                yield new LaunchGeometry(sizes, local);
            }
            case SINGLE -> new LaunchGeometry(new long[] {1}, null);
        };
    }

    /**
     * How to fix a grid that is not whole work-groups: round it up with {@link Grid#roundUp} and skip the
     * extra work-items. With barriers the extra work-items must still reach every barrier (a work-group
     * in which some items leave early and others wait at a barrier never finishes, which the compiler
     * refuses), so the advice is a guard around the work, not an early {@code return}.
     */

    /**
     * A parameter as messages name it: {@code parameter 'x'} when the class file records parameter
     * names ({@code -parameters} or {@code -g}), else by position and type,
     * {@code parameter 2 (float[])}, never as the made-up {@code arg1}.
     */
    public static String param(Param p) {
        return hasName(p) ? "parameter '" + p.name() + "'" : "parameter " + (p.index() + 1) + " (" + typeOf(p) + ")";
    }

    /** Whether {@code p}'s name is its own rather than made up from its position ({@code arg0}, {@code p0}). */
    public static boolean hasName(Param p) {
        return !(p.name().equals("arg" + p.index()) || p.name().equals("p" + p.index()));
    }

    /** The Java type of a parameter: {@code float[]}, {@code FloatArray}, {@code int}, {@code KernelContext}. */
    static String typeOf(Param p) {
        return switch (p) {
            case Param.Scalar s -> typeName(s.kind());
            case Param.Array a -> a.array().isOffHeap() ? offHeapName(a.array().element()) : a.array().element().javaName() + "[]";
            case Param.Context c -> "KernelContext";
        };
    }

    /** A trip count on the host, reading off-heap lengths as {@code long}. */
    static long evaluate(HostExpr e, Object[] args) {
        return switch (e) {
            case HostExpr.Length l when args[l.paramIndex()] instanceof OffHeapArray a -> a.length();
            case HostExpr.Binary b when containsLength(b) -> {
                long x = evaluate(b.a(), args);
                long y = evaluate(b.b(), args);
                yield new HostExpr.Binary(b.op(), new HostExpr.Constant(x), new HostExpr.Constant(y)).evaluate(args);
            }
            default -> e.evaluate(args);
        };
    }

    private static boolean containsLength(HostExpr e) {
        return switch (e) {
            case HostExpr.Length l -> true;
            case HostExpr.Binary b -> containsLength(b.a()) || containsLength(b.b());
            default -> false;
        };
    }

    /** {@code FloatArray} for {@code FLOAT}. */
    static String offHeapName(ElementType e) {
        return switch (e) {
            case BYTE -> "ByteArray";
            case SHORT, CHAR -> "ShortArray";
            case INT -> "IntArray";
            case LONG -> "LongArray";
            case FLOAT -> "FloatArray";
            case DOUBLE -> "DoubleArray";
        };
    }

    /** {@code float[1000]}, {@code FloatArray[8]}, {@code String "x"}. */
    static String describeData(Object v) {
        if (v == null) return "null";
        if (v instanceof OffHeapArray a) return a.getClass().getSimpleName() + "[" + a.length() + "]";
        if (v.getClass().isArray()) {
            return v.getClass().getComponentType().getName() + "[" + java.lang.reflect.Array.getLength(v) + "]";
        }
        return v.getClass().getSimpleName() + " " + v;
    }
}
