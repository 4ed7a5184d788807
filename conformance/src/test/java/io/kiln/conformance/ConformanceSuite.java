package io.kiln.conformance;

import io.kiln.Device;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.ArgumentsProvider;
import org.junit.jupiter.params.provider.ArgumentsSource;

import java.lang.reflect.Method;
import java.util.List;
import java.util.stream.Stream;

/**
 * Base of the kernel test classes: every subclass declares {@code static List<KernelCase> cases()}
 * and its kernels; this runs every case on every device of {@link TestDevices#all()}, each as one test
 * named {@code <device> <Class.kernel>}.
 */
abstract class ConformanceSuite {

    /** One test: a case on a device ({@code null}s when there is no device at all). */
    record Run(KernelCase kase, Device device) {
        @Override
        public String toString() {
            return device == null ? "no device" : device.id() + " " + kase.name();
        }
    }

    @ParameterizedTest(name = "{0}")
    @ArgumentsSource(CasesOnDevices.class)
    void matchesJava(Run run) {
        if (run.device() == null) {
            TestDevices.noDevice();
            return;
        }
        CaseRunner.run(run.kase(), run.device());
    }

    private static String printed = "";

    @AfterAll
    static void printUlpErrors() {
        synchronized (ConformanceSuite.class) {
            String report = UlpBounds.report();
            if (!report.equals(printed) && report.contains("\n  ")) {
                System.out.println("[kiln conformance] " + report);
                printed = report;
            }
        }
    }

    /** Every case of the test class on every device. */
    static final class CasesOnDevices implements ArgumentsProvider {
        @Override
        @SuppressWarnings("unchecked")
        public Stream<? extends Arguments> provideArguments(ExtensionContext context) throws Exception {
            Class<?> cls = context.getRequiredTestClass();
            Method m = cls.getDeclaredMethod("cases");
            m.setAccessible(true);
            List<KernelCase> cases = (List<KernelCase>) m.invoke(null);
            List<Device> devices = TestDevices.all();
            if (devices.isEmpty()) {
                return Stream.of(Arguments.of(new Run(null, null)));
            }
            // case by case, every device in turn: the devices share the case's inputs and Java results
            return cases.stream().flatMap(c -> devices.stream().map(d -> Arguments.of(new Run(c, d))));
        }
    }
}
