package io.kiln.kernels;

import io.kiln.Device;
import io.kiln.ExecutionPlan;
import io.kiln.RunResult;
import io.kiln.TaskGraph;
import io.kiln.Transfer;

import java.util.Objects;

/** Runs the host-side image operations' task graphs: one plan, one run, results copied back. */
final class ImageLaunch {
    private ImageLaunch() {
    }

    /** A graph that copies {@code inputs} to the device and {@code outputs} back on its run. */
    static TaskGraph graph(String name, Object[] inputs, Object... outputs) {
        return new TaskGraph(name).transferToDevice(Transfer.EVERY_RUN, inputs).transferToHost(Transfer.EVERY_RUN, outputs);
    }

    /** Arrays as the varargs of {@link #graph}. */
    static Object[] of(Object... arrays) {
        return arrays;
    }

    /** Runs the graph once on {@code device}. */
    static RunResult run(TaskGraph graph, Device device) {
        Objects.requireNonNull(device, "device is null: pass one from io.kiln.Devices, e.g. Devices.get(\"cpu\")");
        try (ExecutionPlan plan = graph.plan(device)) {
            return plan.run();
        }
    }

    static void checkDevice(Device device) {
        Objects.requireNonNull(device, "device is null: pass one from io.kiln.Devices, e.g. Devices.get(\"cpu\")");
    }
}
