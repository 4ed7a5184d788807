package io.kiln.opencl;

import io.kiln.frontend.FrontEnd;
import io.kiln.frontend.OffHeapKernels;
import io.kiln.openclc.OpenClEmitter;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The OpenCL C of off-heap kernels follows the kernel ABI: {@code __global T* p, long p_len}. No device needed. */
class OffHeapOpenClEmitterTest {

    static String source(String kernel) {
        return OpenClEmitter.emit(FrontEnd.compile(Arrays.stream(OffHeapKernels.class.getDeclaredMethods())
                .filter(m -> m.getName().equals(kernel)).findFirst().orElseThrow())).source();
    }

    @Test
    void offHeapParametersArePointerAndLongLength() {
        String s = source("saxpy");
        assertTrue(s.contains("__global float* x /* FloatArray x, READ */,\n    const long x_len"), s);
        assertTrue(s.contains("__global float* y /* FloatArray y, READ_WRITE */,\n    const long y_len"), s);
        assertFalse(s.contains("const int x_len"), s);
        // the long loop's first index and stride are long, and the index is used as it is
        assertTrue(s.matches("(?s).*= \\(long\\)get_global_id\\(0\\).*"), s);
        assertTrue(s.matches("(?s).*= \\(long\\)get_global_size\\(0\\).*"), s);
        assertTrue(s.matches("(?s).*long \\w+ = y_len;.*") || s.matches("(?s).*\\w+ = y_len;.*"), s);
    }

    @Test
    void javaAndOffHeapArraysMixInOneSignature() {
        String s = source("mixed");
        assertTrue(s.contains("__global float* a /* float[] a, READ */,\n    const int a_len"), s);
        assertTrue(s.contains("__global float* b /* FloatArray b, READ */,\n    const long b_len"), s);
        assertTrue(s.contains("__global float* c /* float[] c, WRITE */,\n    const int c_len"), s);
        assertTrue(s.contains("__global double* d /* DoubleArray d, READ_WRITE */,\n    const long d_len"), s);
        String all = source("allTypes");
        for (String p : new String[] {"char* b /* ByteArray", "short* s /* ShortArray", "int* in /* IntArray", "long* l /* LongArray",
                "double* d /* DoubleArray", "long* out /* LongArray"}) {
            assertTrue(all.contains("__global " + p), p + "\n" + all);
        }
    }

    @Test
    void atomicsAndReductionsOnOffHeapArrays() {
        String s = source("atomics");
        assertTrue(s.contains("atomic_add(&bins["), s);
        assertTrue(s.contains("atom_add(&total["), s);
        assertTrue(s.contains("cl_khr_int64_base_atomics"), s);
        String r = source("sum");
        assertTrue(r.contains("__global float* total /* FloatArray total, READ_WRITE */,\n    const long total_len"), r);
    }
}
