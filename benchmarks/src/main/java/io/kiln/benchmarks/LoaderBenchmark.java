package io.kiln.benchmarks;

import io.kiln.Device;
import io.kiln.Devices;
import io.kiln.kernels.ImagePresets;
import io.kiln.kernels.ImageResize;
import io.kiln.loader.Batch;
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
 * the ImageIO decoder), {@code kiln-antialias} (the chain with torchvision's antialiased resize,
 * bit-exact with it), {@code decode} (TurboJPEG read + decode on one thread per core, nothing else: the
 * ceiling), {@code torch}, {@code torch-decode} (PIL decode only, 2 workers).
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
        for (String m : modes) rates.put(m, new ArrayList<>());
        Device cpu = Devices.get("cpu");
        // one warm-up epoch of the loader (JIT, kernel compilation), not counted
        if (modes.stream().anyMatch(m -> m.startsWith("kiln"))) kiln(dir, batch, workers, cpu, Decoder.AUTO, false, true);
        LoaderReport lastReport = null;
        for (int r = 0; r < rounds; r++) {
            for (String m : modes) {
                double rate = switch (m) {
                    case "kiln" -> {
                        Object[] res = kiln(dir, batch, workers, cpu, Decoder.AUTO, false, false);
                        lastReport = (LoaderReport) res[1];
                        yield (double) res[0];
                    }
                    case "kiln-imageio" -> (double) kiln(dir, batch, workers, cpu, Decoder.IMAGEIO, false, false)[0];
                    case "kiln-antialias" -> (double) kiln(dir, batch, workers, cpu, Decoder.AUTO, true, false)[0];
                    case "decode" -> decodeOnly(files, workers);
                    case "torch" -> torch(opt, dir, batch, false);
                    case "torch-decode" -> torch(opt, dir, batch, true);
                    default -> throw new IllegalArgumentException("unknown mode " + m + ": use kiln, kiln-imageio, kiln-antialias, decode, torch, torch-decode");
                };
                rates.get(m).add(rate);
                System.out.printf(Locale.ROOT, "round %d  %-15s %8.1f images/s   (load %s)%n", r, m, rate, loadAverage());
            }
        }
        System.out.println();
        System.out.println("| mode | images/s (median of " + rounds + ") | each round |");
        System.out.println("|---|---|---|");
        for (Map.Entry<String, List<Double>> e : rates.entrySet()) {
            System.out.printf(Locale.ROOT, "| %s | %.1f | %s |%n", e.getKey(), median(e.getValue()), fmt(e.getValue()));
        }
        if (rates.containsKey("kiln") && rates.containsKey("torch")) {
            List<Double> k = rates.get("kiln"), t = rates.get("torch");
            double[] ratio = new double[rounds];
            for (int i = 0; i < rounds; i++) ratio[i] = k.get(i) / t.get(i);
            Arrays.sort(ratio);
            System.out.printf(Locale.ROOT, "kiln / torch per round: %s, median %.2fx%n", Arrays.toString(ratio), ratio[rounds / 2]);
        }
        if (lastReport != null) {
            System.out.println();
            System.out.println("last kiln run's report:");
            System.out.println(lastReport.summary());
        }
    }

    /** One epoch of the loader over the folder: {images/s, report}. */
    private static Object[] kiln(Path dir, int batch, int workers, Device cpu, Decoder decoder, boolean antialias, boolean quiet) {
        var pipeline = ImagePresets.imagenetEval();
        if (antialias) pipeline = pipeline.withMode(ImageResize.Mode.BILINEAR_ANTIALIAS);
        long t0 = System.nanoTime();
        long n = 0;
        double check = 0;
        try (ImageLoader l = ImageLoader.builder(SampleSource.directory(dir)).pipeline(pipeline).batchSize(batch).workers(workers)
                .decoder(decoder).device(cpu).build()) {
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

    private static final Pattern RATE = Pattern.compile("\"images\": (\\d+), \"seconds\": ([0-9.]+)");

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

    private static String fmt(List<Double> v) {
        StringBuilder s = new StringBuilder();
        for (double d : v) s.append(s.isEmpty() ? "" : ", ").append(String.format(Locale.ROOT, "%.1f", d));
        return s.toString();
    }
}
