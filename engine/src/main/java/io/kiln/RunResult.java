package io.kiln;

import java.util.List;

/**
 * What one {@link ExecutionPlan#run()} did: which device ran each task and how long compiling,
 * copying and computing took, and how many copies it issued or skipped. Times are in nanoseconds of
 * host wall-clock time.
 */
public final class RunResult {

    /**
     * One task's run.
     *
     * @param taskId         the task id
     * @param device         the device that actually ran it (after any fallback)
     * @param compileNanos   time spent compiling and building the kernel in this run (0 when cached)
     * @param transferNanos  time spent copying the task's inputs to its device
     * @param kernelNanos    time of the launch (launch to completion with {@link ExecutionPlan#withProfiler()})
     * @param fallbackReason why the task ran on the CPU instead of its device, or {@code null}
     * @param implementation what ran: {@code Owner.method} of the task's kernel (its portable reference), or of
     *                       the {@link Variant} chosen for the device, followed by {@code " (variant)"}
     *                       ({@code " (Java variant)"} for a plain Java method on {@code cpu})
     */
    public record TaskRun(String taskId, Device device, long compileNanos, long transferNanos, long kernelNanos,
                          String fallbackReason, String implementation) {

        /** A run of the task's kernel itself, named by {@code taskId} only (for results made by hand). */
        public TaskRun(String taskId, Device device, long compileNanos, long transferNanos, long kernelNanos,
                       String fallbackReason) {
            this(taskId, device, compileNanos, transferNanos, kernelNanos, fallbackReason, null);
        }

        /** Whether a {@link Variant} ran rather than the kernel's portable reference. */
        public boolean ranVariant() {
            return implementation != null && implementation.endsWith("variant)");
        }
    }

    /**
     * One command of a profiled run ({@link ExecutionPlan#withProfiler()}): a copy or a launch, with the
     * times the device reported for it. Times are nanoseconds since the earliest {@code queuedNanos} of the
     * run's commands on the same clock: the device's own ({@code deviceClock}: OpenCL's
     * {@code CL_PROFILING_COMMAND_QUEUED/START/END}, CUDA's event times) or, where the back end reports
     * none ({@code cpu}, whose launches run on the host), the host's {@code System.nanoTime()} around the
     * command. Two commands of one device whose {@code [start, end)} intervals intersect ran at the same
     * time (a copy on the copy queue during a kernel, for example).
     *
     * @param kind        {@link Schedule.Kind#COPY_TO_DEVICE}, {@link Schedule.Kind#LAUNCH} or
     *                    {@link Schedule.Kind#COPY_TO_HOST}
     * @param what        the task id of a launch, the data's name in the schedule for a copy
     * @param device      the device that ran it
     * @param queuedNanos when it was enqueued
     * @param startNanos  when it started
     * @param endNanos    when it ended
     * @param deviceClock whether the times are the device's (else the host's)
     */
    public record Command(Schedule.Kind kind, String what, Device device, long queuedNanos, long startNanos, long endNanos,
                          boolean deviceClock) {
        /** {@code endNanos - startNanos}. */
        public long durationNanos() {
            return endNanos - startNanos;
        }

        /** Whether this command and {@code other}, on the same device, were running at the same time. */
        public boolean overlaps(Command other) {
            return device.equals(other.device) && deviceClock == other.deviceClock
                    && startNanos < other.endNanos && other.startNanos < endNanos;
        }
    }

    private final String graph;
    private final List<TaskRun> tasks;
    private final List<Command> timeline;
    private final long transferToHostNanos;
    private final long totalNanos;
    private final int copiesToDevice;
    private final int copiesToHost;
    private final int copiesElided;

    /** A result without copy counts. */
    public RunResult(String graph, List<TaskRun> tasks, long transferToHostNanos, long totalNanos) {
        this(graph, tasks, transferToHostNanos, totalNanos, 0, 0, 0);
    }

    /**
     * A result.
     *
     * @param copiesToDevice copies issued to devices in this run
     * @param copiesToHost   copies issued back to the host in this run (including those a task on
     *                       another device or on {@code cpu} needed)
     * @param copiesElided   copies to a device skipped because the device copy was current
     */
    public RunResult(String graph, List<TaskRun> tasks, long transferToHostNanos, long totalNanos,
                     int copiesToDevice, int copiesToHost, int copiesElided) {
        this(graph, tasks, transferToHostNanos, totalNanos, copiesToDevice, copiesToHost, copiesElided, List.of());
    }

    /** A result with the commands of a profiled run ({@link #timeline()}). */
    public RunResult(String graph, List<TaskRun> tasks, long transferToHostNanos, long totalNanos,
                     int copiesToDevice, int copiesToHost, int copiesElided, List<Command> timeline) {
        this.graph = graph;
        this.tasks = List.copyOf(tasks);
        this.timeline = List.copyOf(timeline);
        this.transferToHostNanos = transferToHostNanos;
        this.totalNanos = totalNanos;
        this.copiesToDevice = copiesToDevice;
        this.copiesToHost = copiesToHost;
        this.copiesElided = copiesElided;
    }

    /**
     * The copies and launches of this run in the order they were issued, with their times, when the plan
     * runs {@link ExecutionPlan#withProfiler()}; empty otherwise (recording costs a native event per command).
     */
    public List<Command> timeline() {
        return timeline;
    }

    /** How many copies to a device this run issued. */
    public int copiesToDevice() {
        return copiesToDevice;
    }

    /** How many copies back to the host this run issued. */
    public int copiesToHost() {
        return copiesToHost;
    }

    /** How many copies to a device this run skipped because the device copy was already current. */
    public int copiesElided() {
        return copiesElided;
    }

    /** The graph's name. */
    public String graph() {
        return graph;
    }

    /** Each task's run, in order. */
    public List<TaskRun> tasks() {
        return tasks;
    }

    /** The run of task {@code id}. */
    public TaskRun task(String id) {
        return tasks.stream().filter(t -> t.taskId().equals(id)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no task '" + id + "' in this result"));
    }

    /** Time spent copying results back to the host at the end of the run. */
    public long transferToHostNanos() {
        return transferToHostNanos;
    }

    /** Wall-clock time of the whole run. */
    public long totalNanos() {
        return totalNanos;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("run of '" + graph + "' in " + totalNanos / 1000 + " us (copies: "
                + copiesToDevice + " to devices, " + copiesToHost + " to the host, " + copiesElided + " skipped)");
        for (TaskRun t : tasks) {
            sb.append("\n  ").append(t.taskId()).append(" on ").append(t.device().id())
                    .append(": compile ").append(t.compileNanos() / 1000).append(" us, transfer ")
                    .append(t.transferNanos() / 1000).append(" us, kernel ").append(t.kernelNanos() / 1000).append(" us");
            if (t.ranVariant()) sb.append(", ran ").append(t.implementation());
            if (t.fallbackReason() != null) sb.append(" (fallback: ").append(t.fallbackReason()).append(')');
        }
        return sb.toString();
    }
}
