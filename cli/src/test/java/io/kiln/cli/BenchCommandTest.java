package io.kiln.cli;

import io.kiln.Devices;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static io.kiln.cli.KilnCliTest.assertUsageError;
import static io.kiln.cli.KilnCliTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code kiln bench}: images/s per device on the same sample, and the device auto picks. */
class BenchCommandTest {

    @Test
    void printsImagesPerSecondPerDeviceAndWhatAutoPicks(@TempDir Path cache) {
        String old = System.getProperty(PreprocessCommand.SAMPLES_PROPERTY);
        System.setProperty(PreprocessCommand.SAMPLES_PROPERTY, cache.toString());
        KilnCliTest.Result r;
        try {
            r = run("bench", "--samples", "8", "--batch", "4", "--device", "cpu");
        } finally {
            if (old == null) System.clearProperty(PreprocessCommand.SAMPLES_PROPERTY);
            else System.setProperty(PreprocessCommand.SAMPLES_PROPERTY, old);
        }
        assertEquals(0, r.exit(), r::toString);
        List<String> lines = r.out().lines().toList();
        int header = lines.indexOf(lines.stream().filter(l -> l.startsWith("DEVICE ")).findFirst().orElseThrow());
        assertTrue(lines.get(header).matches("DEVICE\\s+NAME\\s+IMAGES/S\\s+IMAGES\\s+TIME\\s+BOTTLENECK"), r::toString);
        String row = lines.get(header + 1);
        assertTrue(row.matches("cpu\\s+.*\\s+\\d+\\.\\d\\s+8\\s+\\d+\\.\\d\\d s\\s+\\w+ limits: .*"), () -> "row: " + row + "\n" + r);
        assertTrue(r.out().contains("auto picks: " + Devices.auto().id() + " "), r::toString);
        assertTrue(r.out().contains("fastest here: cpu ("), r::toString);
    }

    @Test
    void unknownDeviceOrPresetIsAUsageError() {
        assertUsageError(run("bench", "--device", "cuda:9"), "cuda:9");
        assertUsageError(run("bench", "--preset", "standardize"), "--preset standardize is not an image preset");
    }
}
