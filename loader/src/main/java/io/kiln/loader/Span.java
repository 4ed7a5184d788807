package io.kiln.loader;

/**
 * A stretch of work of one stage on one thread, for a timeline (for example a Chrome trace: one track
 * per {@code thread}). Times are {@link System#nanoTime()}; subtract {@link LoaderReport#startNanos()}
 * for times since the loader started.
 *
 * <p>The loader emits spans of {@link Stage#READ} (one per file read, on lane tracks
 * {@code <name>-read-<lane>}), {@link Stage#DECODE} (one per sample, on the decode thread's track),
 * {@link Stage#ASSEMBLE} and {@link Stage#DEVICE} (one per batch; the device's on a track named
 * {@code device <id>}). It emits no {@link Stage#CONSUMER} spans: what the consumer does with a batch
 * is the caller's to trace; the time the consumer waited is in {@link LoaderReport#stages()}.
 *
 * @param stage      the stage
 * @param thread     the thread's name ({@code kiln-loader-1-decode-0}, ...), or the device's queue ({@code device cpu})
 * @param startNanos when the work started
 * @param endNanos   when it ended
 * @param epoch      the epoch, from 0
 * @param batch      the batch number within the epoch, or -1
 * @param sample     the sample's source index, or -1 for work on a whole batch
 * @param label      a short description (the sample id, {@code batch 12}, the decoder)
 */
public record Span(Stage stage, String thread, long startNanos, long endNanos, int epoch, long batch, long sample, String label) {

    /** The span's length in nanoseconds. */
    public long nanos() {
        return endNanos - startNanos;
    }
}
