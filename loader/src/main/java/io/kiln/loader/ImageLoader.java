package io.kiln.loader;

import io.kiln.Device;
import io.kiln.Devices;
import io.kiln.ExecutionPlan;
import io.kiln.FloatArray;
import io.kiln.TaskGraph;
import io.kiln.kernels.ImagePipeline;
import io.kiln.kernels.ImagePresets;

import java.util.Iterator;
import java.util.Objects;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * Loads images into batches of model-ready tensors, keeping a device fed. Two layers, joined by
 * bounded queues: <b>concurrency for waiting</b> (reads on virtual threads, at most
 * {@link Builder#inFlightReads} at once) and <b>parallelism for computing</b> (decoding on
 * {@link Builder#workers} platform threads; the {@link ImagePipeline} on the {@link Builder#device}, one
 * run per batch). Batches go into a fixed ring of {@link Builder#prefetch} off-heap staging buffers
 * (pinned when the device supports it), so memory stays bounded whatever the consumer's speed.
 *
 * <pre>{@code
 * try (ImageLoader loader = ImageLoader.builder(SampleSource.directory(Path.of("images")))
 *         .pipeline(ImagePresets.imagenetEval())
 *         .batchSize(64)
 *         .shuffle(42).epochs(10)
 *         .build()) {
 *     for (Batch b : loader) {
 *         try (b) {
 *             train(b.tensor(), b.shape());            // N x 3 x 224 x 224 floats, off-heap
 *         }
 *     }
 *     System.out.println(loader.report().summary());  // counts, stage times, the bottleneck verdict
 * }
 * }</pre>
 *
 * <p>The threads start with the first {@link #iterator()} (or {@link #stream()}), which may be taken
 * once. {@link #close()} stops every thread and releases every buffer, also mid-epoch and also from
 * another thread; batches still open become unusable (their tensor throws {@link IllegalStateException})
 * and the iterator's {@code hasNext()} returns false.
 */
public final class ImageLoader implements Iterable<Batch>, AutoCloseable {
    private final Builder config;
    private final ImageRun run;

    private ImageLoader(Builder config) {
        this.config = config;
        this.run = new ImageRun(config);
    }

    /** A builder for a loader over {@code source}; every other setting has a default. */
    public static Builder builder(SampleSource source) {
        return new Builder(source);
    }

    /**
     * The batches of every epoch, in order (or as they complete, with {@link Order#UNORDERED}). Starts
     * the loader; callable once. {@code hasNext}/{@code next} throw {@link LoaderException} when the
     * loader failed ({@link BadSamplePolicy#FAIL}, or a device error).
     *
     * @throws IllegalStateException if called a second time or after {@link #close()}
     */
    @Override
    public Iterator<Batch> iterator() {
        return run.start();
    }

    /** The batches as a sequential stream (closing the stream does not close the loader). */
    public Stream<Batch> stream() {
        return StreamSupport.stream(Spliterators.spliteratorUnknownSize(iterator(), Spliterator.ORDERED | Spliterator.NONNULL), false);
    }

    /** The decoder JPEG files go through ({@link Decoder#TURBOJPEG} or {@link Decoder#IMAGEIO}), resolved from the builder's choice. */
    public Decoder decoder() {
        return run.jpegDecoder();
    }

    /** The device the pipeline runs on. */
    public Device device() {
        return config.device;
    }

    /** A full batch's tensor shape: {batchSize, channels, height, width}. */
    public long[] batchShape() {
        return new long[] {config.batchSize, config.pipeline.channels(), config.pipeline.height(), config.pipeline.width()};
    }

    /** Samples this loader will read over all its epochs (after sharding and {@link LastBatch#DROP}), or -1 for a streamed source. */
    public long expectedSamples() {
        return run.expectedSamples();
    }

    /** A snapshot of the report while running; the final report after the end or {@link #close()}. */
    public LoaderReport report() {
        return run.report();
    }

    /** Stops every thread and releases every staging buffer. Idempotent; safe from any thread. */
    @Override
    public void close() {
        run.close();
    }

    /**
     * The loader's settings. Each setter checks its argument and says what is allowed; {@link #build()}
     * checks the combination.
     */
    public static final class Builder {
        final SampleSource source;
        ImagePipeline pipeline = ImagePresets.imagenetEval();
        int batchSize = 64;
        int workers = Runtime.getRuntime().availableProcessors();
        int prefetch = 3;
        int inFlightReads = 16;
        Order order = Order.ORDERED;
        boolean shuffle;
        long seed;
        int rank = 0;
        int world = 1;
        int epochs = 1;
        LastBatch lastBatch = LastBatch.KEEP;
        BadSamplePolicy onBadSample = BadSamplePolicy.SKIP;
        Decoder decoder = Decoder.AUTO;
        boolean dctScaling;
        long maxPixels = 1L << 26;
        long limit = Long.MAX_VALUE;
        Device device;
        LoaderListener listener = new LoaderListener() {
        };
        SampleTransform sampleTransform;
        ExecutionPlan devicePlan;
        TaskGraph devicePlanGraph;
        FloatArray devicePlanInput;
        String name = "kiln-loader";

        private Builder(SampleSource source) {
            this.source = Objects.requireNonNull(source, "source is null: pass a SampleSource (directory, glob, paths, bytes, iterator)");
        }

        /** The chain each batch goes through on the device; default {@link ImagePresets#imagenetEval()}. Its channels decide RGB (3), grey (1) or RGBA (4) decoding. */
        public Builder pipeline(ImagePipeline pipeline) {
            this.pipeline = Objects.requireNonNull(pipeline, "pipeline is null");
            return this;
        }

        /** Samples per batch, default 64. */
        public Builder batchSize(int batchSize) {
            this.batchSize = positive(batchSize, "batch size");
            return this;
        }

        /** Decode threads (platform threads), default the number of cores. */
        public Builder workers(int workers) {
            this.workers = positive(workers, "workers");
            return this;
        }

        /** Batches prepared ahead: the number of staging buffers in the ring, default 3 (at least 2 lets one batch load while another is consumed). */
        public Builder prefetch(int prefetch) {
            this.prefetch = positive(prefetch, "prefetch depth");
            return this;
        }

        /** Reads in flight at most (each on its own virtual thread), default 16. Raise it for network file systems. */
        public Builder inFlightReads(int inFlightReads) {
            this.inFlightReads = positive(inFlightReads, "reads in flight");
            return this;
        }

        /** Batch order, default {@link Order#ORDERED}. */
        public Builder order(Order order) {
            this.order = Objects.requireNonNull(order, "order is null");
            return this;
        }

        /**
         * Shuffles the samples of every epoch with a permutation drawn from {@code seed} and the epoch's
         * number: the same seed gives the same order in each epoch, every rank of a sharded run sees the
         * same permutation. Needs a listed source. Also seeds the decode threads' random streams.
         */
        public Builder shuffle(long seed) {
            this.shuffle = true;
            this.seed = seed;
            return this;
        }

        /** Seeds the decode threads' random streams ({@link SampleTransform}) without shuffling; default 0. */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /**
         * Reads only shard {@code rank} of {@code world}: position {@code p} of each epoch's order (after
         * shuffling) belongs to rank {@code p % world}, so every sample is in exactly one shard.
         */
        public Builder shard(int rank, int world) {
            if (world < 1 || rank < 0 || rank >= world) {
                throw new IllegalArgumentException("shard " + rank + " of " + world + ": need world >= 1 and 0 <= rank < world");
            }
            this.rank = rank;
            this.world = world;
            return this;
        }

        /** Passes over the source, default 1. A streamed source needs {@link SampleSource#stream} for more than one. */
        public Builder epochs(int epochs) {
            this.epochs = positive(epochs, "epochs");
            return this;
        }

        /** What happens to a partial last batch, default {@link LastBatch#KEEP}. */
        public Builder lastBatch(LastBatch lastBatch) {
            this.lastBatch = Objects.requireNonNull(lastBatch, "lastBatch is null");
            return this;
        }

        /** What a bad sample does, default {@link BadSamplePolicy#SKIP}. */
        public Builder onBadSample(BadSamplePolicy policy) {
            this.onBadSample = Objects.requireNonNull(policy, "policy is null");
            return this;
        }

        /** The JPEG decoder, default {@link Decoder#AUTO}. */
        public Builder decoder(Decoder decoder) {
            this.decoder = Objects.requireNonNull(decoder, "decoder is null");
            return this;
        }

        /**
         * Lets TurboJPEG decode JPEGs straight at 1/2, 1/4 or 1/8 size (in the DCT domain, much faster)
         * when the smaller image is still at least as large as what the pipeline resizes to. Off by
         * default: it changes the pixels (the downscale is libjpeg's, not the pipeline's resize), so
         * results are no longer those of the full decode. ImageIO ignores it.
         */
        public Builder dctScaling(boolean enabled) {
            this.dctScaling = enabled;
            return this;
        }

        /**
         * Reads at most {@code n} samples per epoch of this shard: the first {@code n} of the epoch's
         * order after shuffling and sharding (then the last-batch policy applies to them). Default: all.
         */
        public Builder limit(long n) {
            if (n < 1) throw new IllegalArgumentException("limit " + n + " is not positive");
            this.limit = n;
            return this;
        }

        /** Images with more pixels are {@link FailureKind#WRONG_SIZE} (checked from the header, before decoding); default 2^26. */
        public Builder maxPixels(long maxPixels) {
            if (maxPixels < 1) throw new IllegalArgumentException("max pixels " + maxPixels + " is not positive");
            this.maxPixels = maxPixels;
            return this;
        }

        /** The device the pipeline runs on, default {@code Devices.get("cpu")}. */
        public Builder device(Device device) {
            this.device = Objects.requireNonNull(device, "device is null: pass one from io.kiln.Devices");
            return this;
        }

        /** Progress, failure and span hooks (see {@link LoaderListener}); default none. */
        public Builder listener(LoaderListener listener) {
            this.listener = Objects.requireNonNull(listener, "listener is null");
            return this;
        }

        /**
         * A plan of the user's own run on every batch after the pipeline, on the loader's device stage,
         * with the batch's tensor bound in place of {@code input} ({@code Bindings.of().data(input,
         * tensor)}): more preprocessing as kernels, or a model's first layers. The plan is made once
         * (compiled once) and rebound per batch. It must work <b>in place</b>: what the consumer sees is
         * the tensor after the plan (so the plan should copy {@code input} to the device and back, both
         * {@code EVERY_RUN}); any other output of the plan is overwritten by the next batch while the
         * consumer still holds this one. The plan sees the whole staging tensor, {@code batchSize}
         * samples, of which the batch's {@link Batch#size()} are real. The loader does not close it.
         * <p>Runs of one plan are serialised, so with this form the plan's upload of batch k+1 waits for its
         * kernels of batch k; {@link #devicePlan(TaskGraph, FloatArray)} lets them overlap.
         *
         * @param plan  the plan, for example {@code graph.plan(device)}
         * @param input the {@link FloatArray} the graph was built with, of {@code batchSize x C x H x W} floats
         */
        public Builder devicePlan(ExecutionPlan plan, FloatArray input) {
            this.devicePlan = Objects.requireNonNull(plan, "plan is null");
            this.devicePlanGraph = null;
            this.devicePlanInput = Objects.requireNonNull(input, "input is null: pass the FloatArray the plan's graph reads");
            return this;
        }

        /**
         * As {@link #devicePlan(ExecutionPlan, FloatArray)}, with the loader making the plans: one per
         * ring slot ({@code graph.plan(device)} on the loader's device, closed with the loader), each
         * rebound to its slot's tensor. Plans run concurrently (each has its own device queues), so the
         * copy of batch k+1 to the device, the kernels of batch k and the copy back of batch k-1 can be
         * in flight together.
         *
         * @param graph the graph to run on every batch, working in place on {@code input}
         * @param input the {@link FloatArray} the graph was built with, of {@code batchSize x C x H x W} floats
         */
        public Builder devicePlan(TaskGraph graph, FloatArray input) {
            this.devicePlanGraph = Objects.requireNonNull(graph, "graph is null");
            this.devicePlan = null;
            this.devicePlanInput = Objects.requireNonNull(input, "input is null: pass the FloatArray the graph reads");
            return this;
        }

        /** A per-sample CPU transform run on the decode threads after decoding; default none. */
        public Builder sampleTransform(SampleTransform transform) {
            this.sampleTransform = Objects.requireNonNull(transform, "transform is null");
            return this;
        }

        /** The prefix of the loader's thread names, default {@code kiln-loader} (threads are {@code <name>-<n>-decode-0}, ...). */
        public Builder name(String name) {
            this.name = Objects.requireNonNull(name, "name is null");
            return this;
        }

        /**
         * A loader with these settings (its threads start with the first iterator).
         *
         * @throws IllegalArgumentException if shuffling is asked of a streamed source, or several epochs of a one-pass iterator
         * @throws IllegalStateException    if {@link Decoder#TURBOJPEG} is asked and libturbojpeg cannot be loaded
         */
        public ImageLoader build() {
            if (shuffle && !source.isListed()) {
                throw new IllegalArgumentException("cannot shuffle " + source + ": its size is not known; list the samples (SampleSource.samples) to shuffle");
            }
            if (epochs > 1 && !source.isRestartable()) {
                throw new IllegalArgumentException(epochs + " epochs of " + source + ": an iterator is read once; use SampleSource.stream(supplier)");
            }
            if (decoder == Decoder.TURBOJPEG && !Decoder.turboJpegAvailable()) {
                throw new IllegalStateException("Decoder.TURBOJPEG asked but " + Decoder.turboJpegStatus()
                        + ": install libturbojpeg0 (Debian/Ubuntu) or use Decoder.AUTO");
            }
            if (device == null) device = Devices.get("cpu");
            if (devicePlan != null || devicePlanGraph != null) {
                long want = (long) batchSize * pipeline.channels() * pipeline.width() * pipeline.height();
                if (devicePlanInput.length() != want) {
                    throw new IllegalArgumentException("the device plan's input has " + devicePlanInput.length() + " floats, a batch tensor "
                            + want + " (" + batchSize + " x " + pipeline.channels() + " x " + pipeline.height() + " x " + pipeline.width()
                            + "): build the plan's graph with FloatArray.allocate(" + want + ")");
                }
            }
            return new ImageLoader(this);
        }

        private static int positive(int v, String what) {
            if (v < 1) throw new IllegalArgumentException(what + " " + v + " is not positive: pass at least 1");
            return v;
        }
    }
}
