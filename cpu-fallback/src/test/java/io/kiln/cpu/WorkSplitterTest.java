package io.kiln.cpu;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The chunking policy of the issue: >= ~100 us per chunk, >= one chunk per core, tiny launches inline. */
class WorkSplitterTest {
    @Test
    void tinyLaunchesRunOnTheCallingThread() {
        assertEquals(1, WorkSplitter.chunks(1.0, 50_000, 50_000, 8), "50 us of work");
        assertEquals(1, WorkSplitter.chunks(1000.0, 1, 1, 8), "a single index cannot be split");
        assertEquals(1, WorkSplitter.chunks(Double.NaN, 1000, 1000, 8), "no estimate, small launch");
    }

    @Test
    void largeLaunchesGetHundredMicrosecondChunksAndAtLeastOnePerCore() {
        assertEquals(8, WorkSplitter.chunks(1.0, 150_000, 150_000, 8), "150 us on 8 cores: one chunk per core");
        assertEquals(20, WorkSplitter.chunks(1.0, 2_000_000, 2_000_000, 2), "2 ms: 100 us chunks");
        assertEquals(2 * WorkSplitter.MAX_CHUNKS_PER_THREAD, WorkSplitter.chunks(1.0, 16_000_000, 16_000_000, 2),
                "16 ms on 2 threads: at most 16 chunks per thread, 500 us each");
        assertEquals(8 * WorkSplitter.MAX_CHUNKS_PER_THREAD, WorkSplitter.chunks(1.0, 1_000_000_000, 1_000_000_000, 8),
                "a second on 8 threads");
        assertEquals(100, WorkSplitter.chunks(10.0, 1_000_000, 100, 8), "capped by the split dimension");
        assertEquals(10, WorkSplitter.chunks(1000.0, 1_000_000, 10, 2), "capped by the split dimension below the per-thread cap");
        assertEquals(2, WorkSplitter.chunks(Double.NaN, 1 << 20, 1 << 20, 2), "no estimate, large launch: one per core");
    }

    @Test
    void youngKernelsGetManySmallChunksSoThatHotSpotCompilesThemEarly() {
        assertEquals(4096, WorkSplitter.warmChunks(0, 2, 1 << 22, 1 << 22), "first large launch: WARM_CHUNKS calls");
        assertEquals(2048, WorkSplitter.warmChunks(0, 2, 2048L * 2048, 2048), "capped by the split dimension");
        assertEquals(64, WorkSplitter.warmChunks(0, 2, 64 * WorkSplitter.WARM_MIN_ITEMS, 1 << 20),
                "chunks keep at least WARM_MIN_ITEMS items");
        assertEquals(1, WorkSplitter.warmChunks(0, 1, 1 << 14, 1 << 14), "an inline launch stays inline");
        assertEquals(2, WorkSplitter.warmChunks(WorkSplitter.WARM_CHUNKS, 2, 1 << 22, 1 << 22), "warm: the estimate decides");
        assertEquals(5000, WorkSplitter.warmChunks(0, 5000, 1 << 22, 1 << 22), "never fewer chunks than wanted");
    }

    @Test
    void costlyItemsMakeSmallerWarmUpChunks() {
        // rows of an image: 2046 items of about 100 us each in the interpreter: one row per chunk
        assertEquals(2046, WorkSplitter.warmChunks(1, 2, 2046, 2046, 100_000.0), "one costly item per chunk");
        // 5 us per item: 4 items reach WARM_MIN_NANOS
        assertEquals(1000, WorkSplitter.warmChunks(1, 2, 4000, 4000, 5_000.0), "4 items of 5 us per chunk");
        // cheap items keep WARM_MIN_ITEMS, as without an estimate
        assertEquals(WorkSplitter.warmChunks(0, 2, 1 << 22, 1 << 22), WorkSplitter.warmChunks(0, 2, 1 << 22, 1 << 22, 2.0));
        assertEquals(64, WorkSplitter.warmChunks(0, 2, 64 * WorkSplitter.WARM_MIN_ITEMS, 1 << 20, 1.0));
        assertEquals(1, WorkSplitter.warmChunks(0, 1, 2046, 2046, 100_000.0), "an inline launch stays inline");
        assertEquals(3, WorkSplitter.warmChunks(WorkSplitter.WARM_CHUNKS, 3, 2046, 2046, 100_000.0), "warm: the estimate decides");
    }

    @Test
    void theFirstPieceIsSmallAndNeverTheWholeRange() {
        assertEquals(1, WorkSplitter.probeLength(2));
        assertEquals(1, WorkSplitter.probeLength(255));
        assertEquals(7, WorkSplitter.probeLength(2046));
        assertEquals(WorkSplitter.PROBE_MAX, WorkSplitter.probeLength(1L << 22));
        assertEquals(WorkSplitter.PROBE_MAX, WorkSplitter.probeLength(Long.MAX_VALUE));
        for (long r = 2; r < 5000; r += 37) {
            long p = WorkSplitter.probeLength(r);
            assertTrue(p >= 1 && p < r, "range " + r + ": " + p);
        }
    }

