package io.kiln.loader;

import io.kiln.Bindings;
import io.kiln.ExecutionPlan;
import io.kiln.FloatArray;
import io.kiln.RunResult;
import io.kiln.kernels.Image;
import io.kiln.kernels.ImageBatch;
import io.kiln.kernels.ImagePipeline;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The running pipeline of an {@link ImageLoader}:
 * <pre>
 *  plan thread ──► read lanes (virtual threads, ≤ inFlightReads) ──► decode pool (workers) ──┐
 *      ▲  takes a free slot of the ring (backpressure)                                        │ slot complete
 *      │                                                                                      ▼
 *  free slots ◄── Batch.close() ◄── consumer ◄── ready queue ◄── deliver thread ◄── device thread
 *                                                                (waits for runs, in order)  (reorder, prepare, runAsync)
 * </pre>
 * The device thread starts each batch's runs (the pipeline's plan of the slot, then the user's plan)
 * without waiting for them, so up to {@code prefetch} batches are on the device at once; the deliver
 * thread waits for them in the order they started.
 * Every queue is bounded: samples in flight are at most {@code prefetch x batchSize}, because every
 * sample belongs to a slot of the ring and the plan thread waits for a free slot.
 */
final class ImageRun implements AutoCloseable {
    private static final AtomicInteger IDS = new AtomicInteger();

    private final ImageLoader.Builder cfg;
    private final ImagePipeline pipeline;
    private final Decoder jpegDecoder;
    private final String prefix;
    private final int channels;
    private final long perSample;
    private final LoaderListener listener;
    private final boolean spans;
    final Metrics metrics;

    private final Slot[] slots;
    /** Per slot, the pipeline's plan, built once and rebound to every batch of the slot. */
    private final ImagePipeline.BatchPlan[] pipelinePlans;
    /** Per slot, the user's plan made from {@code devicePlan(graph, input)}, or null. */
    private final ExecutionPlan[] userPlans;
    /** Batches whose device runs were started, in order; the deliver thread takes them. At most one per slot, plus the end. */
    private final BlockingQueue<InFlight> inflight;
    private final BlockingQueue<Slot> free;
    private final BlockingQueue<Slot> complete;
    private final Delivery delivery;
    private final ArrayBlockingQueue<Integer> lanes;
    private final ThreadPoolExecutor decodePool;
    private final List<Thread> threads = new ArrayList<>();
    private final ConcurrentHashMap<Thread, Boolean> readers = new ConcurrentHashMap<>();

    private final AtomicInteger started = new AtomicInteger();
    private volatile boolean stopping;
    private volatile LoaderException failure;
    private volatile boolean finished;
    private volatile LoaderReport finalReport;
    private long epochsDone;
    private final Object endLock = new Object();

    /** Batches the plan thread made in all, set before it queues {@link Slot#LAST}. */
    private volatile long totalBatches = -1;

    ImageRun(ImageLoader.Builder cfg) {
        this.cfg = cfg;
        this.pipeline = cfg.pipeline;
        this.jpegDecoder = cfg.decoder == Decoder.IMAGEIO || !Decoder.turboJpegAvailable() ? Decoder.IMAGEIO : Decoder.TURBOJPEG;
        this.prefix = cfg.name + "-" + IDS.incrementAndGet();
        this.channels = pipeline.channels();
        this.perSample = (long) channels * pipeline.width() * pipeline.height();
        this.listener = cfg.listener;
        this.spans = safeWantsSpans(cfg.listener);
        this.metrics = new Metrics(cfg.workers, cfg.inFlightReads, cfg.prefetch, cfg.batchSize);
        this.slots = new Slot[cfg.prefetch];
        this.pipelinePlans = new ImagePipeline.BatchPlan[cfg.prefetch];
        this.userPlans = cfg.devicePlanGraph == null ? null : new ExecutionPlan[cfg.prefetch];
        this.inflight = new ArrayBlockingQueue<>(cfg.prefetch + 1);
        this.free = new ArrayBlockingQueue<>(cfg.prefetch);
        this.complete = new ArrayBlockingQueue<>(cfg.prefetch + 1);
        this.delivery = new Delivery(cfg.prefetch, metrics, cfg.listener, this::expectedSamples,
                new Delivery.Run(() -> failure, () -> stopping, this::stopped, this::finish));
        this.lanes = new ArrayBlockingQueue<>(cfg.inFlightReads);
        for (int i = 0; i < cfg.inFlightReads; i++) lanes.add(i);
        AtomicInteger decodeIds = new AtomicInteger();
        this.decodePool = new ThreadPoolExecutor(cfg.workers, cfg.workers, 0, TimeUnit.MILLISECONDS,
                new ArrayBlockingQueue<>(cfg.prefetch * cfg.batchSize + 1),
                r -> {
                    Thread t = Thread.ofPlatform().name(prefix + "-decode-" + decodeIds.getAndIncrement()).daemon().unstarted(() -> {
                        try {
                            r.run();
                        } finally {
                            Decoders.closeThreadDecoder();
                        }
                    });
                    return t;
                });
    }

