package io.kiln.ir;

import io.kiln.frontend.FrontEnd;
import io.kiln.opencl.OpenClBackendProvider;
import io.kiln.spi.CompiledKernel;
import io.kiln.spi.DeviceRuntime;
import io.kiln.spi.DeviceSession;
import io.kiln.spi.LaunchGeometry;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** The parser: round trips, golden {@code .ir} files run on a back end, and its error messages. */
class IrParserTest {

    static String golden(String name) {
        try (InputStream in = IrParserTest.class.getResourceAsStream(name)) {
            if (in == null) throw new IllegalStateException("missing test resource io/kiln/ir/" + name);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void goldenFilesParseVerifyAndPrintBackIdentically() {
        for (String name : List.of("saxpy.ir", "lookup.ir")) {
            String text = golden(name);
            KernelIR ir = IrParser.parse(text);
            IrVerifier.verify(ir);
            assertEquals(text, IrPrinter.print(ir), name);
        }
        KernelIR lookup = IrParser.parse(golden("lookup.ir"));
        assertEquals("(Lio/kiln/KernelContext;[I[F)V", lookup.descriptor());
        ArrayRef tbl = lookup.arrays().get(2);
        assertEquals(AddressSpace.CONSTANT, tbl.space());
        assertEquals(List.of((long) Float.floatToRawIntBits(0.5f), (long) Float.floatToRawIntBits(-0f),
                (long) Float.floatToRawIntBits(Float.POSITIVE_INFINITY), (long) Float.floatToRawIntBits(Float.NaN)), lookup.constants().get(2));
    }

    @Test
    void parsedSaxpyIsTheFrontEndsSaxpy() throws Exception {
        Method m = io.kiln.frontend.SampleKernels.class.getDeclaredMethod("saxpy", float.class, float[].class, float[].class);
        KernelIR compiled = FrontEnd.compile(m);
        KernelIR parsed = IrParser.parse(IrPrinter.print(compiled));
        assertEquals(compiled.descriptor(), parsed.descriptor());
        assertEquals(compiled.vars(), parsed.vars()); // same names, types and (here) order of first appearance
        assertEquals(compiled.blocks(), parsed.blocks());
        assertEquals(compiled.parallelLoops(), parsed.parallelLoops());
        // the same OpenCL C, but for the kernel's name: the printed IR has the class without its package
        assertEquals(io.kiln.openclc.OpenClEmitter.emit(compiled).source().replace("io_kiln_frontend_", "").replace("io.kiln.frontend.", ""),
                io.kiln.openclc.OpenClEmitter.emit(parsed).source());
    }

    @Test
    void offHeapKernelsRoundTrip() {
        for (Method m : io.kiln.frontend.OffHeapKernels.class.getDeclaredMethods()) {
            if (!java.lang.reflect.Modifier.isStatic(m.getModifiers()) || m.isSynthetic()) continue;
            KernelIR ir;
            try {
                ir = FrontEnd.compile(m);
            } catch (io.kiln.KernelCompilationException refused) {
                continue; // kernels kept to test refusals
            }
            String text = IrPrinter.print(ir);
            KernelIR parsed = IrParser.parse(text);
            IrVerifier.verify(parsed);
            assertEquals(text, IrPrinter.print(parsed), m.getName());
            assertEquals(ir.descriptor(), parsed.descriptor(), m.getName());
        }
    }

    @Test
    void constantTablesKeepNaNPayloadsAndNegativeZero() {
        String text = """
                kernel T.k SINGLE(double[] @out WRITE)
                  array @tbl: CONSTANT double[3] = {-0.0, 0x7ff0000000000001, 4.9E-324}
                b0:
                  %v = load @tbl[1]
                  store @out[0] = %v
                  return
                """;
        KernelIR ir = IrParser.parse(text);
        assertEquals(List.of(Double.doubleToRawLongBits(-0d), 0x7ff0000000000001L, 1L), ir.constants().get(1));
        assertEquals(text, IrPrinter.print(ir));
    }

    /** Golden IR files stand in for compiled kernels: run on the first OpenCL device against plain Java loops. */
    @Test
    void goldenIrRunsOnOpenCl() {
        DeviceRuntime device = openClDevice();
        long seed = System.nanoTime();
        System.out.println("IrParserTest.goldenIrRunsOnOpenCl seed " + seed);
        Random rnd = new Random(seed);
        KernelIR saxpy = IrParser.parse(golden("saxpy.ir"));
        KernelIR lookup = IrParser.parse(golden("lookup.ir"));
        float[] table = {0.5f, -0f, Float.POSITIVE_INFINITY, Float.NaN};
        try (CompiledKernel ks = device.compile(saxpy); CompiledKernel kl = device.compile(lookup); DeviceSession s = device.openSession()) {
            for (int n : new int[] {1, 13, 2003}) {
                float a = n == 13 ? Float.NaN : rnd.nextFloat() * 4 - 2;
                float[] x = new float[n];
                float[] y = new float[n];
                for (int i = 0; i < n; i++) {
                    x[i] = rnd.nextFloat() * 100 - 50;
                    y[i] = rnd.nextFloat();
                }
                x[0] = n == 1 ? Float.POSITIVE_INFINITY : -0f;
                float[] want = y.clone();
                for (int i = 0; i < n; i++) want[i] = a * x[i] + want[i];
                s.toDevice(x);
                s.toDevice(y);
                s.launch(ks, new Object[] {a, x, y}, new LaunchGeometry(new long[] {n}, null));
                s.finish();
                s.toHost(y);
                assertArrayEquals(bits(want), bits(y), "saxpy n=" + n + " seed " + seed);

                int[] in = new int[n];
                for (int i = 0; i < n; i++) in[i] = rnd.nextInt();
                in[0] = Integer.MIN_VALUE;
                float[] out = new float[n];
                float[] expect = new float[n];
                for (int i = 0; i < n; i++) expect[i] = table[in[i] & 3] * -2f;
                s.toDevice(in);
                s.toDevice(out);
                s.launch(kl, new Object[] {null, in, out}, new LaunchGeometry(new long[] {n}, null));
                s.finish();
                s.toHost(out);
                assertArrayEquals(bits(expect), bits(out), "lookup n=" + n + " seed " + seed);
            }
        }
    }

    private static int[] bits(float[] f) {
        int[] b = new int[f.length];
        for (int i = 0; i < f.length; i++) b[i] = Float.isNaN(f[i]) ? 0x7fc00000 : Float.floatToRawIntBits(f[i]);
        return b;
    }

    private static DeviceRuntime openClDevice() {
        OpenClBackendProvider provider = new OpenClBackendProvider();
        List<DeviceRuntime> devices = provider.devices();
        if (devices.isEmpty() && "true".equals(System.getenv("CI"))) {
            fail("CI=true but there is no OpenCL device: " + provider.unavailableReason() + " (.ci/run installs PoCL; OpenCL tests must run in CI)");
        }
        Assumptions.assumeFalse(devices.isEmpty(), () -> "no OpenCL device: " + provider.unavailableReason());
        return devices.get(0);
    }

    @Test
    void errorsNameTheLineAndTheExpectedForm() {
        assertMessage("kernel T.k SINGLE()\nb0:\n  %x = frob.I32 1, 2\n  return\n", "line 3", "unknown operation 'frob'");
        assertMessage("kernel T.k SINGLE()\nb1:\n  return\n", "line 2", "expected block label 'b0:'");
        assertMessage("kernel T.k SINGLE()\nb0:\n  %x = 1\n", "line 4", "block b0 ends without a terminator");
        assertMessage("kernel T.k SINGLE(int[] @a WRITE)\nb0:\n  store @b[0] = 1\n  return\n", "line 3", "unknown array @b");
        assertMessage("kernel T.k SINGLE()\nb0:\n  %x = 1\n  %y = add.F32 %x, 1.0f\n  return\n", "line 4", "%x is used as F32 here but is I32");
        assertMessage("kernel T.k SINGLE()\nb0:\n  %u = %w\n  return\n", "line 3", "cannot infer the type of %w");
        assertMessage("nonsense", "line 1", "expected 'kernel Owner.method KIND(params)'");
        assertMessage("kernel T.k SIMD()\nb0:\n  return\n", "line 1", "unknown kernel kind 'SIMD'");
        assertMessage("kernel T.k SINGLE(quad %q)\nb0:\n  return\n", "line 1", "unknown scalar type 'quad'");
    }

    private static void assertMessage(String text, String where, String what) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> IrParser.parse(text));
        assertTrue(e.getMessage().contains(where) && e.getMessage().contains(what), e.getMessage());
    }
}
