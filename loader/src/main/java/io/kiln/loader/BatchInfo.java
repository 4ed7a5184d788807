package io.kiln.loader;

/**
 * Progress after a batch was handed to the consumer (for progress bars).
 *
 * @param epoch          the batch's epoch
 * @param number         the batch's number within the epoch
 * @param size           samples in it
 * @param failed         samples of its range that were skipped
 * @param delivered      samples delivered so far, all epochs
 * @param skipped        samples skipped so far
 * @param expected       samples this loader will read in all (after sharding, dropping), or -1 when the source is streamed
 * @param elapsedNanos   time since the loader started
 */
public record BatchInfo(int epoch, long number, int size, int failed, long delivered, long skipped, long expected, long elapsedNanos) {

    /** Samples per second delivered so far. */
    public double samplesPerSecond() {
        return elapsedNanos <= 0 ? 0 : delivered * 1e9 / elapsedNanos;
    }
}
