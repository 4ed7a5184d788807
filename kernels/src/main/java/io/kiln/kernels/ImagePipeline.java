package io.kiln.kernels;

import io.kiln.Bindings;
import io.kiln.ByteArray;
import io.kiln.Device;
import io.kiln.ExecutionPlan;
import io.kiln.FloatArray;
import io.kiln.RunResult;
import io.kiln.TaskGraph;
import io.kiln.Transfer;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;

/**
 * A preprocessing chain from 8-bit images to a float32 N x C x H x W tensor: choose a window of each
 * image (centre crop after a shorter-side resize, or a random resized crop), resize it to the output
 * size, mirror it (randomly, if asked), divide by {@code divisor} and normalise per channel. Made by
 * {@link ImagePresets}; the {@code with*} methods return changed copies.
 *
 * <p>With a two-tap resize mode ({@link ImageResize.Mode#BILINEAR}, the nearest modes, an enlarging
 * {@link ImageResize.Mode#AREA}) the whole batch is one kernel launch: the host works out for every
 * image which source pixels each output pixel reads (crop, resize and mirror folded into one table
 * per axis), and {@link ImageConvert#twoTapToChwF32} gathers, interpolates with OpenCV's arithmetic
 * and normalises. Other modes resize each image on the device first, then crop and normalise.
 *
 * <p>A pipeline with random steps keeps its random generator: it is not thread-safe, and successive
 * calls draw successive crops, reproducibly for a given seed.
 */
public final class ImagePipeline {
    private final int resizeShorter;
    private final int outW;
    private final int outH;
    private final ImageResize.Mode mode;
    private final float divisor;
    private final float[] mean;
    private final float[] std;
    private final boolean randomCrop;
    private final double[] scale;
    private final double[] ratio;
    private final double flipProbability;
    private final long seed;
    private final SplittableRandom random;

    ImagePipeline(int resizeShorter, int outW, int outH, ImageResize.Mode mode, float divisor, float[] mean, float[] std,
                  boolean randomCrop, double[] scale, double[] ratio, double flipProbability, long seed) {
        Image.checkSize(outW, outH, 1);
        if (!randomCrop && resizeShorter < Math.max(outW, outH) && resizeShorter != 0) {
            throw new IllegalArgumentException("shorter side " + resizeShorter + " is smaller than the crop " + outW + "x" + outH
                    + ": resize to at least the crop size");
        }
        ImageConvert.checkDivisor(divisor);
        ImageConvert.checkMeanStd(mean, std, mean == null ? 0 : mean.length);
        if (!(flipProbability >= 0 && flipProbability <= 1)) {
            throw new IllegalArgumentException("flip probability " + flipProbability + " is not in [0, 1]");
        }
        this.resizeShorter = resizeShorter;
        this.outW = outW;
        this.outH = outH;
        this.mode = Objects.requireNonNull(mode, "mode is null");
        this.divisor = divisor;
        this.mean = mean.clone();
        this.std = std.clone();
        this.randomCrop = randomCrop;
        this.scale = scale.clone();
        this.ratio = ratio.clone();
        this.flipProbability = flipProbability;
        this.seed = seed;
        this.random = new SplittableRandom(seed);
    }

    /** The same chain with another resize mode (for example Pillow's antialiased bilinear, as torchvision uses). */
    public ImagePipeline withMode(ImageResize.Mode newMode) {
        return new ImagePipeline(resizeShorter, outW, outH, newMode, divisor, mean, std, randomCrop, scale, ratio, flipProbability, seed);
    }

    /** The same chain with other per-channel mean and std (one value per channel of the images it will get). */
    public ImagePipeline withMeanStd(float[] newMean, float[] newStd) {
        return new ImagePipeline(resizeShorter, outW, outH, mode, divisor, newMean, newStd, randomCrop, scale, ratio, flipProbability, seed);
    }

    /** The same chain with a fresh random generator seeded by {@code newSeed}. */
    public ImagePipeline withSeed(long newSeed) {
        return new ImagePipeline(resizeShorter, outW, outH, mode, divisor, mean, std, randomCrop, scale, ratio, flipProbability, newSeed);
    }

    /** Output width. */
    public int width() {
        return outW;
    }

    /** Output height. */
    public int height() {
        return outH;
    }

    /** Channels of the output (those of the images; mean and std have one value each). */
    public int channels() {
        return mean.length;
    }

    /** The resize mode. */
    public ImageResize.Mode mode() {
        return mode;
    }

