package io.kiln.conformance.fuzz;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Generates the Java source of one random, valid kernel from a seed: the same seed always gives the
 * same source. The kernel is a {@code @Parallel} loop over {@code n} work items that starts with four
 * variables of each of {@code int long float double} read from the inputs, runs a random statement tree
 * over them, and writes all sixteen to {@code out*[i * 4 + k]}.
 * <p>What it draws from (docs/kernel-language.md): every binary and unary operator of each type (integer
 * divisors forced non-zero with {@code | 1}, since Java throws there and devices do not), shifts with
 * any count, every primitive conversion including {@code byte short char} narrowing, three-way
 * comparisons through {@code <}, {@code ==} on floats and NaN, {@code && || !}, {@code ?:}, {@code if}/else,
 * counted {@code for}, {@code while} and {@code do} loops with {@code break} and {@code continue}, table and
 * lookup {@code switch}es, private arrays (several in disjoint scopes, which javac gives one slot), static
 * helper methods (scalar and array arguments), exact {@code Math} functions ({@code sqrt floor ceil rint abs
 * min max round signum fma copySign}), bit conversions, and edge constants (NaN, infinities, -0.0,
 * {@code MIN_VALUE}, {@code 9.1e18}, {@code 3e38f}) in both variable and constant positions, so that
 * constant folding is exercised too. Transcendental functions are left out: the kernel language allows
 * them an ulp bound, and the fuzzer compares bit for bit.
 * <p>Every iteration reads only the inputs and writes only its own outputs, so running the loop
 * sequentially on the JVM is the reference for any parallel schedule.
 */
final class KernelGenerator {
    static final String[] TYPES = {"int", "long", "float", "double"};
    static final String[] INT_EDGES = {"0", "1", "-1", "2", "31", "32", "-33", "127", "-128", "65535", "Integer.MIN_VALUE",
            "Integer.MAX_VALUE", "0x55555555", "-2147483647"};
    static final String[] LONG_EDGES = {"0L", "1L", "-1L", "63L", "64L", "Long.MIN_VALUE", "Long.MAX_VALUE", "4294967299L",
            "0x5555555555555555L", "-4294967296L"};
    static final String[] FLOAT_EDGES = {"0f", "-0f", "1f", "-1.5f", "0.5f", "2.5f", "Float.NaN", "Float.POSITIVE_INFINITY",
            "Float.NEGATIVE_INFINITY", "Float.MIN_VALUE", "Float.MAX_VALUE", "3e38f", "8388609f", "2.1474836E9f", "1e-40f", "-0.49999997f"};
    static final String[] DOUBLE_EDGES = {"0.0", "-0.0", "1.0", "-1.5", "0.5", "2.5", "Double.NaN", "Double.POSITIVE_INFINITY",
            "Double.NEGATIVE_INFINITY", "Double.MIN_VALUE", "Double.MAX_VALUE", "9.1e18", "-9.223372036854776E18", "1e300",
            "4.5035996273704955E15", "1e-310", "0.49999999999999994"};

    private final Random rnd;
    private final StringBuilder helpers = new StringBuilder();
    private final List<String> helperSigs = new ArrayList<>(); // "ret name(types)" for calls
    private int fresh;
    private int budget;
    /** Variables in scope, per type index. */
    private final List<List<String>> scope = new ArrayList<>();
    private int loopDepth;

    private KernelGenerator(long seed) {
        this.rnd = new Random(seed);
        for (int t = 0; t < 4; t++) scope.add(new ArrayList<>());
    }

    /** The source of class {@code className} (in package {@code pkg}) with kernel {@code kernel} and {@code register}. */
    static String generate(long seed, String pkg, String className) {
        return new KernelGenerator(seed).source(pkg, className);
    }

    /**
     * The source of a work-group kernel of seed {@code seed}: {@code kernel(KernelContext ctx, ...)} with the
     * parameters of {@link #generate}, and {@code reference(GroupContext ctx, ...)} with the same body, which
     * {@link GroupContext#run} runs with one thread per work-item as the reference. After the statement tree
     * of {@link #generate}, one to three rounds each write one variable of every type to local memory at
     * the item's local id, pass a barrier, read a neighbour's (another local id, a function of the item's),
     * and run another statement tree; a barrier separates one round's reads from the next round's writes.
     * So every value read from local memory was written in the same round, by exactly one item: the
     * result does not depend on the order of the items.
     */
    static String generateGroup(long seed, String pkg, String className) {
        return new KernelGenerator(seed).groupSource(pkg, className);
    }

