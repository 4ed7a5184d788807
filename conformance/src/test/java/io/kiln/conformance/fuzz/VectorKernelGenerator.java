package io.kiln.conformance.fuzz;

import java.util.Random;

/**
 * Generates random kernels in the shapes the {@code cpu} back end turns into Vector API loops
 * (docs/cpu-backend.md, "Vector loops"), so that {@link VectorLoopFuzzTest} exercises the vector
 * loops, their tails and their bounds checks, which {@link KernelGenerator}'s kernels never reach
 * (they mix lane widths, integer division and compares, so they stay scalar).
 * <p>One kernel works on one element type {@code T} of {@code int long float double}: a {@code @Parallel}
 * loop over {@code n} items whose four variables {@code a0..a3} of type {@code T} start from leaves
 * (the item's own element {@code in[i]}, a shifted one {@code in[i + c]}, a strided one {@code in[i * s + k]}
 * in half the kernels, one at an index the same for every item, the scalar argument, an edge constant,
 * a converted element of the other array of the same width), go through statements built only from
 * operators with an exact lanewise form (float: {@code + - * /}, negation, {@code Math.abs min max fma},
 * {@code (float) Math.sqrt}; integers: {@code + - * & | ^}, negation, {@code Math.min max}, shifts by a
 * constant or by the scalar), uniform {@code if}s on the scalar argument and counted inner loops whose
 * trip count is the same for every item, and are written to {@code out[i * 4 + k]} (a scatter) or, in
 * the kernels without strided accesses (whose off-heap form can vectorise too: strided accesses
 * vectorise on Java arrays only), combined into {@code out[i]} (in half of them stored, then stored again
 * combined with a shifted read, whose bounds check so comes after a store). About one kernel in eight also holds one
 * operation that keeps the loop scalar (an integer division, a compare, the index as a value), so that
 * the decision not to vectorise is exercised too.
 * <p>Inputs hold {@code 4 n + 8} elements (every index above stays below that), outputs {@code 4 n}.
 * Every item reads only the inputs and writes only its own outputs: the sequential Java loop is the
 * reference for any schedule.
 */
final class VectorKernelGenerator {
    private static final String[] IN = {"ia", "la", "fa", "da"};
    private static final String[] OUT = {"oi", "ol", "of", "od"};
    private static final String[] SCALAR = {"si", "sl", "sf", "sd"};

    private final Random rnd;
    private final int t;
    private final String type;
    private final boolean floating;
    private final int stride;
    private int budget;
    private int fresh;

    private VectorKernelGenerator(long seed) {
        rnd = new Random(seed);
        t = rnd.nextInt(4);
        type = KernelGenerator.TYPES[t];
        floating = t >= 2;
        // One stride per kernel keeps strided accesses vectorisable (one window per array); 1 in 8 mixes.
        stride = 2 + rnd.nextInt(3);
        // Strided accesses vectorise on Java arrays only: half the kernels have none, so that their
        // off-heap form gets a vector loop too.
        strided = rnd.nextBoolean();
    }

    private final boolean strided;

    /** The source of class {@code className} in package {@code pkg}, with {@code kernel} and {@code register} as {@link KernelGenerator#generate}. */
    static String generate(long seed, String pkg, String className) {
        return new VectorKernelGenerator(seed).source(pkg, className);
    }

    /** The number of work items of kernel {@code seed}: several vectors, with and without a tail. */
    static int items(long seed) {
        int[] sizes = {16, 17, 31, 33, 64, 97, 130, 257};
        return sizes[new Random(seed ^ 0x452821E638D01377L).nextInt(sizes.length)];
    }