    /** One image to C x H x W floats. */
    public float[] apply(Image image, Device device) {
        return applyBatch(List.of(Objects.requireNonNull(image, "image is null")), device);
    }

    /**
     * A batch to one N x C x H x W float tensor ({@code n * channels * height * width} floats).
     *
     * @throws IllegalArgumentException if the list is empty or an image's channels differ from the
     *                                  pipeline's mean/std
     */
    public float[] applyBatch(List<Image> images, Device device) {
        return applyBatch(ImageBatch.of(images), device);
    }

    /**
     * A packed batch (heap, or off-heap: {@link ImageBatch#wrap(ByteArray, int[], int[], int[], int)})
     * to one N x C x H x W float tensor, without copying the pixels first.
     *
     * @throws IllegalArgumentException if the images' channels differ from the pipeline's mean/std
     */
    public float[] applyBatch(ImageBatch images, Device device) {
        Prepared p = prepare(images, device);
        float[] dst = new float[p.n * p.ch * outW * outH];
        if (p.xt == null) {
            perImage(p, device, dst);
            return dst;
        }
        TaskGraph g = ImageLaunch.graph("preprocess", ImageLaunch.of(p.batch.pixels(), p.xt, p.yt, mean, std), dst);
        ImageLaunch.run(p.batch.isOffHeap()
                ? g.task("preprocess", ImageConvert::twoTapOffHeapToChwF32, p.batch.offHeap(), p.ch, p.xt, p.yt, divisor, mean,
                        std, dst, p.n, outW, outH)
                : g.task("preprocess", ImageConvert::twoTapToChwF32, p.batch.data(), p.ch, p.xt, p.yt, divisor, mean, std,
                        dst, p.n, outW, outH), device);
        return dst;
    }

    /**
     * A batch written into an off-heap tensor (for zero-copy hand-off to native runtimes such as ONNX
     * Runtime). Needs a device whose back end takes off-heap arrays.
     *
     * @throws IllegalArgumentException if {@code dst} holds fewer than {@code n * channels * height * width} floats
     */
    public void applyBatch(List<Image> images, FloatArray dst, Device device) {
        applyBatch(ImageBatch.of(images), dst, device);
    }

    /**
     * A packed batch written into the first {@code n * channels * height * width} floats of an off-heap
     * tensor, without copying the pixels first (for a loader that decodes straight into one buffer).
     * With a two-tap mode the kernel writes the tensor itself; other modes compute into a Java array
     * first and copy it in.
     *
     * @throws IllegalArgumentException if {@code dst} holds fewer floats than the batch needs, or the
     *                                  images' channels differ from the pipeline's mean/std
     */
    public void applyBatch(ImageBatch images, FloatArray dst, Device device) {
        Objects.requireNonNull(images, "images is null");
        try (BatchPlan plan = batchPlan(images.size(), dst, device)) {
            plan.prepare(images);
            plan.run();
        }
    }

    /**
     * A plan for batches of at most {@code maxImages} images written into {@code dst}, built once and
     * rebound for every batch: a loader makes one per staging buffer and keeps several batches in flight
     * on the device, the upload of one beside the kernel of another (each plan has its own device queues).
     * The per-batch tables (which source pixels each output pixel reads, folding the offsets, sizes, crop
     * boxes and mirror flags of the images) are arrays of the plan, filled by {@link BatchPlan#prepare}
     * and sent with the pixels on every run.
     *
     * @throws IllegalArgumentException if {@code maxImages} is not positive or {@code dst} holds fewer
     *                                  than {@code maxImages * channels * height * width} floats
     */
    public BatchPlan batchPlan(int maxImages, FloatArray dst, Device device) {
        return new BatchPlan(maxImages, dst, device);
    }

    /**
     * A batch plan of an {@link ImagePipeline} (see {@link #batchPlan}): {@link #prepare} a batch on
     * the host, then {@link #run} or {@link #runAsync} it. The plan is built on the first run and
     * reused: later runs rebind the pixels and the image count, nothing else is rebuilt.
     *
     * <p>With a two-tap mode a run is one launch: the pixels (a Java array: copied blocking) and the
     * tables go to the device, the kernel writes the batch, {@code dst} comes back. Other modes resize each
     * image in plans of their own; their run is synchronous on the calling thread.
     *
     * <p>{@code prepare} draws the pipeline's random crops and flips, so, as for {@code applyBatch}, the
     * batch plans of one pipeline must be prepared from one thread at a time; runs may overlap freely.
     */
    public final class BatchPlan implements AutoCloseable {
        /** The task's position of the image count, for rebinding it (the class file may not record names). */
        private static final int COUNT = 8;

