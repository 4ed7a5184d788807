package io.kiln.kernels.tabular;

import io.kiln.Device;
import io.kiln.ExecutionPlan;
import io.kiln.TaskGraph;

/** Runs a one-off task graph on a device and releases its plan. */
final class Launch {
    private Launch() {
    }

    static void run(Device device, TaskGraph graph) {
        try (ExecutionPlan plan = graph.plan(device)) {
            plan.run();
        }
    }
}
