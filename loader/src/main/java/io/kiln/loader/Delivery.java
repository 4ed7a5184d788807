package io.kiln.loader;

import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * The consumer's side of a run, shared by the image and CSV loaders: the bounded queue of ready
 * batches, the count of batches the consumer holds, and the iterator that times the consumer, ends
 * the run and throws its failure.
 */
final class Delivery {
    private static final Object END = new Object();

    /**
     * What the run does when the consumer reaches its end or its failure.
     *
     * @param failure  the failure that stopped the run, or null
     * @param stopping whether the run is stopping (closed, failed or finished)
     * @param stopped  stops every thread and freezes the report before the failure reaches the consumer; returns it
     * @param finish   every batch was delivered: stop the threads, freeze the report
     */
    record Run(Supplier<LoaderException> failure, BooleanSupplier stopping, UnaryOperator<LoaderException> stopped, Runnable finish) {
    }

    private final BlockingQueue<Object> ready;
    private final AtomicInteger open = new AtomicInteger();
    private final int ring;
    private final Metrics metrics;
    private final LoaderListener listener;
    private final LongSupplier expected;
    private final Run run;

    Delivery(int ring, Metrics metrics, LoaderListener listener, LongSupplier expected, Run run) {
        this.ready = new ArrayBlockingQueue<>(ring + 2);
        this.ring = ring;
        this.metrics = metrics;
        this.listener = listener;
        this.expected = expected;
        this.run = run;
    }

    /** Hands a batch to the consumer (blocks while the queue is full); the batch's release must call {@link #released()}. */
    void put(Batch b) throws InterruptedException {
        open.incrementAndGet();
        metrics.readyQueued(ready.size());
        long t0 = System.nanoTime();
        ready.put(b);
        metrics.deviceWait.addAndGet(System.nanoTime() - t0);
    }

    /** A batch the consumer held was closed. */
    void released() {
        open.decrementAndGet();
    }

    /** No more batches will come. */
    void end() throws InterruptedException {
        ready.put(END);
    }

    /** The run failed: drop the batches not taken, wake the consumer with the failure. */
    void failed(LoaderException e) {
        ready.clear();
        ready.offer(e);
    }

    /** The run was closed: wake a consumer blocked in {@code hasNext()}; its iterator ends. */
    void closed() {
        ready.clear();
        ready.offer(END);
    }

    Iterator<Batch> iterator() {
        return new Iterator<>() {
            private Batch next;
            private boolean done;
            private long lastReturn = -1;

            @Override
            public boolean hasNext() {
                if (next != null) return true;
                if (done) return false;
                if (run.failure().get() != null) throw run.stopped().apply(run.failure().get());
                if (run.stopping().getAsBoolean() && ready.isEmpty()) {
                    done = true;
                    return false;
                }
                long t0 = System.nanoTime();
                if (lastReturn >= 0) metrics.consumerBusy.addAndGet(t0 - lastReturn);
                if (ready.isEmpty() && open.get() >= ring) {
                    throw new IllegalStateException("all " + ring + " batches of the ring are still open: close each batch"
                            + " (try (Batch b = ...)) before asking for more, or raise prefetch");
                }
                Object o;
                try {
                    o = ready.take();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new LoaderException("interrupted while waiting for a batch", e);
                }
                long waited = System.nanoTime() - t0;
                metrics.consumerWait.addAndGet(waited);
                if (lastReturn < 0) metrics.firstWait.set(waited);
                if (o == END) {
                    done = true;
                    if (run.failure().get() != null) throw run.stopped().apply(run.failure().get());
                    if (!run.stopping().getAsBoolean()) run.finish().run();
                    return false;
                }
                if (o instanceof LoaderException e) {
                    done = true;
                    throw run.stopped().apply(e);
                }
                next = (Batch) o;
                return true;
            }

            @Override
            public Batch next() {
                if (!hasNext()) throw new NoSuchElementException("no more batches: everything was delivered");
                Batch b = next;
                next = null;
                metrics.consumerItems.incrementAndGet();
                metrics.delivered.addAndGet(b.size());
                metrics.batches.incrementAndGet();
                metrics.padded.addAndGet(b.padding());
                lastReturn = System.nanoTime();
                BatchInfo info = new BatchInfo(b.epoch(), b.number(), b.size(), b.failures().size(), metrics.delivered.get(),
                        metrics.skipped.get(), expected.getAsLong(), lastReturn - metrics.startNanos);
                try {
                    listener.onBatch(info);
                } catch (RuntimeException e) {
                    metrics.listenerErrors.incrementAndGet();
                }
                return b;
            }
        };
    }
}
