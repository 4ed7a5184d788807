package io.kiln.benchmarks;

import io.kiln.Device;
import io.kiln.Devices;

/** Looks up the device a benchmark's {@code device} parameter names, with a clear error. */
final class BenchmarkDevices {
    private BenchmarkDevices() {
    }

    static Device get(String id) {
        try {
            return Devices.get(id);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("benchmark parameter device=" + id + " names no device here: " + e.getMessage()
                    + ". Pick one with -p device=ID (see ./kiln devices).", e);
        }
    }
}
