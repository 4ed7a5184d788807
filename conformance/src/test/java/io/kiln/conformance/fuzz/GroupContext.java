package io.kiln.conformance.fuzz;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.IntFunction;

/**
 * The reference for generated work-group kernels ({@link KernelGenerator#generateGroup}): the methods of
 * {@code io.kiln.KernelContext} that those kernels call, with real work-groups. {@link #run} starts one
 * thread per work-item of a group; {@link #barrier} waits for all of them (a {@link CyclicBarrier}, which
 * also orders every write before it before every read after it); the {@code k}-th local array a work-item
 * asks for is the group's {@code k}-th, shared. Plain Java cannot be the reference here:
 * {@code KernelContext.barrier()} runs one work-item at a time and waits for nothing.
 */
public final class GroupContext {
    private final Group group;
    private final int local;
    private int localCalls;

    private GroupContext(Group group, int local) {
        this.group = group;
        this.local = local;
    }

    /** The work-item's global id (dimension 0). */
    public int globalIdx() {
        return group.id * group.size + local;
    }

    /** The work-item's id in its group. */
    public int localIdx() {
        return local;
    }

    /** The group's size. */
    public int localSizeX() {
        return group.size;
    }

    /** The group's id. */
    public int groupIdx() {
        return group.id;
    }

    /** Waits for every work-item of the group (at most 30 s: a generator bug must not hang the build). */
    public void barrier() {
        try {
            group.barrier.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted at a barrier", e);
        } catch (BrokenBarrierException | TimeoutException e) {
            throw new IllegalStateException("work-item " + local + " of group " + group.id + ": the barrier broke (another item failed or never came)", e);
        }
    }

    /** The group's next local {@code int} array. */
    public int[] localInts(int n) {
        return (int[]) group.local(localCalls++, int[].class, k -> new int[n]);
    }

    /** The group's next local {@code long} array. */
    public long[] localLongs(int n) {
        return (long[]) group.local(localCalls++, long[].class, k -> new long[n]);
    }

    /** The group's next local {@code float} array. */
    public float[] localFloats(int n) {
        return (float[]) group.local(localCalls++, float[].class, k -> new float[n]);
    }

    /** The group's next local {@code double} array. */
    public double[] localDoubles(int n) {
        return (double[]) group.local(localCalls++, double[].class, k -> new double[n]);
    }

    /** A kernel body run for one work-item. */
    @FunctionalInterface
    public interface Item {
        /** Runs the kernel for the work-item of {@code ctx}. */
        void run(GroupContext ctx) throws Exception;
    }

    /**
     * Runs {@code groups} groups of {@code size} work-items, one group after the other, each work-item
     * on its own thread; rethrows the first failure of a work-item.
     */
    public static void run(int groups, int size, Item item) {
        for (int g = 0; g < groups; g++) {
            Group group = new Group(g, size);
            List<Thread> threads = new ArrayList<>();
            Throwable[] failure = new Throwable[1];
            for (int l = 0; l < size; l++) {
                GroupContext ctx = new GroupContext(group, l);
                threads.add(Thread.ofVirtual().unstarted(() -> {
                    try {
                        item.run(ctx);
                    } catch (Throwable t) {
                        synchronized (failure) {
                            if (failure[0] == null) failure[0] = t;
                        }
                        group.barrier.reset();
                    }
                }));
            }
            for (Thread t : threads) t.start();
            for (Thread t : threads) {
                try {
                    t.join();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted", e);
                }
            }
            if (failure[0] != null) throw new IllegalStateException("work-group " + g + " failed: " + failure[0], failure[0]);
        }
    }

    /** One work-group: its barrier and local arrays. */
    private static final class Group {
        final int id;
        final int size;
        final CyclicBarrier barrier;
        private final List<Object> locals = new ArrayList<>();

        Group(int id, int size) {
            this.id = id;
            this.size = size;
            this.barrier = new CyclicBarrier(size);
        }

        synchronized Object local(int index, Class<?> type, IntFunction<Object> make) {
            while (locals.size() <= index) locals.add(null);
            Object a = locals.get(index);
            if (a == null) {
                a = make.apply(index);
                locals.set(index, a);
            }
            if (!type.isInstance(a)) {
                throw new IllegalStateException("local array " + index + " is a " + a.getClass().getSimpleName() + " for one work-item and a "
                        + type.getSimpleName() + " for another");
            }
            return a;
        }
    }
}
