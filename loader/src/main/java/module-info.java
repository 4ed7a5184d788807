/**
 * Kiln's concurrent host-side loader: files, byte arrays and CSV rows to batches of tensors. Reads
 * run on virtual threads (bounded), decoding on a fixed pool of platform threads, the image pipeline
 * on a Kiln device; bounded queues join the stages and a report says which one limits the run.
 */
module io.kiln.loader {
    requires transitive io.kiln.kernels;
    requires java.desktop;
    requires org.apache.commons.csv;
    // Optional: only ArrowLoader uses Arrow, and it says what to add when Arrow is missing.
    requires static org.apache.arrow.vector;
    requires static org.apache.arrow.memory.core;

    exports io.kiln.loader;
}