        private final int maxImages;
        private final FloatArray dst;
        private final Device device;
        private final byte[] firstPixels = new byte[1];
        /** The off-heap stand-in the off-heap plan is built with; every run binds the batch's array to it. */
        private ByteArray firstOffHeap;
        private final int[] xt;
        private final int[] yt;
        private ExecutionPlan plan;
        /** The plan for off-heap batches (another kernel: its source is a {@link ByteArray}), built on the first such run. */
        private ExecutionPlan offHeapPlan;
        private Prepared prepared;
        private CompletableFuture<RunResult> last = CompletableFuture.completedFuture(null);
        private boolean closed;

        private BatchPlan(int maxImages, FloatArray dst, Device device) {
            ImageLaunch.checkDevice(device);
            Objects.requireNonNull(dst, "dst is null");
            if (maxImages < 1) throw new IllegalArgumentException("a batch plan for " + maxImages + " images: pass at least 1");
            long need = (long) maxImages * channels() * outW * outH;
            if (dst.length() < need) {
                throw new IllegalArgumentException("output tensor holds " + dst.length() + " floats, a batch of " + maxImages
                        + " images needs " + need);
            }
            this.maxImages = maxImages;
            this.dst = dst;
            this.device = device;
            this.xt = new int[maxImages * outW * 4];
            this.yt = new int[maxImages * outH * 4];
        }

        /**
         * Works out on the host where every output pixel of {@code images} comes from (drawing the random
         * steps), for the next run; nothing runs yet. The previous run must be over: its tables are reused.
         *
         * @return the number of images the next run writes
         * @throws IllegalArgumentException if the pipeline refuses an image (too small for the crop), the
         *                                  channels differ from the pipeline's, or there are more than
         *                                  {@code maxImages} images; then the previous batch stays prepared
         * @throws IllegalStateException    if the plan is closed or its last run is still in flight
         */
        public int prepare(ImageBatch images) {
            Objects.requireNonNull(images, "images is null");
            checkOpen();
            if (!last.isDone()) {
                throw new IllegalStateException("the batch plan's last run is still in flight: wait for its future before preparing the next batch");
            }
            if (images.size() > maxImages) {
                throw new IllegalArgumentException("a batch of " + images.size() + " images for a plan of at most " + maxImages
                        + ": make the plan with batchPlan(" + images.size() + ", ...)");
            }
            prepared = ImagePipeline.this.prepare(images, device, xt, yt);
            return prepared.n;
        }

        /** Runs the prepared batch and waits for {@code dst} to hold it. */
        public RunResult run() {
            try {
                return runAsync().join();
            } catch (java.util.concurrent.CompletionException e) {
                if (e.getCause() instanceof RuntimeException r) throw r;
                if (e.getCause() instanceof Error r) throw r;
                throw e;
            }
        }

        /**
         * Runs the prepared batch; the future completes when {@code dst} holds it on the host (with a two-tap
         * mode on the engine's background thread, see {@link ExecutionPlan#runAsync}; otherwise before this
         * method returns).
         *
         * @throws IllegalStateException if nothing was prepared since the last run, or the plan is closed
         */
        public CompletableFuture<RunResult> runAsync() {
            checkOpen();
            Prepared p = prepared;
            if (p == null) throw new IllegalStateException("nothing to run: prepare(batch) first");
            prepared = null;
            if (p.xt == null) {
                long t0 = System.nanoTime();
                float[] tmp = new float[p.n * p.ch * outW * outH];
                perImage(p, device, tmp);
                dst.copyFrom(tmp, 0, 0, tmp.length);
                RunResult r = new RunResult("preprocess", List.of(), 0, System.nanoTime() - t0);
                return last = CompletableFuture.completedFuture(r);
            }
            if (p.batch.isOffHeap()) {
                if (offHeapPlan == null) {
                    firstOffHeap = ByteArray.allocate(1);
                    TaskGraph g = new TaskGraph("preprocess").transferToDevice(Transfer.EVERY_RUN, firstOffHeap, xt, yt)
                            .task("preprocess", ImageConvert::twoTapOffHeapToChwOffHeap, firstOffHeap, p.ch, xt, yt, divisor, mean,
                                    std, dst, maxImages, outW, outH)
                            .transferToHost(Transfer.EVERY_RUN, dst);
                    offHeapPlan = g.plan(device);
                }
                return last = offHeapPlan.runAsync(Bindings.of().data(firstOffHeap, p.batch.offHeap()).scalar("preprocess", COUNT, p.n));
            }
            if (plan == null) {
                TaskGraph g = new TaskGraph("preprocess").transferToDevice(Transfer.EVERY_RUN, firstPixels, xt, yt)
                        .task("preprocess", ImageConvert::twoTapToChwOffHeap, firstPixels, p.ch, xt, yt, divisor, mean, std, dst,
                                maxImages, outW, outH)
                        .transferToHost(Transfer.EVERY_RUN, dst);
                plan = g.plan(device);
            }
            return last = plan.runAsync(Bindings.of().data(firstPixels, p.batch.data()).scalar("preprocess", COUNT, p.n));
        }