    private static boolean safeWantsSpans(LoaderListener l) {
        try {
            return l.wantsSpans();
        } catch (RuntimeException e) {
            return false;
        }
    }

    Decoder jpegDecoder() {
        return jpegDecoder;
    }

    // ---------------------------------------------------------------------------------------------
    // start and the consumer's side

    Iterator<Batch> start() {
        if (stopping) throw new IllegalStateException("the loader is closed: build a new one");
        if (started.getAndIncrement() != 0) {
            throw new IllegalStateException("the loader's iterator was already taken: an ImageLoader runs once; build another for a second run");
        }
        metrics.start();
        try {
            for (int i = 0; i < slots.length; i++) {
                slots[i] = new Slot(i, FloatArray.allocatePinned(cfg.batchSize * perSample, cfg.device), cfg.batchSize, channels);
                pipelinePlans[i] = pipeline.batchPlan(cfg.batchSize, slots[i].out, cfg.device);
                if (userPlans != null) userPlans[i] = cfg.devicePlanGraph.plan(cfg.device);
                free.add(slots[i]);
            }
        } catch (RuntimeException e) {
            releaseSlots();
            throw e;
        }
        decodePool.prestartAllCoreThreads();
        Thread plan = Thread.ofPlatform().name(prefix + "-plan").daemon().unstarted(this::planLoop);
        Thread dev = Thread.ofPlatform().name(prefix + "-device").daemon().unstarted(this::deviceLoop);
        Thread out = Thread.ofPlatform().name(prefix + "-deliver").daemon().unstarted(this::deliverLoop);
        threads.add(plan);
        threads.add(dev);
        threads.add(out);
        plan.start();
        dev.start();
        out.start();
        return delivery.iterator();
    }

    /** Stops every thread and freezes the report before the failure reaches the consumer. */
    private LoaderException stopped(LoaderException e) {
        shutdown();
        end();
        return e;
    }

    // ---------------------------------------------------------------------------------------------
    // the plan thread: order, shuffle, shard, batches, reads

    private void planLoop() {
        long seq = 0;
        try {
            for (int epoch = 0; epoch < cfg.epochs && !stopping; epoch++) {
                seq = cfg.source.isListed() ? planListed(epoch, seq) : planStreamed(epoch, seq);
            }
            totalBatches = seq;
            if (!stopping) complete.put(Slot.LAST);
        } catch (InterruptedException e) {
            // closing
        } catch (LoaderException e) {
            fail(e);
        } catch (RuntimeException | Error e) {
            fail(new LoaderException("the loader's plan thread failed: " + e, e));
        }
    }

    private long planListed(int epoch, long seq) throws InterruptedException {
        List<Sample> all = cfg.source.listed();
        long[] mine = SampleOrder.of(all.size(), epoch, cfg.shuffle, cfg.seed, cfg.rank, cfg.world);
        if (mine.length > cfg.limit) mine = java.util.Arrays.copyOf(mine, (int) cfg.limit);
        int b = cfg.batchSize;
        long full = mine.length / b;
        int rest = (int) (mine.length % b);
        long batches = full + (rest > 0 && cfg.lastBatch != LastBatch.DROP ? 1 : 0);
        if (cfg.lastBatch == LastBatch.DROP) metrics.dropped.addAndGet(rest);
        for (long k = 0; k < batches && !stopping; k++) {
            int from = (int) (k * b);
            int count = (int) Math.min(b, mine.length - from);
            Slot slot = takeFree();
            slot.assign(epoch, k, seq++, count, cfg.lastBatch == LastBatch.PAD ? b - count : 0);
            for (int i = 0; i < count; i++) {
                int idx = (int) mine[from + i];
                slot.indices[i] = idx;
                slot.samples[i] = all.get(idx);
            }
            dispatch(slot);
        }
        return seq;
    }

