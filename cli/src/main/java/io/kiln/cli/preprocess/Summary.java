package io.kiln.cli.preprocess;

import io.kiln.loader.Failure;
import io.kiln.loader.FailureKind;
import io.kiln.loader.LoaderReport;
import io.kiln.loader.Stage;
import io.kiln.loader.StageMetrics;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The summary {@code kiln preprocess} prints at the end:
 * <pre>
 * preprocess: 298 images written to /tmp/kiln-preprocess-123 (data.npy, manifest.json)
 *   samples   300 read, 298 written, 2 skipped (CORRUPT 1, UNREADABLE 1; reasons in manifest.json)
 *   output    data.npy (298, 3, 224, 224) float32
 *   speed     312.4 images/s (0.954 s) on cpu, decoder turbojpeg
 *   time      I/O 0.101 s, decode 1.62 s, device 0.41 s, assemble 0.03 s, write 0.02 s, waiting 0.80 s
 *   verdict   decode limits: ...
 * </pre>
 * Stage times are busy time summed over each stage's threads (so they can exceed the wall time); the
 * writer's "waiting" is its own wall time blocked on the loader.
 */
final class Summary {
    private Summary() {
    }

    /** One stage's busy time from a report (0 when the stage is absent). */
    static long busy(LoaderReport report, Stage stage) {
        StageMetrics m = report == null ? null : report.stages().get(stage);
        return m == null ? 0 : m.busyNanos();
    }

    static String seconds(long nanos) {
        double s = nanos / 1e9;
        return String.format(Locale.ROOT, s >= 10 ? "%.1f s" : s >= 1 ? "%.2f s" : "%.3f s", s);
    }

    static String skippedLine(long read, long written, List<Failure> skipped) {
        StringBuilder sb = new StringBuilder().append(read).append(" read, ").append(written).append(" written, ")
                .append(skipped.size()).append(" skipped");
        if (!skipped.isEmpty()) {
            List<String> kinds = new ArrayList<>();
            for (Map.Entry<FailureKind, Integer> e : ImageJob.byKind(skipped).entrySet()) kinds.add(e.getKey() + " " + e.getValue());
            sb.append(" (").append(String.join(", ", kinds)).append("; reasons in ").append(OutputFolder.MANIFEST).append(")");
        }
        return sb.toString();
    }

    static String shape(long[] shape) {
        StringBuilder sb = new StringBuilder("(");
        for (int i = 0; i < shape.length; i++) sb.append(i > 0 ? ", " : "").append(shape[i]);
        return sb.append(shape.length == 1 ? ",)" : ")").toString();
    }

    /** Prints the image job's summary. */
    static void print(PrintWriter out, ImageJob.Settings s, ImageJob.Outcome o) {
        List<OutputFile> files = o.files();
        List<String> names = new ArrayList<>();
        for (OutputFile f : files) names.add(f.file());
        String fileList = names.size() <= 3 ? String.join(", ", names) : names.get(0) + " .. " + names.get(names.size() - 1) + " (" + names.size() + " files)";
        out.println("preprocess: " + o.written() + " images written to " + s.out() + " (" + fileList + ", " + OutputFolder.MANIFEST
                + (s.trace() != null ? "; trace " + s.trace() : "") + ")");
        out.println("  samples   " + skippedLine(o.written() + o.skipped().size(), o.written(), o.skipped()));
        long total = 0;
        for (OutputFile f : files) total += f.samples();
        long[] shape = files.isEmpty() ? new long[0] : files.get(0).shape().clone();
        if (shape.length > 0) shape[0] = total;
        out.println("  output    " + (files.size() == 1 ? files.get(0).file() : files.size() + " shards") + " " + shape(shape)
                + " float32, preset " + s.preset().id());
        out.println(String.format(Locale.ROOT, "  speed     %.1f images/s (%s) on %s, decoder %s", o.throughput(), seconds(o.elapsedNanos()),
                s.device().id(), o.decoder().name().toLowerCase(Locale.ROOT)));
        LoaderReport r = o.report();
        out.println("  time      I/O " + seconds(busy(r, Stage.READ)) + ", decode " + seconds(busy(r, Stage.DECODE)) + ", transforms on "
                + s.device().id() + " " + seconds(busy(r, Stage.DEVICE)) + ", assemble " + seconds(busy(r, Stage.ASSEMBLE))
                + ", write " + seconds(o.writeNanos()) + ", waiting " + seconds(o.waitNanos()) + " (busy time summed over threads)");
        out.println("  verdict   " + (r.bottleneck() == null ? "-" : r.bottleneck().verdict()));
        if (r.bottleneck() != null && r.bottleneck().advice() != null && !r.bottleneck().advice().isBlank()) {
            out.println("  advice    " + r.bottleneck().advice());
        }
        out.flush();
    }

    /** Prints the table job's summary. */
    static void print(PrintWriter out, TableJob.Settings s, TableJob.Outcome o) {
        String data = o.files().size() == 1 ? o.files().get(0).file() : o.files().size() + " files " + o.files().get(0).file() + "...";
        out.println("preprocess: " + o.written() + " rows written to " + s.out() + " (" + data + ", " + TableJob.ROW_IDS + ", "
                + TableJob.STATISTICS + ", " + OutputFolder.MANIFEST + (s.trace() != null ? "; trace " + s.trace() : "") + ")");
        out.println("  rows      " + skippedLine(o.written() + o.skipped().size(), o.written(), o.skipped())
                + (s.shuffle() || s.world() > 1 || s.limit() > 0 ? "  (shard " + s.rank() + "/" + s.world()
                + (s.shuffle() ? ", shuffled with seed " + s.seed() : "") + (s.limit() > 0 ? ", limit " + s.limit() : "") + ")" : ""));
        out.println("  output    " + data + " " + shape(new long[] {o.written(), o.columns().size()}) + " float32, preset "
                + s.preset().id() + ", columns " + String.join(",", o.columns()));
        out.println(String.format(Locale.ROOT, "  speed     %.1f rows/s (%s: fit %s, transform %s) on %s", o.throughput(),
                seconds(o.elapsedNanos()), seconds(o.fitNanos()), seconds(o.transformNanos()), s.device().id()));
        LoaderReport r = o.report();
        out.println("  time      I/O " + seconds(busy(r, Stage.READ)) + ", parse " + seconds(busy(r, Stage.DECODE))
                + ", transforms on " + s.device().id() + " " + seconds(o.deviceNanos()) + ", write " + seconds(o.writeNanos())
                + ", waiting " + seconds(o.waitNanos()) + " (second pass; busy time summed over threads)");
        out.println("  verdict   " + (r == null || r.bottleneck() == null ? "-" : r.bottleneck().verdict()));
        out.flush();
    }
}
