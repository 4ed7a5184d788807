package io.kiln.cpu;

import org.junit.jupiter.api.Test;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CpuDeviceRuntimeTest {
    /** Every worker of the device's pool has its own name, so that thread dumps and profiles tell them apart. */
    @Test
    void poolWorkersHaveDistinctNames() throws InterruptedException {
        int threads = 3;
        CpuDeviceRuntime runtime = new CpuDeviceRuntime(threads);
        Set<String> names = ConcurrentHashMap.newKeySet();
        CountDownLatch all = new CountDownLatch(threads);
        for (int i = 0; i < threads; i++) {
            runtime.pool().execute(() -> {
                names.add(Thread.currentThread().getName());
                all.countDown();
                try {
                    all.await(10, TimeUnit.SECONDS);     // hold each worker until every one has started
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
        }
        assertTrue(all.await(10, TimeUnit.SECONDS), "the pool did not start " + threads + " workers: " + names);
        assertEquals(Set.of("kiln-cpu-0", "kiln-cpu-1", "kiln-cpu-2"), names);
        runtime.pool().shutdown();
    }
}
