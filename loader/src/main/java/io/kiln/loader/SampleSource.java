package io.kiln.loader;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * Where a loader's samples come from. A source is either <b>listed</b> (a directory, a glob, a list of
 * paths or of byte arrays: its size is known, so it can be shuffled and read for many epochs) or
 * <b>streamed</b> (an {@code Iterator} or a {@code Stream} supplier: read in order, sharded by index;
 * an {@code Iterator} gives one epoch, a supplier one per epoch).
 *
 * <pre>{@code
 * SampleSource.directory(Path.of("images"));       // every image file below, sorted by path
 * SampleSource.glob("data/train/**\/*.jpg");         // a glob relative to the working directory
 * SampleSource.listFile(Path.of("files.txt"));      // one path per line, relative to the list's folder
 * SampleSource.parse(arg);                          // any of the three, as a command line gives it
 * }</pre>
 */
public final class SampleSource {
    /** The file extensions {@link #directory} picks up (lower case): what the decoders read. */
    public static final Set<String> IMAGE_EXTENSIONS = Set.of("jpg", "jpeg", "png", "bmp", "gif");

    private final String description;
    private final List<Sample> listed;
    private final Supplier<Iterator<Sample>> streamed;
    private final boolean restartable;

    private SampleSource(String description, List<Sample> listed, Supplier<Iterator<Sample>> streamed, boolean restartable) {
        this.description = description;
        this.listed = listed;
        this.streamed = streamed;
        this.restartable = restartable;
    }

