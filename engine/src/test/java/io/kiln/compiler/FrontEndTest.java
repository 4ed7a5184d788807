package io.kiln.compiler;

import io.kiln.KernelCompilationException;
import io.kiln.KernelCompiler;
import io.kiln.Target;
import io.kiln.ir.Access;
import io.kiln.ir.HostExpr;
import io.kiln.ir.KernelIR;
import io.kiln.ir.KernelKind;
import io.kiln.ir.Param;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Method;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FrontEndTest {

    static KernelIR ir(String name) {
        Method m = Arrays.stream(SampleKernels.class.getDeclaredMethods()).filter(x -> x.getName().equals(name)).findFirst().orElseThrow();
        return FrontEnd.compile(m);
    }

    @Test
    void printsEveryKernel() {
        for (String k : new String[] {"saxpy", "matmul", "branches", "helpers", "privateArray", "workItem", "switches",
                "postIncrement", "longsAndDoubles"}) {
            String text = KernelCompiler.emit(SampleKernels.class, k, Target.IR);
            System.out.println(text);
            assertTrue(text.startsWith("kernel SampleKernels." + k));
        }
    }

    @Test
    void saxpyIsOneDimensionalWithTripCountFromLength() {
        KernelIR ir = ir("saxpy");
        assertEquals(KernelKind.LOOP_PARALLEL, ir.kind());
        assertEquals(1, ir.parallelLoops().size());
        HostExpr trips = ir.parallelLoops().get(0).tripCount();
        assertEquals(7, trips.evaluate(new Object[] {2f, new float[7], new float[7]}));
        Param.Array x = (Param.Array) ir.params().get(1);
        Param.Array y = (Param.Array) ir.params().get(2);
        assertEquals(Access.READ, x.access());
        assertEquals(Access.READ_WRITE, y.access());
    }

    @Test
    void matmulHasTwoDimensions() {
        KernelIR ir = ir("matmul");
        assertEquals(2, ir.parallelLoops().size());
        assertEquals(5, ir.parallelLoops().get(1).tripCount().evaluate(new Object[] {5, null, null, null}));
        assertEquals(Access.WRITE, ((Param.Array) ir.params().get(3)).access());
    }

    @Test
    void inclusiveBoundAndNonZeroStart() {
        KernelIR ir = ir("longsAndDoubles");
        assertEquals(9, ir.parallelLoops().get(0).tripCount().evaluate(new Object[] {new long[10], new double[10]}));
    }

    @Test
    void workItemKernel() {
        KernelIR ir = ir("workItem");
        assertEquals(KernelKind.WORK_ITEM, ir.kind());
        assertTrue(ir.parallelLoops().isEmpty());
    }

    @Test
    void rejectsAllocationWithLocation() {
        KernelCompilationException e = org.junit.jupiter.api.Assertions.assertThrows(KernelCompilationException.class,
                () -> KernelCompiler.emit(Bad.class, "allocates", Target.IR));
        assertTrue(e.getMessage().startsWith("Bad.allocates (FrontEndTest.java:"), e.getMessage());
        assertTrue(e.getMessage().contains("allocation of java.lang.StringBuilder is not supported in kernels"), e.getMessage());
    }

    static final class Bad {
        static void allocates(float[] x) {
            StringBuilder sb = new StringBuilder();
            x[0] = sb.length();
        }
    }

    static final class Unknown {
        static void dataDependentBound(int[] x) {
            for (@io.kiln.Parallel int i = 0; i < x[0]; i++) {
                x[i + 1] = i;
            }
        }
    }

    @Test
    void dataDependentTripCountIsUnknownOnTheHost() throws Exception {
        KernelIR ir = FrontEnd.compile(Unknown.class.getDeclaredMethod("dataDependentBound", int[].class));
        assertNull(ir.parallelLoops().get(0).tripCount());
    }
}
