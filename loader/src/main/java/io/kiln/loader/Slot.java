package io.kiln.loader;

import io.kiln.FloatArray;
import io.kiln.kernels.ImageBatch;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One staging buffer set of the ring: the batch's decoded pixels (packed, any order, in one Java array
 * that the pipeline's kernel reads), the off-heap output tensor, and what each sample position holds.
 * Decode threads reserve room in {@link #pixels} with an atomic add and decode straight into it; a
 * sample that does not fit gets its own array, and {@link #assemble()} grows the buffer and packs it,
 * so after the first batches every decode writes in place.
 */
final class Slot {
    /** The end-of-run marker in the queue of complete slots. */
    static final Slot LAST = new Slot(-1, null, 0, 1);

    final int id;
    final FloatArray out;
    final long[] indices;
    final Sample[] samples;
    final AtomicInteger pending = new AtomicInteger();
    int epoch;
    long number;
    long seq;
    int count;
    int padding;

    volatile byte[] pixels;
    /** The device runs of the slot's last batch (done when they are); the loader waits for it before freeing the slot's memory. */
    volatile java.util.concurrent.CompletableFuture<?> work;
    private final AtomicLong used = new AtomicLong();
    private final int[] offset;
    private final int[] width;
    private final int[] height;
    private final byte[][] own;
    private final Failure[] failed;
    private final int channels;

    /** After {@link #assemble()}: the positions that hold an image, in row order. */
    private int[] okPos = new int[0];
    private int ok;
    private final List<Failure> lateFailures = new ArrayList<>();
    private final List<Failure> newFailures = new ArrayList<>();

    Slot(int id, FloatArray out, int batchSize, int channels) {
        this.id = id;
        this.channels = channels;
        this.out = out;
        this.indices = new long[batchSize];
        this.samples = new Sample[batchSize];
        this.offset = new int[batchSize];
        this.width = new int[batchSize];
        this.height = new int[batchSize];
        this.own = new byte[batchSize][];
        this.failed = new Failure[batchSize];
        // room for a batch of 256 x 256 images at first; assemble() grows it to what the images need
        this.pixels = new byte[Math.max(1, batchSize) * 256 * 256 * channels];
    }

    void assign(int epoch, long number, long seq, int count, int padding) {
        this.epoch = epoch;
        this.number = number;
        this.seq = seq;
        this.count = count;
        this.padding = padding;
        this.pending.set(count);
    }

    /** Room for {@code bytes} in {@link #pixels}: its offset, or -1 when the buffer is full (decode into an own array then). */
    int reserve(long bytes) {
        long o = used.getAndAdd(bytes);
        return o + bytes <= pixels.length ? (int) o : -1;
    }

    /** Records a decoded sample at {@code pos}. */
    void put(int pos, Decoders.Decoded d) {
        width[pos] = d.width();
        height[pos] = d.height();
        offset[pos] = d.offset();
        own[pos] = d.own();
    }

    void fail(int pos, Failure f) {
        failed[pos] = f;
    }

    /**
     * Packs the decoded samples (after every position is done): positions without a failure, in row
     * order; grows {@link #pixels} when samples had to be decoded into their own arrays.
     *
     * @return the number of images in the batch
     */
    int assemble() {
        int n = 0;
        int[] pos = new int[count];
        long total = 0;
        boolean anyOwn = false;
        for (int i = 0; i < count; i++) {
            if (failed[i] != null) continue;
            pos[n++] = i;
            total += (long) width[i] * height[i] * channels;
            anyOwn |= own[i] != null;
        }
        okPos = Arrays.copyOf(pos, n);
        ok = n;
        if (anyOwn) {
            if (total > Integer.MAX_VALUE - 8) {
                throw new IllegalStateException("batch " + number + " holds " + total + " bytes of pixels, more than a Java array: use a smaller batch size");
            }
            byte[] grown = new byte[(int) Math.min(Integer.MAX_VALUE - 8, Math.max(total + total / 4, pixels.length))];
            int at = 0;
            for (int k = 0; k < n; k++) {
                int i = okPos[k];
                int len = width[i] * height[i] * channels;
                if (own[i] != null) {
                    System.arraycopy(own[i], 0, grown, at, len);
                    own[i] = null;
                } else {
                    System.arraycopy(pixels, offset[i], grown, at, len);
                }
                offset[i] = at;
                at += len;
            }
            pixels = grown;
        }
        return n;
    }

    /** The assembled images as one batch for the pipeline. */
    ImageBatch imageBatch(int ch) {
        int[] o = new int[ok], w = new int[ok], h = new int[ok];
        for (int k = 0; k < ok; k++) {
            int i = okPos[k];
            o[k] = offset[i];
            w[k] = width[i];
            h[k] = height[i];
        }
        return ImageBatch.wrap(pixels, o, w, h, ch);
    }

    /** Image {@code k} of the assembled batch alone. */
    ImageBatch imageBatch(int ch, int k) {
        int i = okPos[k];
        return ImageBatch.wrap(pixels, new int[] {offset[i]}, new int[] {width[i]}, new int[] {height[i]}, ch);
    }

    /** Marks assembled image {@code k} as failed in the device stage. */
    void failAssembled(int k, Stage stage, FailureKind kind, String message) {
        int i = okPos[k];
        Failure f = new Failure(indices[i], samples[i].id(), epoch, stage, kind, message);
        failed[i] = f;
        lateFailures.add(f);
        newFailures.add(f);
    }

    /** The failures of {@link #failAssembled} not yet taken. */
    List<Failure> newFailures() {
        List<Failure> l = List.copyOf(newFailures);
        newFailures.clear();
        return l;
    }

    /** Drops the images marked by {@link #failAssembled}; returns how many are left. */
    int compactAfterIsolation() {
        int n = 0;
        for (int k = 0; k < ok; k++) if (failed[okPos[k]] == null) okPos[n++] = okPos[k];
        okPos = Arrays.copyOf(okPos, n);
        ok = n;
        return n;
    }

    /** The images' source indices, in row order. */
    long[] okIndices() {
        long[] r = new long[ok];
        for (int k = 0; k < ok; k++) r[k] = indices[okPos[k]];
        return r;
    }

    /** The images' ids, in row order. */
    List<String> okIds() {
        String[] r = new String[ok];
        for (int k = 0; k < ok; k++) r[k] = samples[okPos[k]].id();
        return Arrays.asList(r);
    }

    /** Every sample of the batch's range that failed, in position order. */
    List<Failure> failures() {
        List<Failure> l = new ArrayList<>();
        for (int i = 0; i < count; i++) if (failed[i] != null) l.add(failed[i]);
        return l;
    }

    /** Makes the slot free for another batch. */
    void release() {
        used.set(0);
        Arrays.fill(failed, null);
        Arrays.fill(own, null);
        Arrays.fill(samples, null);
        lateFailures.clear();
        newFailures.clear();
        okPos = new int[0];
        ok = 0;
    }
}
