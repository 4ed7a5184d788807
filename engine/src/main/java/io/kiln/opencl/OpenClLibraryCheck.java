package io.kiln.opencl;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Finds out, without loading any native code, whether JOCL will find the OpenCL ICD loader.
 * JOCL opens the unversioned {@code libOpenCL.so}, which Debian and Ubuntu ship only in the
 * development package {@code ocl-icd-opencl-dev}; the runtime package has just {@code libOpenCL.so.1}.
 * Without this check the failure is an {@link UnsatisfiedLinkError} deep inside JOCL.
 * <p>Set the system property {@code kiln.opencl.libraryCheck=false} to skip the check (JOCL then
 * tries to load the library anyway, and a failure is still reported, with JOCL's own message).
 */
public final class OpenClLibraryCheck {
    /** The file JOCL loads on Linux. */
    public static final String LIBRARY = "libOpenCL.so";

    private OpenClLibraryCheck() {
    }

    /**
     * Why OpenCL cannot be loaded on this machine, or {@code null} when the library is present (or
     * when this is not Linux, where JOCL's own loading errors are reported instead).
     */
    public static String check() {
        if (!"false".equalsIgnoreCase(System.getProperty("kiln.opencl.libraryCheck", "true"))
                && System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux")) {
            return problem(searchPath());
        }
        return null;
    }

    /**
     * Why OpenCL cannot be loaded when the dynamic linker searches {@code dirs}, or {@code null} when
     * one of them holds {@code libOpenCL.so} (a link that resolves counts; a dangling link does not).
     */
    public static String problem(List<Path> dirs) {
        Path versioned = null;
        for (Path dir : dirs) {
            if (Files.exists(dir.resolve(LIBRARY))) {
                return null;
            }
            if (versioned == null && Files.exists(dir.resolve(LIBRARY + ".1"))) {
                versioned = dir.resolve(LIBRARY + ".1");
            }
        }
        if (versioned != null) {
            Path link = versioned.resolveSibling(LIBRARY);
            return "OpenCL is unavailable: JOCL loads the unversioned " + LIBRARY + ", but only " + versioned
                    + " is installed. Fix: install the OpenCL development package (Debian/Ubuntu: "
                    + "sudo apt-get install ocl-icd-opencl-dev), or symlink it: sudo ln -s " + versioned + " " + link
                    + " (or set kiln.opencl.libraryCheck=false to skip this check).";
        }
        return "OpenCL is unavailable: no " + LIBRARY + " (the OpenCL ICD loader) was found in " + dirs
                + ". Fix: install the loader and an OpenCL driver, for example on Debian/Ubuntu "
                + "sudo apt-get install ocl-icd-opencl-dev pocl-opencl-icd (pocl runs OpenCL on the CPU; "
                + "GPU vendors ship their own OpenCL driver); where only libOpenCL.so.1 exists, symlink "
                + LIBRARY + " -> libOpenCL.so.1 (or set kiln.opencl.libraryCheck=false to skip this check).";
    }

    /**
     * The directories the dynamic linker searches: {@code LD_LIBRARY_PATH}, the directories named in
     * {@code /etc/ld.so.conf} (and the files it includes), then the standard library directories.
     */
    public static List<Path> searchPath() {
        Set<Path> dirs = new LinkedHashSet<>();
        String ld = System.getenv("LD_LIBRARY_PATH");
        if (ld != null) {
            for (String d : ld.split(":")) {
                addDir(dirs, d);
            }
        }
        readLdConf(Path.of("/etc/ld.so.conf"), dirs, 0);
        for (String d : List.of("/lib", "/usr/lib", "/lib64", "/usr/lib64", "/usr/local/lib",
                "/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib/aarch64-linux-gnu", "/usr/lib/aarch64-linux-gnu")) {
            addDir(dirs, d);
        }
        return new ArrayList<>(dirs);
    }

    private static void addDir(Set<Path> dirs, String d) {
        if (d == null || d.isBlank()) return;
        try {
            dirs.add(Path.of(d.trim()));
        } catch (InvalidPathException e) {
            // not a directory the linker could use either
        }
    }

    private static void readLdConf(Path file, Set<Path> dirs, int depth) {
        if (depth > 4 || !Files.isReadable(file)) return;
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (IOException | RuntimeException e) {
            return;
        }
        for (String raw : lines) {
            String line = raw.replaceAll("#.*", "").trim();
            if (line.isEmpty()) continue;
            if (line.startsWith("include")) {
                String pattern = line.substring("include".length()).trim();
                Path p = Path.of(pattern);
                Path dir = p.getParent() == null ? file.getParent() : (p.isAbsolute() ? p.getParent() : file.getParent().resolve(p.getParent()));
                String glob = p.getFileName().toString();
                if (dir == null || !Files.isDirectory(dir)) continue;
                try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, glob)) {
                    List<Path> sorted = new ArrayList<>();
                    files.forEach(sorted::add);
                    sorted.sort(null);
                    for (Path f : sorted) {
                        readLdConf(f, dirs, depth + 1);
                    }
                } catch (IOException | RuntimeException e) {
                    // unreadable include: ignore, as ldconfig does
                }
            } else {
                addDir(dirs, line);
            }
        }
    }
}