        /** Waits for the last run, then releases the plan's device memory. */
        @Override
        public void close() {
            if (closed) return;
            closed = true;
            try {
                last.exceptionally(e -> null).join();
            } finally {
                try {
                    if (plan != null) plan.close();
                } finally {
                    if (offHeapPlan != null) offHeapPlan.close();
                    if (firstOffHeap != null) firstOffHeap.close();
                }
            }
        }

        private void checkOpen() {
            if (closed) throw new IllegalStateException("the batch plan is closed: make another with batchPlan(...)");
        }
    }

    /** Where each image's output comes from: a window of the (resized) source and a mirror flag. */
    record Choice(int x, int y, int w, int h, int resizedW, int resizedH, boolean mirror) {
    }

    private record Prepared(ImageBatch batch, int n, int ch, List<Choice> choices, int[] xt, int[] yt) {
    }

    private Prepared prepare(ImageBatch batch, Device device) {
        return prepare(batch, device, null, null);
    }

    /** The choices and two-tap tables of a batch, written into {@code xt} and {@code yt} when given (they may be longer). */
    private Prepared prepare(ImageBatch batch, Device device, int[] xtInto, int[] ytInto) {
        ImageLaunch.checkDevice(device);
        Objects.requireNonNull(batch, "images is null");
        if (batch.channels() != mean.length) {
            throw new IllegalArgumentException("the images have " + batch.channels() + " channels but mean and std have "
                    + mean.length + " values: use withMeanStd(...) with one value per channel");
        }
        List<Choice> choices = choose(batch);
        int n = batch.size(), ch = batch.channels();
        boolean twoTap = true;
        for (int i = 0; i < n && twoTap; i++) {
            Choice c = choices.get(i);
            int srcW = randomCrop ? c.w : batch.width(i), srcH = randomCrop ? c.h : batch.height(i);
            int dw = randomCrop ? outW : c.resizedW, dh = randomCrop ? outH : c.resizedH;
            twoTap = ImageResize.kernelFor(mode, srcW, srcH, dw, dh) == ImageResize.Kernel.TWO_TAP;
        }
        if (!twoTap) {
            return new Prepared(batch, n, ch, choices, null, null);
        }
        int[] xt = xtInto != null ? xtInto : new int[n * outW * 4];
        int[] yt = ytInto != null ? ytInto : new int[n * outH * 4];
        for (int i = 0; i < n; i++) {
            Choice c = choices.get(i);
            int w = batch.width(i), rowBytes = w * ch;
            if (randomCrop) {
                // resize the window itself: tables relative to its corner, edges clamped to it
                System.arraycopy(ImageResize.xTable(mode, c.w, outW, ch, c.x, w, c.mirror), 0, xt, i * outW * 4, outW * 4);
                System.arraycopy(ImageResize.yTable(mode, c.h, outH, rowBytes, batch.offset(i), c.y, batch.height(i)), 0,
                        yt, i * outH * 4, outH * 4);
            } else {
                // resize the whole image, then keep the output window [x, x + outW) x [y, y + outH)
                int[] fx = ImageResize.xTable(mode, w, c.resizedW, ch, 0, w, false);
                int[] fy = ImageResize.yTable(mode, batch.height(i), c.resizedH, rowBytes, batch.offset(i), 0, batch.height(i));
                for (int d = 0; d < outW; d++) {
                    int from = (c.mirror ? c.x + outW - 1 - d : c.x + d) * 4;
                    System.arraycopy(fx, from, xt, (i * outW + d) * 4, 4);
                }
                System.arraycopy(fy, c.y * 4, yt, i * outH * 4, outH * 4);
            }
        }
        return new Prepared(batch, n, ch, choices, xt, yt);
    }

