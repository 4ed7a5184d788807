package io.kiln.benchmarks;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntConsumer;

/** Hand-written multi-threaded Java baselines: a fixed pool, work split in equal contiguous parts. */
final class JavaThreads implements AutoCloseable {
    private final ExecutorService pool;
    private final int threads;

    JavaThreads(int threads) {
        this.threads = threads;
        this.pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "java-baseline");
            t.setDaemon(true);
            return t;
        });
    }

    int threads() {
        return threads;
    }

    /** Runs {@code part.accept(p)} for {@code p = 0 .. threads - 1}, part 0 on the calling thread. */
    void run(IntConsumer part) {
        @SuppressWarnings("unchecked")
        Future<?>[] f = new Future<?>[threads];
        for (int p = 1; p < threads; p++) {
            int q = p;
            f[p] = pool.submit(() -> part.accept(q));
        }
        part.accept(0);
        try {
            for (int p = 1; p < threads; p++) f[p].get();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
