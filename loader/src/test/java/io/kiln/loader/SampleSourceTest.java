package io.kiln.loader;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link SampleSource}'s command-line forms: what each finds, and the refusals that name the problem. */
class SampleSourceTest {
    @Test
    void aDirectoryListsItsImagesRecursivelyInPathOrder(@TempDir Path dir) throws Exception {
        Files.createDirectories(dir.resolve("b"));
        for (String f : List.of("b/2.PNG", "a.jpg", "b/1.jpeg", "notes.txt", "c.gif")) Files.write(dir.resolve(f), new byte[] {1});
        List<Sample> found = SampleSource.directory(dir).listed();
        assertEquals(List.of("a.jpg", "b/1.jpeg", "b/2.PNG", "c.gif"),
                found.stream().map(s -> dir.relativize(s.path()).toString().replace('\\', '/')).toList());
    }

    @Test
    void anEmptyDirectoryIsRefused(@TempDir Path dir) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SampleSource.parse(dir.toString()));
        assertTrue(e.getMessage().contains("holds no image file") && e.getMessage().contains("the folder is empty"), e.getMessage());
    }

    @Test
    void aDirectoryWithoutImagesSaysWhatItHolds(@TempDir Path dir) throws Exception {
        Files.write(dir.resolve("photo.webp"), new byte[] {1});
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SampleSource.directory(dir));
        assertTrue(e.getMessage().contains("photo.webp") && e.getMessage().contains("jpg"), e.getMessage());
    }

    @Test
    void aGlobThatMatchesNothingAndAMissingPathAreRefused(@TempDir Path dir) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SampleSource.parse(dir + "/*.jpg"));
        assertTrue(e.getMessage().contains("matches no file"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> SampleSource.parse(dir.resolve("nope").toString()));
        assertTrue(e.getMessage().contains("nope does not exist: give a folder of images"), e.getMessage());
    }

    @Test
    void aMalformedGlobSaysSo(@TempDir Path dir) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SampleSource.glob(dir + "/[[[.jpg"));
        assertTrue(e.getMessage().contains("is not a valid pattern (Missing '] at character"), e.getMessage());
        assertTrue(e.getMessage().endsWith("as java.nio.file.FileSystem.getPathMatcher reads them"), e.getMessage());
    }
}