    /** The local size and the number of groups of group kernel {@code seed}. */
    static int[] groupShape(long seed) {
        Random r = new Random(seed ^ 0x6A09E667F3BCC909L);
        int[] sizes = {1, 2, 3, 8, 16, 17, 64};
        return new int[] {sizes[r.nextInt(sizes.length)], 1 + r.nextInt(3)};
    }

    private String groupSource(String pkg, String className) {
        for (int h = 0; h < 1 + rnd.nextInt(3); h++) helper(h);
        StringBuilder body = new StringBuilder();
        String ind = "        ";
        body.append(ind).append("int[] li = ctx.localInts(64);\n").append(ind).append("long[] ll = ctx.localLongs(64);\n")
                .append(ind).append("float[] lf = ctx.localFloats(64);\n").append(ind).append("double[] ld = ctx.localDoubles(64);\n")
                .append(ind).append("int i = ctx.globalIdx();\n").append(ind).append("int lx = ctx.localIdx();\n")
                .append(ind).append("int size = ctx.localSizeX();\n");
        initialValues(body, ind);
        budget = 4 + rnd.nextInt(8);
        block(body, 3, ind);
        String[] local = {"li", "ll", "lf", "ld"};
        int rounds = 1 + rnd.nextInt(3);
        for (int round = 0; round < rounds; round++) {
            if (round > 0) body.append(ind).append("ctx.barrier();\n");
            for (int t = 0; t < 4; t++) body.append(ind).append(local[t]).append("[lx] = ").append(var(t)).append(";\n");
            body.append(ind).append("ctx.barrier();\n");
            for (int t = 0; t < 4; t++) {
                String index = switch (rnd.nextInt(4)) {
                    case 0 -> "(lx + " + rnd.nextInt(64) + ") % size";
                    case 1 -> "size - 1 - lx";
                    case 2 -> "0";
                    default -> "(lx * 3 + " + rnd.nextInt(64) + ") % size";
                };
                String op = rnd.nextBoolean() || t == 3 && rnd.nextBoolean() ? " = " : " += ";
                body.append(ind).append(target(t)).append(op).append(local[t]).append('[').append(index).append("];\n");
            }
            budget = 2 + rnd.nextInt(6);
            block(body, 2, ind);
        }
        outputs(body, ind);
        return "package " + pkg + ";\n\n"
                + "/** Generated by KernelGenerator (work-group mode); do not edit. */\n"
                + "public final class " + className + " {\n"
                + "    public static void kernel(io.kiln.KernelContext ctx, " + PARAMS + ") {\n" + body + "    }\n\n"
                + "    public static void reference(io.kiln.conformance.fuzz.GroupContext ctx, " + PARAMS + ") {\n" + body + "    }\n\n"
                + helpers
                + "    public static void register(io.kiln.TaskGraph g, Object[] a) {\n"
                + "        g.task(\"k\", " + className + "::kernel, new io.kiln.KernelContext(), " + REGISTER_ARGS + ");\n"
                + "    }\n"
                + "}\n";
    }

    static final String PARAMS = "int[] ia, long[] la, float[] fa, double[] da, int si, long sl, float sf, double sd, int n, "
            + "int[] oi, long[] ol, float[] of, double[] od";
    static final String REGISTER_ARGS = "(int[]) a[0], (long[]) a[1], (float[]) a[2], (double[]) a[3],"
            + " (Integer) a[4], (Long) a[5], (Float) a[6], (Double) a[7], (Integer) a[8], (int[]) a[9], (long[]) a[10],"
            + " (float[]) a[11], (double[]) a[12]";

    /** The sixteen variables {@code vTK}, from the inputs at {@code i}, the scalars, edges and expressions. */
    private void initialValues(StringBuilder body, String ind) {
        String[] in = {"ia", "la", "fa", "da"};
        String[] sc = {"si", "sl", "sf", "sd"};
        for (int t = 0; t < 4; t++) {
            for (int k = 0; k < 4; k++) {
                String v = "v" + t + k;
                String init = switch (k) {
                    case 0 -> in[t] + "[i]";
                    case 1 -> sc[t];
                    case 2 -> rnd.nextBoolean() ? edge(t) : in[t] + "[(i + 1) % n]";
                    default -> expr(t, 2);
                };
                body.append(ind).append(TYPES[t]).append(' ').append(v).append(" = ").append(init).append(";\n");
                scope.get(t).add(v);
            }
        }
    }

