/**
 * Kiln's engine: the task-graph API ({@code io.kiln}), the kernel IR and the back-end SPI for
 * back ends in other modules.
 */
module io.kiln.engine {
    requires transitive java.logging;
    requires jocl;

    exports io.kiln;
    exports io.kiln.ir;
    exports io.kiln.spi;
    // Shared lowering (io.kiln.lowering.ReductionTree) for the cpu back end in its own module; not API.
    exports io.kiln.lowering to io.kiln.cpu;

    uses io.kiln.spi.BackendProvider;
    provides io.kiln.spi.BackendProvider with io.kiln.opencl.OpenClBackendProvider, io.kiln.cuda.CudaBackendProvider;
}
