package io.kiln.loader;

import java.util.List;
import java.util.Map;

/**
 * What a loader did: the exact sample accounting, per-stage metrics and the bottleneck verdict. A
 * report taken while the loader runs is a snapshot ({@link #finished()} false); once it finished,
 * {@code delivered + skipped + abandoned == read} holds exactly; {@code abandoned} is 0 unless the
 * loader failed ({@link BadSamplePolicy#FAIL}) or was closed before the end.
 *
 * @param read               samples taken from the source (after sharding; not counting dropped ones)
 * @param delivered          samples handed to the consumer inside batches
 * @param skipped            samples left out under {@link BadSamplePolicy#SKIP}
 * @param abandoned          samples read but neither delivered nor skipped because the loader stopped early: the
 *                           sample that failed under {@link BadSamplePolicy#FAIL}, those in flight, batches not taken
 * @param dropped            samples not read because of {@link LastBatch#DROP}
 * @param padded             zero rows added by {@link LastBatch#PAD}
 * @param batches            batches handed to the consumer
 * @param epochs             epochs completed
 * @param skippedByKind      skipped samples per reason
 * @param failures           the skipped samples with their reasons (the first 10,000; {@code skippedByKind} counts all)
 * @param decoders           samples decoded per decoder ({@code "turbojpeg"}, {@code "turbojpeg 1/2"}, {@code "imageio"}, {@code "csv"})
 * @param stages             per-stage metrics
 * @param startNanos         {@link System#nanoTime()} when the loader started
 * @param elapsedNanos       time from start to the end (or to now)
 * @param deviceBusyFraction time at least one batch was on the device (its runs started, not ended), as a fraction of elapsed
 * @param deviceOverlapNanos time at least two batches were on the device at once: the copy of one beside the kernels of another
 * @param bottleneck         the verdict
 * @param listenerErrors     exceptions thrown by listeners (caught, not the loader's failure)
 * @param finished           whether the run is over (all epochs delivered, failed or closed)
 */
public record LoaderReport(long read, long delivered, long skipped, long abandoned, long dropped, long padded, long batches, int epochs,
                           Map<FailureKind, Long> skippedByKind, List<Failure> failures, Map<String, Long> decoders,
                           Map<Stage, StageMetrics> stages, long startNanos, long elapsedNanos, double deviceBusyFraction, long deviceOverlapNanos,
                           Bottleneck bottleneck, long listenerErrors, boolean finished) {

    /** Samples delivered per second of the run. */
    public double throughput() {
        return elapsedNanos <= 0 ? 0 : delivered * 1e9 / elapsedNanos;
    }

    /** Several lines for a log: counts, throughput, each stage's busy and wait time, the verdict. */
    public String summary() {
        StringBuilder s = new StringBuilder();
        s.append(String.format(java.util.Locale.ROOT, "samples: %d read, %d delivered, %d skipped%s%s%s in %d batches, %.3f s, %.1f samples/s%n",
                read, delivered, skipped, abandoned > 0 ? ", " + abandoned + " abandoned" : "", dropped > 0 ? ", " + dropped + " dropped" : "", padded > 0 ? ", " + padded + " padded" : "",
                batches, elapsedNanos / 1e9, throughput()));
        if (!skippedByKind.isEmpty()) s.append("skipped: ").append(skippedByKind).append('\n');
        if (!decoders.isEmpty()) s.append("decoders: ").append(decoders).append('\n');
        for (StageMetrics m : stages.values()) {
            s.append(String.format(java.util.Locale.ROOT, "  %-8s %3d %-7s %8d items  busy %8.3f s (%3.0f%%, %8.1f us/item)  wait %8.3f s  queue mean %.1f max %d of %d%n",
                    m.stage().name().toLowerCase(java.util.Locale.ROOT), m.threads(), m.stage() == Stage.READ ? "reads" : "threads",
                    m.items(), m.busyNanos() / 1e9, 100 * m.utilization(elapsedNanos), m.microsPerItem(), m.waitNanos() / 1e9,
                    m.meanQueueDepth(), m.maxQueueDepth(), m.queueCapacity()));
        }
        s.append(String.format(java.util.Locale.ROOT, "device: busy %.0f%% of the run, two or more batches on it %.3f s (%.0f%%)%n",
                100 * deviceBusyFraction, deviceOverlapNanos / 1e9, elapsedNanos <= 0 ? 0 : 100.0 * deviceOverlapNanos / elapsedNanos));
        s.append(bottleneck.verdict());
        return s.toString();
    }

    @Override
    public String toString() {
        return summary();
    }
}
