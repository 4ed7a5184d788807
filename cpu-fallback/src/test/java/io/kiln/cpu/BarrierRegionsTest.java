package io.kiln.cpu;

import io.kiln.KernelCompiler;
import io.kiln.KernelContext;
import io.kiln.Target;
import io.kiln.ir.IrParser;
import io.kiln.ir.KernelIR;
import io.kiln.ir.Type;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The barrier-region transformation ({@link BarrierRegions}) on kernels compiled by the front end:
 * the regions, where each can stop, and the variables live across each barrier, against the sets
 * worked out by hand from the Java source; then each kernel run on {@code cpu} against a plain Java
 * emulation of its work-group (every work-item to the barrier, then every work-item on).
 */
class BarrierRegionsTest {

    /** One barrier: {@code l} and {@code v} are needed after it; the ids are queried again. */
    public static void oneBarrier(KernelContext ctx, float[] x, float[] y) {
        float[] s = ctx.localFloats(64);
        int l = ctx.localIdx();
        float v = x[ctx.globalIdx()] * 2f;
        s[l] = v;
        ctx.barrier();
        y[ctx.globalIdx()] = s[(l + 1) % ctx.localSizeX()] + v;
    }

    /** Two barriers in a loop: the counter and the accumulator live across both; {@code n} is never assigned. */
    public static void loopBarrier(KernelContext ctx, int[] x, int n) {
        int[] s = ctx.localInts(64);
        int l = ctx.localIdx();
        long acc = 0;
        for (int k = 0; k < n; k++) {
            s[l] = (int) acc + k;
            ctx.barrier();
            acc += s[(l + 1) % ctx.localSizeX()];
            ctx.barrier();
        }
        x[ctx.globalIdx()] = (int) acc;
    }

    /** Barriers under nested uniform ifs: {@code v} is reassigned after the inner one, so only the outer keeps it. */
    public static void nestedIfs(KernelContext ctx, double[] x, int mode, int flag) {
        double[] s = ctx.localDoubles(64);
        int l = ctx.localIdx();
        double v = x[ctx.globalIdx()];
        if (mode > 0) {
            s[l] = v;
            if (flag > 0) {
                ctx.barrier();
                v = s[ctx.localSizeX() - 1 - l];
            }
            ctx.barrier();
        }
        x[ctx.globalIdx()] = v + l;
    }

    /**
     * What is recomputed after a barrier and what is saved: {@code c} is a function of the ids and an
     * unassigned parameter (recomputed); {@code q} needs a division, {@code m} reads a reassigned
     * parameter, {@code p} is that parameter (all three saved); {@code v} is dead after the barrier.
     */
    public static void recomputed(KernelContext ctx, int[] x, int p, int shift) {
        int[] s = ctx.localInts(64);
        int l = ctx.localIdx();
        int c = ctx.groupIdx() * 64 + l * 3 - shift;
        int q = l / 2;
        int m = p + l;
        p = p * 5;
        int v = x[ctx.globalIdx()];
        s[l] = c + v;
        ctx.barrier();
        x[ctx.globalIdx()] = s[(l + 1) % ctx.localSizeX()] + c + q + m + p;
    }

    static KernelIR ir(String method) {
        return IrParser.parse(KernelCompiler.emit(BarrierRegionsTest.class, method, Target.IR));
    }

    static BarrierRegions regions(String method) {
        return new KernelAnalysis(ir(method)).barriers;
    }

    static void assertRegion(BarrierRegions.Region r, List<Integer> ends, boolean returns) {
        assertEquals(ends, r.ends(), "region " + r.number() + ": the barriers it stops at");
        assertEquals(returns, r.returns(), "region " + r.number() + ": whether it can return");
    }

