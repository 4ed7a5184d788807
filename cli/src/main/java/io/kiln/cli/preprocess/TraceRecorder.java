package io.kiln.cli.preprocess;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.kiln.loader.LoaderListener;
import io.kiln.loader.Span;
import io.kiln.loader.Stage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Records the loader's spans (and the writer's own) and writes them as a Chrome trace-event file, which
 * Perfetto ({@code ui.perfetto.dev}) and {@code chrome://tracing} open:
 * {@code {"traceEvents": [{"name", "ph": "X", "ts", "dur", "pid", "tid", "args"}, ...], "displayTimeUnit": "ms"}}.
 *
 * <p>Each stage is one process ({@code pid}, named by a {@code process_name} metadata event and kept in
 * pipeline order by {@code process_sort_index}), and each thread of it, or each device queue, one track
 * ({@code tid}, named by {@code thread_name}): spans on one track never overlap, so the viewer draws
 * them as they happened, and gaps on a track are time that thread waited. Times are microseconds since
 * the loader started. At most {@link #MAX_SPANS} spans are kept; later ones are counted, not kept.
 */
public final class TraceRecorder implements LoaderListener {

    /** Spans kept at most (about 100 bytes each in memory). */
    public static final int MAX_SPANS = 2_000_000;

    /** The name of the writer's track, under the {@code write} process. */
    static final String WRITER = "npy writer";

    private final ConcurrentLinkedQueue<Span> spans = new ConcurrentLinkedQueue<>();
    private final AtomicInteger kept = new AtomicInteger();
    private final AtomicInteger lost = new AtomicInteger();

    @Override
    public boolean wantsSpans() {
        return true;
    }

    @Override
    public void onSpan(Span span) {
        if (kept.incrementAndGet() > MAX_SPANS) {
            kept.decrementAndGet();
            lost.incrementAndGet();
            return;
        }
        spans.add(span);
    }

    /** Records a span of the command's own writer (stage {@link Stage#CONSUMER}, track {@value #WRITER}). */
    public void writeSpan(long startNanos, long endNanos, int epoch, long batch, String label) {
        onSpan(new Span(Stage.CONSUMER, WRITER, startNanos, endNanos, epoch, batch, -1, label));
    }

    /** Spans recorded so far. */
    public int size() {
        return kept.get();
    }

    /** Spans not kept because there were more than {@link #MAX_SPANS}. */
    public int lost() {
        return lost.get();
    }

    /** The name of a stage's process in the trace. */
    static String processName(Stage stage) {
        return switch (stage) {
            case READ -> "read (I/O)";
            case DECODE -> "decode";
            case ASSEMBLE -> "assemble";
            case DEVICE -> "device";
            case CONSUMER -> "write";
        };
    }

    /**
     * Writes the trace to {@code file}; {@code originNanos} (the loader's start) becomes time 0.
     *
     * @throws UncheckedIOException if the file cannot be written
     */
    public void write(Path file, long originNanos) {
        List<Span> all = new ArrayList<>(spans);
        all.sort(Comparator.comparingLong(Span::startNanos));
        // one track per (stage, thread), numbered in order of first appearance
        Map<Stage, Map<String, Integer>> tracks = new LinkedHashMap<>();
        for (Stage s : Stage.values()) tracks.put(s, new LinkedHashMap<>());
        for (Span s : all) {
            Map<String, Integer> t = tracks.get(s.stage());
            t.computeIfAbsent(s.thread(), k -> t.size() + 1);
        }
        try (JsonGenerator g = new JsonFactory().createGenerator(file.toFile(), JsonEncoding.UTF8)) {
            g.writeStartObject();
            g.writeArrayFieldStart("traceEvents");
            for (Stage s : Stage.values()) {
                Map<String, Integer> t = tracks.get(s);
                if (t.isEmpty()) continue;
                int pid = s.ordinal() + 1;
                metadata(g, "process_name", pid, 0, "name", processName(s));
                metadata(g, "process_sort_index", pid, 0, "sort_index", pid);
                for (Map.Entry<String, Integer> e : t.entrySet()) {
                    metadata(g, "thread_name", pid, e.getValue(), "name", e.getKey());
                    metadata(g, "thread_sort_index", pid, e.getValue(), "sort_index", e.getValue());
                }
            }
            for (Span s : all) {
                g.writeStartObject();
                g.writeStringField("name", s.label() == null || s.label().isEmpty() ? s.stage().name().toLowerCase(Locale.ROOT) : s.label());
                g.writeStringField("cat", s.stage().name().toLowerCase(Locale.ROOT));
                g.writeStringField("ph", "X");
                g.writeNumberField("ts", micros(s.startNanos() - originNanos));
                g.writeNumberField("dur", micros(Math.max(0, s.nanos())));
                g.writeNumberField("pid", s.stage().ordinal() + 1);
                g.writeNumberField("tid", tracks.get(s.stage()).get(s.thread()));
                g.writeObjectFieldStart("args");
                g.writeNumberField("epoch", s.epoch());
                if (s.batch() >= 0) g.writeNumberField("batch", s.batch());
                if (s.sample() >= 0) g.writeNumberField("sample", s.sample());
                g.writeEndObject();
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeStringField("displayTimeUnit", "ms");
            g.writeObjectFieldStart("otherData");
            g.writeStringField("producer", "kiln preprocess");
            g.writeNumberField("spans", all.size());
            g.writeNumberField("spansNotKept", lost.get());
            g.writeEndObject();
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the trace " + file + ": " + e.getMessage(), e);
        }
    }

    private static double micros(long nanos) {
        return Math.round(nanos / 10.0) / 100.0; // 10 ns resolution keeps the file small
    }

    private static void metadata(JsonGenerator g, String name, int pid, int tid, String key, Object value) throws IOException {
        g.writeStartObject();
        g.writeStringField("name", name);
        g.writeStringField("ph", "M");
        g.writeNumberField("pid", pid);
        g.writeNumberField("tid", tid);
        g.writeObjectFieldStart("args");
        if (value instanceof Integer i) g.writeNumberField(key, i);
        else g.writeStringField(key, value.toString());
        g.writeEndObject();
        g.writeEndObject();
    }
}
