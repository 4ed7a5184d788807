package io.kiln.cli;

import io.kiln.Device;
import io.kiln.Devices;
import io.kiln.KilnException;
import io.kiln.cli.preprocess.ImageJob;
import io.kiln.cli.preprocess.ImagePreset;
import io.kiln.cli.preprocess.OutputFolder;
import io.kiln.cli.preprocess.Progress;
import io.kiln.cli.preprocess.TableJob;
import io.kiln.cli.preprocess.TablePreset;
import io.kiln.loader.BadSamplePolicy;
import io.kiln.loader.Decoder;
import io.kiln.loader.Failure;
import io.kiln.loader.FailureKind;
import io.kiln.loader.LoaderException;
import io.kiln.loader.SampleImages;
import io.kiln.loader.SampleSource;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code kiln preprocess}: a folder of images (or a CSV table) to model-ready float32 tensors in
 * {@code .npy} files, with a manifest, a summary and optionally a trace. See docs/preprocess.md.
 */
@Command(name = "preprocess", mixinStandardHelpOptions = true, versionProvider = KilnCli.Version.class, sortOptions = false,
        description = {"Turn images (a folder, a glob or a list file) or a CSV table into model-ready float32 tensors (.npy).",
                "Without --in: makes (once, in ~/.cache/kiln/samples or $KILN_CACHE/samples) a few hundred photo-like sample",
                "JPEGs and runs the imagenet-eval preset on them into a new temporary folder.",
                "Images: --preset " + "imagenet-eval | imagenet-eval-antialias | imagenet-train. Tables (--in FILE.csv or FILE.arrow): --preset",
                "standardize | minmax | robust | impute, fitted on the file, then applied; statistics.json holds the fit.",
                "Output folder: data.npy (or data-00000.npy... with --shard-size) and manifest.json. See docs/preprocess.md.",
                "Exit codes: 0 success, 1 failure (a bad sample under --on-error fail, an I/O error), 2 bad usage."})
