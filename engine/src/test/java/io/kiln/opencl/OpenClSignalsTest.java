package io.kiln.opencl;

import io.kiln.ir.Access;
import io.kiln.ir.ArrayRef;
import io.kiln.ir.Const;
import io.kiln.ir.ElementType;
import io.kiln.ir.IrBuilder;
import io.kiln.ir.KernelKind;
import io.kiln.spi.LaunchGeometry;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.security.SecureRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The JVM's signal handlers survive the OpenCL driver ({@link OpenClSignals}): PoCL's LLVM replaces
 * them when it compiles, which once killed a test JVM without an hs_err file.
 */
class OpenClSignalsTest {
    private static final int SIGSEGV = 11;
    private static final int SIGHUP = 1;
    private static final int SIGTRAP = 5;
    private static final int SIGXFSZ = 25;
    private static final long SIG_IGN = 1;

    private static OpenClDeviceRuntime device() {
        OpenClDeviceRuntime d = ClTest.device();
        Assumptions.assumeTrue(System.getProperty("os.name", "").startsWith("Linux"), "the guard is for Linux (glibc sigaction)");
        assertTrue(OpenClSignals.active(), "the handlers were recorded before the first OpenCL call");
        return d;
    }

    /** A kernel no earlier run compiled (a fresh constant), so that the driver's compiler really runs. */
    @Test
    void aDriverCompileAndFirstLaunchLeaveTheJvmsHandlersInPlace() {
        OpenClDeviceRuntime d = device();
        int mark = new SecureRandom().nextInt();
        int before = OpenClSignals.restores();
        IrBuilder ir = new IrBuilder("io.kiln.opencl.TestKernels", "signalMark", KernelKind.SINGLE);
        ArrayRef out = ir.array("out", ElementType.INT, Access.WRITE);
        IrBuilder.BlockBuilder b = ir.entry();
        b.store(out, Const.ofInt(0), Const.ofInt(mark));
        b.ret();
        int[] o = new int[1];
        ClTest.run(ir.build(), new LaunchGeometry(new long[] {1}, null), o);
        assertArrayEquals(new int[] {mark}, o);
        for (int s : new int[] {SIGSEGV, SIGHUP, SIGTRAP, SIGXFSZ}) {
            assertEquals(OpenClSignals.recorded(s), OpenClSignals.handlerOf(s), "handler of signal " + s + " after a build and a launch");
        }
        // informative: whether this driver replaced handlers during this build (PoCL's LLVM does, once per process)
        System.out.println("OpenClSignalsTest mark=" + mark + ": handlers put back " + (OpenClSignals.restores() - before)
                + " time(s) during this build and launch, " + OpenClSignals.restores() + " in this JVM");
    }

    /** What a driver does, done by hand: a wait puts the handler back when the first or last one LLVM takes changed. */
    @Test
    void aReplacedHandlerIsPutBackAtTheNextWait() throws Throwable {
        device();
        long before = OpenClSignals.restores();
        for (int s : new int[] {SIGHUP, SIGXFSZ}) {
            OpenClSignals.install(s, SIG_IGN);
            assertEquals(SIG_IGN, OpenClSignals.handlerOf(s), "installed by hand");
            assertNotEquals(SIG_IGN, OpenClSignals.recorded(s), "the JVM's own is recorded");
            OpenClSignals.check();
            assertEquals(OpenClSignals.recorded(s), OpenClSignals.handlerOf(s), "signal " + s + " put back");
        }
        // one in the middle of LLVM's list is seen by the full comparison after a build
        OpenClSignals.install(SIGTRAP, SIG_IGN);
        OpenClSignals.restoreAll();
        assertEquals(OpenClSignals.recorded(SIGTRAP), OpenClSignals.handlerOf(SIGTRAP), "SIGTRAP put back");
        assertEquals(before + 3, OpenClSignals.restores());
    }
}
