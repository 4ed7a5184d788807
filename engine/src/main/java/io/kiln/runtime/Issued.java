package io.kiln.runtime;

import io.kiln.spi.DeviceEvent;
import io.kiln.spi.DeviceSession;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * A command issued on a session. {@code reports}: a launch of a kernel with bounds checks, whose
 * failed check the session reports from {@code await}, even once the event is complete (a session
 * that runs launches synchronously returns {@link DeviceEvent#COMPLETE} and keeps the failure).
 */
record Issued(DeviceSession session, DeviceEvent event, boolean reports) {
    Issued(DeviceSession session, DeviceEvent event) {
        this(session, event, false);
    }

    /**
     * The events of {@code deps} that {@code session} must wait for: those of the same session, after
     * waiting on the host for those of other sessions.
     */
    static List<DeviceEvent> after(DeviceSession session, List<Issued> deps) {
        if (deps.isEmpty()) return List.of();
        List<DeviceEvent> out = null;
        for (Issued i : deps) {
            if (i.event().isComplete()) continue;
            if (i.session() != session) {
                i.session().await(List.of(i.event()));
                continue;
            }
            if (out == null) out = new ArrayList<>(deps.size());
            if (!out.contains(i.event())) out.add(i.event());
        }
        return out == null ? List.of() : out;
    }

    /** Waits for every command of {@code issued} that is not complete (or reports a failure from its wait), per session, and clears the list. */
    static void awaitAll(List<Issued> issued) {
        if (issued.isEmpty()) return;
        // usually every event is complete already (blocking copies), or all are of one session
        Map<DeviceSession, List<DeviceEvent>> bySession = null;
        for (int k = 0; k < issued.size(); k++) {
            Issued i = issued.get(k);
            // a complete event needs no wait, unless it is a checked launch whose failure await reports
            if (i.event().isComplete() && !i.reports()) continue;
            if (bySession == null) bySession = new IdentityHashMap<>(4);
            bySession.computeIfAbsent(i.session(), s -> new ArrayList<>()).add(i.event());
        }
        issued.clear();
        if (bySession == null) return;
        for (Map.Entry<DeviceSession, List<DeviceEvent>> e : bySession.entrySet()) {
            e.getKey().await(e.getValue());
        }
    }
}
