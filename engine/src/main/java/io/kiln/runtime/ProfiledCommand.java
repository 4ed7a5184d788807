package io.kiln.runtime;

import io.kiln.RunResult;
import io.kiln.Schedule;
import io.kiln.spi.DeviceEvent;

import java.util.ArrayList;
import java.util.List;

/** A command of a profiled run, until its event's timestamps can be read ({@link RunResult#timeline()}). */
record ProfiledCommand(Schedule.Kind kind, String what, io.kiln.Device device, DeviceEvent event, long hostStart, long hostEnd,
                       int task) {
    ProfiledCommand(Schedule.Kind kind, String what, io.kiln.Device device, DeviceEvent event, long hostStart, long hostEnd) {
        this(kind, what, device, event, hostStart, hostEnd, -1);
    }

    /**
     * The profiled run's commands with their times (every event has completed: the run awaited them),
     * each clock's times counted from its earliest queued time.
     */
    static List<RunResult.Command> commands(List<ProfiledCommand> pending) {
        int n = pending.size();
        long[][] times = new long[n][];
        // The clock of each command (its device's, or the host's: null) and each clock's earliest queued
        // time. A run uses few clocks, so a linear search, not a map keyed by strings built per command.
        io.kiln.Device[] clockOf = new io.kiln.Device[n];
        io.kiln.Device[] clocks = new io.kiln.Device[n];
        long[] zeros = new long[n];
        int clockCount = 0;
        for (int i = 0; i < n; i++) {
            ProfiledCommand q = pending.get(i);
            long[] ts = q.event().isComplete() ? q.event().timestamps() : null;
            boolean device = ts != null && ts.length == 3 && ts[0] >= 0 && ts[1] >= 0 && ts[2] >= 0;
            times[i] = device ? new long[] {ts[0], ts[1], ts[2], 1} : new long[] {q.hostStart(), q.hostStart(), q.hostEnd(), 0};
            clockOf[i] = device ? q.device() : null;
            int c = clockIndex(clocks, clockCount, clockOf[i]);
            if (c == clockCount) {
                clocks[clockCount++] = clockOf[i];
                zeros[c] = times[i][0];
            } else {
                zeros[c] = Math.min(zeros[c], times[i][0]);
            }
        }
        List<RunResult.Command> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            ProfiledCommand q = pending.get(i);
            long[] t = times[i];
            long z = zeros[clockIndex(clocks, clockCount, clockOf[i])];
            out.add(new RunResult.Command(q.kind(), q.what(), q.device(), t[0] - z, t[1] - z, t[2] - z, t[3] == 1));
        }
        return out;
    }

    /** Where {@code clock} (a device, or {@code null} for the host) is among the first {@code count} of {@code clocks}, else {@code count}. */
    private static int clockIndex(io.kiln.Device[] clocks, int count, io.kiln.Device clock) {
        for (int c = 0; c < count; c++) {
            if (clocks[c] == clock || (clock != null && clocks[c] != null && clocks[c].id().equals(clock.id()))) return c;
        }
        return count;
    }
}
