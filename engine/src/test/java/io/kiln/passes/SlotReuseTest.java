package io.kiln.passes;

import io.kiln.KernelCompilationException;
import io.kiln.Parallel;
import io.kiln.frontend.FrontEnd;
import io.kiln.ir.AddressSpace;
import io.kiln.ir.ArrayRef;
import io.kiln.ir.Block;
import io.kiln.ir.Instr;
import io.kiln.ir.KernelIR;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The front end's rule for a reference slot that javac reuses for array variables of disjoint scopes:
 * a merge where the slot holds different arrays is refused only where the slot is still live.
 */
class SlotReuseTest {

    /** The kernel: {@code a} and {@code b} share one slot. */
    static void disjointScopes(int[] out) {
        for (@Parallel int i = 0; i < out.length; i++) {
            if ((i & 1) == 0) {
                int[] a = new int[4];
                a[i & 3] = 1;
                out[i] = a[0];
            } else {
                int[] b = new int[4];
                b[i & 3] = 2;
                out[i] = b[1];
            }
        }
    }

    /** The slot is reused across loop iterations and in a later scope after the merge. */
    static void reusedAfterMerge(float[] x, float[] out) {
        for (@Parallel int i = 0; i < out.length; i++) {
            float s = 0;
            if (x[i] > 0) {
                float[] p = new float[2];
                p[0] = x[i];
                s += p[0];
            } else {
                float[] q = new float[3];
                q[2] = -x[i];
                s += q[2];
            }
            float[] r = new float[1];
            r[0] = s;
            out[i] = r[0];
        }
    }

    /** Really two arrays reaching one use: must stay refused. */
    static void reallyDifferent(int[] x, int[] y, int[] out) {
        for (@Parallel int i = 0; i < out.length; i++) {
            int[] a;
            if ((i & 1) == 0) a = x;
            else a = y;
            out[i] = a[i];
        }
    }

    @Test
    void disjointScopesCompileWithOneArrayPerVariable() throws Exception {
        KernelIR ir = FrontEnd.compile(SlotReuseTest.class.getDeclaredMethod("disjointScopes", int[].class));
        Set<Integer> privates = new HashSet<>();
        Set<Integer> loaded = new HashSet<>();
        for (Block b : ir.blocks()) {
            for (Instr in : b.instrs()) {
                if (in instanceof Instr.Store s && s.array().space() == AddressSpace.PRIVATE) privates.add(s.array().id());
                if (in instanceof Instr.Load l && l.array().space() == AddressSpace.PRIVATE) loaded.add(l.array().id());
            }
        }
        assertEquals(privates, loaded, "each branch reads the array it wrote");
        assertEquals(2, privates.size(), "each branch writes its own private array:\n" + io.kiln.ir.IrPrinter.print(ir));
        for (ArrayRef a : ir.arrays()) {
            if (a.space() == AddressSpace.PRIVATE) assertEquals(4, a.length());
        }
        FrontEnd.compile(SlotReuseTest.class.getDeclaredMethod("reusedAfterMerge", float[].class, float[].class));
    }

    @Test
    void twoArraysReachingOneUseStayRefused() throws Exception {
        var m = SlotReuseTest.class.getDeclaredMethod("reallyDifferent", int[].class, int[].class, int[].class);
        KernelCompilationException e = assertThrows(KernelCompilationException.class, () -> FrontEnd.compile(m));
        assertTrue(e.getMessage().contains("a local variable refers to array") && e.getMessage().contains("on one path and to array")
                && e.getMessage().contains("SlotReuseTest.java:"), e.getMessage());
    }
}
