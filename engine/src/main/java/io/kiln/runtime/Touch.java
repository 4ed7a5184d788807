package io.kiln.runtime;

import java.util.ArrayList;
import java.util.List;

/**
 * The last writer of one object in one place, and the readers since: the hazards a new command must
 * wait for. Tokens are {@link Issued} commands when a run issues, step numbers when
 * {@link ScheduleBuilder} simulates the run to print the schedule's dependences, so both follow one rule.
 */
final class Touch<T> {
    T write;
    final List<T> reads = new ArrayList<>(2);

    void readDeps(List<T> out) {
        if (write != null) out.add(write);
    }

    void writeDeps(List<T> out) {
        if (write != null) out.add(write);
        out.addAll(reads);
    }

    void read(T token) {
        if (reads.size() >= 8) reads.removeIf(t -> t instanceof Issued i && i.event().isComplete());
        reads.add(token);
    }

    void write(T token) {
        write = token;
        reads.clear();
    }
}
