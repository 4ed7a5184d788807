package io.kiln.cpu;

import io.kiln.ir.KernelIR;
import io.kiln.spi.LaunchGeometry;

/** Runs hand-built IR on a private two-thread cpu device. */
final class CpuTesting {
    private CpuTesting() {
    }

    static final CpuDeviceRuntime RUNTIME = new CpuDeviceRuntime(2);

    static CpuKernel build(KernelIR ir) {
        return (CpuKernel) RUNTIME.compile(ir);
    }

    /** Builds and runs {@code ir} once with the given sizes (loop trip counts or grid). */
    static CpuKernel run(KernelIR ir, Object[] args, long... sizes) {
        CpuKernel k = build(ir);
        launch(k, args, 0, null, sizes);
        return k;
    }

    static void launch(CpuKernel k, Object[] args, int chunks, long[] local, long... sizes) {
        k.forcedChunks = chunks;
        try (CpuSession s = (CpuSession) RUNTIME.openSession()) {
            s.launch(k, args, new LaunchGeometry(sizes, local));
            s.finish();
        }
    }
}
