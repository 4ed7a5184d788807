package io.kiln.runtime;

/** What one run of a plan did: counts and times for its {@link io.kiln.RunResult}. */
final class RunCounters {
    final long[] transferNanos;
    final long[] kernelNanos;
    int toDevice;
    int toHost;
    int elided;

    RunCounters(int tasks) {
        transferNanos = new long[tasks];
        kernelNanos = new long[tasks];
    }
}