    /** Modes without two-tap tables: resize on the device, then crop, mirror and normalise. */
    private void perImage(Prepared p, Device device, float[] dst) {
        int per = p.ch * outW * outH;
        for (int i = 0; i < p.n; i++) {
            Choice c = p.choices.get(i);
            Image src = p.batch.image(i); // off-heap: a view, read in place by the resize kernels
            float[] one;
            if (randomCrop) {
                Image window = ImageGeometry.crop(src, c.x, c.y, c.w, c.h, device);
                Image resized = ImageResize.resize(window, outW, outH, mode, device);
                one = ImageConvert.cropMirrorNormalize(resized, 0, 0, outW, outH, c.mirror, divisor, mean, std, device);
            } else {
                Image resized = ImageResize.resize(src, c.resizedW, c.resizedH, mode, device);
                one = ImageConvert.cropMirrorNormalize(resized, c.x, c.y, outW, outH, c.mirror, divisor, mean, std, device);
            }
            System.arraycopy(one, 0, dst, i * per, per);
        }
    }

    /** The windows of a batch, drawing from the random generator for random steps. */
    List<Choice> choose(ImageBatch batch) {
        List<Choice> out = new ArrayList<>();
        for (int i = 0; i < batch.size(); i++) {
            int w = batch.width(i), h = batch.height(i);
            boolean mirror = flipProbability > 0 && random.nextDouble() < flipProbability;
            if (randomCrop) {
                int[] box = randomResizedCrop(w, h);
                out.add(new Choice(box[0], box[1], box[2], box[3], outW, outH, mirror));
            } else {
                int rw = w, rh = h;
                if (resizeShorter > 0) {
                    // torchvision Resize(int): the shorter side becomes the size, the longer floor(size * long / short)
                    if (w <= h) {
                        rw = resizeShorter;
                        rh = (int) ((long) resizeShorter * h / w);
                    } else {
                        rh = resizeShorter;
                        rw = (int) ((long) resizeShorter * w / h);
                    }
                }
                if (rw < outW || rh < outH) {
                    throw new IllegalArgumentException("image " + i + " (" + w + "x" + h + ") is smaller than the crop " + outW + "x"
                            + outH + " after resizing: pad it first or resize to a larger shorter side");
                }
                out.add(new Choice(ImageGeometry.centerOffset(rw, outW), ImageGeometry.centerOffset(rh, outH), outW, outH, rw, rh, mirror));
            }
        }
        return out;
    }

    /** torchvision's {@code RandomResizedCrop.get_params}: {x, y, w, h}. */
    private int[] randomResizedCrop(int width, int height) {
        double area = (double) width * height;
        double logLo = Math.log(ratio[0]), logHi = Math.log(ratio[1]);
        for (int attempt = 0; attempt < 10; attempt++) {
            double target = area * (scale[0] + (scale[1] - scale[0]) * random.nextDouble());
            double aspect = Math.exp(logLo + (logHi - logLo) * random.nextDouble());
            int w = (int) Math.rint(Math.sqrt(target * aspect));
            int h = (int) Math.rint(Math.sqrt(target / aspect));
            if (w > 0 && w <= width && h > 0 && h <= height) {
                int y = random.nextInt(height - h + 1);
                int x = random.nextInt(width - w + 1);
                return new int[] {x, y, w, h};
            }
        }
        // torchvision's fallback: the largest central window within the ratio range
        double inRatio = (double) width / height;
        int w, h;
        if (inRatio < ratio[0]) {
            w = width;
            h = (int) Math.rint(w / ratio[0]);
        } else if (inRatio > ratio[1]) {
            h = height;
            w = (int) Math.rint(h * ratio[1]);
        } else {
            w = width;
            h = height;
        }
        w = Math.clamp(w, 1, width);
        h = Math.clamp(h, 1, height);
        return new int[] {(width - w) / 2, (height - h) / 2, w, h};
    }

    @Override
    public String toString() {
        return randomCrop
                ? "ImagePipeline[random resized crop " + outW + "x" + outH + " scale " + scale[0] + ".." + scale[1] + " ratio "
                + ratio[0] + ".." + ratio[1] + ", flip p=" + flipProbability + ", " + mode + ", seed " + seed + "]"
                : "ImagePipeline[shorter side " + resizeShorter + ", centre crop " + outW + "x" + outH + ", " + mode + "]";
    }
}
