/**
 * Kiln's kernel library: BLAS-style and image kernels written as ordinary Kiln kernels. Each kernel
 * is a static method that runs unchanged as plain Java and compiles to every Kiln back end.
 */
module io.kiln.kernels {
    requires transitive io.kiln.engine;
    // Optional: the cpu variants of the matrix products use it when it is resolved
    // (--add-modules jdk.incubator.vector) and run as plain Java when it is not.
    requires static jdk.incubator.vector;

    exports io.kiln.kernels;
    exports io.kiln.kernels.tabular;
    exports io.kiln.kernels.linalg;
    // Kiln reads kernel bytecode and method references reflectively.
    opens io.kiln.kernels to io.kiln.engine;
    opens io.kiln.kernels.tabular to io.kiln.engine;
    opens io.kiln.kernels.linalg to io.kiln.engine;
}
