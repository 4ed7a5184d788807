package io.kiln.loader;

/** The order in which a loader delivers batches. */
public enum Order {
    /**
     * Batch {@code k} of an epoch holds samples {@code k * batchSize ...} of the epoch's order (after
     * shuffling and sharding), and batches come in that order whatever the speed of each sample: a
     * reorder buffer keyed by batch number holds early batches back. The default.
     */
    ORDERED,
    /**
     * Batches come as soon as they are complete; each still holds the same samples as under
     * {@link #ORDERED}, only the order of batches may change. Hides one slow sample's latency.
     */
    UNORDERED
}
