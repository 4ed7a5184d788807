package io.kiln.runtime;

import io.kiln.Grid;
import io.kiln.KernelContext;
import io.kiln.Parallel;
import io.kiln.compiler.FrontEnd;
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
        assertEquals("task 't': LaunchRulesTest.scalars takes 9 arguments, 1 were given", count.getMessage());
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
}
