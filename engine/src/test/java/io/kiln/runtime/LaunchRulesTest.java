package io.kiln.runtime;

import io.kiln.Grid;
import io.kiln.KernelContext;
import io.kiln.Parallel;
import io.kiln.frontend.FrontEnd;
import io.kiln.ir.KernelIR;
import io.kiln.ir.Param;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Each launch rule with its own message, before any back end sees the launch. */
class LaunchRulesTest {

    static void scalars(boolean z, byte b, short s, char c, int i, long j, float f, double d, float[] out) {
        out[0] = z ? b + s + c + i + j + f + (float) d : 0;
    }

    static void workItems(KernelContext ctx, float[] x) {
        x[ctx.globalIdx()] = 1;
    }

    static void withBarrier(KernelContext ctx, float[] x, int n) {
        int i = ctx.globalIdx();
        float v = i < n ? x[i] : 0;
        ctx.barrier();
        if (i < n) x[i] = v + 1;
    }

    static void twoLoops(int n, float[] x) {
        for (@Parallel int i = 0; i < n; i++) {
            for (@Parallel int j = 0; j < n; j++) {
                x[i * n + j] = i + j;
            }
        }
    }

    static KernelIR ir(String name) {
        for (var m : LaunchRulesTest.class.getDeclaredMethods()) {
            if (m.getName().equals(name)) return FrontEnd.compile(m);
        }
        throw new AssertionError(name);
    }

    static Param.Scalar param(KernelIR ir, int index) {
        return (Param.Scalar) ir.params().get(index);
    }