final class PreprocessCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--in", paramLabel = "DIR|GLOB|FILE.txt|FILE.csv|FILE.arrow",
            description = "The input: a folder of images, a glob ('imgs/**/*.jpg'), a text file listing images, one image, or a CSV table. "
                    + "Default: generated sample images.")
    String in;

    @Option(names = "--out", paramLabel = "DIR",
            description = "The output folder (new, empty, or an earlier Kiln output, which is replaced). Default: a new temporary folder.")
    Path out;

    @Option(names = "--preset", paramLabel = "NAME",
            description = "The chain: imagenet-eval (default for images), imagenet-eval-antialias, imagenet-train; "
                    + "standardize (default for tables), minmax, robust, impute.")
    String preset;

    @Option(names = "--batch", paramLabel = "N", description = "Samples per batch (default 64; tables: rows per batch, default 65536).")
    Integer batch;

    @Option(names = {"-d", "--device"}, paramLabel = "ID", defaultValue = "auto",
            description = "Where the transforms run: auto (default), cpu, opencl:N, cuda:N (see 'kiln devices').")
    String device;

    @Option(names = "--workers", paramLabel = "N", description = "Decode (or CSV parse) threads; default: the number of cores.")
    Integer workers;

    @Option(names = "--prefetch", paramLabel = "N", defaultValue = "3", description = "Batches prepared ahead (default ${DEFAULT-VALUE}).")
    int prefetch;

    @Option(names = "--on-error", paramLabel = "skip|fail", defaultValue = "skip",
            description = "A corrupt or unreadable sample is left out and listed in the manifest (skip, the default), or stops the job with exit 1 (fail).")
    String onError;

    @Option(names = "--shuffle", description = "Shuffle the samples (reproducibly: see --seed).")
    boolean shuffle;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "0", description = "Seed of --shuffle and of imagenet-train's random crops and flips (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--shard", paramLabel = "RANK/WORLD", defaultValue = "0/1",
            description = "Process only shard RANK of WORLD (sample p of the order goes to rank p %% WORLD), e.g. 0/4 (default ${DEFAULT-VALUE}).")
    String shard;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "0", description = "Read only the first N samples of this shard's order (after --shuffle); default: all.")
    long limit;

    @Option(names = "--decoder", paramLabel = "auto|turbojpeg|imageio", defaultValue = "auto",
            description = "JPEG decoder: auto (libjpeg-turbo when installed, else ImageIO; the default), turbojpeg, imageio.")
    String decoder;

    @Option(names = "--shard-size", paramLabel = "N", defaultValue = "0",
            description = "Batches per .npy file: data-00000.npy, data-00001.npy, ... (default: one file, data.npy). Images only.")
    int shardSize;

    @Option(names = "--columns", paramLabel = "A,B,C", split = ",", description = "Tables: the columns to use, by header name (default: all).")
    List<String> columns;

    @Option(names = "--clip", paramLabel = "LOW,HIGH", description = "Tables: clip values to [LOW, HIGH] after scaling, e.g. -5,5.")
    String clip;

    @Option(names = "--samples", paramLabel = "N", defaultValue = "300",
            description = "Without --in: how many sample images to generate and use (default ${DEFAULT-VALUE}).")
    int samples;

    @Option(names = {"-q", "--quiet"}, description = "Print nothing but errors.")
    boolean quiet;

    @Option(names = "--trace", paramLabel = "FILE.json",
            description = "Write a timeline of the run in Chrome's trace-event format (open it in ui.perfetto.dev or chrome://tracing).")
    Path trace;

    @Override
    public Integer call() {
        PrintWriter stdout = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        boolean table = in != null && TableJob.isTable(Path.of(in));
        Device dev = device();
        BadSamplePolicy policy = switch (onError.toLowerCase(Locale.ROOT)) {
            case "skip" -> BadSamplePolicy.SKIP;
            case "fail" -> BadSamplePolicy.FAIL;
            default -> throw usage("--on-error " + onError + ": use skip or fail");
        };
        positive(prefetch, "--prefetch");
        if (workers != null) positive(workers, "--workers");
        if (batch != null) positive(batch, "--batch");
        if (limit < 0) throw usage("--limit " + limit + " is negative: give a number of samples, or leave it out for all");
        if (shardSize < 0) throw usage("--shard-size " + shardSize + " is negative: give batches per file, or leave it out for one file");
        Progress.Mode mode = Progress.detect(quiet);
        try {
            if (table) return runTable(dev, policy, mode, stdout);
            return runImages(dev, policy, mode, stdout);
        } catch (LoaderException e) {
            Failure f = e.failure();
            if (f != null) {
                err.println("kiln: preprocess failed: " + f.id() + ": " + f.kind() + " in " + f.stage().name().toLowerCase(Locale.ROOT)
                        + " (" + f.message() + "); nothing was written (use --on-error skip to leave such samples out)");
            } else {
                err.println("kiln: preprocess failed: " + e.getMessage());
            }
            err.flush();
            return KilnCli.FAILURE;
        } catch (UncheckedIOException e) {
            err.println("kiln: preprocess failed: " + e.getMessage());
            err.flush();
            return KilnCli.FAILURE;
        }
    }

    private int runImages(Device dev, BadSamplePolicy policy, Progress.Mode mode, PrintWriter stdout) {
        if (columns != null) throw usage("--columns is for tables: give a .csv or .arrow file with --in");
        if (clip != null) throw usage("--clip is for tables: give a .csv or .arrow file with --in");
        ImagePreset p = ImagePreset.byName(preset == null ? "imagenet-eval" : preset);
        if (p == null) {
            String hint = TablePreset.byName(preset) != null ? " is a table preset: give a .csv or .arrow file with --in" : " is not a preset";
            throw usage("--preset " + preset + hint + "; image presets: " + String.join(", ", Arrays.stream(ImagePreset.values()).map(ImagePreset::id).toList()));
        }
        int[] rw = shard();
        SampleSource source;
        String input;
        if (in == null) {
            if (samples < 1) throw usage("--samples " + samples + " is not positive");
            Path dir = sampleDirectory();
            if (!SampleImages.isComplete(dir, samples, 0, SampleImages.DEFAULT_SIZE) && mode != Progress.Mode.QUIET) {
                stdout.println("preprocess: no --in given: generating " + samples + " sample JPEGs into " + dir + " (once)...");
                stdout.flush();
            }
            source = SampleSource.paths(SampleImages.ensure(dir, samples));
            input = dir + " (" + samples + " generated sample images)";
        } else {
            try {
                source = SampleSource.parse(in);
            } catch (IllegalArgumentException e) {
                throw usage("--in " + e.getMessage());
            }
            input = in;
        }
        Path outDir = outDir();
        ImageJob.Settings s = new ImageJob.Settings(source, input, outDir, p, seed, shuffle, batch == null ? 64 : batch, dev,
                workers == null ? Runtime.getRuntime().availableProcessors() : workers, prefetch, policy, rw[0], rw[1], limit,
                decoderChoice(), shardSize, trace, KilnCli.version());
        ImageJob job = new ImageJob(s);
        ImageJob.Outcome o;
        try {
            o = job.run(mode, stdout, System.out);
        } catch (IllegalArgumentException | IllegalStateException e) {
            if (e instanceof LoaderException) throw e;
            throw usage(e.getMessage());
        }
        if (mode != Progress.Mode.QUIET) job.printSummary(stdout, o);
        return nothingUsable(o.written(), o.skipped(), "images", outDir);
    }

    /**
     * 0, or {@link KilnCli#FAILURE} with a message when every sample was skipped: the job then wrote an
     * empty tensor, which a script that only looks at the exit code would take for a success (every
     * photo a HEIC file renamed .jpg, a CSV whose selected columns are all text). The manifest with the
     * reasons stays in {@code out}. A job that had no samples at all (an empty shard) succeeds.
     */
    private int nothingUsable(long written, List<Failure> skipped, String what, Path out) {
        if (written > 0 || skipped.isEmpty()) return 0;
        PrintWriter err = spec.commandLine().getErr();
        List<String> kinds = new ArrayList<>();
        for (Map.Entry<FailureKind, Integer> e : ImageJob.byKind(skipped).entrySet()) kinds.add(e.getKey() + " " + e.getValue());
        Failure first = skipped.get(0);                       // the first in input order, not in completion order
        for (Failure f : skipped) if (f.index() < first.index()) first = f;
        err.println("kiln: preprocess failed: none of the " + skipped.size() + " " + what + " could be used (" + String.join(", ", kinds)
                + "), so nothing usable was written; the reasons are in " + out.resolve(OutputFolder.MANIFEST) + ", the first: "
                + first.id() + ": " + first.message());
        err.flush();
        return KilnCli.FAILURE;
    }

    private int runTable(Device dev, BadSamplePolicy policy, Progress.Mode mode, PrintWriter stdout) {
        TablePreset p = TablePreset.byName(preset == null ? "standardize" : preset);
        if (p == null) {
            String hint = ImagePreset.byName(preset) != null ? " is an image preset, and --in is a table" : " is not a preset";
            throw usage("--preset " + preset + hint + "; table presets: " + String.join(", ", Arrays.stream(TablePreset.values()).map(TablePreset::id).toList()));
        }
        int[] rw = shard();
        Path csv = Path.of(in);
        if (!Files.isRegularFile(csv)) throw usage("--in " + in + " does not exist or is not a file");
        double low = Double.NEGATIVE_INFINITY, high = Double.POSITIVE_INFINITY;
        if (clip != null) {
            String[] parts = clip.split(",");
            try {
                if (parts.length != 2) throw new NumberFormatException();
                low = Double.parseDouble(parts[0].strip());
                high = Double.parseDouble(parts[1].strip());
            } catch (NumberFormatException e) {
                throw usage("--clip " + clip + ": give two numbers LOW,HIGH, e.g. --clip -5,5");
            }
            if (!(low <= high)) throw usage("--clip " + clip + ": LOW must not be above HIGH");
        }
        TableJob.Settings s = new TableJob.Settings(csv, columns, outDir(), p, low, high, batch == null ? 65536 : batch, dev,
                workers == null ? Runtime.getRuntime().availableProcessors() : workers, prefetch, policy, shuffle, seed, rw[0], rw[1], limit,
                shardSize, trace, KilnCli.version());
        TableJob job = new TableJob(s);
        TableJob.Outcome o;
        try {
            o = job.run(mode, stdout, System.out);
        } catch (IllegalArgumentException e) {
            throw usage(e.getMessage());
        }
        if (mode != Progress.Mode.QUIET) job.printSummary(stdout, o);
        return nothingUsable(o.written(), o.skipped(), "rows", s.out());
    }

    /** The system property that overrides where sample images are cached (tests; else {@link SampleImages#defaultDirectory()}). */
    static final String SAMPLES_PROPERTY = "kiln.samples.dir";

    /** Where the sample images are made and cached. */
    static Path sampleDirectory() {
        String dir = System.getProperty(SAMPLES_PROPERTY);
        return dir != null && !dir.isBlank() ? Path.of(dir) : SampleImages.defaultDirectory();
    }

    private Device device() {
        try {
            return "auto".equals(device) ? Devices.auto() : Devices.get(device);
        } catch (IllegalArgumentException e) {
            throw usage(e.getMessage() + " (see 'kiln devices')");
        } catch (KilnException e) {
            throw usage("--device " + device + ": " + e.getMessage());
        }
    }

    private Decoder decoderChoice() {
        Decoder d = switch (decoder.toLowerCase(Locale.ROOT)) {
            case "auto" -> Decoder.AUTO;
            case "turbojpeg" -> Decoder.TURBOJPEG;
            case "imageio" -> Decoder.IMAGEIO;
            default -> throw usage("--decoder " + decoder + ": use auto, turbojpeg or imageio");
        };
        if (d == Decoder.TURBOJPEG && !Decoder.turboJpegAvailable()) {
            throw usage("--decoder turbojpeg: " + Decoder.turboJpegStatus() + "; install libturbojpeg0 (Debian/Ubuntu) or use --decoder auto");
        }
        return d;
    }

    private int[] shard() {
        String[] parts = shard.split("/");
        try {
            if (parts.length != 2) throw new NumberFormatException();
            int rank = Integer.parseInt(parts[0].strip()), world = Integer.parseInt(parts[1].strip());
            if (world < 1 || rank < 0 || rank >= world) {
                throw usage("--shard " + shard + ": need WORLD >= 1 and 0 <= RANK < WORLD, e.g. --shard 0/4 .. 3/4");
            }
            return new int[] {rank, world};
        } catch (NumberFormatException e) {
            throw usage("--shard " + shard + ": give RANK/WORLD, e.g. --shard 0/4");
        }
    }

    private Path outDir() {
        if (out != null) return out;
        try {
            return Files.createTempDirectory("kiln-preprocess-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temporary output folder: " + e.getMessage() + " (give one with --out)", e);
        }
    }

    private void positive(int v, String name) {
        if (v < 1) throw usage(name + " " + v + " is not positive: give at least 1");
    }

    private ParameterException usage(String message) {
        return new ParameterException(spec.commandLine(), message);
    }
}
