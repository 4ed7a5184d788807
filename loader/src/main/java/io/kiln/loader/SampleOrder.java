package io.kiln.loader;

import java.util.SplittableRandom;

/**
 * The order in which a loader visits its samples in one epoch, after shuffling and sharding: one rule
 * for every loader and for {@code kiln preprocess}, so that an image folder and a table given the same
 * seed and shard see the same permutation.
 *
 * <p>Shuffling is a Fisher-Yates permutation of {@code 0 .. n-1} drawn from a {@link SplittableRandom}
 * seeded with a mix of {@code seed} and {@code epoch}; sharding keeps the positions {@code p} of that
 * order with {@code p % world == rank}, in order. Every rank computes the same permutation, so
 * {@code world} ranks together visit every sample exactly once.
 */
public final class SampleOrder {
    private SampleOrder() {
    }

    /**
     * This rank's order: the source indices (in {@code 0 .. n-1}) it visits, in visiting order.
     *
     * @param n       samples in the source
     * @param epoch   the epoch (from 0): each epoch has its own permutation
     * @param shuffle whether to shuffle; if not, the order is {@code rank, rank + world, ...}
     * @param seed    the permutation's seed
     * @param rank    this rank, {@code 0 <= rank < world}
     * @param world   the number of ranks, at least 1
     * @throws IllegalArgumentException if {@code n} is negative or above {@link Integer#MAX_VALUE} - 8 when shuffling,
     *                                  or the rank or world is out of range
     */
    public static long[] of(long n, int epoch, boolean shuffle, long seed, int rank, int world) {
        if (n < 0) throw new IllegalArgumentException("sample count " + n + " is negative");
        if (world < 1 || rank < 0 || rank >= world) {
            throw new IllegalArgumentException("shard " + rank + "/" + world + ": need world >= 1 and 0 <= rank < world");
        }
        long mine = n <= rank ? 0 : (n - rank + world - 1) / world;
        if (mine > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(n + " samples in shard " + rank + "/" + world
                    + " is more than one order can hold (2^31 - 9): shard the source further");
        }
        long[] out = new long[(int) mine];
        if (!shuffle) {
            for (int k = 0; k < out.length; k++) out[k] = rank + (long) k * world;
            return out;
        }
        if (n > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("cannot shuffle " + n + " samples: a shuffled order holds at most 2^31 - 9;"
                    + " split the source into several files");
        }
        int[] perm = new int[(int) n];
        for (int i = 0; i < perm.length; i++) perm[i] = i;
        SplittableRandom r = new SplittableRandom(mix(seed, epoch));
        for (int i = perm.length - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = perm[i];
            perm[i] = perm[j];
            perm[j] = t;
        }
        for (int k = 0; k < out.length; k++) out[k] = perm[rank + k * world];
        return out;
    }

    /** A 64-bit mix (SplitMix64's finaliser) of a seed and an epoch: nearby seeds give unrelated streams. */
    static long mix(long seed, long epoch) {
        long z = seed + 0x9E3779B97F4A7C15L * (epoch + 1);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
