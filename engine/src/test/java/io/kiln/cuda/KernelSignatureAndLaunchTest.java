package io.kiln.cuda;

import io.kiln.KernelContext;
import io.kiln.KilnException;
import io.kiln.frontend.FrontEnd;
import io.kiln.ir.KernelIR;
import io.kiln.ptx.KernelSignature;
import io.kiln.ptx.PtxEmitter;
import io.kiln.ptx.PtxInterpreter;
import io.kiln.spi.LaunchGeometry;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The parameter layout shared by the emitter and the launcher, and the launch configuration rules. */
class KernelSignatureAndLaunchTest {

    static KernelIR ir(String method) {
        return FrontEnd.compile(JavaKernelsOnPtxTest.method(method));
    }

    @Test
    void theEntryDeclaresExactlyTheSignaturesParameters() {
        for (String m : List.of("scalars", "workItem2d", "matmul", "narrow", "single")) {
            KernelIR ir = ir(m);
            List<String> declared = new PtxInterpreter(PtxEmitter.emit(ir)).entryParams();
            assertEquals(KernelSignature.of(ir).slots().stream().map(KernelSignature.Slot::name).toList(), declared, m);
        }
        KernelSignature sig = KernelSignature.of(ir("workItem2d"));
        // out[y * width + x] is not proven in range: the kernel is checked and takes its error record last
        assertEquals(List.of("p1_width", "p2_out", "p2_out_len", "grid_size_x", "grid_size_y", "grid_size_z", "kiln_err"),
                sig.slots().stream().map(KernelSignature.Slot::name).toList());
        assertEquals(List.of(KernelSignature.PtxType.S32, KernelSignature.PtxType.U64, KernelSignature.PtxType.S32,
                KernelSignature.PtxType.S32, KernelSignature.PtxType.S32, KernelSignature.PtxType.S32, KernelSignature.PtxType.U64),
                sig.slots().stream().map(KernelSignature.Slot::type).toList());
        assertEquals(KernelSignature.Source.ERROR_RECORD, sig.errorRecordSlot().source());
        assertEquals(null, KernelSignature.of(io.kiln.frontend.BoundsChecks.strip(ir("workItem2d"))).errorRecordSlot(),
                "without checks there is no error-record parameter");
    }

    @Test
    void packingWidensNarrowScalarsAndKeepsFloatBits() {
        KernelIR ir = ir("scalars");
        double[] out = new double[3];
        long[] v = KernelSignature.of(ir).pack(ir, new Object[] {false, (byte) -2, (short) -300, '\uffff', -5, -7L, -0.0f, Double.NaN, out},
                a -> 0xABCDL, null, 0xE770L);
        assertArrayEquals(new long[] {0, -2, -300, 0xffff, -5, -7, Float.floatToRawIntBits(-0.0f),
                Double.doubleToRawLongBits(Double.NaN), 0xABCD, 3, 0xE770L}, v, "the error record's address comes last");
        KernelIR wi = ir("workItem2d");
        long[] g = KernelSignature.of(wi).pack(wi, new Object[] {new KernelContext(), 4, new int[8]}, a -> 1, new long[] {4, 2}, 0xE780L);
        assertArrayEquals(new long[] {4, 1, 8, 4, 2, 1, 0xE780L}, g);
    }

    @Test
    void packingRefusesArgumentsThatDoNotMatch() {
        KernelIR ir = ir("matmul");
        KernelSignature sig = KernelSignature.of(ir);
        IllegalArgumentException wrongArray = assertThrows(IllegalArgumentException.class,
                () -> sig.pack(ir, new Object[] {2, new float[4], new double[4], new float[4]}, a -> 0, null));
        assertTrue(wrongArray.getMessage().contains("argument 2 ('b') must be a float[], but a double[] was given"), wrongArray.getMessage());
        IllegalArgumentException nullArray = assertThrows(IllegalArgumentException.class,
                () -> sig.pack(ir, new Object[] {2, new float[4], null, new float[4]}, a -> 0, null));
        assertTrue(nullArray.getMessage().contains("but a null was given"), nullArray.getMessage());
        IllegalArgumentException count = assertThrows(IllegalArgumentException.class, () -> sig.pack(ir, new Object[] {2}, a -> 0, null));
        assertTrue(count.getMessage().contains("takes 4 arguments, 1 were given"), count.getMessage());
    }

