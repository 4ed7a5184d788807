/**
 * Kiln in one module: {@code requires io.kiln.all;} gives the engine ({@code io.kiln}), the kernel
 * library ({@code io.kiln.kernels}) and the loader ({@code io.kiln.loader}); the {@code cpu} device's
 * back end ({@code io.kiln.cpu}) is resolved with it, so {@code Devices.get("cpu")} works without
 * naming it. On the class path the jar is empty and its dependencies do the same.
 */
module io.kiln.all {
    requires transitive io.kiln.engine;
    requires transitive io.kiln.kernels;
    requires transitive io.kiln.loader;
    // Found by ServiceLoader only: required so that it is in the module graph.
    requires io.kiln.cpu;
}