    @Test
    void oneBarrierKeepsWhatIsReadAfterIt() {
        BarrierRegions r = regions("oneBarrier");
        assertEquals(1, r.count());
        assertEquals(Set.of("l", "v"), r.liveAcrossNames(0));
        assertEquals(2, r.regions().size());
        assertRegion(r.regions().get(0), List.of(0), false);
        assertRegion(r.regions().get(1), List.of(), true);
        BarrierRegions.Barrier b = r.barriers().get(0);
        assertEquals(b.block(), r.regions().get(1).block(), "region 1 starts in the barrier's block");
        assertEquals(b.index() + 1, r.regions().get(1).index(), "region 1 starts right after the barrier");
        // l = ctx.localIdx() is computed again after the barrier; only the float v is saved
        assertEquals(Set.of("v"), r.savedNames(0));
        assertEquals(0, r.slots(Type.I32));
        assertEquals(1, r.slots(Type.F32));
        assertEquals(0, r.slots(Type.I64) + r.slots(Type.F64));
    }

    @Test
    void barriersInALoopKeepTheCounterButNotAnUnassignedParameter() {
        BarrierRegions r = regions("loopBarrier");
        assertEquals(2, r.count());
        for (int k = 0; k < 2; k++) {
            assertEquals(Set.of("l", "acc", "k"), r.liveAcrossNames(k), "barrier " + k);
        }
        assertEquals(3, r.regions().size());
        assertRegion(r.regions().get(0), List.of(0), true);   // n <= 0 returns at once
        assertRegion(r.regions().get(1), List.of(1), false);  // between the two barriers
        assertRegion(r.regions().get(2), List.of(0), true);   // k++, then the next round or the end
        // l is recomputed; a saved variable has one slot, the same at both barriers
        for (int k = 0; k < 2; k++) assertEquals(Set.of("acc", "k"), r.savedNames(k), "barrier " + k);
        assertEquals(1, r.slots(Type.I32));
        assertEquals(1, r.slots(Type.I64));
        var acc = r.barriers().get(0).liveAcross().stream().filter(v -> v.name().equals("acc")).findFirst().orElseThrow();
        assertEquals(0, r.slot(acc));
        assertTrue(r.zeroAtEntry().isEmpty(), "every saved variable is assigned before the loop: " + r.zeroAtEntry());
    }

    @Test
    void nestedIfsKeepOnlyWhatEachBarrierNeeds() {
        BarrierRegions r = regions("nestedIfs");
        assertEquals(2, r.count());
        // In block order the outer barrier comes first (the front end puts the join before the inner body).
        int outer = r.liveAcrossNames(0).contains("v") ? 0 : 1;
        int inner = 1 - outer;
        assertEquals(Set.of("l", "v"), r.liveAcrossNames(outer), "outer barrier");
        assertEquals(Set.of("l"), r.liveAcrossNames(inner), "inner barrier: v is reassigned after it");
        assertRegion(r.regions().get(0), List.of(0, 1), true);
        assertRegion(r.regions().get(outer + 1), List.of(), true);
        assertRegion(r.regions().get(inner + 1), List.of(outer), false);
    }

    @Test
    void pureFunctionsOfTheIdsAreRecomputedAndTheRestSaved() {
        BarrierRegions r = regions("recomputed");
        assertEquals(Set.of("l", "c", "q", "m", "p"), r.liveAcrossNames(0));
        assertEquals(Set.of("q", "m", "p"), r.savedNames(0));
        assertEquals(3, r.slots(Type.I32));
        for (io.kiln.ir.Instr i : r.barriers().get(0).recompute()) {
            assertTrue(i instanceof io.kiln.ir.Instr.WorkItem || i instanceof io.kiln.ir.Instr.Move
                    || i instanceof io.kiln.ir.Instr.Binary, "recomputed by " + i);
        }
    }

    @Test
    void aKernelWithoutBarriersHasNoRegions() {
        BarrierRegions r = new KernelAnalysis(IrParser.parse(KernelCompiler.emit(GroupKernels.class, "histogram", Target.IR))).barriers;
        assertEquals(0, r.count());
        assertTrue(r.regions().isEmpty());
        assertEquals(0, r.maxSlots());
    }