    @Test
    void scalarsAcceptTheirBoxedTypeAndLosslessWideningOnly() {
        KernelIR ir = ir("scalars");
        // accepted, converted to the parameter's exact boxed type
        assertEquals(Long.valueOf(7), LaunchRules.scalar("t", ir, param(ir, 5), 7));
        assertEquals(Long.valueOf(Long.MIN_VALUE), LaunchRules.scalar("t", ir, param(ir, 5), Long.MIN_VALUE));
        assertEquals(Double.valueOf(0.1f), LaunchRules.scalar("t", ir, param(ir, 7), 0.1f));
        assertEquals(Double.valueOf(Integer.MIN_VALUE), LaunchRules.scalar("t", ir, param(ir, 7), Integer.MIN_VALUE));
        assertEquals(Float.valueOf(16777216f), LaunchRules.scalar("t", ir, param(ir, 6), 16777216));
        assertEquals(Float.valueOf(-2147483648f), LaunchRules.scalar("t", ir, param(ir, 6), Integer.MIN_VALUE));
        assertEquals(Float.valueOf(Float.NaN), LaunchRules.scalar("t", ir, param(ir, 6), Float.NaN));
        assertEquals(Double.valueOf(-0.0), LaunchRules.scalar("t", ir, param(ir, 7), -0.0f));
        assertEquals(Byte.valueOf((byte) -128), LaunchRules.scalar("t", ir, param(ir, 1), -128));
        assertEquals(Short.valueOf((short) 32767), LaunchRules.scalar("t", ir, param(ir, 2), 32767));
        assertEquals(Character.valueOf('\uffff'), LaunchRules.scalar("t", ir, param(ir, 3), 65535));
        assertEquals(Boolean.TRUE, LaunchRules.scalar("t", ir, param(ir, 0), true));
        // refused: lossy, or of another kind
        record Bad(int index, Object value, String says) {}
        for (Bad bad : List.of(
                new Bad(4, 4294967299L, "parameter 'i' of LaunchRulesTest.scalars is a int, the value is Long 4294967299"),
                new Bad(6, 1e300, "is a float, the value is Double 1.0E300"),
                new Bad(6, 16777217, "is a float, the value is Integer 16777217"),
                new Bad(6, Integer.MAX_VALUE, "Integer 2147483647"),
                new Bad(6, 1L, "is a float, the value is Long 1"),
                new Bad(5, 1.0, "is a long, the value is Double 1.0"),
                new Bad(1, 128, "is a byte, the value is Integer 128"),
                new Bad(2, -32769, "is a short"),
                new Bad(3, -1, "is a char"),
                new Bad(0, 1, "is a boolean, the value is Integer 1"),
                new Bad(4, "3", "the value is String 3"),
                new Bad(4, null, "the value is null"))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> LaunchRules.scalar("t", ir, param(ir, bad.index()), bad.value()), String.valueOf(bad));
            assertTrue(e.getMessage().startsWith("task 't': parameter '"), e.getMessage());
            assertTrue(e.getMessage().contains(bad.says()), e.getMessage());
            assertTrue(e.getMessage().contains(": pass "), "says what to pass instead: " + e.getMessage());
        }
    }

    @Test
    void argumentCountAndArrayTypesHaveTheirOwnMessages() {
        KernelIR ir = ir("scalars");
        IllegalArgumentException count = assertThrows(IllegalArgumentException.class,
                () -> LaunchRules.checkArguments("t", ir, new Object[] {true}));
        assertEquals("task 't': LaunchRulesTest.scalars takes 9 arguments, 1 were given: pass one per parameter, in order"
                + " (boolean, byte, short, char, int, long, float, double, float[])", count.getMessage());
        Object[] args = {true, (byte) 1, (short) 2, 'c', 4, 5, 6f, 7.0, new int[1]};
        IllegalArgumentException type = assertThrows(IllegalArgumentException.class, () -> LaunchRules.checkArguments("t", ir, args));
        assertTrue(type.getMessage().contains("parameter 'out'") && type.getMessage().contains("is a float[], the argument is int[1]"),
                type.getMessage());
        args[8] = io.kiln.FloatArray.allocate(1);
        IllegalArgumentException storage = assertThrows(IllegalArgumentException.class, () -> LaunchRules.checkArguments("t", ir, args));
        assertTrue(storage.getMessage().contains("declare the parameter FloatArray"), storage.getMessage());
        args[8] = new float[1];
        args[5] = 5; // Integer for long: accepted and widened
        Object[] checked = LaunchRules.checkArguments("t", ir, args);
        assertEquals(Long.valueOf(5), checked[5]);
        assertEquals(Integer.valueOf(5), args[5], "the caller's array is not changed");
    }

    @Test
    void workItemGridsMustBeGivenAndMadeOfWholeGroups() {
        KernelIR ir = ir("workItems");
        Object[] args = {new KernelContext(), new float[100]};
        IllegalStateException none = assertThrows(IllegalStateException.class, () -> LaunchRules.geometry("w", ir, null, args));
        assertTrue(none.getMessage().contains("plan.withGrid(\"w\", Grid.of(n))"), none.getMessage());
        IllegalArgumentException partial = assertThrows(IllegalArgumentException.class,
                () -> LaunchRules.geometry("w", ir, Grid.of(100).local(16), args));
        assertTrue(partial.getMessage().contains("the global size 100 in dimension 0 is not a multiple of the local size 16")
                && partial.getMessage().contains("Round the grid up to 112"), partial.getMessage());
        assertTrue(partial.getMessage().contains("Grid.roundUp(100, 16)") && partial.getMessage().contains("if (i >= n) return;"),
                partial.getMessage());
        var g = LaunchRules.geometry("w", ir, Grid.of(96).local(16), args);
        assertArrayEquals(new long[] {96}, g.sizes());
        assertArrayEquals(new long[] {16}, g.local());
        IllegalArgumentException ctx = assertThrows(IllegalArgumentException.class,
                () -> LaunchRules.checkArguments("w", ir, new Object[] {"ctx", new float[1]}));
        assertTrue(ctx.getMessage().contains("takes a KernelContext"), ctx.getMessage());
    }

    @Test
    void parallelLoopsTakeOneLocalSizePerLoopAndTripCountsFromArguments() {
        KernelIR ir = ir("twoLoops");
        Object[] args = {7, new float[49]};
        var g = LaunchRules.geometry("p", ir, null, args);
        assertArrayEquals(new long[] {7, 7}, g.sizes());
        assertNull(g.local());
        IllegalArgumentException dims = assertThrows(IllegalArgumentException.class,
                () -> LaunchRules.geometry("p", ir, Grid.of(64).local(64), args));
        assertTrue(dims.getMessage().contains("the grid's local size has 1 dimension(s) but LaunchRulesTest.twoLoops has 2 @Parallel loop(s)"),
                dims.getMessage());
        assertArrayEquals(new long[] {0, 0}, LaunchRules.geometry("p", ir, null, new Object[] {-3, new float[0]}).sizes(),
                "a negative trip count runs nothing");
    }

    @Test
    void theAdviceForPartialGroupsKeepsBarriersReachable() {
        KernelIR ir = ir("withBarrier");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LaunchRules.geometry("b", ir, Grid.of(1000).local(64), new Object[] {new KernelContext(), new float[1000], 1000}));
        String m = e.getMessage();
        assertTrue(m.startsWith("task 'b': LaunchRulesTest.withBarrier: the global size 1000 in dimension 0 is not a multiple of the local size 64"), m);
        assertTrue(m.contains("Round the grid up to 1024") && m.contains("Grid.roundUp(1000, 64)") && m.contains("if (i < n) { ... }")
                && m.contains("barrier") && !m.contains("return;"), m);
        // The advice works: the rounded grid passes the rules.
        var g = LaunchRules.geometry("b", ir, Grid.covering(1000, 64), new Object[] {new KernelContext(), new float[1000], 1000});
        assertArrayEquals(new long[] {1024}, g.sizes());
    }

    @Test
    void gridRoundUpRoundsToWholeGroupsAndRefusesBadSizes() {
        long seed = System.nanoTime();
        System.out.println("roundUp seed " + seed);
        java.util.SplittableRandom r = new java.util.SplittableRandom(seed);
        for (int k = 0; k < 10_000; k++) {
            long n = r.nextInt(1 << 20);
            long local = 1 + r.nextInt(1024);
            long up = Grid.roundUp(n, local);
            assertTrue(up >= n && up % local == 0 && up - n < local, n + " " + local + " -> " + up);
        }
        assertEquals(0, Grid.roundUp(0, 64));
        assertEquals(64, Grid.roundUp(1, 64));
        assertEquals(64, Grid.roundUp(64, 64));
        assertEquals(128, Grid.roundUp(65, 64));
        assertEquals(Integer.MAX_VALUE, Grid.roundUp(Integer.MAX_VALUE, 1));
        assertEquals(Grid.of(1024).local(256), Grid.covering(1000, 256));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Grid.roundUp(Integer.MAX_VALUE, 2)).getMessage()
                .contains("split the work"));
        assertThrows(IllegalArgumentException.class, () -> Grid.roundUp(-1, 2));
        assertThrows(IllegalArgumentException.class, () -> Grid.roundUp(10, 0));
        assertThrows(IllegalArgumentException.class, () -> Grid.roundUp(Long.MAX_VALUE, 64));
    }

    @Test
    void parametersWithoutNamesAreNamedByPositionAndType() {
        KernelIR ir = ir("scalars");
        Param.Scalar named = param(ir, 4);
        assertEquals("parameter 'i'", LaunchRules.param(named));
        Param.Scalar nameless = new Param.Scalar(4, "arg4", named.kind(), named.var());
        assertEquals("parameter 5 (int)", LaunchRules.param(nameless));
        Param.Array out = (Param.Array) ir.params().get(8);
        assertEquals("parameter 9 (float[])", LaunchRules.param(new Param.Array(8, "arg8", out.array(), out.access())));
        assertEquals("parameter 1 (KernelContext)", LaunchRules.param(new Param.Context(0, "arg0")));
        // A made-up name never reaches a message.
        KernelIR renamed = new KernelIR(ir.ownerClass(), ir.methodName(), ir.descriptor(), ir.kind(),
                ir.params().stream().map(p -> p instanceof Param.Scalar s ? (Param) new Param.Scalar(s.index(), "arg" + s.index(), s.kind(), s.var()) : p).toList(),
                ir.vars(), ir.arrays(), ir.blocks(), ir.parallelLoops(), ir.constants(), ir.reductions());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LaunchRules.scalar("t", renamed, (Param.Scalar) renamed.params().get(4), 4L));
        assertTrue(e.getMessage().contains("parameter 5 (int)") && !e.getMessage().contains("arg4") && e.getMessage().contains("pass an Integer"),
                e.getMessage());
    }
}