    private long planStreamed(int epoch, long seq) throws InterruptedException {
        Iterator<Sample> it;
        try {
            it = cfg.source.open();
        } catch (RuntimeException e) {
            throw new LoaderException("cannot open " + cfg.source + ": " + e, e);
        }
        long index = 0, k = 0;
        int b = cfg.batchSize;
        Sample[] pending = new Sample[b];
        long[] pendingIdx = new long[b];
        int count = 0;
        long taken = 0;
        while (!stopping) {
            boolean more;
            try {
                more = taken < cfg.limit && it.hasNext();
            } catch (RuntimeException e) {
                throw new LoaderException("the source " + cfg.source + " failed after " + index + " samples: " + e, e);
            }
            if (more) {
                long i = index++;
                Sample s;
                try {
                    s = it.next();
                    if (s == null) throw new NullPointerException("the iterator gave null");
                } catch (RuntimeException e) {
                    s = null;
                    if (i % cfg.world == cfg.rank) {
                        metrics.read.incrementAndGet();
                        record(new Failure(i, "#" + i, epoch, Stage.READ, FailureKind.UNREADABLE, "the source's next() threw " + e), null, e);
                    }
                    continue;
                }
                if (i % cfg.world != cfg.rank) continue;
                taken++;
                pending[count] = s;
                pendingIdx[count++] = i;
                if (count < b) continue;
            } else if (count == 0) {
                break;
            } else if (cfg.lastBatch == LastBatch.DROP) {
                metrics.dropped.addAndGet(count);
                break;
            }
            Slot slot = takeFree();
            slot.assign(epoch, k++, seq++, count, !more && cfg.lastBatch == LastBatch.PAD ? b - count : 0);
            System.arraycopy(pendingIdx, 0, slot.indices, 0, count);
            System.arraycopy(pending, 0, slot.samples, 0, count);
            java.util.Arrays.fill(pending, null);
            count = 0;
            dispatch(slot);
            if (!more) break;
        }
        return seq;
    }

    private Slot takeFree() throws InterruptedException {
        long t0 = System.nanoTime();
        Slot s = free.take();
        metrics.planWait.addAndGet(System.nanoTime() - t0);
        if (stopping) throw new InterruptedException();
        return s;
    }

    /** Starts the reads of a slot's samples: bytes in memory go straight to decoding, files to a read lane. */
    private void dispatch(Slot slot) throws InterruptedException {
        for (int i = 0; i < slot.count; i++) {
            if (stopping) throw new InterruptedException();
            metrics.read.incrementAndGet();
            Sample s = slot.samples[i];
            int pos = i;
            if (s.data() != null) {
                metrics.readItems.incrementAndGet();
                submitDecode(slot, pos, s.data());
                continue;
            }
            long t0 = System.nanoTime();
            Integer lane = lanes.take();
            long t1 = System.nanoTime();
            metrics.readWait.addAndGet(t1 - t0);
            metrics.inFlight(cfg.inFlightReads - lanes.size());
            Thread t = Thread.ofVirtual().name(prefix + "-read-" + lane).unstarted(() -> {
                try {
                    readOne(slot, pos, lane);
                } finally {
                    readers.remove(Thread.currentThread());
                    lanes.add(lane);
                }
            });
            readers.put(t, Boolean.TRUE);
            t.start();
        }
    }

