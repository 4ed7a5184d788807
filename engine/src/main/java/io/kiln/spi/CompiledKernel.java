package io.kiln.spi;

import io.kiln.ir.KernelIR;

/** A kernel built for one device. Released by {@link #close()} when the engine drops it. */
public interface CompiledKernel extends AutoCloseable {

    /** The IR it was built from. */
    KernelIR ir();

    /** The generated source (OpenCL C, PTX, or a description for the CPU back end). */
    String source();

    @Override
    void close();
}
