package io.kiln;

/** The kind of back end a {@link Device} runs kernels through. */
public enum Backend {
    /** NVIDIA GPUs through the CUDA driver, running PTX that Kiln generates. */
    CUDA("cuda"),
    /** Any OpenCL device through JOCL, running OpenCL C that Kiln generates. */
    OPENCL("opencl"),
    /** The JVM itself: kernels compiled to JVM bytecode and run on a fork-join pool. */
    CPU("cpu");

    private final String idPrefix;

    Backend(String idPrefix) {
        this.idPrefix = idPrefix;
    }

    /** The prefix of device ids of this back end ({@code cuda}, {@code opencl}, {@code cpu}). */
    public String idPrefix() {
        return idPrefix;
    }
}
