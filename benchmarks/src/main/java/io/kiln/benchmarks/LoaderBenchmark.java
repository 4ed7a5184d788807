package io.kiln.benchmarks;

import io.kiln.Device;
import io.kiln.Devices;
import io.kiln.kernels.ImagePresets;
import io.kiln.kernels.ImageResize;
import io.kiln.loader.Batch;
import io.kiln.loader.CsvLoader;
import io.kiln.loader.Decoder;
import io.kiln.loader.ImageLoader;
import io.kiln.loader.LoaderReport;
import io.kiln.loader.SampleImages;
import io.kiln.loader.SampleSource;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The loader benchmark (issue 13): the ImageNet evaluation chain over a folder of 2,000 generated
 * photo-like JPEGs of about 500 x 500 ({@link SampleImages}), batches of 64, on {@code cpu}, against
 * PyTorch's DataLoader with 2 workers and torchvision's transforms ({@code benchmarks/peers/torch_loader.py}),
 * plus the machine's decode-only ceiling. A harness rather than JMH: one measurement is one pass over
 * the folder (an epoch), and the peer is another process. The modes run round-robin, one epoch each per
 * round, so that a shared machine's load hits them alike; the table gives each mode's median.
 *
 * <pre>
 * J=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java
 * $J --enable-native-access=ALL-UNNAMED -cp benchmarks/target/benchmarks.jar io.kiln.benchmarks.LoaderBenchmark \
 *     [--dir /tmp/kiln-loader-bench] [--count 2000] [--rounds 3] [--python /usr/bin/python3] [--modes kiln,torch,...]
 * </pre>
 *
 * Modes: {@code kiln} (the loader, imagenetEval on cpu, TurboJPEG), {@code kiln-imageio} (the same with
 * the ImageIO decoder), {@code kiln-dct} (with {@code dctScaling(true)}: 500 x 500 JPEGs decode at 1/2,
 * which changes the pixels), {@code kiln-antialias} (the chain with torchvision's antialiased resize,
 * bit-exact with it), {@code decode} (TurboJPEG read + decode on one thread per core, nothing else: the
 * ceiling), {@code torch}, {@code torch-decode} (PIL decode only, 2 workers); and two that are not
 * images/s: {@code csv} (rows/s of {@link CsvLoader} over a generated file of 1,000,000 rows x 16 float
 * columns, printed as "images/s") and {@code rss} (10 epochs over the first 500 images, printing the
 * resident set after each epoch; its "rate" is the growth from epoch 1 to the largest, in percent).
 *
 * <p>Mode {@code overlap} measures the device stage (issue 13's overlap bar) on {@code --device}
 * (default {@code opencl:0}): the loader alone (imagenetEval on the device), the compute alone (a
 * user graph doing {@code --work-rounds} rounds of arithmetic per element in place, 0 = calibrated so
 * its time per batch is about the loader's, run on ring-many tensors with as many runs in flight as the
 * loader allows) and both together ({@code devicePlan(graph, input)}), each over the same number of
 * batches; it prints the three rates, together / min(alone), the shared-CPU bound 1 / (1/L + 1/C), the
 * process's CPU use and the loader's overlapped device time. Its "images/s" is the together rate.
 */
public final class LoaderBenchmark {
    private LoaderBenchmark() {
    }

    /** Runs the benchmark; see the class comment for the options. */
    public static void main(String[] args) throws Exception {
        Map<String, String> opt = new LinkedHashMap<>();
        opt.put("dir", System.getProperty("java.io.tmpdir") + "/kiln-loader-bench");
        opt.put("count", "2000");
        opt.put("rounds", "3");
        opt.put("batch", "64");
        opt.put("workers", String.valueOf(Runtime.getRuntime().availableProcessors()));
        opt.put("python", Files.isExecutable(Path.of("/usr/bin/python3")) ? "/usr/bin/python3" : "python3");
        opt.put("peer", "benchmarks/peers/torch_loader.py");
        opt.put("modes", "kiln,decode,torch,kiln-antialias,torch-decode");
        opt.put("device", "opencl:0");
        opt.put("work-rounds", "0");
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length || !opt.containsKey(args[i].substring(2))) {
                throw new IllegalArgumentException("unknown option " + args[i] + ": use one of " + opt.keySet() + " as --name value");
            }
            opt.put(args[i].substring(2), args[++i]);
        }
        Path dir = Path.of(opt.get("dir"));
        int count = Integer.parseInt(opt.get("count"));
        long t0 = System.nanoTime();
        List<Path> files = SampleImages.ensure(dir, count);
        System.out.printf(Locale.ROOT, "samples: %d JPEGs in %s (%.1f s to make or check), %.1f MB%n", files.size(), dir,
                (System.nanoTime() - t0) / 1e9, totalBytes(files) / 1e6);
        System.out.println("decoder: " + Decoder.turboJpegStatus());
        System.out.println("cores: " + Runtime.getRuntime().availableProcessors() + ", load average at start: " + loadAverage());
        List<String> modes = List.of(opt.get("modes").split(","));
        int rounds = Integer.parseInt(opt.get("rounds"));
        int batch = Integer.parseInt(opt.get("batch"));
        int workers = Integer.parseInt(opt.get("workers"));
        Map<String, List<Double>> rates = new LinkedHashMap<>();
        Map<String, List<Double>> cpuMs = new LinkedHashMap<>();
        for (String m : modes) {
            rates.put(m, new ArrayList<>());
            cpuMs.put(m, new ArrayList<>());
        }
        Device cpu = Devices.get("cpu");
        // one warm-up epoch of the loader (JIT, kernel compilation), not counted
        if (modes.stream().anyMatch(m -> m.startsWith("kiln"))) kiln(dir, batch, workers, cpu, Decoder.AUTO, false, true);
        LoaderReport lastReport = null;
        for (int r = 0; r < rounds; r++) {
            for (String m : modes) {
                long cpu0 = processCpuNanos();
                peerCpuMs = -1;
                double rate = switch (m) {
                    case "kiln" -> {
                        Object[] res = kiln(dir, batch, workers, cpu, Decoder.AUTO, false, false);
                        lastReport = (LoaderReport) res[1];
                        yield (double) res[0];
                    }
                    case "kiln-imageio" -> (double) kiln(dir, batch, workers, cpu, Decoder.IMAGEIO, false, false)[0];
                    case "kiln-dct" -> (double) kiln(dir, batch, workers, cpu, Decoder.AUTO, false, false, true)[0];
                    case "kiln-antialias" -> (double) kiln(dir, batch, workers, cpu, Decoder.AUTO, true, false)[0];
                    case "decode" -> decodeOnly(files, workers);
                    case "torch" -> torch(opt, dir, batch, false);
                    case "torch-decode" -> torch(opt, dir, batch, true);
                    case "csv" -> csv(dir.resolveSibling(dir.getFileName() + "-rows.csv"), workers);
                    case "rss" -> rss(dir, batch, workers, cpu);
                    case "overlap" -> overlap(opt, dir, batch, workers, count);
                    default -> throw new IllegalArgumentException("unknown mode " + m + ": use kiln, kiln-imageio, kiln-antialias, decode, torch, torch-decode");
                };
                rates.get(m).add(rate);
                long items = m.equals("csv") ? 1_000_000 : m.equals("rss") ? 5000 : m.equals("overlap") ? 3L * count : count;
                double ms = peerCpuMs >= 0 ? peerCpuMs : (processCpuNanos() - cpu0) / 1e6 / items;
                cpuMs.get(m).add(ms);
                System.out.printf(Locale.ROOT, "round %d  %-15s %8.1f images/s  %8.4f ms CPU per item  (load %s)%n", r, m, rate, ms, loadAverage());
            }
        }
        System.out.println();
        int cores = Runtime.getRuntime().availableProcessors();
        System.out.println("| mode | images/s, median of " + rounds + " | each round | CPU ms per image, median | " + cores
                + " cores / CPU time per image |");
        System.out.println("|---|---|---|---|---|");
        for (String m : modes) {
            double c = median(cpuMs.get(m));
            System.out.printf(Locale.ROOT, "| %s | %.1f | %s | %.4f | %.0f |%n", m, median(rates.get(m)), fmt(rates.get(m)), c, cores * 1000 / c);
        }
        if (rates.containsKey("kiln") && rates.containsKey("torch")) {
            List<Double> k = rates.get("kiln"), t = rates.get("torch"), kc = cpuMs.get("kiln"), tc = cpuMs.get("torch");
            double[] ratio = new double[rounds], cpuRatio = new double[rounds];
            for (int i = 0; i < rounds; i++) {
                ratio[i] = k.get(i) / t.get(i);
                cpuRatio[i] = tc.get(i) / kc.get(i);
            }
            Arrays.sort(ratio);
            Arrays.sort(cpuRatio);
            System.out.printf(Locale.ROOT, "kiln / torch, throughput side by side: %s, median %.2fx%n", fmt(ratio), ratio[rounds / 2]);
            System.out.printf(Locale.ROOT, "torch CPU per image / kiln CPU per image: %s, median %.2fx%n", fmt(cpuRatio), cpuRatio[rounds / 2]);
        }
        if (lastReport != null) {
            System.out.println();
            System.out.println("last kiln run's report:");
            System.out.println(lastReport.summary());
        }
    }

    /** One epoch of the loader over the folder: {images/s, report}. */
    private static Object[] kiln(Path dir, int batch, int workers, Device cpu, Decoder decoder, boolean antialias, boolean quiet) {
        return kiln(dir, batch, workers, cpu, decoder, antialias, quiet, false);
    }

    private static Object[] kiln(Path dir, int batch, int workers, Device cpu, Decoder decoder, boolean antialias, boolean quiet, boolean dct) {
        var pipeline = ImagePresets.imagenetEval();
        if (antialias) pipeline = pipeline.withMode(ImageResize.Mode.BILINEAR_ANTIALIAS);
        long t0 = System.nanoTime();
        long n = 0;
        double check = 0;
        try (ImageLoader l = ImageLoader.builder(SampleSource.directory(dir)).pipeline(pipeline).batchSize(batch).workers(workers)
                .decoder(decoder).dctScaling(dct).device(cpu).build()) {
            for (Batch b : l) {
                try (b) {
                    n += b.size();
                    check += b.tensor().get(12345);
                }
            }
            double rate = n * 1e9 / (System.nanoTime() - t0);
            if (!Double.isFinite(check)) throw new IllegalStateException("the loader produced non-finite values");
            if (!quiet) System.out.println("  " + l.report().bottleneck().verdict());
            return new Object[] {rate, l.report()};
        }
    }

    /** The overlap mode's device work: {@code rounds} multiply-adds per element on a copy, then an exact affine map in place. */
    public static void work(io.kiln.FloatArray t, int rounds) {
        for (@io.kiln.Parallel long i = 0; i < t.length(); i++) {
            float v = t.get(i);
            float acc = v;
            for (int r = 0; r < rounds; r++) acc = acc * 0.75f + 0.5f;
            t.set(i, v * 0.5f - 3f + (acc > 1e30f ? 1f : 0f));
        }
    }

    private static int workRounds;

    /**
     * One round of the overlap mode: loader alone, compute alone, together, over {@code count} images
     * each; prints the rates and the ratios; returns the together rate.
     */
    private static double overlap(Map<String, String> opt, Path dir, int batch, int workers, int count) {
        Device dev = Devices.get(opt.get("device"));
        int cores = Runtime.getRuntime().availableProcessors();
        int batches = (count + batch - 1) / batch;
        if (workRounds == 0) {
            // warm-up (JIT, kernel builds), then calibrate unless told: the loader's time per batch against the
            // work's at 64 rounds (the work is linear in the rounds)
            overlapLoader(dir, batch, workers, dev, count, false, 0);
            workRounds = Integer.parseInt(opt.get("work-rounds"));
        }
        if (workRounds == 0) {
            // the work's time per batch is a + b x rounds (the copies, then the arithmetic): fit it at 16 and 64 rounds
            double loaderBatchS = batch / overlapLoader(dir, batch, workers, dev, count, false, 0)[0];
            int probe = Math.max(3, batches / 3);
            double w16 = batch / overlapCompute(dev, batch, 16, probe)[0], w64 = batch / overlapCompute(dev, batch, 64, probe)[0];
            double slope = Math.max(1e-9, (w64 - w16) / 48), fixed = w16 - 16 * slope;
            workRounds = Math.max(1, (int) Math.round((loaderBatchS - fixed) / slope));
            System.out.printf(Locale.ROOT, "  calibrated: the loader takes %.1f ms per batch, the work %.1f ms + %.2f ms per round: %d rounds%n",
                    loaderBatchS * 1e3, fixed * 1e3, slope * 1e3, workRounds);
        }
        double[] l = overlapLoader(dir, batch, workers, dev, count, false, 0);
        double[] c = overlapCompute(dev, batch, workRounds, batches);
        double[] t = overlapLoader(dir, batch, workers, dev, count, true, workRounds);
        double minAlone = Math.min(l[0], c[0]);
        double shared = 1 / (1 / l[0] + 1 / c[0]);
        System.out.printf(Locale.ROOT, "  overlap on %s, %d rounds: loader alone %.1f images/s (CPU %.0f%%), compute alone %.1f (CPU %.0f%%),"
                        + " together %.1f (CPU %.0f%%, %.2f s of %.2f with two or more batches on the device); together / min(alone) %.2f,"
                        + " together / (1/(1/L+1/C)) %.2f (load %s)%n",
                dev.id(), workRounds, l[0], 100 * l[1] / cores, c[0], 100 * c[1] / cores, t[0], 100 * t[1] / cores, t[2], t[3],
                t[0] / minAlone, t[0] / shared, loadAverage());
        System.out.printf(Locale.ROOT, "  CPU ms per image: loader alone %.2f, compute alone %.2f, together %.2f; together / (sum alone) %.2f%n",
                l[6], c[2], t[6], t[6] / (l[6] + c[2]));
        System.out.printf(Locale.ROOT, "  together, from the device spans: batches' runs overlapped %.2f s in all (pairs); a batch's preprocess run"
                + " (pixel upload, kernel, copy back) ran during another batch's plan run for %.2f s%n", t[4], t[5]);
        return t[0];
    }

    /** The loader on {@code dev} with the work as its device plan ({@code plan} non-null) or without: {images/s, cores busy, overlap s, elapsed s}. */
    private static double[] overlapLoader(Path dir, int batch, int workers, Device dev, int count, boolean plan, int rounds) {
        long per = 3L * 224 * 224;
        try (io.kiln.FloatArray input = io.kiln.FloatArray.allocate(batch * per)) {
            ImageLoader.Builder b = ImageLoader.builder(SampleSource.directory(dir)).batchSize(batch).workers(workers).device(dev).limit(count);
            if (plan) b.devicePlan(workGraph(input, rounds), input);
            List<io.kiln.loader.Span> spans = java.util.Collections.synchronizedList(new ArrayList<>());
            b.listener(new io.kiln.loader.LoaderListener() {
                @Override
                public boolean wantsSpans() {
                    return true;
                }

                @Override
                public void onSpan(io.kiln.loader.Span sp) {
                    if (sp.stage() == io.kiln.loader.Stage.DEVICE) spans.add(sp);
                }
            });
            long cpu0 = processCpuNanos(), t0 = System.nanoTime(), n = 0;
            double check = 0;
            try (ImageLoader l = b.build()) {
                for (Batch x : l) {
                    try (x) {
                        n += x.size();
                        check += x.tensor().get(12345);
                    }
                }
                long wall = System.nanoTime() - t0;
                if (!Double.isFinite(check)) throw new IllegalStateException("the loader produced non-finite values");
                LoaderReport r = l.report();
                System.out.println("  " + (plan ? "together: " : "loader alone: ") + r.bottleneck().verdict());
                double[] ov = spanOverlap(new ArrayList<>(spans));
                long cpu = processCpuNanos() - cpu0;
                return new double[] {n * 1e9 / wall, cpu / (double) wall, r.deviceOverlapNanos() / 1e9, wall / 1e9, ov[0], ov[1], cpu / 1e6 / n};
            }
        }
    }

    private static final Pattern RUNS = Pattern.compile("preprocess ([0-9.]+) ms(?:, plan ([0-9.]+) ms)?");

    /**
     * From the loader's device spans (one per batch, from its preprocess run's start to its plan run's end;
     * the label gives both runs' lengths): {seconds of pairwise overlap of the batches' spans, seconds a
     * preprocess run of one batch ran during the plan run of another}.
     */
    private static double[] spanOverlap(List<io.kiln.loader.Span> spans) {
        int n = spans.size();
        long[][] pre = new long[n][], plan = new long[n][];
        for (int i = 0; i < n; i++) {
            io.kiln.loader.Span sp = spans.get(i);
            Matcher m = RUNS.matcher(sp.label());
            if (!m.find()) throw new IllegalStateException("unexpected device span label: " + sp.label());
            pre[i] = new long[] {sp.startNanos(), sp.startNanos() + (long) (Double.parseDouble(m.group(1)) * 1e6)};
            plan[i] = m.group(2) == null ? null : new long[] {sp.endNanos() - (long) (Double.parseDouble(m.group(2)) * 1e6), sp.endNanos()};
        }
        long pairs = 0, preDuringPlan = 0;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                if (i == j) continue;
                io.kiln.loader.Span a = spans.get(i), b = spans.get(j);
                if (i < j) pairs += Math.max(0, Math.min(a.endNanos(), b.endNanos()) - Math.max(a.startNanos(), b.startNanos()));
                if (plan[j] != null) preDuringPlan += Math.max(0, Math.min(pre[i][1], plan[j][1]) - Math.max(pre[i][0], plan[j][0]));
            }
        }
        return new double[] {pairs / 1e9, preDuringPlan / 1e9};
    }

    private static io.kiln.TaskGraph workGraph(io.kiln.FloatArray input, int rounds) {
        return new io.kiln.TaskGraph("work").transferToDevice(io.kiln.Transfer.EVERY_RUN, input)
                .task("work", LoaderBenchmark::work, input, rounds).transferToHost(io.kiln.Transfer.EVERY_RUN, input);
    }

    /**
     * The work alone on {@code batches} batches: three pinned tensors (the loader's ring) with a plan each,
     * at most three runs in flight, as the loader's device stage runs them: {images/s, cores busy}.
     */
    private static double[] overlapCompute(Device dev, int batch, int rounds, int batches) {
        long per = 3L * 224 * 224;
        int ring = 3;
        io.kiln.FloatArray[] t = new io.kiln.FloatArray[ring];
        io.kiln.ExecutionPlan[] p = new io.kiln.ExecutionPlan[ring];
        try {
            java.util.SplittableRandom r = new java.util.SplittableRandom(13);
            for (int i = 0; i < ring; i++) {
                t[i] = io.kiln.FloatArray.allocatePinned(batch * per, dev);
                for (long k = 0; k < t[i].length(); k++) t[i].set(k, (float) r.nextDouble(-2, 2));
                p[i] = workGraph(t[i], rounds).plan(dev);
                p[i].run(); // builds the kernel: not timed, as the loader's warm-up epoch
            }
            long cpu0 = processCpuNanos(), t0 = System.nanoTime();
            java.util.concurrent.CompletableFuture<?>[] f = new java.util.concurrent.CompletableFuture<?>[ring];
            for (int k = 0; k < batches; k++) {
                int s = k % ring;
                if (f[s] != null) f[s].join();
                f[s] = p[s].runAsync();
            }
            for (var x : f) if (x != null) x.join();
            long wall = System.nanoTime() - t0, cpu = processCpuNanos() - cpu0;
            return new double[] {(double) batches * batch * 1e9 / wall, cpu / (double) wall, cpu / 1e6 / ((double) batches * batch)};
        } finally {
            for (int i = 0; i < ring; i++) {
                if (p[i] != null) p[i].close();
                if (t[i] != null) t[i].close();
            }
        }
    }

    /** Rows per second of the CSV loader over 1,000,000 rows of 16 float columns ({@code %.6f} of uniform [-10, 10)), made once. */
    private static double csv(Path file, int workers) throws IOException {
        int rows = 1_000_000, cols = 16;
        if (!Files.isRegularFile(file) || Files.size(file) < 100_000_000L) {
            java.util.SplittableRandom r = new java.util.SplittableRandom(16);
            Path tmp = file.resolveSibling(file.getFileName() + ".part");
            try (var w = Files.newBufferedWriter(tmp)) {
                for (int k = 0; k < cols; k++) w.write((k == 0 ? "" : ",") + "c" + k);
                w.write('\n');
                StringBuilder line = new StringBuilder();
                for (int i = 0; i < rows; i++) {
                    line.setLength(0);
                    for (int k = 0; k < cols; k++) line.append(k == 0 ? "" : ",").append(String.format(Locale.ROOT, "%.6f", r.nextDouble(-10, 10)));
                    w.write(line.append('\n').toString());
                }
            }
            Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        long t0 = System.nanoTime(), n = 0;
        double check = 0;
        try (CsvLoader l = CsvLoader.builder(file).workers(workers).build()) {
            for (Batch b : l) {
                try (b) {
                    n += b.size();
                    check += b.tensor().get(0);
                }
            }
            if (n != rows || !Double.isFinite(check)) throw new IllegalStateException("read " + n + " rows of " + rows);
            double rate = n * 1e9 / (System.nanoTime() - t0);
            System.out.println("  " + l.report().bottleneck().verdict());
            return rate;
        }
    }

    /** 10 epochs over the first 500 images; the resident set after each; returns its growth after epoch 1 in percent. */
    private static double rss(Path dir, int batch, int workers, Device cpu) throws IOException {
        List<Long> rss = new ArrayList<>();
        try (ImageLoader l = ImageLoader.builder(SampleSource.directory(dir)).batchSize(batch).workers(workers).device(cpu)
                .limit(500).epochs(10).shuffle(1).listener(new io.kiln.loader.LoaderListener() {
                    @Override
                    public void onBatch(io.kiln.loader.BatchInfo info) {
                        if ((info.delivered() % 500) == 0) rss.add(residentKb());
                    }
                }).build()) {
            for (Batch b : l) b.close();
        }
        System.out.println("  resident set after each epoch (kB): " + rss);
        long first = rss.get(0), max = rss.stream().mapToLong(Long::longValue).max().orElse(first);
        return 100.0 * (max - first) / first;
    }

    private static long residentKb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    /** Read + TurboJPEG (or ImageIO) decode of every file on {@code threads} platform threads, no transform: the decode ceiling. */
    private static double decodeOnly(List<Path> files, int threads) throws Exception {
        // the loader with a pipeline-free consumer would still run the pipeline: decode through the loader's
        // decoder directly instead, one thread per core, each taking every threads-th file
        long t0 = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<Long>> parts = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int first = t;
                parts.add(pool.submit(() -> decodeEvery(files, first, threads)));
            }
            long pixels = 0;
            for (Future<Long> f : parts) pixels += f.get();
            if (pixels <= 0) throw new IllegalStateException("nothing decoded");
        } finally {
            pool.shutdownNow();
        }
        return files.size() * 1e9 / (System.nanoTime() - t0);
    }

    /** Reads and decodes files {@code first, first + step, ...}; returns the pixels decoded. */
    private static long decodeEvery(List<Path> files, int first, int step) throws IOException {
        long pixels = 0;
        for (int i = first; i < files.size(); i += step) {
            var img = Decoder.AUTO.decode(Files.readAllBytes(files.get(i)), 3);
            pixels += (long) img.width() * img.height();
        }
        return pixels;
    }

    private static final Pattern RATE = Pattern.compile("\"images\": (\\d+), \"seconds\": ([0-9.]+).*\"cpu_ms_per_image\": ([0-9.]+)");

    /** One epoch of the PyTorch peer, timed by the peer itself (its DataLoader's workers start inside the epoch, as the loader's threads do). */
    private static double torch(Map<String, String> opt, Path dir, int batch, boolean decodeOnly) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(opt.get("python"), opt.get("peer"), dir.toString(), "--workers", "2", "--batch",
                String.valueOf(batch), "--epochs", "1"));
        if (decodeOnly) cmd.add("--decode-only");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        StringBuilder out = new StringBuilder();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) out.append(line).append('\n');
        }
        int rc = p.waitFor();
        Matcher m = RATE.matcher(out);
        if (rc != 0 || !m.find()) {
            throw new IllegalStateException("the PyTorch peer failed (exit " + rc + "): " + out
                    + "\ninstall python3-torch and python3-torchvision (Debian) and pass --python with the interpreter that has them");
        }
        peerCpuMs = Double.parseDouble(m.group(3));
        return Long.parseLong(m.group(1)) / Double.parseDouble(m.group(2));
    }

    private static long totalBytes(List<Path> files) throws IOException {
        long s = 0;
        for (Path f : files) s += Files.size(f);
        return s;
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        } catch (IOException | RuntimeException e) {
            return "?";
        }
    }

    private static double median(List<Double> v) {
        double[] a = v.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return a.length == 0 ? 0 : a[a.length / 2];
    }

    private static String fmt(double[] v) {
        List<Double> l = new ArrayList<>();
        for (double d : v) l.add(d);
        return fmt(l);
    }

    /** CPU time of this JVM (every thread, JIT and GC included). */
    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    /** The last peer run's CPU milliseconds per image (its own process and its workers), or -1. */
    private static double peerCpuMs = -1;

    private static String fmt(List<Double> v) {
        StringBuilder s = new StringBuilder();
        for (double d : v) s.append(s.isEmpty() ? "" : ", ").append(String.format(Locale.ROOT, "%.1f", d));
        return s.toString();
    }
}
