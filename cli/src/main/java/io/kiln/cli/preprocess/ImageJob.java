package io.kiln.cli.preprocess;

import io.kiln.Device;
import io.kiln.loader.BadSamplePolicy;
import io.kiln.loader.Batch;
import io.kiln.loader.Decoder;
import io.kiln.loader.Failure;
import io.kiln.loader.FailureKind;
import io.kiln.loader.ImageLoader;
import io.kiln.loader.LoaderException;
import io.kiln.loader.LoaderReport;
import io.kiln.loader.SampleSource;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code kiln preprocess} on images: the loader's batches into {@code .npy} files, with the manifest,
 * progress, summary and, if asked, a trace.
 */
public final class ImageJob {

    /**
     * What to do.
     *
     * @param source       the images
     * @param input        how the user named them (for the manifest)
     * @param out          the output folder
     * @param preset       the chain
     * @param seed         seed of shuffling and of the preset's random steps
     * @param shuffle      whether to shuffle
     * @param batch        samples per batch
     * @param device       where the chain runs
     * @param workers      decode threads
     * @param prefetch     batches prepared ahead
     * @param onError      what a bad sample does
     * @param rank         this shard
     * @param world        shards in all
     * @param limit        samples to read at most (the first of this shard's order), 0 for all
     * @param decoder      the JPEG decoder
     * @param shardSize    batches per {@code .npy} file, 0 for one file
     * @param trace        where to write the trace, or {@code null}
     * @param version      Kiln's version, for the manifest
     */
    public record Settings(SampleSource source, String input, Path out, ImagePreset preset, long seed, boolean shuffle, int batch,
                           Device device, int workers, int prefetch, BadSamplePolicy onError, int rank, int world, long limit,
                           Decoder decoder, int shardSize, Path trace, String version) {
    }

    /**
     * What happened.
     *
     * @param written  samples written
     * @param skipped  the samples left out, with reasons
     * @param report   the loader's final report
     * @param waitNanos time the writer waited for batches
     * @param writeNanos time the writer spent writing
     * @param elapsedNanos the whole run
     * @param decoder  the JPEG decoder that ran
     * @param files    the .npy files written
     */
    public record Outcome(long written, List<Failure> skipped, LoaderReport report, long waitNanos, long writeNanos, long elapsedNanos,
                          Decoder decoder, List<OutputFile> files) {
        /** Samples per second written. */
        public double throughput() {
            return elapsedNanos <= 0 ? 0 : written * 1e9 / elapsedNanos;
        }
    }

    private final Settings s;

    /** A job with these settings. */
    public ImageJob(Settings settings) {
        this.s = settings;
    }

    /** The loader these settings describe (not started). */
    public static ImageLoader loader(Settings s, TraceRecorder trace) {
        ImageLoader.Builder b = ImageLoader.builder(s.source()).pipeline(s.preset().pipeline(s.seed())).batchSize(s.batch())
                .workers(s.workers()).prefetch(s.prefetch()).onBadSample(s.onError()).decoder(s.decoder()).device(s.device())
                .shard(s.rank(), s.world()).name("kiln-preprocess");
        if (s.limit() > 0) b.limit(s.limit());
        if (s.shuffle()) b.shuffle(s.seed());
        else b.seed(s.seed());
        if (trace != null) b.listener(trace);
        return b.build();
    }

    /**
     * Runs the job: writes the files and the manifest, shows progress.
     *
     * @throws LoaderException under {@code --on-error fail} when a sample fails, or when the loader fails; the
     *                         {@code .npy} files written so far are removed and no manifest is written
     */
    public Outcome run(Progress.Mode progressMode, PrintWriter out, PrintStream terminal) {
        OutputFolder.prepare(s.out());
        OutputFolder.markInProgress(s.out(), s.version());
        TraceRecorder trace = s.trace() == null ? null : new TraceRecorder();
        io.kiln.kernels.ImagePipeline pipeline = s.preset().pipeline(s.seed());
        long[] sampleShape = {pipeline.channels(), pipeline.height(), pipeline.width()};
        List<Failure> skipped = new ArrayList<>();
        long start = System.nanoTime();
        long waitNanos = 0, writeNanos = 0;
        LoaderReport report;
        Decoder decoder;
        ShardedNpyOutput npy = new ShardedNpyOutput(s.out(), sampleShape, s.shardSize());
        boolean ok = false;
        try (ImageLoader loader = loader(s, trace)) {
            decoder = loader.decoder();
            long expected = loader.expectedSamples();
            try (Progress progress = Progress.of(progressMode, "images", expected, out, terminal)) {
                Iterator<Batch> it = loader.iterator();
                while (true) {
                    long t0 = System.nanoTime();
                    Batch batch = it.hasNext() ? it.next() : null;
                    long t1 = System.nanoTime();
                    waitNanos += t1 - t0;
                    if (batch == null) break;
                    try (batch) {
                        npy.writeBatch(batch.tensor(), batch.size(), batch.ids(), batch.indices());
                        skipped.addAll(batch.failures());
                        long t2 = System.nanoTime();
                        writeNanos += t2 - t1;
                        if (trace != null) trace.writeSpan(t1, t2, batch.epoch(), batch.number(), "write batch " + batch.number());
                    }
                    progress.update(npy.written() + skipped.size(), skipped.size(), System.nanoTime() - start);
                }
            }
            loader.close();
            report = loader.report();
            addUnlisted(skipped, report.failures());
            npy.close();
            ok = true;
        } finally {
            if (!ok) removeQuietly(npy);
        }
        long elapsed = System.nanoTime() - start;
        Outcome outcome = new Outcome(npy.written(), skipped, report, waitNanos, writeNanos, elapsed, decoder, List.copyOf(npy.shards()));
        OutputFolder.writeJson(s.out().resolve(OutputFolder.MANIFEST), manifest(npy, outcome, sampleShape));
        if (trace != null) trace.write(s.trace(), report.startNanos());
        return outcome;
    }

