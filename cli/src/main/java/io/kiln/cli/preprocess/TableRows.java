package io.kiln.cli.preprocess;

import io.kiln.loader.SampleOrder;

import java.util.Arrays;

/**
 * Which rows of a table one {@code kiln preprocess} run writes, and where: the table's data rows
 * ({@code 0 .. total-1}, header not counted) in the loader's {@link SampleOrder} (shuffled with the
 * seed, sharded {@code p % world == rank}), the first {@code limit} positions of this shard, less the
 * rows that failed to parse (skipped, and not given an output row). Output row {@code k} is the
 * {@code k}-th good row of that order.
 *
 * <p>Without shuffling the answer is arithmetic (no memory per row); a shuffled order holds one
 * {@code int} per data row of the table, so 10 million rows cost 40 MB of heap while the job runs.
 */
final class TableRows {
    /** In {@link #out}: the row is in this run's selection but failed to parse. */
    private static final int SELECTED_BAD = -2;
    /** In {@link #out}: the row is not in this run's selection. */
    private static final int NOT_SELECTED = -1;
    /** In {@link #out}, while building: selected, output row not yet given. */
    private static final int PENDING = -3;

    private final long total;
    private final int rank;
    private final int world;
    private final long selected;
    private final long written;
    /** Shuffled: the output row of every data row, or one of the two markers. Unshuffled: null. */
    private final int[] out;
    /** Unshuffled: the shard positions of the selected bad rows, ascending. */
    private final long[] badPositions;

    /**
     * @param total   data rows in the table, good and bad
     * @param bad     the data rows that failed to parse, ascending
     * @param limit   positions of this shard to take, or 0 for all
     */
    TableRows(long total, long[] bad, boolean shuffle, long seed, int rank, int world, long limit) {
        this.total = total;
        this.rank = rank;
        this.world = world;
        if (!shuffle) {
            long inShard = total <= rank ? 0 : (total - rank + world - 1) / world;
            this.selected = limit > 0 ? Math.min(limit, inShard) : inShard;
            this.badPositions = Arrays.stream(bad).filter(i -> i >= rank && (i - rank) % world == 0)
                    .map(i -> (i - rank) / world).filter(k -> k < selected).toArray();
            this.written = selected - badPositions.length;
            this.out = null;
            return;
        }
        long[] order = SampleOrder.of(total, 0, true, seed, rank, world);
        int take = (int) (limit > 0 ? Math.min(limit, order.length) : order.length);
        int[] o = new int[(int) total];
        Arrays.fill(o, NOT_SELECTED);
        for (int k = 0; k < take; k++) o[(int) order[k]] = PENDING;
        for (long b : bad) {
            if (b >= 0 && b < total && o[(int) b] == PENDING) o[(int) b] = SELECTED_BAD;
        }
        int next = 0;
        for (int k = 0; k < take; k++) {
            int src = (int) order[k];
            if (o[src] == PENDING) o[src] = next++;
        }
        this.out = o;
        this.badPositions = null;
        this.selected = take;
        this.written = next;
    }

    /** Positions this run takes: {@link #written()} plus the bad rows among them. */
    long selected() {
        return selected;
    }

    /** Rows this run writes. */
    long written() {
        return written;
    }

    /** Whether data row {@code row} is in this run's selection (good or bad). */
    boolean isSelected(long row) {
        if (row < 0 || row >= total) return false;
        if (out != null) return out[(int) row] != NOT_SELECTED;
        return position(row) >= 0;
    }

    /** The output row of good data row {@code row}, or -1 if this run does not write it. */
    long outputRow(long row) {
        if (row < 0 || row >= total) return -1;
        if (out != null) {
            int k = out[(int) row];
            return k >= 0 ? k : -1;
        }
        long k = position(row);
        if (k < 0) return -1;
        int before = Arrays.binarySearch(badPositions, k);
        if (before >= 0) return -1; // a bad row: never written
        return k - (-before - 1);
    }

    /** The position of {@code row} in this shard's unshuffled order, or -1 if outside it or past the limit. */
    private long position(long row) {
        if (row < rank || (row - rank) % world != 0) return -1;
        long k = (row - rank) / world;
        return k < selected ? k : -1;
    }
}
