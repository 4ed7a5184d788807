package io.kiln.kernels.tabular;

import io.kiln.Backend;
import io.kiln.Device;
import io.kiln.Devices;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.function.Executable;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The devices the tabular tests run on: every device Kiln finds ({@code cpu}, PoCL as
 * {@code opencl:0}, the test-only PTX interpreter), plus a check that an OpenCL device is among them,
 * which fails under {@code CI=true} and skips with the reason elsewhere.
 */
final class TabularDevices {
    private TabularDevices() {
    }

    /** Whether {@code d} is the PTX interpreter, which the tests run at smaller sizes. */
    static boolean slow(Device d) {
        return d.id().startsWith("ptx-interpreter");
    }

    /** One container per device, each running {@code test} on it, plus the OpenCL presence check. */
    static List<DynamicNode> onEveryDevice(String name, Consumer<Device> test) {
        List<DynamicNode> nodes = new ArrayList<>();
        nodes.add(DynamicTest.dynamicTest("an OpenCL device is present", openClPresent()));
        for (Device d : Devices.list()) {
            nodes.add(DynamicContainer.dynamicContainer(d.id(), List.of(DynamicTest.dynamicTest(name, () -> test.accept(d)))));
        }
        return nodes;
    }

    private static Executable openClPresent() {
        return () -> {
            boolean found = Devices.list().stream().anyMatch(d -> d.backend() == Backend.OPENCL);
            if (found) return;
            String why = "no OpenCL device, so the tabular kernels did not run on OpenCL (unavailable back ends: "
                    + Devices.unavailable() + ")";
            if ("true".equals(System.getenv("CI"))) Assertions.fail(why + " and CI=true, so this is a failure");
            Assumptions.abort(why + "; skipped (set CI=true to make this a failure)");
        };
    }

    /** A seed for a test's random data, printed so that a failure can be reproduced. */
    static long seed(String test, long base) {
        System.out.println("[tabular] " + test + " seed " + base);
        return base;
    }
}
