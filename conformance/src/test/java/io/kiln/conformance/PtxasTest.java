package io.kiln.conformance;

import io.kiln.KernelCompiler;
import io.kiln.Target;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import io.kiln.ptx.Ptxas;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every conformance kernel's PTX ({@code KernelCompiler.emit(method, Target.PTX)}, the CUDA back end's
 * emitter) is assembled by {@code ptxas -arch=sm_75} without an error or a warning. Needs no GPU;
 * skipped with the reason where ptxas (the CUDA toolkit) is not on the PATH.
 */
class PtxasTest {

    static List<KernelCase> allCases() throws ReflectiveOperationException {
        return KernelsCompileToIrTest.allCases();
    }

    @ParameterizedTest(name = "ptxas {0}")
    @MethodSource("allCases")
    void assemblesCleanly(KernelCase c) {
        String ptx = KernelCompiler.emit(c.method(), Target.PTX);
        assertTrue(ptx.contains(".entry "), () -> c + ": not a PTX module:\n" + ptx);
        Assumptions.assumeTrue(Ptxas.available(), Ptxas::absentReason);
        Ptxas.Outcome r = Ptxas.assemble(ptx);
        assertTrue(r.clean(), () -> c + ": ptxas -arch=" + Ptxas.ARCH + " exited with " + r.exitCode()
                + (r.output().isBlank() ? "" : " and printed:\n" + r.output()) + "\nPTX:\n" + ptx);
    }
}