    private void readOne(Slot slot, int pos, int lane) {
        Sample s = slot.samples[pos];
        long t0 = System.nanoTime();
        byte[] data;
        try {
            data = Files.readAllBytes(s.path());
        } catch (IOException | RuntimeException e) {
            long t1 = System.nanoTime();
            metrics.readBusy.addAndGet(t1 - t0);
            if (stopping) return;
            sampleFailed(slot, pos, Stage.READ, FailureKind.UNREADABLE, describe(e), e);
            return;
        }
        long t1 = System.nanoTime();
        metrics.readBusy.addAndGet(t1 - t0);
        metrics.readItems.incrementAndGet();
        span(Stage.READ, prefix + "-read-" + lane, t0, t1, slot, slot.indices[pos], s.id());
        if (stopping) return;
        try {
            submitDecode(slot, pos, data);
        } catch (InterruptedException e) {
            // closing
        }
    }

    private static String describe(Throwable e) {
        if (e instanceof java.nio.file.NoSuchFileException) return "no such file";
        if (e instanceof java.nio.file.AccessDeniedException) return "permission denied";
        if (e instanceof java.nio.file.FileSystemException f && f.getReason() != null) return f.getReason();
        return e.getMessage() == null ? e.toString() : e.getMessage();
    }

    private void submitDecode(Slot slot, int pos, byte[] data) throws InterruptedException {
        metrics.decodeQueued(decodePool.getQueue().size());
        Runnable task = () -> decodeOne(slot, pos, data);
        // never rejected: at most prefetch x batchSize samples are in flight, and the queue holds that many
        // straight into the pool's queue (its threads are all started), so that a full queue blocks instead of rejecting
        decodePool.getQueue().put(task);
    }

    // ---------------------------------------------------------------------------------------------
    // the decode pool

    private void decodeOne(Slot slot, int pos, byte[] data) {
        if (stopping) return;
        Sample s = slot.samples[pos];
        long t0 = System.nanoTime();
        try {
            Decoders.Decoded d = Decoders.decode(data, jpegDecoder, channels, cfg.maxPixels,
                    cfg.dctScaling ? Math.max(pipeline.width(), pipeline.height()) : 0, slot);
            if (cfg.sampleTransform != null) d = transform(d, slot, pos, s);
            slot.put(pos, d);
            long t1 = System.nanoTime();
            metrics.decodeBusy.addAndGet(t1 - t0);
            metrics.decodeItems.incrementAndGet();
            metrics.decoder(d.decoder());
            span(Stage.DECODE, Thread.currentThread().getName(), t0, t1, slot, slot.indices[pos], s.id());
        } catch (DecodeException e) {
            metrics.decodeBusy.addAndGet(System.nanoTime() - t0);
            sampleFailed(slot, pos, Stage.DECODE, e.kind, e.getMessage(), e);
            return;
        } catch (RuntimeException | StackOverflowError | OutOfMemoryError e) {
            metrics.decodeBusy.addAndGet(System.nanoTime() - t0);
            sampleFailed(slot, pos, Stage.DECODE, FailureKind.DECODER_CRASH, e.toString(), e);
            return;
        }
        sampleDone(slot);
    }

    private final ThreadLocal<SplittableRandom> workerRandom = new ThreadLocal<>();
    private final AtomicLong workerStreams = new AtomicLong();

    private Decoders.Decoded transform(Decoders.Decoded d, Slot slot, int pos, Sample s) {
        SplittableRandom r = workerRandom.get();
        if (r == null) {
            r = new SplittableRandom(SampleOrder.mix(cfg.seed ^ 0x5DEECE66DL, 1000 + workerStreams.getAndIncrement()));
            workerRandom.set(r);
        }
        Image in = d.toImage(slot.pixels, channels);
        Image out;
        try {
            out = cfg.sampleTransform.apply(in, slot.indices[pos], s.id(), r);
        } catch (RuntimeException e) {
            throw new DecodeException(FailureKind.TRANSFORM, "the sample transform threw " + e, e);
        }
        if (out == null || out.channels() != channels) {
            throw new DecodeException(FailureKind.TRANSFORM, "the sample transform returned " + out + ": return an image of "
                    + channels + " channels");
        }
        return Decoders.Decoded.copyOf(out, d.decoder(), slot);
    }

    private void sampleFailed(Slot slot, int pos, Stage stage, FailureKind kind, String message, Throwable cause) {
        Failure f = new Failure(slot.indices[pos], slot.samples[pos].id(), slot.epoch, stage, kind, message);
        slot.fail(pos, f);
        record(f, slot, cause);
        sampleDone(slot);
    }

