package io.kiln.lowering;

import io.kiln.KernelCompiler;
import io.kiln.Target;
import io.kiln.ir.ReduceOp;
import io.kiln.ir.Type;
import org.junit.jupiter.api.Test;

import java.util.BitSet;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The one {@code @Reduce} tree ({@link ReductionTree}): its pairing, stated on small cases and checked
 * on every size up to 2,100 (each partial is combined exactly once, the left operand always the lower
 * index), its result against an independent recursive statement of the same tree (bit for bit) and
 * against the sequential Java loop (exact for integers and min/max, within the documented bound for
 * float sums), and the OpenCL C text against the Java form.
 */
class ReductionTreeTest {

    @Test
    void pairingOnSmallCases() {
        assertEquals(0, ReductionTree.levels(0).size());
        assertEquals(0, ReductionTree.levels(1).size());
        assertEquals("[[0-1]]", text(ReductionTree.levels(2)));
        assertEquals("[[0-2], [0-1]]", text(ReductionTree.levels(3)));
        assertEquals("[[0-4], [0-2, 1-3], [0-1]]", text(ReductionTree.levels(5)));
        assertEquals("[[0-4, 1-5, 2-6, 3-7], [0-2, 1-3], [0-1]]", text(ReductionTree.levels(8)));
        assertEquals(0, ReductionTree.firstStride(1));
        assertEquals(128, ReductionTree.firstStride(256));
        assertEquals(256, ReductionTree.firstStride(257));
    }

    private static String text(List<List<int[]>> levels) {
        StringBuilder sb = new StringBuilder("[");
        for (int k = 0; k < levels.size(); k++) {
            if (k > 0) sb.append(", ");
            sb.append('[');
            for (int p = 0; p < levels.get(k).size(); p++) {
                if (p > 0) sb.append(", ");
                sb.append(levels.get(k).get(p)[0]).append('-').append(levels.get(k).get(p)[1]);
            }
            sb.append(']');
        }
        return sb.append(']').toString();
    }

    /** Every partial reaches p[0] exactly once, partials below a level's stride stay put, and the left operand is the lower index. */
    @Test
    void everyPartialIsCombinedExactlyOnce() {
        for (int n = 1; n <= 2100; n++) {
            BitSet[] holds = new BitSet[n];
            for (int i = 0; i < n; i++) {
                holds[i] = new BitSet();
                holds[i].set(i);
            }
            for (List<int[]> level : ReductionTree.levels(n)) {
                BitSet used = new BitSet();
                for (int[] pair : level) {
                    assertTrue(pair[0] < pair[1], "n " + n + ": left operand is the lower index");
                    assertTrue(!used.get(pair[0]) && !used.get(pair[1]), "n " + n + ": a partial is used twice in one level");
                    used.set(pair[0]);
                    used.set(pair[1]);
                    assertTrue(!holds[pair[0]].intersects(holds[pair[1]]), "n " + n + ": overlapping partials");
                    holds[pair[0]].or(holds[pair[1]]);
                    holds[pair[1]] = new BitSet();
                }
            }
            assertEquals(n, holds[0].cardinality(), "n " + n + ": p[0] holds every partial");
        }
    }

    /** The OpenCL C loop head's first stride, evaluated as C does (clz = numberOfLeadingZeros), is {@link ReductionTree#firstStride}. */
    @Test
    void openClTextComputesTheSameStrides() {
        for (int n = 1; n <= 5000; n++) {
            int first = n > 1 ? 1 << (31 - Integer.numberOfLeadingZeros(n - 1)) : 0;
            assertEquals(ReductionTree.firstStride(n), first, "n " + n);
        }
        assertEquals("for (int s = n > 1 ? 1 << (31 - clz(n - 1)) : 0; s > 0; s >>= 1)", ReductionTree.openClLoop("n", "s"));
        assertEquals("i < s && i + s < n", ReductionTree.openClCombines("i", "s", "n"));
    }

    /** The emitted OpenCL C of a {@code @Reduce} kernel uses the tree's loop and condition. */
    @Test
    void theOpenClEmitterFollowsTheTree() {
        String c = KernelCompiler.emit(io.kiln.cuda.JavaKernels.class, "sumInts", Target.OPENCL_C);
        assertTrue(c.contains(ReductionTree.openClLoop("kiln_lsz", "kiln_s")), c);
        assertTrue(c.contains("if (" + ReductionTree.openClCombines("kiln_lid", "kiln_s", "kiln_lsz") + ")"), c);
    }

