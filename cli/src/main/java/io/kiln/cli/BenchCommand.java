package io.kiln.cli;

import io.kiln.Device;
import io.kiln.Devices;
import io.kiln.KilnException;
import io.kiln.cli.preprocess.ImagePreset;
import io.kiln.loader.Batch;
import io.kiln.loader.ImageLoader;
import io.kiln.loader.LoaderReport;
import io.kiln.loader.SampleImages;
import io.kiln.loader.SampleSource;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code kiln bench}: the preprocess chain (loader plus preset, without writing files) on each device
 * on the same sample, images per second for each, and which device {@code --device auto} picks.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, versionProvider = KilnCli.Version.class, sortOptions = false,
        description = {"Run the preprocess chain on each available device on a sample of images and print images/s per device.",
                "Each device first runs one batch untimed (kernel compilation), then the whole sample timed.",
                "The last lines say which device 'auto' picks and which was fastest here."})
final class BenchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--in", paramLabel = "DIR|GLOB|FILE.txt", description = "Images to use (default: the generated sample images).")
    String in;

    @Option(names = "--samples", paramLabel = "N", defaultValue = "256", description = "Images per device (default ${DEFAULT-VALUE}).")
    int samples;

    @Option(names = "--preset", paramLabel = "NAME", defaultValue = "imagenet-eval", description = "The image preset (default ${DEFAULT-VALUE}).")
    String preset;

    @Option(names = "--batch", paramLabel = "N", defaultValue = "32", description = "Images per batch (default ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--workers", paramLabel = "N", description = "Decode threads; default: the number of cores.")
    Integer workers;

    @Option(names = {"-d", "--device"}, paramLabel = "ID", split = ",",
            description = "Only these devices (comma-separated ids); default: every device 'kiln devices' lists.")
    List<String> only;

    private record Row(Device device, double imagesPerSecond, long images, long nanos, String verdict, String error) {
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        ImagePreset p = ImagePreset.byName(preset);
        if (p == null) throw new ParameterException(spec.commandLine(), "--preset " + preset + " is not an image preset");
        if (samples < 1 || batch < 1) throw new ParameterException(spec.commandLine(), "--samples and --batch must be positive");
        List<Device> devices = new ArrayList<>();
        try {
            if (only == null) devices.addAll(Devices.list());
            else for (String id : only) devices.add(Devices.get(id));
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage() + " (see 'kiln devices')");
        }
        if (devices.isEmpty()) {
            out.println("bench: no device found (see 'kiln devices')");
            return KilnCli.FAILURE;
        }
        List<Path> files;
        if (in == null) {
            Path dir = PreprocessCommand.sampleDirectory();
            if (!SampleImages.isComplete(dir, samples, 0, SampleImages.DEFAULT_SIZE)) {
                out.println("bench: generating " + samples + " sample JPEGs into " + dir + " (once)...");
                out.flush();
            }
            files = SampleImages.ensure(dir, samples);
        } else {
            files = null;
        }
        out.println("bench: " + p.id() + " on " + (in == null ? samples + " generated sample images" : in) + ", batches of " + batch);
        out.flush();
        List<Row> rows = new ArrayList<>();
        for (Device d : devices) {
            rows.add(measure(d, p, files));
        }
        List<String[]> table = new ArrayList<>();
        table.add(new String[] {"DEVICE", "NAME", "IMAGES/S", "IMAGES", "TIME", "BOTTLENECK"});
        Row best = null;
        for (Row r : rows) {
            if (r.error == null && (best == null || r.imagesPerSecond > best.imagesPerSecond)) best = r;
            table.add(new String[] {r.device.id(), r.device.name(), r.error == null ? String.format(Locale.ROOT, "%.1f", r.imagesPerSecond) : "-",
                    Long.toString(r.images), r.error == null ? String.format(Locale.ROOT, "%.2f s", r.nanos / 1e9) : "-",
                    r.error == null ? r.verdict : "failed: " + r.error});
        }
        DevicesCommand.printTable(out, table, new boolean[] {false, false, true, true, true, false});
        String auto;
        try {
            auto = Devices.auto().id();
        } catch (KilnException e) {
            auto = "none (" + e.getMessage() + ")";
        }
        out.println("auto picks: " + auto + " (the first CUDA device, else the first OpenCL GPU or accelerator, else cpu)");
        if (best != null) out.println("fastest here: " + best.device.id() + String.format(Locale.ROOT, " (%.1f images/s)", best.imagesPerSecond));
        out.flush();
        return best == null ? KilnCli.FAILURE : 0;
    }

    private SampleSource source(List<Path> files) {
        return files != null ? SampleSource.paths(files) : SampleSource.parse(in);
    }

    private ImageLoader.Builder builder(Device d, ImagePreset p, List<Path> files) {
        return ImageLoader.builder(source(files)).pipeline(p.pipeline(0)).batchSize(batch).device(d).name("kiln-bench").limit(samples)
                .workers(workers == null ? Runtime.getRuntime().availableProcessors() : workers);
    }

    private Row measure(Device d, ImagePreset p, List<Path> files) {
        try {
            // Untimed: one batch, so that kernel compilation and JIT warm-up are not in the number.
            try (ImageLoader warm = builder(d, p, files).build()) {
                var it = warm.iterator();
                if (it.hasNext()) it.next().close();
            }
            long images = 0;
            long t0 = System.nanoTime();
            LoaderReport report;
            try (ImageLoader loader = builder(d, p, files).build()) {
                for (Batch b : loader) {
                    try (b) {
                        images += b.size();
                    }
                }
                loader.close();
                report = loader.report();
            }
            long nanos = System.nanoTime() - t0;
            return new Row(d, images * 1e9 / nanos, images, nanos, report.bottleneck() == null ? "-" : report.bottleneck().verdict(), null);
        } catch (RuntimeException e) {
            return new Row(d, 0, 0, 0, null, e.getMessage() == null ? e.toString() : e.getMessage());
        }
    }
}