    /** The three kernels on cpu against a plain Java emulation of each work-group, for random inputs and group sizes. */
    @Test
    void theKernelsComputeWhatTheirGroupsDoInJava() {
        long seed = System.nanoTime();
        System.out.println("BarrierRegionsTest: seed " + seed);
        Random rnd = new Random(seed);
        for (int round = 0; round < 3; round++) {
            int local = 1 + rnd.nextInt(64);
            int groups = 1 + rnd.nextInt(5);
            int n = local * groups;
            String what = "seed " + seed + ", local " + local + ", groups " + groups;

            float[] x = new float[n];
            for (int i = 0; i < n; i++) x[i] = rnd.nextFloat() * 100 - 50;
            float[] y = new float[n];
            float[] yRef = new float[n];
            for (int g = 0; g < groups; g++) {
                for (int l = 0; l < local; l++) {
                    int nb = g * local + (l + 1) % local;
                    yRef[g * local + l] = x[nb] * 2f + x[g * local + l] * 2f;
                }
            }
            runGrid(new io.kiln.TaskGraph("one").task("k", BarrierRegionsTest::oneBarrier, new KernelContext(), x, y), n, local);
            assertArrayEquals(yRef, y, what);

            int rounds = rnd.nextInt(4);
            int[] out = new int[n];
            int[] outRef = new int[n];
            for (int g = 0; g < groups; g++) {
                long[] acc = new long[local];
                for (int k = 0; k < rounds; k++) {
                    int[] s = new int[local];
                    for (int l = 0; l < local; l++) s[l] = (int) acc[l] + k;
                    for (int l = 0; l < local; l++) acc[l] += s[(l + 1) % local];
                }
                for (int l = 0; l < local; l++) outRef[g * local + l] = (int) acc[l];
            }
            runGrid(new io.kiln.TaskGraph("loop").task("k", BarrierRegionsTest::loopBarrier, new KernelContext(), out, rounds), n, local);
            assertArrayEquals(outRef, out, what + ", rounds " + rounds);

            int mode = rnd.nextInt(3) - 1;
            int flag = rnd.nextInt(3) - 1;
            double[] d = new double[n];
            for (int i = 0; i < n; i++) d[i] = rnd.nextGaussian();
            double[] dRef = d.clone();
            for (int g = 0; g < groups; g++) {
                for (int l = 0; l < local; l++) {
                    double v = d[g * local + l];
                    if (mode > 0 && flag > 0) v = d[g * local + local - 1 - l];
                    dRef[g * local + l] = v + l;
                }
            }
            runGrid(new io.kiln.TaskGraph("nested").task("k", BarrierRegionsTest::nestedIfs, new KernelContext(), d, mode, flag), n, local);
            assertArrayEquals(dRef, d, what + ", mode " + mode + ", flag " + flag);

            int p = rnd.nextInt(1000) - 500;
            int shift = rnd.nextInt(100);
            int[] xs = new int[n];
            for (int i = 0; i < n; i++) xs[i] = rnd.nextInt(1 << 20);
            int[] xRef = xs.clone();
            for (int g = 0; g < groups; g++) {
                int[] s = new int[local];
                for (int l = 0; l < local; l++) s[l] = g * 64 + l * 3 - shift + xs[g * local + l];
                for (int l = 0; l < local; l++) {
                    xRef[g * local + l] = s[(l + 1) % local] + (g * 64 + l * 3 - shift) + l / 2 + (p + l) + p * 5;
                }
            }
            runGrid(new io.kiln.TaskGraph("recomputed").task("k", BarrierRegionsTest::recomputed, new KernelContext(), xs, p, shift),
                    n, local);
            assertArrayEquals(xRef, xs, what + ", p " + p + ", shift " + shift);
        }
    }

    private static void runGrid(io.kiln.TaskGraph graph, int n, int local) {
        try (io.kiln.ExecutionPlan plan = graph.plan(WorkGroupTest.CPU).withGrid("k", io.kiln.Grid.of(n).local(local))) {
            plan.withTransferChecks(false);
            plan.run();
        }
    }
}