    /** Counts and reports a failure; under FAIL stops the loader. */
    private void record(Failure f, Slot slot, Throwable cause) {
        try {
            listener.onFailure(f);
        } catch (RuntimeException e) {
            metrics.listenerErrors.incrementAndGet();
        }
        if (cfg.onBadSample == BadSamplePolicy.FAIL) {
            fail(new LoaderException(f, cause));
        } else {
            metrics.skip(f);
        }
    }

    private void sampleDone(Slot slot) {
        if (slot.pending.decrementAndGet() == 0) {
            metrics.assembleQueued(complete.size());
            if (!complete.offer(slot)) throw new IllegalStateException("complete queue overflow: a slot completed twice");
        }
    }

    // ---------------------------------------------------------------------------------------------
    // the device thread: reorder, assemble, prepare and start the runs; the deliver thread: wait for them, hand to the consumer

    private void deviceLoop() {
        TreeMap<Long, Slot> early = new TreeMap<>();
        long nextSeq = 0, handled = 0;
        boolean last = false;
        try {
            while (!stopping && !(last && handled == totalBatches)) {
                Slot slot;
                if (cfg.order == Order.ORDERED) {
                    slot = early.remove(nextSeq);
                    if (slot == null) {
                        Slot got = takeComplete();
                        if (got == Slot.LAST) {
                            last = true;
                        } else {
                            early.put(got.seq, got);
                        }
                        continue;
                    }
                    nextSeq++;
                } else {
                    slot = takeComplete();
                    if (slot == Slot.LAST) {
                        last = true;
                        continue;
                    }
                }
                handled++;
                submit(slot);
            }
            if (!stopping) inflight.put(new InFlight(Slot.LAST, 0, null, null, null));
        } catch (InterruptedException e) {
            // closing
        } catch (LoaderException e) {
            fail(e);
        } catch (RuntimeException | Error e) {
            fail(new LoaderException("the device stage failed on " + cfg.device.id() + ": " + e, e));
        }
    }

    private Slot takeComplete() throws InterruptedException {
        long t0 = System.nanoTime();
        Slot s = complete.take();
        metrics.deviceWait.addAndGet(System.nanoTime() - t0);
        return s;
    }

    /**
     * Assembles the batch, prepares its tables (finding the images the pipeline refuses) and starts its
     * runs on the device without waiting for them: the pipeline's plan of the slot, then the user's plan.
     * The deliver thread waits for them in submission order.
     */
    private void submit(Slot slot) throws InterruptedException {
        long t0 = System.nanoTime();
        int ok = slot.assemble();
        long t1 = System.nanoTime();
        metrics.assembleBusy.addAndGet(t1 - t0);
        metrics.assembleItems.incrementAndGet();
        span(Stage.ASSEMBLE, Thread.currentThread().getName(), t0, t1, slot, -1, "batch " + slot.number);
        int left = ok == 0 ? 0 : preparePipeline(slot, ok);
        if (left == 0) {
            // every sample of the batch failed: nothing to deliver; the failures are counted already
            slot.release();
            free.put(slot);
            return;
        }
        long t2 = System.nanoTime();
        metrics.deviceStarted(t2);
        // when each run ended, stamped by the futures' own completion: with the results' durations they give the runs' intervals
        long[] ends = new long[2];
        CompletableFuture<RunResult> run;
        try {
            run = pipelinePlans[slot.id].runAsync();
        } catch (RuntimeException e) {
            // refused before anything was issued (or a synchronous per-image run failed): the batch left the device
            metrics.deviceEnded(System.nanoTime());
            throw e;
        }
        CompletableFuture<RunResult> pipe = run.whenComplete((r, e) -> ends[0] = System.nanoTime());
        CompletableFuture<RunResult> user = null;
        ExecutionPlan mine = userPlan(slot);
        if (mine != null) {
            Bindings bind = Bindings.of().data(cfg.devicePlanInput, slot.out);
            user = run.thenCompose(r -> mine.runAsync(bind)).whenComplete((r, e) -> ends[1] = System.nanoTime());
        }
        CompletableFuture<RunResult> all = user != null ? CompletableFuture.allOf(pipe, user).thenApply(v -> null) : pipe;
        slot.work = all.whenComplete((r, e) -> metrics.deviceEnded(System.nanoTime()));
        inflight.put(new InFlight(slot, left, ends, pipe, user));
    }

