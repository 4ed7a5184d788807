package io.kiln;

/**
 * The code that {@link KernelCompiler#emit} produces. (In this package this enum shadows
 * {@code java.lang.annotation.Target}; annotations here spell the latter out in full.)
 */
public enum Target {
    /** Kiln's kernel IR as text: what every back end starts from. */
    IR,
    /** OpenCL C 1.2 source, as built for OpenCL devices. */
    OPENCL_C,
    /** PTX assembly for the CUDA driver. */
    PTX,
    /** A disassembly of the JVM bytecode of the CPU back end. */
    JVM
}
