package io.kiln.loader;

/**
 * What one stage did during a run.
 *
 * @param stage          the stage
 * @param threads        threads (or, for {@link Stage#READ}, reads in flight at most) the stage may use
 * @param items          samples (or batches, for {@link Stage#ASSEMBLE}, {@link Stage#DEVICE}, {@link Stage#CONSUMER}) it finished
 * @param busyNanos      time its threads spent working, summed over threads
 * @param waitNanos      time its threads spent waiting for input or for room downstream, summed over threads
 * @param meanQueueDepth the mean number of items waiting in front of the stage, sampled at each hand-over
 * @param maxQueueDepth  the most items that waited in front of it at once
 * @param queueCapacity  the bound of that queue
 */
public record StageMetrics(Stage stage, int threads, long items, long busyNanos, long waitNanos,
                           double meanQueueDepth, int maxQueueDepth, int queueCapacity) {

    /** Busy time as a fraction of {@code threads x elapsed}: 1 means every thread of the stage worked all the time. */
    public double utilization(long elapsedNanos) {
        return elapsedNanos <= 0 || threads <= 0 ? 0 : Math.min(1.0, busyNanos / ((double) elapsedNanos * threads));
    }

    /** Mean busy time per item in microseconds. */
    public double microsPerItem() {
        return items == 0 ? 0 : busyNanos / 1e3 / items;
    }
}
