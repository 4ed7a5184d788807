package io.kiln.conformance;

import io.kiln.Device;
import io.kiln.Devices;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

import java.util.Arrays;
import java.util.List;

/**
 * The devices the suite runs on: every device in {@link Devices#list()}, or those named in
 * {@code -Dkiln.devices=cpu,opencl:0}.
 */
final class TestDevices {
    private TestDevices() {
    }

    private static volatile List<Device> devices;

    static List<Device> all() {
        List<Device> d = devices;
        if (d == null) {
            synchronized (TestDevices.class) {
                d = devices;
                if (d == null) {
                    d = Devices.list();
                    long seed = Seeds.BASE; // prints the seed first
                    assert seed == Seeds.BASE;
                    String only = System.getProperty("kiln.devices");
                    if (only != null && !only.isBlank()) {
                        List<String> ids = Arrays.stream(only.split(",")).map(String::trim).toList();
                        d = d.stream().filter(x -> ids.contains(x.id())).toList();
                    }
                    System.out.println("[kiln conformance] devices: " + d + "; unavailable back ends: " + Devices.unavailable());
                    devices = d;
                }
            }
        }
        return d;
    }

    /** Called when there is no device: fails on CI ({@code CI=true}), skips with the reason elsewhere. */
    static void noDevice() {
        String only = System.getProperty("kiln.devices");
        String why = "no Kiln device is available (" + Devices.unavailable() + (only == null || only.isBlank() ? ""
                : "; -Dkiln.devices=" + only + " selected none of " + Devices.list()) + "): the conformance suite needs at least one";
        if ("true".equals(System.getenv("CI"))) {
            Assertions.fail(why + " and CI=true, so this is a failure");
        }
        Assumptions.abort(why + "; skipped (set CI=true to make this a failure)");
    }
}