    /** Warm-up chunks and the first piece of a vectorised loop 0 run two vectors or more and a scalar tail. */
    @Test
    void vectorWarmUpChunksTakeEveryPathOfTheVectorLoop() {
        for (int lanes : new int[] {2, 4, 8, 16}) {
            for (long len : new long[] {1, 2, lanes, 2L * lanes, 3L * lanes - 1, 256, 4096}) {
                long v = WorkSplitter.vectorLength(len, 1L << 30, lanes);
                assertTrue(v >= len, lanes + " lanes, " + len + ": " + v);
                assertTrue(v >= 2L * lanes + 1, "at least two vectors and a tail: " + v);
                assertEquals(1, v % lanes, "whole vectors plus one: " + v);
            }
            assertEquals(5, WorkSplitter.vectorLength(1, 5, lanes), "never past the range");
            long p = WorkSplitter.vectorProbeLength(1L << 20, lanes);
            assertEquals(2L * lanes + 1, p);
            for (long r = 2; r < 100; r++) {
                long q = WorkSplitter.vectorProbeLength(r, lanes);
                assertTrue(q >= 1 && q < r, "range " + r + ": " + q);
            }
        }
        for (int lanes : new int[] {2, 8, 16}) {
            long len = WorkSplitter.vectorLength(100, 1L << 30, lanes);
            int short_ = 0;
            for (int c = 0; c < 16; c++) {
                long piece = WorkSplitter.vectorSkipPiece(c, len, lanes);
                if (piece == 0) continue;
                short_++;
                assertTrue(piece < lanes, "the short piece takes no vector: " + piece);
                assertTrue(len - piece >= lanes + 1, "the rest still takes a vector and the tail: " + (len - piece));
            }
            assertTrue(short_ >= 4, lanes + " lanes: " + short_ + " of 16 warm-up chunks skip the vector loop");
            assertEquals(0, WorkSplitter.vectorSkipPiece(0, 2L * lanes, lanes), "a chunk too short for both paths is not cut");
        }
        assertEquals(0, WorkSplitter.vectorSkipPiece(0, 100, 1), "no vector loop: no piece");
        assertEquals(7, WorkSplitter.vectorLength(7, 100, 1), "no vector loop: unchanged");
        assertEquals(WorkSplitter.probeLength(2046), WorkSplitter.vectorProbeLength(2046, 1));
    }

    @Test
    void chunkLengthsAreGranuleMultiplesWhereTheRangeAllows() {
        long len = WorkSplitter.chunkLength(1_000_003, 7);
        assertEquals(0, len % WorkSplitter.GRANULE);
        assertEquals(7, WorkSplitter.chunkCount(1_000_003, len));
        assertEquals(3, WorkSplitter.chunkLength(10, 4));
        assertEquals(4, WorkSplitter.chunkCount(10, 3));
        assertEquals(1, WorkSplitter.chunkLength(5, 5));
        assertEquals(1, WorkSplitter.chunkCount(0, 1));
    }

    @Test
    void estimatesAreDominatedByLongLaunches() {
        WorkSplitter.Estimate e = WorkSplitter.Estimate.NONE;
        assertTrue(Double.isNaN(e.nsPerItem()));
        e = e.update(5_000, 1); // one item, mostly fixed cost: 5000 ns/item
        assertEquals(5000.0, e.nsPerItem(), 1e-9);
        e = e.update(1_000_000, 1_000_000); // 1 ns/item over a million items
        assertTrue(e.nsPerItem() < 1.01, "estimate " + e.nsPerItem());
        WorkSplitter.Estimate slowFirst = WorkSplitter.Estimate.NONE.update(50_000_000, 1_000_000); // interpreter: 50 ns/item
        for (int i = 0; i < 8; i++) slowFirst = slowFirst.update(1_000_000, 1_000_000);
        assertTrue(slowFirst.nsPerItem() < 1.5, "estimate after warm-up " + slowFirst.nsPerItem());
        WorkSplitter.Estimate mixed = WorkSplitter.Estimate.NONE.update(4_000_000, 4_000_000);
        for (int i = 0; i < 10_000; i++) mixed = mixed.update(150, 1); // one-element launches: fixed cost
        assertTrue(mixed.nsPerItem() < 1.5, "tiny launches must not swamp the estimate: " + mixed.nsPerItem());
        WorkSplitter.Estimate tinyOnly = WorkSplitter.Estimate.NONE;
        for (int i = 0; i < 100; i++) tinyOnly = tinyOnly.update(150, 1);
        assertEquals(150.0, tinyOnly.nsPerItem(), 1e-6);
    }
}
