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

    private final String graph;
    private final List<TaskRun> tasks;
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
        this.graph = graph;
        this.tasks = List.copyOf(tasks);
        this.transferToHostNanos = transferToHostNanos;
        this.totalNanos = totalNanos;
        this.copiesToDevice = copiesToDevice;
        this.copiesToHost = copiesToHost;
        this.copiesElided = copiesElided;
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
