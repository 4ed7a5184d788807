package io.kiln.kernels.linalg;

import io.kiln.Backend;
import io.kiln.Device;
import io.kiln.Devices;
import io.kiln.KilnRuntime;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The device matrix of the operation tests: every device Kiln finds runs the portable references (in a
 * runtime with variants off), and {@code cpu} also runs its variants (in the shared runtime), each as
 * its own dynamic test under a container named after the device.
 */
final class OnDevices {
    /** Variants off: the references, on every device. Lives as long as the test JVM. */
    private static KilnRuntime reference;

    private OnDevices() {
    }

    /** One implementation under test: a runtime, its device, and whether the cpu variants run. */
    record Target(KilnRuntime runtime, Device device, boolean variants) {
        /** Whether this is the (slow) PTX interpreter, which gets smaller cases. */
        boolean slow() {
            return device.id().startsWith("ptx-interpreter");
        }

        /** {@code name} ({@code Class.method} of a reference) as {@code RunResult} records what ran here. */
        String implementation(String name) {
            return variants ? "Cpu" + name + " (Java variant)" : name;
        }
    }

    /** A test body. */
    @FunctionalInterface
    interface Body {
        void run(Target target) throws Throwable;
    }

    /** The references' runtime. */
    static synchronized KilnRuntime reference() {
        if (reference == null) reference = KilnRuntime.create().useVariants(false);
        return reference;
    }

    /** The tests {@code bodies} (name to body, in order) for every target on every device. */
    static List<DynamicNode> tests(Map<String, Body> bodies) {
        List<DynamicNode> nodes = new ArrayList<>();
        for (Device d : Devices.list()) {
            List<DynamicNode> tests = new ArrayList<>();
            for (boolean variants : d.backend() == Backend.CPU ? new boolean[] {true, false} : new boolean[] {false}) {
                Target t = variants ? new Target(KilnRuntime.shared(), d, true) : new Target(reference(), reference().device(d.id()), false);
                String how = variants ? " (variant)" : " (reference)";
                bodies.forEach((name, body) -> tests.add(DynamicTest.dynamicTest(name + how, () -> body.run(t))));
            }
            nodes.add(DynamicContainer.dynamicContainer(d.id(), tests));
        }
        return nodes;
    }

    /** An ordered map of test names to bodies, for {@link #tests}. */
    static Map<String, Body> of(Object... nameBodyPairs) {
        Map<String, Body> m = new LinkedHashMap<>();
        for (int i = 0; i < nameBodyPairs.length; i += 2) m.put((String) nameBodyPairs[i], (Body) nameBodyPairs[i + 1]);
        return m;
    }
}