    /** The user's plan for the slot's batches: its own (made from the graph) or the one plan shared by every slot. */
    private ExecutionPlan userPlan(Slot slot) {
        return userPlans != null ? userPlans[slot.id] : cfg.devicePlan;
    }

    /** A batch whose runs were started, waiting to be delivered in turn. */
    private record InFlight(Slot slot, int rows, long[] ends, CompletableFuture<RunResult> pipeline, CompletableFuture<RunResult> user) {
    }

    /** The deliver thread: waits for each batch's runs in the order they started, then hands the batch to the consumer. */
    private void deliverLoop() {
        try {
            while (!stopping) {
                InFlight f = inflight.take();
                if (f.slot == Slot.LAST) {
                    if (!stopping) delivery.end();
                    return;
                }
                deliver(f);
            }
        } catch (InterruptedException e) {
            // closing
        } catch (LoaderException e) {
            fail(e);
        } catch (RuntimeException | Error e) {
            fail(new LoaderException("the device stage failed on " + cfg.device.id() + ": " + e, e));
        }
    }

    private void deliver(InFlight f) throws InterruptedException {
        Slot slot = f.slot;
        RunResult pr = awaitRun(f.pipeline, "the device stage failed on " + cfg.device.id() + " for batch " + slot.number + " of epoch "
                + slot.epoch);
        RunResult ur = f.user == null ? null : awaitRun(f.user, "the device plan failed on batch " + slot.number + " of epoch " + slot.epoch);
        metrics.deviceItems.incrementAndGet();
        if (spans) {
            // from the start of the pipeline's run to the end of the last run: the batch's time on the device
            String label = "batch " + slot.number + " (" + f.rows + " images): preprocess " + millis(pr.totalNanos())
                    + (ur == null ? "" : ", plan " + millis(ur.totalNanos()));
            span(Stage.DEVICE, "device " + cfg.device.id(), f.ends[0] - pr.totalNanos(), ur == null ? f.ends[0] : f.ends[1], slot, -1, label);
        }
        int ok = f.rows;
        int rows = ok + (slot.padding > 0 ? cfg.batchSize - ok : 0);
        if (rows > ok) slot.out.segment().asSlice(ok * perSample * Float.BYTES, (rows - ok) * perSample * Float.BYTES).fill((byte) 0);
        Batch b = new Batch(slot.out, new long[] {rows, channels, pipeline.height(), pipeline.width()}, ok, rows - ok,
                slot.epoch, slot.number, slot.okIndices(), slot.okIds()::get, slot.failures(), () -> {
            delivery.released();
            slot.release();
            if (!stopping) free.offer(slot);
        });
        delivery.put(b);
    }

    private static String millis(long nanos) {
        return String.format(java.util.Locale.ROOT, "%.1f ms", nanos / 1e6);
    }

    /** The run's result; its failure (not a sample's) stops the loader with {@code what} and the cause as it was thrown. */
    private static RunResult awaitRun(CompletableFuture<RunResult> f, String what) throws InterruptedException {
        try {
            return f.get();
        } catch (ExecutionException e) {
            Throwable c = e.getCause() instanceof CompletionException ce && ce.getCause() != null ? ce.getCause() : e.getCause();
            throw new LoaderException(what + ": " + c.getMessage(), c);
        } catch (CancellationException e) {
            throw new LoaderException(what + ": the run was cancelled", e);
        }
    }