    /** p[i] after the level of stride s, by the tree's definition read backwards (an independent statement). */
    private static float recursive(float[] x, int i, int s, int top) {
        if (s > top) return x[i];
        float left = recursive(x, i, 2 * s, top);
        return i + s < x.length ? left + recursive(x, i + s, 2 * s, top) : left;
    }

    @Test
    void floatSumsAreTheTreesBitForBitAndWithinTheBound() {
        long seed = System.nanoTime();
        System.out.println("ReductionTreeTest: seed " + seed);
        Random rnd = new Random(seed);
        for (int round = 0; round < 200; round++) {
            int n = round < 20 ? round + 1 : 1 + rnd.nextInt(3000);
            float[] x = new float[n];
            long[] bits = new long[n];
            double exact = 0;
            double abs = 0;
            for (int i = 0; i < n; i++) {
                x[i] = (rnd.nextFloat() * 2 - 1) * (float) Math.pow(2, rnd.nextInt(20) - 10);
                bits[i] = Float.floatToRawIntBits(x[i]) & 0xFFFF_FFFFL;
                exact += x[i];
                abs += Math.abs(x[i]);
            }
            float tree = Float.intBitsToFloat((int) ReductionTree.reduce(ReduceOp.ADD, Type.F32, bits, n));
            float expected = recursive(x, 0, 1, ReductionTree.firstStride(n));
            assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(tree), "seed " + seed + ", n " + n);
            double bound = 10 * Math.pow(2, -24) * (Math.log(n) / Math.log(2) + 8) * abs;
            assertTrue(Math.abs(tree - exact) <= bound, "seed " + seed + ", n " + n + ": error " + Math.abs(tree - exact) + " > " + bound);
        }
    }

    /** Integer sums and products (wrapping) and every min/max, NaN and signed zeros included, equal the sequential loop exactly. */
    @Test
    void exactOperationsEqualTheSequentialLoop() {
        long seed = System.nanoTime();
        System.out.println("ReductionTreeTest exact: seed " + seed);
        Random rnd = new Random(seed);
        float[] specials = {Float.NaN, -0f, 0f, Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY, Float.MIN_VALUE, -Float.MAX_VALUE};
        for (int round = 0; round < 300; round++) {
            int n = 1 + rnd.nextInt(700);
            for (ReduceOp op : ReduceOp.values()) {
                for (Type t : Type.values()) {
                    if (t.isFloating() && (op == ReduceOp.ADD || op == ReduceOp.MUL)) continue;
                    long[] bits = new long[n];
                    long seq = op.identity(t).bits();
                    for (int i = 0; i < n; i++) {
                        bits[i] = switch (t) {
                            case I32 -> rnd.nextInt(5) == 0 ? (rnd.nextBoolean() ? Integer.MIN_VALUE : Integer.MAX_VALUE) : rnd.nextInt();
                            case I64 -> rnd.nextLong();
                            case F32 -> Float.floatToRawIntBits(rnd.nextInt(8) == 0 ? specials[rnd.nextInt(specials.length)]
                                    : (float) rnd.nextGaussian()) & 0xFFFF_FFFFL;
                            case F64 -> Double.doubleToRawLongBits(rnd.nextInt(8) == 0 ? specials[rnd.nextInt(specials.length)]
                                    : rnd.nextGaussian());
                        };
                        seq = ReductionTree.combine(op, t, seq, bits[i]);
                    }
                    long tree = ReductionTree.reduce(op, t, bits.clone(), n);
                    String what = "seed " + seed + ", " + op + " " + t + ", n " + n;
                    if (t == Type.I32) {
                        assertEquals((int) seq, (int) tree, what);
                    } else if (t == Type.F32 && Float.isNaN(Float.intBitsToFloat((int) seq))) {
                        assertTrue(Float.isNaN(Float.intBitsToFloat((int) tree)), what);
                    } else if (t == Type.F64 && Double.isNaN(Double.longBitsToDouble(seq))) {
                        assertTrue(Double.isNaN(Double.longBitsToDouble(tree)), what);
                    } else {
                        assertEquals(seq, tree, what);
                    }
                }
            }
        }
        assertEquals(ReduceOp.MIN.identity(Type.I32).bits(), ReductionTree.reduce(ReduceOp.MIN, Type.I32, new long[0], 0));
    }
}
