package io.kiln.cli.preprocess;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kiln.loader.Span;
import io.kiln.loader.Stage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link TraceRecorder}: Chrome trace-event JSON with one process per stage and one track per thread. */
class TraceRecorderTest {

    @Test
    void writesOneTrackPerStageThreadWithMetadata(@TempDir Path dir) throws Exception {
        TraceRecorder t = new TraceRecorder();
        long o = 1_000_000_000L;
        t.onSpan(new Span(Stage.READ, "kiln-preprocess-1-read-3", o + 1_000, o + 51_000, 0, -1, 7, "a.jpg"));
        t.onSpan(new Span(Stage.DECODE, "kiln-preprocess-1-decode-0", o + 60_000, o + 1_060_000, 0, 0, 7, "a.jpg"));
        t.onSpan(new Span(Stage.DECODE, "kiln-preprocess-1-decode-1", o + 70_000, o + 1_000_000, 0, 0, 8, "b.jpg"));
        t.onSpan(new Span(Stage.DEVICE, "device cpu", o + 1_100_000, o + 2_100_000, 0, 0, -1, "batch 0"));
        t.writeSpan(o + 2_200_000, o + 2_300_000, 0, 0, "write batch 0");
        Path file = dir.resolve("trace.json");
        t.write(file, o);
        JsonNode root = new ObjectMapper().readTree(file.toFile());
        JsonNode events = root.get("traceEvents");
        assertTrue(events.isArray());
        Map<Integer, String> processes = new HashMap<>();
        Map<String, String> threads = new HashMap<>();
        Set<String> tracksWithSpans = new HashSet<>();
        int spans = 0;
        for (JsonNode e : events) {
            String ph = e.get("ph").asText();
            int pid = e.get("pid").asInt();
            if (ph.equals("M") && e.get("name").asText().equals("process_name")) processes.put(pid, e.get("args").get("name").asText());
            if (ph.equals("M") && e.get("name").asText().equals("thread_name")) threads.put(pid + "/" + e.get("tid").asInt(), e.get("args").get("name").asText());
            if (ph.equals("X")) {
                spans++;
                assertTrue(e.get("ts").isNumber() && e.get("dur").isNumber(), e.toString());
                tracksWithSpans.add(pid + "/" + e.get("tid").asInt());
            }
        }
        assertEquals(5, spans);
        assertEquals(Map.of(1, "read (I/O)", 2, "decode", 4, "device", 5, "write"), processes);
        assertEquals(5, threads.size(), threads::toString);
        assertEquals(threads.keySet(), tracksWithSpans, "every track with spans is named");
        assertTrue(threads.containsValue("device cpu") && threads.containsValue(TraceRecorder.WRITER), threads::toString);
        // times are microseconds since the origin
        JsonNode first = null;
        for (JsonNode e : events) if (e.get("ph").asText().equals("X")) { first = e; break; }
        assertEquals(1.0, first.get("ts").asDouble(), 1e-9);
        assertEquals(50.0, first.get("dur").asDouble(), 1e-9);
        assertEquals("a.jpg", first.get("name").asText());
    }
}
