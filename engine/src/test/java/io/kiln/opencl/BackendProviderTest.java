package io.kiln.opencl;

import io.kiln.Backend;
import io.kiln.Device;
import io.kiln.DeviceType;
import io.kiln.KernelCompilationException;
import io.kiln.Target;
import io.kiln.ir.Access;
import io.kiln.ir.ArrayRef;
import io.kiln.ir.AtomicOp;
import io.kiln.ir.BinOp;
import io.kiln.ir.Const;
import io.kiln.ir.ElementType;
import io.kiln.ir.Instr;
import io.kiln.ir.IrBuilder;
import io.kiln.ir.KernelIR;
import io.kiln.ir.KernelKind;
import io.kiln.ir.MathFunction;
import io.kiln.ir.ScalarKind;
import io.kiln.ir.Type;
import io.kiln.ir.Var;
import io.kiln.openclc.OpenClEmitter;
import io.kiln.openclc.OpenClLiterals;
import io.kiln.runtime.Backends;
import io.kiln.spi.BackendProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import static io.kiln.ir.IrBuilder.i;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The provider, the libOpenCL.so check, device feature checks and the generated text. */
class BackendProviderTest {

    @Test
    void missingUnversionedLibraryIsExplainedWithTheFix(@TempDir Path tmp) throws IOException {
        Path onlyVersioned = Files.createDirectories(tmp.resolve("lib1"));
        Files.createFile(onlyVersioned.resolve("libOpenCL.so.1"));
        Path emptyDir = Files.createDirectories(tmp.resolve("empty"));
        String m = OpenClLibraryCheck.problem(List.of(emptyDir, onlyVersioned));
        assertNotNull(m, "only libOpenCL.so.1: a problem");
        assertTrue(m.contains("apt-get install ocl-icd-opencl-dev"), m);
        assertTrue(m.contains("ln -s " + onlyVersioned.resolve("libOpenCL.so.1") + " " + onlyVersioned.resolve("libOpenCL.so")), m);

        String none = OpenClLibraryCheck.problem(List.of(emptyDir));
        assertNotNull(none, "nothing installed: a problem");
        assertTrue(none.contains("no libOpenCL.so") && none.contains("apt-get install ocl-icd-opencl-dev")
                && none.contains("libOpenCL.so -> libOpenCL.so.1"), none);

        // a dangling link is no library
        Path dangling = Files.createDirectories(tmp.resolve("dangling"));
        Files.createSymbolicLink(dangling.resolve("libOpenCL.so"), dangling.resolve("libOpenCL.so.1.0.0"));
        assertNotNull(OpenClLibraryCheck.problem(List.of(dangling)));

        Path good = Files.createDirectories(tmp.resolve("good"));
        Files.createFile(good.resolve("libOpenCL.so.1"));
        Files.createSymbolicLink(good.resolve("libOpenCL.so"), good.resolve("libOpenCL.so.1"));
        assertNull(OpenClLibraryCheck.problem(List.of(emptyDir, good)), "the unversioned name resolves: fine");
    }

    @Test
    void searchPathCoversTheStandardDirectories() {
        List<Path> dirs = OpenClLibraryCheck.searchPath();
        assertTrue(dirs.contains(Path.of("/usr/lib")) && dirs.contains(Path.of("/usr/lib/x86_64-linux-gnu")), dirs.toString());
    }

    @Test
    void providerListsDevicesOrExplainsWhyNot() {
        OpenClBackendProvider p = new OpenClBackendProvider();
        assertEquals(Backend.OPENCL, p.backend());
        if (p.devices().isEmpty()) {
            assertNotNull(p.unavailableReason(), "no devices, so a reason");
        } else {
            assertNull(p.unavailableReason());
            for (int k = 0; k < p.devices().size(); k++) {
                Device d = p.devices().get(k).device();
                assertEquals("opencl:" + k, d.id());
                assertEquals(Backend.OPENCL, d.backend());
            }
            assertTrue(p.devices() == new OpenClBackendProvider().devices(), "devices are discovered once per process");
        }
    }

    @Test
    void registeredWithServiceLoader() {
        ClTest.device();
        BackendProvider found = Backends.get().providers().stream().filter(p -> p.backend() == Backend.OPENCL).findFirst().orElse(null);
        assertNotNull(found, "META-INF/services registers the OpenCL provider");
        assertNotNull(Backends.get().runtime("opencl:0"), "opencl:0 is a device of the registry");
        assertEquals(DeviceType.CPU, Backends.get().runtime("opencl:0").device().type(), "PoCL reports a CPU device");
    }

    @Test
    void emitNeedsNoDevice() {
        IrBuilder b = new IrBuilder("io.kiln.opencl.TestKernels", "empty", KernelKind.SINGLE);
        b.ret();
        KernelIR ir = b.build();
        OpenClBackendProvider p = new OpenClBackendProvider();
        String src = p.emit(ir, Target.OPENCL_C);
        assertTrue(src.contains("__kernel void io_kiln_opencl_TestKernels__empty(void)"), src);
        assertTrue(src.contains("#pragma OPENCL FP_CONTRACT OFF"), src);
        assertFalse(src.contains("cl_khr_fp64"), "no double, no fp64 extension: " + src);
        assertNull(p.emit(ir, Target.PTX));
        assertNull(p.emit(ir, Target.JVM));
    }

