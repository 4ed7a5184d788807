package io.kiln;

import java.util.List;

/**
 * What an {@link ExecutionPlan} issues on every run, in order: the explicit schedule it built once
 * (and rebuilds only when devices or the fallback policy change; rebinding data, scalars or grids never
 * changes it). Print it to read it:
 * <pre>
 * schedule of graph 'saxpy' on opencl:0
 *   s0  host-current    y                         transferToDevice(EVERY_RUN)
 *   s1  copy-to-device  x -&gt; opencl:0             if stale
 *   s2  copy-to-device  y -&gt; opencl:0             if stale
 *   s3  launch          saxpy on opencl:0          after s1 s2
 *   s4  copy-to-host    y &lt;- opencl:0             every run, after s3
 *   s5  wait            copies                     after s1 s2 s4
 *   s6  release         unbound data
 * </pre>
 * <b>Steps.</b> {@code host-current}: the host copy of data sent with {@code transferToDevice(EVERY_RUN)}
 * becomes the truth (device copies stale). {@code copy-to-device}: copies data to a device; "if stale" copies
 * are skipped when the device copy is current (transfer elision), and a device never holding the data
 * allocates it on the first copy. On a device without memory of its own ({@code cpu}) the step is
 * {@code host-sync}: data a device holds is copied back first. {@code launch}: one kernel launch.
 * {@code copy-to-host}: {@code transferToHost} data, every run or on the first run. {@code wait}: the only
 * point where the host blocks: for the copies of this run (the host owns that memory again when
 * {@code run()} returns); launches whose results stay on a device are not waited for. {@code release}:
 * device copies of data no longer bound ({@link Bindings}) are freed.
 * <p><b>Events.</b> "after" lists the steps whose events a step waits for, from what each step reads and
 * writes: a copy to a device waits for the launches on that device that read or write the data; a launch
 * waits for the copies of its inputs and for earlier launches that wrote (or, if it writes, read) the same
 * data; a copy to the host waits for the launch that wrote the data. A skipped copy passes its own
 * dependences on. At run time the first command of a run on each piece of data also waits for the last
 * command of the previous run on it.
 */
public final class Schedule {

    /** What a step does. */
    public enum Kind {
        /** The host copy of {@code EVERY_RUN} data becomes current; device copies stale. */
        HOST_CURRENT,
        /** Copy data to a device (skipped when current there). */
        COPY_TO_DEVICE,
        /** Make data current on the host for a device that works on host memory. */
        HOST_SYNC,
        /** Launch a task's kernel. */
        LAUNCH,
        /** Copy data back to the host. */
        COPY_TO_HOST,
        /** The host waits for events. */
        WAIT,
        /** Release device copies of data no longer bound. */
        RELEASE
    }

    /**
     * One step.
     *
     * @param index   its position ({@code s<index>})
     * @param kind    what it does
     * @param subject the data (graph parameter name) or the task id
     * @param device  the device it runs on, or {@code null}
     * @param note    when it happens ("if stale", "every run", ...), or {@code ""}
     * @param after   the indices of the steps it waits for
     */
    public record Step(int index, Kind kind, String subject, String device, String note, List<Integer> after) {
        public Step {
            after = List.copyOf(after);
        }

        @Override
        public String toString() {
            String what = switch (kind) {
                case HOST_CURRENT, RELEASE -> subject;
                case COPY_TO_DEVICE -> subject + " -> " + device;
                case HOST_SYNC -> subject + " for " + device;
                case LAUNCH -> subject + " on " + device;
                case COPY_TO_HOST -> subject + " <- " + (device == null ? "the device holding it" : device);
                case WAIT -> subject;
            };
            StringBuilder sb = new StringBuilder();
            sb.append(String.format("s%-3d %-15s %-28s", index, kind.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'), what));
            String tail = note;
            if (!after.isEmpty()) {
                StringBuilder deps = new StringBuilder("after");
                for (int a : after) deps.append(" s").append(a);
                tail = tail.isEmpty() ? deps.toString() : tail + ", " + deps;
            }
            sb.append(' ').append(tail);
            return sb.toString().stripTrailing();
        }
    }

    private final String header;
    private final List<Step> steps;

    /** A schedule with a one-line header. */
    public Schedule(String header, List<Step> steps) {
        this.header = header;
        this.steps = List.copyOf(steps);
    }

    /** The steps, in the order they are issued. */
    public List<Step> steps() {
        return steps;
    }

    /** The steps of one kind, in order. */
    public List<Step> steps(Kind kind) {
        return steps.stream().filter(s -> s.kind() == kind).toList();
    }

    /** One step per line, after a header naming the graph. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(header);
        for (Step s : steps) sb.append("\n  ").append(s);
        return sb.append('\n').toString();
    }
}