    private String source(String pkg, String className) {
        StringBuilder body = new StringBuilder();
        String ind = "            ";
        for (int k = 0; k < 4; k++) body.append(ind).append(type).append(" a").append(k).append(" = ").append(leaf()).append(";\n");
        budget = 4 + rnd.nextInt(10);
        block(body, 2, ind);
        if (rnd.nextInt(8) == 0) scalarOnly(body, ind);
        if (strided) {
            for (int k = 0; k < 4; k++) body.append(ind).append(OUT[t]).append("[i * 4 + ").append(k).append("] = a").append(k).append(";\n");
        } else {
            // One store at the own index: a bounds check after a store keeps a loop scalar, and a shifted
            // store's check comes after the first store.
            String mix = floating ? "a0 + a1 * a2 - a3" : "a0 ^ (a1 * 31) ^ (a2 * 961) ^ (a3 * 29791)";
            if (rnd.nextBoolean()) {
                body.append(ind).append(OUT[t]).append("[i] = ").append(mix).append(";\n");
            } else {
                // a shifted read whose bounds check comes after a store of the iteration
                body.append(ind).append(type).append(" m = ").append(mix).append(";\n");
                body.append(ind).append(OUT[t]).append("[i] = m;\n");
                body.append(ind).append(OUT[t]).append("[i] = ").append(binary("m", IN[t] + "[i + " + (1 + rnd.nextInt(7)) + "]"))
                        .append(";\n");
            }
        }
        return "package " + pkg + ";\n\n"
                + "/** Generated by VectorKernelGenerator; do not edit. */\n"
                + "public final class " + className + " {\n"
                + "    public static void kernel(" + KernelGenerator.PARAMS + ") {\n"
                + "        for (@io.kiln.Parallel int i = 0; i < n; i++) {\n"
                + body
                + "        }\n"
                + "    }\n\n"
                + "    public static void register(io.kiln.TaskGraph g, Object[] a) {\n"
                + "        g.task(\"k\", " + className + "::kernel, " + KernelGenerator.REGISTER_ARGS + ");\n"
                + "    }\n"
                + "}\n";
    }

    private void block(StringBuilder b, int depth, String ind) {
        while (budget-- > 0) {
            int c = rnd.nextInt(10);
            if (c == 0 && depth > 0) {
                // a branch whose condition is the same for every item
                b.append(ind).append("if (").append(uniformCondition()).append(") {\n");
                block(b, depth - 1, ind + "    ");
                if (rnd.nextBoolean()) {
                    b.append(ind).append("} else {\n");
                    budget = Math.max(budget, 1 + rnd.nextInt(2));
                    block(b, depth - 1, ind + "    ");
                }
                b.append(ind).append("}\n");
                budget = rnd.nextInt(4);
            } else if (c == 1 && depth > 0) {
                // an inner loop with the same trip count for every item, reading at i + r
                String r = "r" + fresh++;
                String bound = switch (rnd.nextInt(3)) {
                    case 0 -> "(si & 3) + 1";
                    case 1 -> Integer.toString(1 + rnd.nextInt(4));
                    default -> "(si >>> 30)";
                };
                b.append(ind).append("for (int ").append(r).append(" = 0; ").append(r).append(" < ").append(bound).append("; ")
                        .append(r).append("++) {\n");
                b.append(ind).append("    ").append(var()).append(" = ").append(binary(var(), IN[t] + "[i + " + r + "]")).append(";\n");
                int saved = budget;
                budget = rnd.nextInt(3);
                block(b, depth - 1, ind + "    ");
                budget = saved - 1;
                b.append(ind).append("}\n");
            } else {
                b.append(ind).append(var()).append(" = ").append(expr(2)).append(";\n");
            }
        }
    }

    private String uniformCondition() {
        return switch (rnd.nextInt(4)) {
            case 0 -> "si > " + (rnd.nextInt(200) - 100);
            case 1 -> "(si & " + (1 << rnd.nextInt(4)) + ") == 0";
            case 2 -> "sl < 0L";
            default -> "n > " + (16 + rnd.nextInt(100));
        };
    }

    private String var() {
        return "a" + rnd.nextInt(4);
    }

