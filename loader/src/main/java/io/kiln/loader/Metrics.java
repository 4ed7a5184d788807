package io.kiln.loader;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/** The counters of one run and the report made from them, with the bottleneck verdict. */
final class Metrics {
    static final int MAX_FAILURES = 10_000;

    final int workers;
    final int inFlight;
    final int prefetch;
    final int batchSize;
    volatile long startNanos;
    volatile long endNanos;

    final AtomicLong read = new AtomicLong();
    final AtomicLong delivered = new AtomicLong();
    final AtomicLong skipped = new AtomicLong();
    final AtomicLong dropped = new AtomicLong();
    final AtomicLong padded = new AtomicLong();
    final AtomicLong batches = new AtomicLong();
    final AtomicLong listenerErrors = new AtomicLong();

    final AtomicLong readBusy = new AtomicLong(), readWait = new AtomicLong(), readItems = new AtomicLong();
    final AtomicLong decodeBusy = new AtomicLong(), decodeItems = new AtomicLong();
    final AtomicLong assembleBusy = new AtomicLong(), assembleItems = new AtomicLong();
    final AtomicLong deviceBusy = new AtomicLong(), deviceWait = new AtomicLong(), deviceItems = new AtomicLong();
    final AtomicLong consumerBusy = new AtomicLong(), consumerWait = new AtomicLong(), consumerItems = new AtomicLong();
    final AtomicLong planWait = new AtomicLong();
    /** How long the consumer waited for its first batch: start-up (threads, JIT, kernel builds), not the steady state. */
    final AtomicLong firstWait = new AtomicLong();

    /** Batches on the device now, and since when the count was at least 1 and at least 2; guarded by {@code this}. */
    private int onDevice;
    private long busyFrom, overlapFrom;
    /** Time at least two batches were on the device at once. */
    final AtomicLong deviceOverlap = new AtomicLong();
    private final Depth deviceDepth = new Depth();

    private final Depth readDepth = new Depth(), decodeDepth = new Depth(), assembleDepth = new Depth(), readyDepth = new Depth();
    private final Map<FailureKind, LongAdder> byKind = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> decoders = new ConcurrentHashMap<>();
    private final List<Failure> failures = Collections.synchronizedList(new ArrayList<>());

    Metrics(int workers, int inFlight, int prefetch, int batchSize) {
        this.workers = workers;
        this.inFlight = inFlight;
        this.prefetch = prefetch;
        this.batchSize = batchSize;
    }

    void start() {
        startNanos = System.nanoTime();
    }

    private LoaderReport frozen;

    /**
     * The run ended: makes the final report once and gives it to the listener (an exception from the
     * listener is counted, not thrown); later calls do nothing.
     */
    void freeze(int epochs, String device, LoaderListener listener) {
        LoaderReport r;
        synchronized (this) {
            if (frozen != null) return;
            frozen = r = report(true, epochs, device);
        }
        try {
            listener.onEnd(r);
        } catch (RuntimeException e) {
            listenerErrors.incrementAndGet();
        }
    }

    /** The final report once {@link #freeze frozen}, else a snapshot of the running counters. */
    synchronized LoaderReport current(String device) {
        return frozen != null ? frozen : report(false, 0, device);
    }

    void skip(Failure f) {
        skipped.incrementAndGet();
        byKind.computeIfAbsent(f.kind(), k -> new LongAdder()).increment();
        synchronized (failures) {
            if (failures.size() < MAX_FAILURES) failures.add(f);
        }
    }

    void decoder(String name) {
        decoders.computeIfAbsent(name, k -> new LongAdder()).increment();
    }

    void inFlight(int n) {
        readDepth.add(n);
    }

    void decodeQueued(int n) {
        decodeDepth.add(n);
    }

    void assembleQueued(int n) {
        assembleDepth.add(n);
    }

    /** A batch's device runs started at {@code t}: the device is busy while any batch is on it. */
    synchronized void deviceStarted(long t) {
        onDevice++;
        if (onDevice == 1) busyFrom = t;
        if (onDevice == 2) overlapFrom = t;
        deviceDepth.add(onDevice);
    }

    /** A batch's device runs ended at {@code t}. */
    synchronized void deviceEnded(long t) {
        if (onDevice == 2) deviceOverlap.addAndGet(t - overlapFrom);
        if (onDevice == 1) deviceBusy.addAndGet(t - busyFrom);
        onDevice--;
    }

    /** The device's busy and overlapped time up to {@code now}, counting the stretches still open. */
    private synchronized long[] deviceTimes(long now) {
        return new long[] {deviceBusy.get() + (onDevice >= 1 ? now - busyFrom : 0), deviceOverlap.get() + (onDevice >= 2 ? now - overlapFrom : 0)};
    }

    void readyQueued(int n) {
        readyDepth.add(n);
    }

    /** A queue's depth, sampled at each hand-over. */
    private static final class Depth {
        private final LongAdder sum = new LongAdder();
        private final LongAdder count = new LongAdder();
        private final AtomicLong max = new AtomicLong();

        void add(int n) {
            sum.add(n);
            count.increment();
            max.accumulateAndGet(n, Math::max);
        }

