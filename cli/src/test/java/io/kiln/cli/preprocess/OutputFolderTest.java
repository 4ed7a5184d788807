package io.kiln.cli.preprocess;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link OutputFolder}'s refusals say what was wrong, not only which path. */
class OutputFolderTest {
    @TempDir
    Path tmp;

    @Test
    void aFolderUnderAFileIsRefusedWithTheReason() throws IOException {
        Path file = Files.writeString(tmp.resolve("plain.txt"), "not a folder");
        UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> OutputFolder.prepare(file.resolve("out")));
        assertTrue(e.getMessage().startsWith("cannot prepare the output folder " + file.resolve("out") + ": "), e.getMessage());
        assertTrue(e.getMessage().endsWith("; give --out a folder that can be created and written"), e.getMessage());
        String reason = e.getMessage().substring(e.getMessage().indexOf(": ") + 2);
        assertTrue(!reason.startsWith(file.resolve("out") + ";"), "the reason is more than the path: " + e.getMessage());
    }

    @Test
    void reasonsNameTheProblem() {
        assertEquals("/a/b: no such file or folder", OutputFolder.reason(new NoSuchFileException("/a/b")));
        assertEquals("/a: permission denied", OutputFolder.reason(new AccessDeniedException("/a")));
        assertEquals("/a -> /b: Read-only file system", OutputFolder.reason(new FileSystemException("/a", "/b", "Read-only file system")));
        assertEquals("FileSystemException", OutputFolder.reason(new FileSystemException(null)));
        assertEquals("disk full", OutputFolder.reason(new IOException("disk full")));
    }
}