    private String expr(int depth) {
        if (depth == 0 || rnd.nextInt(4) == 0) return rnd.nextInt(3) == 0 ? leaf() : var();
        if (floating) {
            return switch (rnd.nextInt(9)) {
                case 0 -> "-" + paren(expr(depth - 1));
                case 1 -> "Math.abs(" + expr(depth - 1) + ")";
                case 2 -> "Math.min(" + expr(depth - 1) + ", " + expr(depth - 1) + ")";
                case 3 -> "Math.max(" + expr(depth - 1) + ", " + expr(depth - 1) + ")";
                case 4 -> "Math.fma(" + expr(depth - 1) + ", " + expr(depth - 1) + ", " + expr(depth - 1) + ")";
                case 5 -> t == 2 ? "(float) Math.sqrt(" + expr(depth - 1) + ")" : "Math.sqrt(" + expr(depth - 1) + ")";
                default -> binary(expr(depth - 1), expr(depth - 1));
            };
        }
        String bits = t == 0 ? "31" : "63";
        return switch (rnd.nextInt(9)) {
            case 0 -> "-" + paren(expr(depth - 1));
            case 1 -> "Math.min(" + expr(depth - 1) + ", " + expr(depth - 1) + ")";
            case 2 -> "Math.max(" + expr(depth - 1) + ", " + expr(depth - 1) + ")";
            case 3 -> {
                String op = new String[] {" << ", " >> ", " >>> "}[rnd.nextInt(3)];
                // counts past the width too: Java masks them, and so must the lanes
                String count = switch (rnd.nextInt(3)) {
                    case 0 -> Integer.toString(rnd.nextInt(70));
                    case 1 -> "si";
                    default -> "(si & " + bits + ")";
                };
                yield paren(expr(depth - 1)) + op + count;
            }
            default -> binary(expr(depth - 1), expr(depth - 1));
        };
    }

    private String binary(String a, String b) {
        String[] ops = floating ? new String[] {" + ", " - ", " * ", " / "} : new String[] {" + ", " - ", " * ", " & ", " | ", " ^ "};
        return paren(a) + ops[rnd.nextInt(ops.length)] + paren(b);
    }

    private static String paren(String e) {
        return "(" + e + ")";
    }

    private String leaf() {
        String in = IN[t];
        return switch (rnd.nextInt(9)) {
            case 0, 1 -> in + "[i]";
            case 2 -> in + "[i + " + rnd.nextInt(8) + "]";
            case 3 -> {
                if (!strided) yield in + "[i + " + rnd.nextInt(8) + "]";
                int s = rnd.nextInt(8) == 0 ? 2 + rnd.nextInt(3) : stride;
                yield in + "[i * " + s + " + " + rnd.nextInt(s) + "]";
            }
            case 4 -> in + "[" + (rnd.nextBoolean() ? Integer.toString(rnd.nextInt(8)) : "si & 7") + "]";
            case 5 -> SCALAR[t];
            case 6 -> edge();
            case 7 -> switch (t) {
                // a conversion with an exact lanewise form: same width, round to nearest
                case 2 -> "(float) ia[i + " + rnd.nextInt(4) + "]";
                case 3 -> "(double) la[i]";
                default -> in + "[i]";
            };
            default -> strided ? in + "[i * 4 + " + rnd.nextInt(4) + "]" : in + "[n + i]";
        };
    }

    private String edge() {
        String[] e = switch (t) {
            case 0 -> KernelGenerator.INT_EDGES;
            case 1 -> KernelGenerator.LONG_EDGES;
            case 2 -> KernelGenerator.FLOAT_EDGES;
            default -> KernelGenerator.DOUBLE_EDGES;
        };
        String v = e[rnd.nextInt(e.length)];
        return v.startsWith("-") ? "(" + v + ")" : v;
    }

    /** One operation with no exact lanewise form (the loop must stay scalar and still match Java). */
    private void scalarOnly(StringBuilder b, String ind) {
        String a = var();
        String e = switch (rnd.nextInt(3)) {
            case 0 -> floating ? a + " % " + paren(leaf()) : a + " / " + paren(paren(leaf()) + " | 1");
            case 1 -> paren(var() + " < " + var()) + " ? " + var() + " : " + var();
            default -> a + " + (" + type + ") i";
        };
        b.append(ind).append(a).append(" = ").append(e).append(";\n");
    }
}