        double mean() {
            long c = count.sum();
            return c == 0 ? 0 : (double) sum.sum() / c;
        }

        int max() {
            return (int) max.get();
        }
    }

    LoaderReport report(boolean finished, int epochs, String device) {
        long now = System.nanoTime();
        if (finished && endNanos == 0) endNanos = now;
        long end = finished ? endNanos : now;
        long elapsed = startNanos == 0 ? 0 : end - startNanos;
        Map<Stage, StageMetrics> stages = new LinkedHashMap<>();
        long decodeIdle = Math.max(0, workers * elapsed - decodeBusy.get());
        stages.put(Stage.READ, new StageMetrics(Stage.READ, inFlight, readItems.get(), readBusy.get(), readWait.get(),
                readDepth.mean(), readDepth.max(), inFlight));
        stages.put(Stage.DECODE, new StageMetrics(Stage.DECODE, workers, decodeItems.get(), decodeBusy.get(), decodeIdle,
                decodeDepth.mean(), decodeDepth.max(), prefetch * batchSize));
        stages.put(Stage.ASSEMBLE, new StageMetrics(Stage.ASSEMBLE, 1, assembleItems.get(), assembleBusy.get(), 0,
                assembleDepth.mean(), assembleDepth.max(), prefetch));
        long[] dt = deviceTimes(end);
        stages.put(Stage.DEVICE, new StageMetrics(Stage.DEVICE, 1, deviceItems.get(), dt[0], deviceWait.get(),
                deviceDepth.mean(), deviceDepth.max(), prefetch));
        stages.put(Stage.CONSUMER, new StageMetrics(Stage.CONSUMER, 1, consumerItems.get(), consumerBusy.get(), consumerWait.get(),
                readyDepth.mean(), readyDepth.max(), prefetch + 2));
        Map<FailureKind, Long> kinds = new EnumMap<>(FailureKind.class);
        byKind.forEach((k, v) -> kinds.put(k, v.sum()));
        Map<String, Long> dec = new TreeMap<>();
        decoders.forEach((k, v) -> dec.put(k, v.sum()));
        List<Failure> fl;
        synchronized (failures) {
            fl = List.copyOf(failures);
        }
        long r = read.get(), d = delivered.get(), s = skipped.get();
        double deviceFraction = elapsed <= 0 ? 0 : Math.min(1, dt[0] / (double) elapsed);
        return new LoaderReport(r, d, s, finished ? r - d - s : 0, dropped.get(), padded.get(), batches.get(), epochs,
                Map.copyOf(kinds), fl, Map.copyOf(dec), Collections.unmodifiableMap(stages), startNanos, elapsed, deviceFraction, dt[1],
                verdict(stages, elapsed, firstWait.get(), device), listenerErrors.get(), finished);
    }

    /**
     * The verdict: the consumer limits when, after its first batch, it hardly ever waited for one (the
     * wait for the first batch is start-up: threads, JIT, kernel builds); otherwise the stage
     * with the highest utilisation (busy time over threads x elapsed; for reads, the mean share of the
     * read lanes in use when a read started).
     */
    static Bottleneck verdict(Map<Stage, StageMetrics> s, long elapsed, long firstWait, String device) {
        StageMetrics rd = s.get(Stage.READ), dc = s.get(Stage.DECODE), dv = s.get(Stage.DEVICE), cs = s.get(Stage.CONSUMER);
        if (elapsed <= 0 || cs.items() == 0) {
            return new Bottleneck(Stage.DECODE, "no verdict yet: no batch was delivered", "wait for the first batches");
        }
        double readU = rd.utilization(elapsed);
        double decodeU = dc.utilization(elapsed);
        double deviceU = dv.utilization(elapsed);
        long steady = Math.max(1, elapsed - firstWait);
        double consumerWaited = Math.min(1, Math.max(0, cs.waitNanos() - firstWait) / (double) steady);
        String numbers = String.format(Locale.ROOT,
                "decode %.0f%% busy (%d threads, %.0f us/sample); device %s %.0f%% busy (%.1f ms/batch); reads %.0f%% busy (%d lanes); consumer waited %.0f%% of %.2f s after the first batch",
                100 * decodeU, dc.threads(), dc.microsPerItem(), device, 100 * deviceU, dv.microsPerItem() / 1000, 100 * readU, rd.threads(),
                100 * consumerWaited, steady / 1e9);
        if (consumerWaited < 0.10) {
            return new Bottleneck(Stage.CONSUMER, "consumer limits: " + numbers,
                    "the loader is ahead: speed up the consumer (the model step), or give the loader fewer cores");
        }
        if (readU >= decodeU && readU >= deviceU) {
            return new Bottleneck(Stage.READ, "I/O limits: " + numbers,
                    "raise inFlightReads (more reads in flight), or read from faster storage");
        }
        if (deviceU > decodeU) {
            return new Bottleneck(Stage.DEVICE, "device limits: " + numbers,
                    "use a faster device or a cheaper pipeline; on cpu the device shares the cores with decoding");
        }
        return new Bottleneck(Stage.DECODE, "decode limits: " + numbers,
                "add workers or cores, use TurboJPEG (Decoder.AUTO with libturbojpeg0), or dctScaling(true) for large photos");
    }
}