    @Test
    void doublesNeedFp64AndADeviceWithoutItRefusesClearly() {
        IrBuilder b = new IrBuilder("io.kiln.opencl.TestKernels", "usesDouble", KernelKind.SINGLE);
        ArrayRef a = b.array("a", ElementType.DOUBLE, Access.WRITE);
        b.store(a, i(0), Const.ofDouble(1.5));
        b.ret();
        KernelIR ir = b.build();
        OpenClEmitter.Output out = OpenClEmitter.emit(ir);
        assertTrue(out.fp64());
        assertTrue(out.source().contains("#pragma OPENCL EXTENSION cl_khr_fp64 : enable"), out.source());
        Device noFp64 = new Device("opencl:9", Backend.OPENCL, DeviceType.GPU, "Tiny GPU", "Nobody", 1, 1 << 20);
        KernelCompilationException e = assertThrows(KernelCompilationException.class,
                () -> OpenClDeviceRuntime.checkFeatures(ir, out, Set.of("cl_khr_byte_addressable_store")::contains, noFp64));
        assertTrue(e.getMessage().contains("cl_khr_fp64") && e.getMessage().contains("TestKernels.usesDouble")
                && e.getMessage().contains("Tiny GPU"), e.getMessage());
        OpenClDeviceRuntime.checkFeatures(ir, out, Set.of("cl_khr_fp64")::contains, noFp64); // fine with the extension
    }

    @Test
    void longAtomicsNeedTheInt64Extensions() {
        IrBuilder b = new IrBuilder("io.kiln.opencl.TestKernels", "longAtomic", KernelKind.SINGLE);
        ArrayRef a = b.array("a", ElementType.LONG, Access.READ_WRITE);
        Var old = b.var(Type.I64, "old");
        b.add(new Instr.Atomic(old, AtomicOp.MAX, a, i(0), Const.ofLong(5), null, 0));
        b.ret();
        KernelIR ir = b.build();
        OpenClEmitter.Output out = OpenClEmitter.emit(ir);
        assertTrue(out.int64MinMaxAtomics() && out.source().contains("cl_khr_int64_extended_atomics : enable"), out.source());
        Device d = new Device("opencl:9", Backend.OPENCL, DeviceType.GPU, "Old GPU", "Nobody", 1, 1 << 20);
        assertThrows(KernelCompilationException.class, () -> OpenClDeviceRuntime.checkFeatures(ir, out, Set.of()::contains, d));
    }

    @Test
    void literalsAreExact() {
        assertEquals("(-2147483647 - 1)", OpenClLiterals.intLiteral(Integer.MIN_VALUE));
        assertEquals("(-5)", OpenClLiterals.intLiteral(-5));
        assertEquals("(-9223372036854775807L - 1L)", OpenClLiterals.longLiteral(Long.MIN_VALUE));
        assertEquals("(-0.0f)", OpenClLiterals.floatLiteral(-0f));
        assertEquals("2.0f", OpenClLiterals.floatLiteral(2f));
        assertEquals("0x1.99999ap-4f", OpenClLiterals.floatLiteral(0.1f));
        assertEquals("as_float(0x7fc00000u)", OpenClLiterals.floatLiteral(Float.NaN));
        assertEquals("as_float(0xff800000u)", OpenClLiterals.floatLiteral(Float.NEGATIVE_INFINITY));
        assertEquals("0x0.000002p-126f", OpenClLiterals.floatLiteral(Float.MIN_VALUE));
        assertEquals("(-0.0)", OpenClLiterals.doubleLiteral(-0d));
        assertEquals("as_double(0x7ff0000000000000UL)", OpenClLiterals.doubleLiteral(Double.POSITIVE_INFINITY));
        assertEquals("0x1.921fb54442d18p1", OpenClLiterals.doubleLiteral(Math.PI));
    }

    @Test
    void javaNamesThatClashWithOpenClAreRenamed() {
        // Java locals and arrays named like OpenCL built-ins, keywords and macros must not shadow them.
        IrBuilder b = new IrBuilder("io.kiln.opencl.TestKernels", "clash", KernelKind.WORK_ITEM);
        b.context();
        ArrayRef sin = b.array("sin", ElementType.FLOAT, Access.READ_WRITE);
        ArrayRef global = b.array("global", ElementType.FLOAT, Access.READ);
        ArrayRef nan = b.array("NAN", ElementType.FLOAT, Access.READ);
        ArrayRef float4 = b.array("float4", ElementType.FLOAT, Access.READ);
        Var exp = b.scalar("exp", ScalarKind.FLOAT);
        Var idx = b.guardedIndex(b.length(sin));
        Var sqrt = b.var(Type.F32, "sqrt");
        b.add(new Instr.MathCall(sqrt, MathFunction.SIN, List.of(b.load(global, idx)), 0));
        Var r = b.binary(BinOp.ADD, b.binary(BinOp.ADD, sqrt, exp), b.binary(BinOp.ADD, b.load(nan, idx), b.load(float4, idx)));
        Var s2 = b.var(Type.F32, "sqrt");
        b.add(new Instr.MathCall(s2, MathFunction.SQRT, List.of(r), 0));
        b.store(sin, idx, s2);
        b.ret();
        String src = OpenClEmitter.emit(b.build()).source();
        assertFalse(src.matches("(?s).*\\bfloat\\* sin\\b.*"), src);
        assertFalse(src.matches("(?s).*\\bfloat\\* NAN\\b.*"), src);
        float[] out = {4f, 9f};
        float[] g = {0f, (float) (Math.PI / 2)};
        float[] n = {1f, 2f};
        float[] f4 = {10f, 20f};
        ClTest.runGrid(b.build(), 2, null, out, g, n, f4, 5f);
        assertEquals((float) Math.sqrt(0 + 5 + 1 + 10), out[0], 1e-6f);
        assertEquals((float) Math.sqrt(1 + 5 + 2 + 20), out[1], 1e-5f);
    }
}
