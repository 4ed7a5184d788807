package io.kiln.conformance;

import io.kiln.KernelCompiler;
import io.kiln.Target;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every conformance kernel goes through the front end to IR. Needs no device, so it gives a signal
 * (and points at the front end) even where no back end is installed.
 */
class KernelsCompileToIrTest {

    /** Every class holding conformance kernels. */
    static final List<Class<?>> SUITES = List.of(
            IntArithmeticTest.class, LongArithmeticTest.class, FloatArithmeticTest.class, DoubleArithmeticTest.class,
            ShiftsTest.class, ConversionsTest.class, NarrowTypesTest.class, ControlFlowTest.class, MathFunctionsTest.class,
            BitConversionsTest.class, HelpersTest.class, PrivateArraysTest.class, ParallelLoopsTest.class,
            WorkItemKernelsTest.class, ConstantsTest.class, ParametersTest.class, ExpressionsTest.class, MinMaxTest.class);

    @SuppressWarnings("unchecked")
    static List<KernelCase> allCases() throws ReflectiveOperationException {
        List<KernelCase> all = new ArrayList<>();
        for (Class<?> c : SUITES) {
            Method m = c.getDeclaredMethod("cases");
            m.setAccessible(true);
            all.addAll((List<KernelCase>) m.invoke(null));
        }
        return all;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("allCases")
    void compilesToIr(KernelCase c) {
        String ir = KernelCompiler.emit(c.method(), Target.IR);
        assertTrue(ir.startsWith("kernel "), () -> "unexpected IR text for " + c + ":\n" + ir);
    }
}
