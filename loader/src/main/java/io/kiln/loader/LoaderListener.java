package io.kiln.loader;

/**
 * Hooks into a running loader, for progress bars, logs and timelines. Methods are called on the
 * loader's threads, possibly at once from several: keep them short and thread-safe (a slow listener
 * slows the stage that calls it). An exception thrown by a listener is not the loader's failure: it
 * is caught and counted in {@link LoaderReport#listenerErrors()}.
 */
public interface LoaderListener {

    /** Whether to record {@link Span}s at all (off by default: a span per sample costs an allocation). */
    default boolean wantsSpans() {
        return false;
    }

    /** A stage finished a piece of work (only when {@link #wantsSpans()}). */
    default void onSpan(Span span) {
    }

    /** A batch was handed to the consumer (called on the consumer's thread, in {@code next()}). */
    default void onBatch(BatchInfo info) {
    }

    /** A sample failed; under {@link BadSamplePolicy#SKIP} it is left out, under {@code FAIL} the loader stops. */
    default void onFailure(Failure failure) {
    }

    /** The loader finished (all epochs delivered), failed or was closed; {@code report} is final. */
    default void onEnd(LoaderReport report) {
    }
}