    /**
     * Every file below {@code dir} (recursively) whose extension is one of {@link #IMAGE_EXTENSIONS},
     * in the order of their path strings, so the order does not depend on the file system.
     *
     * @throws IllegalArgumentException if {@code dir} is not a directory or holds no image file (an empty
     *                                  epoch is almost always a wrong path, so it is refused like a glob that
     *                                  matches nothing)
     * @throws UncheckedIOException     if it cannot be listed
     */
    public static SampleSource directory(Path dir) {
        Objects.requireNonNull(dir, "dir is null");
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException(dir + " is not a directory: pass a folder of images, a glob or a list file");
        }
        try (Stream<Path> files = Files.walk(dir)) {
            List<Path> all = files.filter(Files::isRegularFile).toList();
            List<Path> found = all.stream().filter(SampleSource::isImageName)
                    .sorted((a, b) -> a.toString().compareTo(b.toString())).toList();
            if (found.isEmpty()) {
                throw new IllegalArgumentException(dir + " holds no image file (" + String.join(", ", new java.util.TreeSet<>(IMAGE_EXTENSIONS))
                        + (all.isEmpty() ? "): the folder is empty" : "): its " + all.size() + " file(s) have other extensions, e.g. "
                        + all.get(0).getFileName() + "; name the files with a glob or a list file (.txt) to read them anyway"));
            }
            return paths("directory " + dir + " (" + found.size() + " images)", found);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir + ": " + e.getMessage(), e);
        }
    }

    /**
     * The files that match a glob ({@code java.nio.file} syntax: {@code *}, {@code **}, {@code ?},
     * {@code [..]}, {@code {a,b}}), sorted by path. The walk starts at the longest leading part of the
     * pattern without glob characters.
     *
     * @throws IllegalArgumentException if the pattern is malformed or matches no file
     */
    public static SampleSource glob(String pattern) {
        Objects.requireNonNull(pattern, "pattern is null");
        String normal = pattern.replace('\\', '/');
        int firstGlob = indexOfGlob(normal);
        int cut = firstGlob < 0 ? normal.length() : normal.lastIndexOf('/', firstGlob) + 1;
        Path base = cut == 0 ? Path.of("") : Path.of(normal.substring(0, cut));
        PathMatcher matcher;
        try {
            matcher = FileSystems.getDefault().getPathMatcher("glob:" + normal);
        } catch (java.util.regex.PatternSyntaxException e) {
            throw new IllegalArgumentException("glob " + pattern + " is not a valid pattern (" + e.getDescription() + " at character "
                    + e.getIndex() + "): use *, **, ?, [abc] and {a,b} as java.nio.file.FileSystem.getPathMatcher reads them", e);
        }
        Path walkFrom = cut == 0 ? Path.of(".") : base;
        if (!Files.isDirectory(walkFrom)) {
            throw new IllegalArgumentException("glob " + pattern + ": folder " + walkFrom + " does not exist");
        }
        try (Stream<Path> files = Files.walk(walkFrom)) {
            List<Path> found = files.map(p -> cut == 0 ? walkFrom.relativize(p) : p)
                    .filter(p -> matcher.matches(p) && Files.isRegularFile(p))
                    .sorted((a, b) -> a.toString().compareTo(b.toString())).toList();
            if (found.isEmpty()) {
                throw new IllegalArgumentException("glob " + pattern + " matches no file: check the pattern (** crosses folders)");
            }
            return paths("glob " + pattern + " (" + found.size() + " files)", found);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot walk " + walkFrom + ": " + e.getMessage(), e);
        }
    }

    /**
     * The paths listed in a text file, one per line; relative paths are relative to the list file's
     * folder; blank lines and lines starting with {@code #} are ignored. Files are not checked here: a
     * missing one is an {@link FailureKind#UNREADABLE} sample.
     */
    public static SampleSource listFile(Path list) {
        Objects.requireNonNull(list, "list is null");
        try {
            Path dir = list.toAbsolutePath().getParent();
            List<Path> paths = new ArrayList<>();
            for (String line : Files.readAllLines(list)) {
                String s = line.strip();
                if (s.isEmpty() || s.startsWith("#")) continue;
                Path p = Path.of(s);
                paths.add(p.isAbsolute() || dir == null ? p : dir.resolve(p));
            }
            return paths("list " + list + " (" + paths.size() + " files)", paths);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the list file " + list + ": " + e.getMessage(), e);
        }
    }

    /**
     * A source as a command line names it: a directory ({@link #directory}), a {@code .txt} file
     * ({@link #listFile}), a pattern with glob characters ({@link #glob}), or one image file.
     *
     * @throws IllegalArgumentException if it is none of these
     */
    public static SampleSource parse(String spec) {
        Objects.requireNonNull(spec, "spec is null");
        if (indexOfGlob(spec.replace('\\', '/')) >= 0) return glob(spec);
        Path p = Path.of(spec);
        if (Files.isDirectory(p)) return directory(p);
        if (Files.isRegularFile(p) && spec.toLowerCase(Locale.ROOT).endsWith(".txt")) return listFile(p);
        if (Files.isRegularFile(p)) return paths(List.of(p));
        if (!Files.exists(p)) {
            throw new IllegalArgumentException(spec + " does not exist: give a folder of images, a list file (.txt), a glob ('imgs/**/*.jpg') or an image file");
        }
        throw new IllegalArgumentException(spec + " is neither a folder, a list file (.txt), a glob nor a file");
    }

    /** The given files, in the given order, each named by its path. */
    public static SampleSource paths(List<Path> paths) {
        return paths("list of " + paths.size() + " paths", paths);
    }

    private static SampleSource paths(String description, List<Path> paths) {
        List<Sample> samples = new ArrayList<>(paths.size());
        for (Path p : paths) samples.add(Sample.of(p));
        return new SampleSource(description, List.copyOf(samples), null, true);
    }

    /** Byte arrays in memory (encoded images), named {@code #0}, {@code #1}, ... (not copied). */
    public static SampleSource bytes(List<byte[]> encoded) {
        Objects.requireNonNull(encoded, "encoded is null");
        List<Sample> samples = new ArrayList<>(encoded.size());
        for (int i = 0; i < encoded.size(); i++) samples.add(Sample.of("#" + i, encoded.get(i)));
        return new SampleSource(encoded.size() + " byte arrays", List.copyOf(samples), null, true);
    }

    /** Samples given one by one (files, bytes, or both mixed), in order. */
    public static SampleSource samples(List<Sample> samples) {
        return new SampleSource(samples.size() + " samples", List.copyOf(samples), null, true);
    }

    /** Samples an iterator gives, read once in order: one epoch, no shuffling (size unknown in advance). */
    public static SampleSource iterator(Iterator<Sample> samples) {
        Objects.requireNonNull(samples, "samples is null");
        boolean[] used = {false};
        return new SampleSource("iterator", null, () -> {
            if (used[0]) throw new IllegalStateException("an iterator source gives one epoch: use SampleSource.stream(supplier) for more");
            used[0] = true;
            return samples;
        }, false);
    }

    /** Samples of a stream made anew for every epoch by {@code supplier}; read in order, no shuffling. */
    public static SampleSource stream(Supplier<? extends Stream<Sample>> supplier) {
        Objects.requireNonNull(supplier, "supplier is null");
        return new SampleSource("stream", null, () -> supplier.get().iterator(), true);
    }

    /** The number of samples, or -1 for a streamed source. */
    public long size() {
        return listed == null ? -1 : listed.size();
    }

    /** Whether the source is listed (size known; can be shuffled). */
    public boolean isListed() {
        return listed != null;
    }

    /** Whether the source can be read again for another epoch. */
    public boolean isRestartable() {
        return restartable;
    }

    /** The listed samples (only for a listed source). */
    List<Sample> listed() {
        return listed;
    }

    /** A new pass over a streamed source. */
    Iterator<Sample> open() {
        return streamed.get();
    }

    static boolean isImageName(Path p) {
        String name = p.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot > 0 && IMAGE_EXTENSIONS.contains(name.substring(dot + 1).toLowerCase(Locale.ROOT));
    }

    private static int indexOfGlob(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '*' || c == '?' || c == '[' || c == '{') return i;
        }
        return -1;
    }

    @Override
    public String toString() {
        return "SampleSource[" + description + "]";
    }
}