    /** Each item writes its sixteen variables to {@code out*[i * 4 + k]}. */
    private static void outputs(StringBuilder body, String ind) {
        String[] out = {"oi", "ol", "of", "od"};
        for (int t = 0; t < 4; t++) {
            for (int k = 0; k < 4; k++) {
                body.append(ind).append(out[t]).append("[i * 4 + ").append(k).append("] = v").append(t).append(k).append(";\n");
            }
        }
    }

    private String source(String pkg, String className) {
        for (int h = 0; h < 1 + rnd.nextInt(3); h++) helper(h);
        StringBuilder body = new StringBuilder();
        initialValues(body, "            ");
        budget = 6 + rnd.nextInt(12);
        block(body, 3, "            ");
        outputs(body, "            ");
        return "package " + pkg + ";\n\n"
                + "/** Generated by KernelGenerator; do not edit. */\n"
                + "public final class " + className + " {\n"
                + "    public static void kernel(" + PARAMS + ") {\n"
                + "        for (@io.kiln.Parallel int i = 0; i < n; i++) {\n"
                + body
                + "        }\n"
                + "    }\n\n"
                + helpers
                + "    public static void register(io.kiln.TaskGraph g, Object[] a) {\n"
                + "        g.task(\"k\", " + className + "::kernel, " + REGISTER_ARGS + ");\n"
                + "    }\n"
                + "}\n";
    }

    // ---- helpers ---------------------------------------------------------------------------------

    private void helper(int h) {
        int ret = rnd.nextInt(4);
        int a = rnd.nextInt(4), b = rnd.nextInt(4);
        boolean arr = rnd.nextInt(3) == 0;
        String name = "h" + h;
        List<List<String>> saved = new ArrayList<>();
        for (List<String> s : scope) saved.add(new ArrayList<>(s));
        for (List<String> s : scope) s.clear();
        scope.get(a).add("p");
        scope.get(b).add("q");
        StringBuilder sb = new StringBuilder();
        sb.append("    static ").append(TYPES[ret]).append(' ').append(name).append('(').append(TYPES[a]).append(" p, ")
                .append(TYPES[b]).append(" q").append(arr ? ", " + TYPES[ret] + "[] w" : "").append(") {\n");
        if (arr) {
            sb.append("        w[(int) (").append(expr(0, 1)).append(") & 3] = ").append(expr(ret, 2)).append(";\n");
        }
        if (rnd.nextBoolean()) {
            sb.append("        if (").append(cond(2)).append(") return ").append(expr(ret, 2)).append(";\n");
        }
        sb.append("        return ").append(arr ? "w[" + expr(0, 1) + " & 3] + " : "").append("(" + expr(ret, 3) + ");\n");
        sb.append("    }\n\n");
        helpers.append(sb);
        scope.clear();
        scope.addAll(saved);
        helperSigs.add(ret + "," + name + "," + a + "," + b + "," + arr);
    }

    // ---- statements ------------------------------------------------------------------------------

    private void block(StringBuilder sb, int depth, String ind) {
        int n = 1 + rnd.nextInt(4);
        for (int s = 0; s < n && budget > 0; s++) statement(sb, depth, ind);
    }

    private String var(int t) {
        List<String> vs = scope.get(t);
        if (vs.isEmpty()) return edge(t);
        return vs.get(rnd.nextInt(vs.size()));
    }

    /** A variable that may be assigned: never a loop counter (named j*). */
    private String target(int t) {
        List<String> vs = scope.get(t).stream().filter(v -> !v.startsWith("j")).toList();
        return vs.get(rnd.nextInt(vs.size()));
    }

