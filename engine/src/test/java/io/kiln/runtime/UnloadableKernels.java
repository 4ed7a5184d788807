package io.kiln.runtime;

import io.kiln.KernelMethod;

/** A kernel class that {@link CapabilityAndCacheTest} loads with a throwaway class loader. */
final class UnloadableKernels {
    private UnloadableKernels() {
    }

    static void inc(@FakeBackend.ReadsWrites int[] v) {
        v[0] += 1;
    }

    static KernelMethod.Of1<int[]> reference() {
        return UnloadableKernels::inc;
    }
}
