package io.kiln.loader;

import io.kiln.kernels.Image;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The sample generator: deterministic, photo-like (not flat), varied sizes, cached. */
class SampleImagesTest {

    @Test
    void imagesAreDeterministicVariedAndNotFlat() {
        Set<String> sizes = new HashSet<>();
        for (int i = 0; i < 12; i++) {
            Image a = SampleImages.render(i, 0, 500), b = SampleImages.render(i, 0, 500);
            assertArrayEquals(a.data(), b.data(), "image " + i + " is the same every time");
            assertTrue(a.width() >= 375 && a.width() <= 650 && a.height() >= 375 && a.height() <= 650, a.toString());
            sizes.add(a.width() + "x" + a.height());
            // photo-like: many distinct colours, strong local contrast somewhere (edges), and noise everywhere
            Set<Integer> colours = new HashSet<>();
            long gradient = 0;
            int edges = 0;
            for (int y = 0; y < a.height(); y++) {
                for (int x = 1; x < a.width(); x++) {
                    colours.add((a.get(x, y, 0) << 16) | (a.get(x, y, 1) << 8) | a.get(x, y, 2));
                    int d = 0;
                    for (int c = 0; c < 3; c++) d = Math.max(d, Math.abs(a.get(x, y, c) - a.get(x - 1, y, c)));
                    gradient += d;
                    if (d > 50) edges++;
                }
            }
            assertTrue(colours.size() > 5000, "image " + i + " has only " + colours.size() + " colours");
            assertTrue(edges > 100, "image " + i + " has " + edges + " sharp edges");
            assertTrue(gradient > 0);
        }
        assertTrue(sizes.size() >= 10, "sizes vary: " + sizes);
        assertFalse(java.util.Arrays.equals(SampleImages.render(0, 0, 500).data(), SampleImages.render(0, 1, 500).data()), "seeds differ");
    }

    @Test
    void ensureWritesOnceThenReusesAndRedoesAnIncompleteFolder(@TempDir Path dir) throws IOException {
        List<Path> files = SampleImages.ensure(dir, 6, 3, 80);
        assertEquals(6, files.size());
        assertTrue(SampleImages.isComplete(dir, 6, 3, 80));
        assertFalse(SampleImages.isComplete(dir, 7, 3, 80));
        assertFalse(SampleImages.isComplete(dir, 6, 4, 80));
        FileTime old = FileTime.fromMillis(1_000_000_000L);
        for (Path f : files) Files.setLastModifiedTime(f, old);
        SampleImages.ensure(dir, 6, 3, 80);
        for (Path f : files) assertEquals(old, Files.getLastModifiedTime(f), "reused, not rewritten: " + f);
        byte[] third = Files.readAllBytes(files.get(2));
        Files.write(files.get(2), new byte[] {1, 2, 3}); // damaged
        assertFalse(SampleImages.isComplete(dir, 6, 3, 80));
        SampleImages.ensure(dir, 6, 3, 80);
        assertArrayEquals(third, Files.readAllBytes(files.get(2)), "rewritten identically");
        Files.delete(files.get(4));
        SampleImages.ensure(dir, 6, 3, 80);
        assertTrue(Files.exists(files.get(4)));
        // they are JPEGs the loader reads
        for (Path f : files) assertTrue(Decoders.isJpeg(Files.readAllBytes(f)));
        assertEquals(SampleImages.render(2, 3, 80).width(), Decoder.IMAGEIO.decode(third, 3).width());
    }
}
