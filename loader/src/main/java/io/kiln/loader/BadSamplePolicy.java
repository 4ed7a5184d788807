package io.kiln.loader;

/** What the loader does with a sample it cannot read, decode or transform. */
public enum BadSamplePolicy {
    /**
     * Leave the sample out: its batch is one sample smaller and lists it in {@link Batch#failures()},
     * the report counts it under its {@link FailureKind}. The default.
     */
    SKIP,
    /**
     * Stop the pipeline: the consumer's next call throws a {@link LoaderException} naming the sample
     * and the reason; every thread stops and every buffer is released.
     */
    FAIL
}