    private void statement(StringBuilder sb, int depth, String ind) {
        budget--;
        int t = rnd.nextInt(4);
        int kind = depth <= 0 ? rnd.nextInt(4) : rnd.nextInt(14);
        switch (kind) {
            case 0, 1 -> sb.append(ind).append(target(t)).append(" = ").append(expr(t, 3)).append(";\n");
            case 2 -> {
                String[] ops = t < 2 ? new String[] {"+=", "-=", "*=", "^=", "|=", "&=", "<<=", ">>=", ">>>="} : new String[] {"+=", "-=", "*=", "/="};
                String op = ops[rnd.nextInt(ops.length)];
                sb.append(ind).append(target(t)).append(' ').append(op).append(' ').append(expr(op.contains("<") || op.contains(">") ? 0 : t, 2)).append(";\n");
            }
            case 3 -> {
                if (t < 2) sb.append(ind).append(target(t)).append(rnd.nextBoolean() ? "++" : "--").append(";\n");
                else sb.append(ind).append(target(t)).append(" = ").append(expr(t, 3)).append(";\n");
            }
            case 4, 5 -> {
                sb.append(ind).append("if (").append(cond(3)).append(") {\n");
                scoped(sb, depth - 1, ind + "    ");
                if (rnd.nextBoolean()) {
                    sb.append(ind).append("} else {\n");
                    scoped(sb, depth - 1, ind + "    ");
                }
                sb.append(ind).append("}\n");
            }
            case 6 -> {
                String j = "j" + (fresh++);
                sb.append(ind).append("for (int ").append(j).append(" = 0; ").append(j).append(" < ").append(rnd.nextInt(5)).append("; ")
                        .append(j).append("++) {\n");
                scope.get(0).add(j);
                loopDepth++;
                loopBody(sb, depth - 1, ind + "    ");
                loopDepth--;
                scope.get(0).remove(j);
                sb.append(ind).append("}\n");
            }
            case 7 -> {
                String j = "j" + (fresh++);
                boolean isDo = rnd.nextBoolean();
                sb.append(ind).append("int ").append(j).append(" = ").append(rnd.nextInt(4)).append(";\n");
                sb.append(ind).append(isDo ? "do {\n" : "while (" + j + " > 0) {\n");
                sb.append(ind).append("    ").append(j).append("--;\n");
                scope.get(0).add(j);
                loopDepth++;
                loopBody(sb, depth - 1, ind + "    ");
                loopDepth--;
                scope.get(0).remove(j);
                sb.append(ind).append(isDo ? "} while (" + j + " > 0);\n" : "}\n");
            }
            case 8 -> {
                boolean lookup = rnd.nextBoolean();
                sb.append(ind).append("switch ((int) (").append(expr(0, 2)).append(lookup ? "))" : ") & 3)").append(" {\n");
                int cases = 1 + rnd.nextInt(3);
                java.util.Set<Integer> used = new java.util.HashSet<>();
                for (int c = 0; c < cases; c++) {
                    int key = lookup ? (rnd.nextBoolean() ? rnd.nextInt(5) - 2 : rnd.nextInt() >> rnd.nextInt(31)) : c;
                    if (!used.add(key)) continue;
                    sb.append(ind).append("    case ").append(key).append(": {\n");
                    scoped(sb, depth - 1, ind + "        ");
                    sb.append(ind).append("    }\n");
                    if (rnd.nextInt(3) > 0) sb.append(ind).append("    break;\n"); // else fall through
                }
                sb.append(ind).append("    default: {\n");
                scoped(sb, depth - 1, ind + "        ");
                sb.append(ind).append("    }\n");
                sb.append(ind).append("}\n");
            }
            case 9, 10 -> {
                // a private array in its own scope; siblings share javac's slot (issue 10, miscompile 2)
                int et = rnd.nextInt(4);
                String p = "p" + (fresh++);
                sb.append(ind).append("{\n");
                String in2 = ind + "    ";
                sb.append(in2).append(TYPES[et]).append("[] ").append(p).append(" = new ").append(TYPES[et]).append("[4];\n");
                for (int k = 0; k < 1 + rnd.nextInt(3); k++) {
                    sb.append(in2).append(p).append("[").append(expr(0, 2)).append(" & 3] ").append(rnd.nextBoolean() ? "=" : "+=").append(' ')
                            .append(expr(et, 2)).append(";\n");
                }
                Object h = arrayHelper(et);
                if (h != null) sb.append(in2).append(target((Integer) ((Object[]) h)[0])).append(" = ").append(((String) ((Object[]) h)[1]).replace("@", p)).append(";\n");
                sb.append(in2).append(target(et)).append(" = ").append(p).append("[").append(expr(0, 2)).append(" & 3];\n");
                sb.append(ind).append("}\n");
            }
            case 11 -> {
                String v = "x" + (fresh++);
                sb.append(ind).append(TYPES[t]).append(' ').append(v).append(" = ").append(expr(t, 3)).append(";\n");
                scope.get(t).add(v);
                sb.append(ind).append(target(t)).append(" = ").append(expr(t, 2)).append(";\n");
            }
            case 12 -> {
                if (loopDepth > 0) {
                    sb.append(ind).append("if (").append(cond(2)).append(") ").append(rnd.nextBoolean() ? "break" : "continue").append(";\n");
                } else {
                    sb.append(ind).append(target(t)).append(" = ").append(expr(t, 3)).append(";\n");
                }
            }
            default -> {
                sb.append(ind).append(target(t)).append(" = ").append(cond(3)).append(" ? ").append(expr(t, 2)).append(" : ")
                        .append(expr(t, 2)).append(";\n");
            }
        }
    }

