/**
 * Kiln's CPU back end: kernels compiled from the kernel IR to JVM bytecode and run on a fork-join
 * pool over the caller's own arrays. Found by the engine through {@link java.util.ServiceLoader}.
 */
module io.kiln.cpu {
    requires io.kiln.engine;
    // Optional: parallel loops of elementwise kernels run as Vector API loops when it is resolved
    // (--add-modules jdk.incubator.vector), and as scalar loops when it is not (see VectorLoops).
    requires static jdk.incubator.vector;
    // Optional: read only to know whether -XX:-DontCompileHugeMethods is set (CpuKernel.hugeMethodsInterpreted).
    requires static jdk.management;

    provides io.kiln.spi.BackendProvider with io.kiln.cpu.CpuBackendProvider;
}