    /**
     * Prepares the slot's batch on its plan; a wrong-sized image makes the pipeline refuse the whole
     * batch, so then each image is tried alone and the rest prepared again.
     *
     * @return the images the batch holds now
     */
    private int preparePipeline(Slot slot, int ok) {
        ImagePipeline.BatchPlan plan = pipelinePlans[slot.id];
        try {
            return plan.prepare(slot.imageBatch(channels));
        } catch (IllegalArgumentException e) {
            if (ok == 1) {
                slot.failAssembled(0, Stage.DEVICE, FailureKind.WRONG_SIZE, e.getMessage());
            } else {
                for (int i = 0; i < ok; i++) {
                    try {
                        plan.prepare(slot.imageBatch(channels, i));
                    } catch (IllegalArgumentException one) {
                        slot.failAssembled(i, Stage.DEVICE, FailureKind.WRONG_SIZE, one.getMessage());
                    }
                }
            }
        }
        // some images failed alone: record them, then prepare the batch of the rest
        for (Failure f : slot.newFailures()) record(f, slot, null);
        if (failure != null) throw failure;
        int left = slot.compactAfterIsolation();
        return left == 0 ? 0 : plan.prepare(slot.imageBatch(channels));
    }

    private void span(Stage stage, String thread, long t0, long t1, Slot slot, long sample, String label) {
        if (!spans) return;
        try {
            listener.onSpan(new Span(stage, thread, t0, t1, slot.epoch, slot.number, sample, label));
        } catch (RuntimeException e) {
            metrics.listenerErrors.incrementAndGet();
        }
    }

    // ---------------------------------------------------------------------------------------------
    // the end: finishing, failing, closing

    long expectedSamples() {
        if (!cfg.source.isListed()) return -1;
        long n = cfg.source.size();
        long mine = n <= cfg.rank ? 0 : (n - cfg.rank + cfg.world - 1) / cfg.world;
        mine = Math.min(mine, cfg.limit);
        if (cfg.lastBatch == LastBatch.DROP) mine -= mine % cfg.batchSize;
        return mine * cfg.epochs;
    }

    private void finish() {
        synchronized (endLock) {
            if (finished) return;
            epochsDone = cfg.epochs;
            finished = true;
        }
        shutdown();
        end();
    }

    private void fail(LoaderException e) {
        synchronized (endLock) {
            if (failure != null || finished) return;
            failure = e;
            stopping = true;
        }
        interruptAll();
        delivery.failed(e);
    }

    private void interruptAll() {
        decodePool.shutdownNow();
        for (Thread t : threads) if (t != Thread.currentThread()) t.interrupt();
        for (Thread t : readers.keySet()) t.interrupt();
    }

    @Override
    public void close() {
        synchronized (endLock) {
            if (stopping && finalReport != null) return;
            stopping = true;
        }
        shutdown();
        // a consumer blocked in hasNext() on another thread wakes up and ends
        delivery.closed();
        end();
    }

    private void shutdown() {
        stopping = true;
        interruptAll();
        // the device and deliver threads may be starting or awaiting runs that write a slot: wait before freeing memory
        for (Thread t : threads) {
            if (t == Thread.currentThread()) continue;
            try {
                t.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        try {
            decodePool.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (Thread t : readers.keySet()) {
            try {
                t.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        releaseSlots();
    }

    /**
     * Waits for the device runs still in flight (a kernel may be writing a slot's tensor; OpenCL and CUDA
     * cannot stop one), then closes the plans and frees the tensors.
     */
    private void releaseSlots() {
        for (Slot s : slots) {
            if (s == null || s.work == null) continue;
            try {
                s.work.get(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException | CancellationException | java.util.concurrent.TimeoutException e) {
                // failed runs are the deliver thread's to report; one still running after a minute is left to the plan's close
            }
        }
        for (int i = 0; i < slots.length; i++) {
            if (userPlans != null && userPlans[i] != null) userPlans[i].close();
            if (pipelinePlans[i] != null) pipelinePlans[i].close();
            if (slots[i] != null) slots[i].out.close();
        }
    }

    private void end() {
        LoaderReport r;
        synchronized (endLock) {
            if (finalReport != null) return;
            finalReport = r = metrics.report(true, finished ? cfg.epochs : (int) epochsDone, cfg.device.id());
        }
        try {
            listener.onEnd(r);
        } catch (RuntimeException e) {
            metrics.listenerErrors.incrementAndGet();
        }
    }

    LoaderReport report() {
        LoaderReport r = finalReport;
        if (r != null) return r;
        if (failure != null && started.get() > 0) {
            // failed: stop the threads for good and freeze the report
            shutdown();
            end();
            return finalReport;
        }
        return metrics.report(false, (int) epochsDone, cfg.device.id());
    }
}