    private void loopBody(StringBuilder sb, int depth, String ind) {
        scoped(sb, depth, ind);
    }

    /** A block whose new variables go out of scope at its end. */
    private void scoped(StringBuilder sb, int depth, String ind) {
        int[] sizes = new int[4];
        for (int t = 0; t < 4; t++) sizes[t] = scope.get(t).size();
        block(sb, depth, ind);
        for (int t = 0; t < 4; t++) {
            List<String> s = scope.get(t);
            while (s.size() > sizes[t]) s.remove(s.size() - 1);
        }
    }

    /** {type, call with @ for the array} of a helper taking an array of {@code et}, or null. */
    private Object arrayHelper(int et) {
        for (String sig : helperSigs) {
            String[] f = sig.split(",");
            if (Boolean.parseBoolean(f[4]) && Integer.parseInt(f[0]) == et) {
                return new Object[] {et, f[1] + "(" + expr(Integer.parseInt(f[2]), 1) + ", " + expr(Integer.parseInt(f[3]), 1) + ", @)"};
            }
        }
        return null;
    }

    // ---- expressions -----------------------------------------------------------------------------

    private String edge(int t) {
        String[] e = switch (t) {
            case 0 -> INT_EDGES;
            case 1 -> LONG_EDGES;
            case 2 -> FLOAT_EDGES;
            default -> DOUBLE_EDGES;
        };
        return e[rnd.nextInt(e.length)];
    }

    private String leaf(int t) {
        int r = rnd.nextInt(10);
        if (r < 6) return var(t);
        if (r < 9) return edge(t);
        return switch (t) {
            case 0 -> Integer.toString(rnd.nextInt(200) - 100);
            case 1 -> rnd.nextLong() + "L";
            case 2 -> Float.toString(rnd.nextFloat() * 100 - 50) + "f";
            default -> Double.toString(rnd.nextGaussian() * 1e3);
        };
    }

    private static final String[] INT_OPS = {"+", "-", "*", "/", "%", "&", "|", "^", "<<", ">>", ">>>"};
    private static final String[] FP_OPS = {"+", "-", "*", "/", "%"};

    String expr(int t, int depth) {
        if (depth <= 0 || rnd.nextInt(5) == 0) return leaf(t);
        int r = rnd.nextInt(20);
        if (r < 8) {
            String op = t < 2 ? INT_OPS[rnd.nextInt(INT_OPS.length)] : FP_OPS[rnd.nextInt(FP_OPS.length)];
            String a = expr(t, depth - 1);
            if (t < 2 && (op.equals("/") || op.equals("%"))) return "(" + a + " " + op + " (" + expr(t, depth - 1) + " | 1))";
            if (op.startsWith("<") || op.startsWith(">")) return "(" + a + " " + op + " " + expr(rnd.nextInt(2), depth - 1) + ")";
            return "(" + a + " " + op + " " + expr(t, depth - 1) + ")";
        }
        if (r < 11) {
            int from = rnd.nextInt(4);
            String cast = switch (t) {
                case 0 -> new String[] {"(int)", "(byte)", "(short)", "(char)", "(int)"}[rnd.nextInt(5)];
                case 1 -> "(long)";
                case 2 -> "(float)";
                default -> "(double)";
            };
            return "(" + cast + " " + expr(from, depth - 1) + ")";
        }
        if (r < 12) return "(" + cond(depth - 1) + " ? " + expr(t, depth - 1) + " : " + expr(t, depth - 1) + ")";
        if (r < 13) return t < 2 ? "(" + (rnd.nextBoolean() ? "- " : "~") + expr(t, depth - 1) + ")" : "(- " + expr(t, depth - 1) + ")";
        if (r < 16) return math(t, depth - 1);
        if (r < 17 && !helperSigs.isEmpty()) {
            for (String sig : helperSigs) {
                String[] f = sig.split(",");
                if (!Boolean.parseBoolean(f[4]) && Integer.parseInt(f[0]) == t) {
                    return f[1] + "(" + expr(Integer.parseInt(f[2]), depth - 1) + ", " + expr(Integer.parseInt(f[3]), depth - 1) + ")";
                }
            }
        }
        if (r < 18) return bits(t, depth - 1);
        return leaf(t);
    }

