package io.kiln.loader;

/** What happens to an epoch's last batch when the samples do not fill it. */
public enum LastBatch {
    /** Deliver it smaller: {@link Batch#size()} is the number of samples left. The default. */
    KEEP,
    /** Leave those samples out of this epoch (they are not read; {@link LoaderReport} counts them as dropped). */
    DROP,
    /**
     * Deliver a full-sized tensor: the rows after the last sample are zeros, {@link Batch#size()} is
     * the number of real samples and {@link Batch#padding()} the number of zero rows.
     */
    PAD
}