    @Test
    void loopKernelsMapTheInnermostLoopToXAndCapTheGrid() {
        KernelIR mm = ir("matmul");
        LaunchConfig lc = LaunchConfig.of(mm, new LaunchGeometry(new long[] {1000, 3}, null), LaunchConfig.Limits.baseline());
        assertArrayEquals(new int[] {4, 64, 1}, lc.block(), "3 columns on x, the rest of 256 threads on y");
        assertArrayEquals(new int[] {1, 16, 1}, lc.grid());
        LaunchConfig big = LaunchConfig.of(mm, new LaunchGeometry(new long[] {Integer.MAX_VALUE, Integer.MAX_VALUE}, null),
                LaunchConfig.Limits.baseline());
        assertEquals(65535, big.grid()[1]);
        assertTrue((long) big.grid()[0] * big.block()[0] <= Integer.MAX_VALUE, "global ids stay within int");
        assertNull(LaunchConfig.of(mm, new LaunchGeometry(new long[] {0, 5}, null), LaunchConfig.Limits.baseline()), "no iterations, no launch");
        KernelIR unknown = ir("dataDependentBound");
        LaunchConfig u = LaunchConfig.of(unknown, new LaunchGeometry(new long[] {-1}, null), LaunchConfig.Limits.baseline());
        assertEquals(LaunchConfig.Limits.baseline().defaultThreads(), u.threads());
        LaunchConfig small = LaunchConfig.of(unknown, new LaunchGeometry(new long[] {5}, null), LaunchConfig.Limits.baseline());
        assertArrayEquals(new int[] {8, 1, 1}, small.block());
    }

    @Test
    void workItemKernelsCoverTheGridAndCheckLocalSizes() {
        KernelIR wi = ir("workItem2d");
        LaunchConfig lc = LaunchConfig.of(wi, new LaunchGeometry(new long[] {1000, 3}, null), LaunchConfig.Limits.baseline());
        assertArrayEquals(new int[] {64, 4, 1}, lc.block());
        assertArrayEquals(new int[] {16, 1, 1}, lc.grid());
        LaunchConfig local = LaunchConfig.of(wi, new LaunchGeometry(new long[] {100, 10}, new long[] {10, 5}), LaunchConfig.Limits.baseline());
        assertArrayEquals(new int[] {10, 5, 1}, local.block());
        assertArrayEquals(new int[] {10, 2, 1}, local.grid());
        KilnException tooBig = assertThrows(KilnException.class,
                () -> LaunchConfig.of(wi, new LaunchGeometry(new long[] {100, 100}, new long[] {64, 32}), LaunchConfig.Limits.baseline()));
        assertTrue(tooBig.getMessage().contains("a work-group of 2048 work-items is larger than the device's 1024"), tooBig.getMessage());
        KernelIR tile = ir("localTile");
        // the one whole-groups rule of every back end (LaunchGeometry.requireWholeGroups), with its advice for barriers
        IllegalArgumentException ragged = assertThrows(IllegalArgumentException.class,
                () -> LaunchConfig.of(tile, new LaunchGeometry(new long[] {100}, new long[] {64}), LaunchConfig.Limits.baseline()));
        assertTrue(ragged.getMessage().contains("JavaKernels.localTile: the global size 100 in dimension 0 is not a multiple of the local size 64")
                && ragged.getMessage().contains("still reach every barrier"), ragged.getMessage());
    }
}