    private String math(int t, int d) {
        String x = expr(t, d);
        return switch (t) {
            case 0 -> switch (rnd.nextInt(5)) {
                case 0 -> "Math.abs(" + x + ")";
                case 1 -> "Math.min(" + x + ", " + expr(0, d) + ")";
                case 2 -> "Math.max(" + x + ", " + expr(0, d) + ")";
                case 3 -> "Math.round(" + expr(2, d) + ")";
                default -> "Integer.bitCount(" + x + ")";
            };
            case 1 -> switch (rnd.nextInt(4)) {
                case 0 -> "Math.abs(" + x + ")";
                case 1 -> "Math.min(" + x + ", " + expr(1, d) + ")";
                case 2 -> "Math.round(" + expr(3, d) + ")";
                default -> "Math.max(" + x + ", " + expr(1, d) + ")";
            };
            case 2 -> switch (rnd.nextInt(9)) {
                case 0 -> "Math.abs(" + x + ")";
                case 1 -> "Math.min(" + x + ", " + expr(2, d) + ")";
                case 2 -> "Math.max(" + x + ", " + expr(2, d) + ")";
                case 3 -> "Math.signum(" + x + ")";
                // StrictMath, not Math: Math.copySign reads a NaN's sign bit, which Java leaves to the
                // platform (x86 HotSpot makes negative NaNs, GPUs positive ones): see docs/fuzzing.md
                case 4 -> "StrictMath.copySign(" + x + ", " + expr(2, d) + ")";
                case 5 -> "(float) Math.rint(" + x + ")";
                case 6 -> "(float) Math.sqrt(" + x + ")";
                case 7 -> "Math.fma(" + x + ", " + expr(2, d) + ", " + expr(2, d) + ")";
                default -> "(float) Math.floor(" + x + ")";
            };
            default -> switch (rnd.nextInt(10)) {
                case 0 -> "Math.abs(" + x + ")";
                case 1 -> "Math.min(" + x + ", " + expr(3, d) + ")";
                case 2 -> "Math.max(" + x + ", " + expr(3, d) + ")";
                case 3 -> "Math.signum(" + x + ")";
                case 4 -> "Math.rint(" + x + ")";
                case 5 -> "Math.sqrt(" + x + ")";
                case 6 -> "Math.floor(" + x + ")";
                case 7 -> "Math.ceil(" + x + ")";
                case 8 -> "Math.fma(" + x + ", " + expr(3, d) + ", " + expr(3, d) + ")";
                default -> "Math.rint(" + edge(3) + ")";
            };
        };
    }

    private String bits(int t, int d) {
        return switch (t) {
            case 0 -> rnd.nextBoolean() ? "Float.floatToIntBits(" + expr(2, d) + ")" : "Float.compare(" + expr(2, d) + ", " + expr(2, d) + ")";
            case 1 -> rnd.nextBoolean() ? "Double.doubleToLongBits(" + expr(3, d) + ")" : "(long) Long.compare(" + expr(1, d) + ", " + expr(1, d) + ")";
            case 2 -> "Float.intBitsToFloat(" + expr(0, d) + " & 0x7f7fffff)";
            default -> "Double.longBitsToDouble(" + expr(1, d) + " & 0x7fefffffffffffffL)";
        };
    }

    String cond(int depth) {
        if (depth > 0) {
            int r = rnd.nextInt(8);
            if (r == 0) return "(" + cond(depth - 1) + " && " + cond(depth - 1) + ")";
            if (r == 1) return "(" + cond(depth - 1) + " || " + cond(depth - 1) + ")";
            if (r == 2) return "!" + cond(depth - 1);
            if (r == 3) return (rnd.nextBoolean() ? "Float.isNaN(" + expr(2, depth - 1) : "Double.isInfinite(" + expr(3, depth - 1)) + ")";
        }
        int t = rnd.nextInt(4);
        String[] ops = {"<", "<=", ">", ">=", "==", "!="};
        return "(" + expr(t, Math.max(0, depth - 1)) + " " + ops[rnd.nextInt(ops.length)] + " " + expr(t, Math.max(0, depth - 1)) + ")";
    }
}
