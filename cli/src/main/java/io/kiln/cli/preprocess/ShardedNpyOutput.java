package io.kiln.cli.preprocess;

import io.kiln.FloatArray;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The {@code .npy} files of one job: one file ({@code data.npy}) or shards of a fixed number of
 * batches ({@code data-00000.npy}, ...), with each sample's place recorded for the manifest.
 */
final class ShardedNpyOutput implements AutoCloseable {

    /** Where one sample went: its shard (file index) and its row in that file. */
    record Placement(String id, long index, int shard, long offset) {
    }

    private final Path dir;
    private final long[] sampleShape;
    private final int batchesPerShard;
    private final List<Placement> placements = new ArrayList<>();
    private final List<OutputFile> shards = new ArrayList<>();
    private NpyWriter current;
    private int batchesInCurrent;
    private long written;

    /**
     * @param batchesPerShard batches per file, or 0 for one file
     */
    ShardedNpyOutput(Path dir, long[] sampleShape, int batchesPerShard) {
        this.dir = dir;
        this.sampleShape = sampleShape.clone();
        this.batchesPerShard = batchesPerShard;
    }

    /** The file name of shard {@code i} ({@code data.npy} without sharding). */
    String fileName(int i) {
        return fileName(batchesPerShard, i);
    }

    /** The file name of shard {@code i} of an output with {@code batchesPerShard} batches per file (0: one file, {@code data.npy}). */
    static String fileName(int batchesPerShard, int i) {
        return batchesPerShard == 0 ? "data.npy" : String.format(Locale.ROOT, "data-%05d.npy", i);
    }

    /** Writes the first {@code count} samples of a batch's tensor; {@code ids} and {@code indices} name them in row order. */
    void writeBatch(FloatArray tensor, int count, List<String> ids, long[] indices) {
        if (current == null) {
            current = NpyWriter.create(dir.resolve(fileName(shards.size())), sampleShape);
            batchesInCurrent = 0;
        }
        long offset = current.samples();
        current.write(tensor, count);
        for (int i = 0; i < count; i++) placements.add(new Placement(ids.get(i), indices[i], shards.size(), offset + i));
        written += count;
        if (batchesPerShard > 0 && ++batchesInCurrent == batchesPerShard) finishShard();
    }

    private void finishShard() {
        current.close();
        long[] shape = new long[sampleShape.length + 1];
        shape[0] = current.samples();
        System.arraycopy(sampleShape, 0, shape, 1, sampleShape.length);
        shards.add(new OutputFile(current.path().getFileName().toString(), current.samples(), shape));
        current = null;
    }

    /** The output folder. */
    Path dir() {
        return dir;
    }

    /** Samples written so far. */
    long written() {
        return written;
    }

    /** Every sample's place, in the order written. */
    List<Placement> placements() {
        return placements;
    }

    /** The files, complete after {@link #close()}. */
    List<OutputFile> shards() {
        return shards;
    }

    /** Closes the open file; with no sample at all writes an empty {@code data.npy} (shape (0, ...)), so the output always has a file. */
    @Override
    public void close() {
        if (current == null && shards.isEmpty()) current = NpyWriter.create(dir.resolve(fileName(0)), sampleShape);
        if (current != null) finishShard();
    }
}