    /** Prints the summary of a finished run. */
    public void printSummary(PrintWriter out, Outcome outcome) {
        Summary.print(out, s, outcome);
    }

    /** Failures the report lists that no batch carried (normally none). */
    private static void addUnlisted(List<Failure> skipped, List<Failure> reported) {
        Set<String> seen = new HashSet<>();
        for (Failure f : skipped) seen.add(f.epoch() + ":" + f.index());
        for (Failure f : reported) {
            if (seen.add(f.epoch() + ":" + f.index())) skipped.add(f);
        }
    }

    private static void removeQuietly(ShardedNpyOutput npy) {
        try {
            npy.close();
        } catch (RuntimeException ignored) {
            // already failing
        }
        List<String> names = new ArrayList<>();
        for (OutputFile shard : npy.shards()) names.add(shard.file());
        names.add(OutputFolder.MANIFEST);
        for (String name : names) {
            try {
                java.nio.file.Files.deleteIfExists(npy.dir().resolve(name));
            } catch (java.io.IOException ignored) {
                // best effort: the job failed anyway
            }
        }
    }

    private Map<String, Object> manifest(ShardedNpyOutput npy, Outcome o, long[] sampleShape) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("producer", "kiln preprocess");
        m.put("kiln_version", s.version());
        m.put("complete", true);
        m.put("created", Instant.now().toString());
        m.put("kind", "images");
        m.put("input", s.input());
        m.put("preset", s.preset().parameters(s.seed()));
        Map<String, Object> options = new LinkedHashMap<>();
        options.put("batch", s.batch());
        options.put("device", s.device().id());
        options.put("workers", s.workers());
        options.put("prefetch", s.prefetch());
        options.put("on_error", s.onError().name().toLowerCase(java.util.Locale.ROOT));
        options.put("shuffle", s.shuffle());
        options.put("seed", s.seed());
        options.put("shard", Map.of("rank", s.rank(), "world", s.world()));
        options.put("limit", s.limit());
        options.put("decoder", o.decoder().name().toLowerCase(java.util.Locale.ROOT));
        options.put("shard_size", s.shardSize());
        m.put("options", options);
        m.put("decoders", o.report().decoders());
        m.put("dtype", "float32");
        m.put("sample_shape", sampleShape);
        m.put("counts", counts(o.written(), o.skipped().size()));
        List<Map<String, Object>> files = new ArrayList<>();
        for (OutputFile sh : npy.shards()) {
            Map<String, Object> f = new LinkedHashMap<>();
            f.put("file", sh.file());
            f.put("samples", sh.samples());
            f.put("shape", sh.shape());
            files.add(f);
        }
        m.put("files", files);
        List<Map<String, Object>> samples = new ArrayList<>();
        for (ShardedNpyOutput.Placement p : npy.placements()) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("id", p.id());
            e.put("index", p.index());
            e.put("shard", p.shard());
            e.put("offset", p.offset());
            samples.add(e);
        }
        m.put("samples", samples);
        m.put("skipped", skippedList(o.skipped()));
        return m;
    }

    static Map<String, Object> counts(long written, long skipped) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("read", written + skipped);
        c.put("written", written);
        c.put("skipped", skipped);
        return c;
    }

    static List<Map<String, Object>> skippedList(List<Failure> failures) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Failure f : failures) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("id", f.id());
            e.put("index", f.index());
            e.put("epoch", f.epoch());
            e.put("stage", f.stage().name().toLowerCase(java.util.Locale.ROOT));
            e.put("kind", f.kind().name());
            e.put("reason", f.message());
            out.add(e);
        }
        return out;
    }

    /** Skipped samples per reason, in {@link FailureKind} order. */
    public static Map<FailureKind, Integer> byKind(List<Failure> failures) {
        Map<FailureKind, Integer> m = new java.util.EnumMap<>(FailureKind.class);
        for (Failure f : failures) m.merge(f.kind(), 1, Integer::sum);
        return m;
    }
}
