package io.kiln.loader;

import io.kiln.kernels.Image;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Deterministic photo-like sample images: JPEGs of varied sizes around {@value #DEFAULT_SIZE} x
 * {@value #DEFAULT_SIZE} pixels whose content is what decoders and resizers find hard in real photos —
 * smooth gradients, periodic textures, sharp-edged shapes and sensor-like noise — never flat colours.
 * Image {@code i} of seed {@code s} is the same on every machine ({@link #render}); its JPEG bytes are
 * those of the JDK's ImageIO encoder at the quality recorded in the folder's index.
 *
 * <pre>{@code
 * List<Path> files = SampleImages.ensure(SampleImages.defaultDirectory(), 300);   // made once, then reused
 * }</pre>
 *
 * <p>{@link #ensure} writes into a folder and records what it wrote in {@value #INDEX}; a later call with
 * the same count, seed and size finds the index and every file of the right length there and writes
 * nothing. The index is written last, so an interrupted run is redone, not reused.
 */
public final class SampleImages {
    /** The mean width and height of the images, in pixels. */
    public static final int DEFAULT_SIZE = 500;
    /** The name of the index file in a sample folder. */
    public static final String INDEX = "kiln-samples.txt";
    private static final int VERSION = 1;

    private SampleImages() {
    }

    /** {@link #ensure(Path, int, long, int)} with seed 0 and size {@value #DEFAULT_SIZE}. */
    public static List<Path> ensure(Path dir, int count) {
        return ensure(dir, count, 0, DEFAULT_SIZE);
    }

    /**
     * The paths of {@code count} sample JPEGs in {@code dir} ({@code sample-00000.jpg}, ...), writing
     * them first unless the folder already holds exactly this set. Uses every core.
     *
     * @param size the mean side in pixels (each side is drawn from {@code [0.75, 1.3] x size})
     * @throws UncheckedIOException if the folder cannot be written
     */
    public static List<Path> ensure(Path dir, int count, long seed, int size) {
        Objects.requireNonNull(dir, "dir is null");
        if (count < 1) throw new IllegalArgumentException("count " + count + " is not positive");
        if (size < 8) throw new IllegalArgumentException("size " + size + " is too small: use at least 8 pixels");
        List<Path> files = new ArrayList<>(count);
        for (int i = 0; i < count; i++) files.add(dir.resolve(fileName(i)));
        if (isComplete(dir, count, seed, size)) return files;
        try {
            Files.createDirectories(dir);
            Files.deleteIfExists(dir.resolve(INDEX));
            int threads = Math.max(1, Math.min(count, Runtime.getRuntime().availableProcessors()));
            long[] lengths = new long[count];
            ExecutorService pool = Executors.newFixedThreadPool(threads, Thread.ofPlatform().name("kiln-sample-images-", 0).daemon().factory());
            try {
                List<Future<?>> done = new ArrayList<>();
                for (int i = 0; i < count; i++) {
                    int index = i;
                    done.add(pool.submit(() -> {
                        byte[] jpeg = jpeg(index, seed, size);
                        Path target = files.get(index);
                        Path tmp = dir.resolve(fileName(index) + ".part");
                        Files.write(tmp, jpeg);
                        move(tmp, target);
                        lengths[index] = jpeg.length;
                        return null;
                    }));
                }
                for (Future<?> f : done) f.get();
            } catch (java.util.concurrent.ExecutionException e) {
                Throwable c = e.getCause();
                if (c instanceof IOException io) throw new UncheckedIOException("cannot write sample images into " + dir + ": " + io.getMessage(), io);
                throw new IllegalStateException("writing sample images failed: " + c, c);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while writing sample images into " + dir, e);
            } finally {
                pool.shutdownNow();
            }
            StringBuilder index = new StringBuilder();
            index.append("kiln sample images v").append(VERSION).append('\n');
            index.append("count ").append(count).append('\n').append("seed ").append(seed).append('\n').append("size ").append(size).append('\n');
            for (int i = 0; i < count; i++) index.append(fileName(i)).append(' ').append(lengths[i]).append('\n');
            Path tmp = dir.resolve(INDEX + ".part");
            Files.writeString(tmp, index, StandardCharsets.UTF_8);
            move(tmp, dir.resolve(INDEX));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write sample images into " + dir + ": " + e.getMessage(), e);
        }
        return files;
    }

    /** Whether {@code dir} holds exactly the set {@link #ensure} would write (its index matches and every file has its recorded length). */
    public static boolean isComplete(Path dir, int count, long seed, int size) {
        Path index = dir.resolve(INDEX);
        if (!Files.isRegularFile(index)) return false;
        try {
            List<String> lines = Files.readAllLines(index, StandardCharsets.UTF_8);
            if (lines.size() != 4 + count || !lines.get(0).equals("kiln sample images v" + VERSION)
                    || !lines.get(1).equals("count " + count) || !lines.get(2).equals("seed " + seed) || !lines.get(3).equals("size " + size)) {
                return false;
            }
            for (int i = 0; i < count; i++) {
                String[] parts = lines.get(4 + i).split(" ");
                if (parts.length != 2 || !parts[0].equals(fileName(i))) return false;
                Path f = dir.resolve(parts[0]);
                if (!Files.isRegularFile(f) || Files.size(f) != Long.parseLong(parts[1])) return false;
            }
            return true;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** The cache folder for sample images: {@code $KILN_CACHE/samples}, else {@code ~/.cache/kiln/samples}. */
    public static Path defaultDirectory() {
        String cache = System.getenv("KILN_CACHE");
        if (cache != null && !cache.isBlank()) return Path.of(cache, "samples");
        return Path.of(System.getProperty("user.home"), ".cache", "kiln", "samples");
    }

    /** The file name of image {@code index}: {@code sample-00042.jpg}. */
    public static String fileName(int index) {
        return String.format(Locale.ROOT, "sample-%05d.jpg", index);
    }

    /** Image {@code index}'s JPEG bytes (ImageIO's encoder, quality 85-95 drawn per image, 4:2:0). */
    public static byte[] jpeg(int index, long seed, int size) {
        Image img = render(index, seed, size);
        float quality = 0.85f + 0.1f * (float) random(index, seed).nextDouble();
        return encode(img, quality);
    }

    /** Image {@code index} of seed {@code seed}: RGB, each side in {@code [0.75, 1.3] x size}. */
    public static Image render(int index, long seed, int size) {
        SplittableRandom r = random(index, seed);
        r.nextDouble(); // the quality draw of jpeg()
        int w = Math.max(1, (int) Math.round(size * (0.75 + 0.55 * r.nextDouble())));
        int h = Math.max(1, (int) Math.round(size * (0.75 + 0.55 * r.nextDouble())));
        byte[] px = new byte[w * h * 3];
        // 1. a linear gradient between two colours along a random direction, plus a radial glow
        int[] c0 = colour(r), c1 = colour(r), glow = colour(r);
        double angle = r.nextDouble() * Math.PI * 2, ca = Math.cos(angle), sa = Math.sin(angle);
        double gx = w * r.nextDouble(), gy = h * r.nextDouble(), gr = size * (0.2 + 0.4 * r.nextDouble());
        // 2. two sinusoidal textures (fabric, bricks, waves)
        double f1 = 0.02 + 0.25 * r.nextDouble(), a1 = r.nextDouble() * Math.PI, amp1 = 10 + 25 * r.nextDouble();
        double f2 = 0.05 + 0.5 * r.nextDouble(), a2 = r.nextDouble() * Math.PI, amp2 = 5 + 15 * r.nextDouble();
        double c1x = Math.cos(a1) * f1, c1y = Math.sin(a1) * f1, c2x = Math.cos(a2) * f2, c2y = Math.sin(a2) * f2;
        double diag = Math.abs(ca) * w + Math.abs(sa) * h;
        double origin = Math.min(0, ca * w) + Math.min(0, sa * h);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                double t = ((x * ca + y * sa) - origin) / diag;
                double dx = x - gx, dy = y - gy;
                double g = Math.exp(-(dx * dx + dy * dy) / (2 * gr * gr));
                double tex = amp1 * Math.sin(x * c1x + y * c1y) + amp2 * Math.sin(x * c2x + y * c2y);
                int o = (y * w + x) * 3;
                for (int c = 0; c < 3; c++) {
                    double v = c0[c] + (c1[c] - c0[c]) * t + (glow[c] - 128) * g + tex * (c == 1 ? 0.8 : 1.0);
                    px[o + c] = (byte) clamp(v);
                }
            }
        }
        // 3. sharp-edged shapes: rectangles, discs and stripes, half of them translucent
        int shapes = 6 + r.nextInt(10);
        for (int s = 0; s < shapes; s++) {
            int[] col = colour(r);
            double alpha = r.nextBoolean() ? 1.0 : 0.35 + 0.4 * r.nextDouble();
            int kind = r.nextInt(3);
            int x0 = r.nextInt(w), y0 = r.nextInt(h);
            int sw = 1 + r.nextInt(Math.max(1, w / 3)), sh = 1 + r.nextInt(Math.max(1, h / 3));
            for (int y = Math.max(0, y0 - sh); y < Math.min(h, y0 + sh); y++) {
                for (int x = Math.max(0, x0 - sw); x < Math.min(w, x0 + sw); x++) {
                    boolean in = switch (kind) {
                        case 0 -> true;
                        case 1 -> {
                            double ex = (x - x0) / (double) sw, ey = (y - y0) / (double) sh;
                            yield ex * ex + ey * ey <= 1;
                        }
                        default -> ((x + y) / 6) % 2 == 0;
                    };
                    if (!in) continue;
                    int o = (y * w + x) * 3;
                    for (int c = 0; c < 3; c++) px[o + c] = (byte) clamp((px[o + c] & 0xFF) * (1 - alpha) + col[c] * alpha);
                }
            }
        }
        // 4. sensor-like noise, a little stronger in the shadows
        double sigma = 2 + 8 * r.nextDouble();
        long state = r.nextLong() | 1;
        for (int i = 0; i < px.length; i++) {
            state ^= state << 13;
            state ^= state >>> 7;
            state ^= state << 17;
            // the sum of four uniform bytes is close to normal: mean 510, sd about 147.8
            int sum = (int) (state & 0xFF) + (int) ((state >>> 8) & 0xFF) + (int) ((state >>> 16) & 0xFF) + (int) ((state >>> 24) & 0xFF);
            int v = px[i] & 0xFF;
            double n = (sum - 510) / 147.8 * sigma * (1.3 - v / 400.0);
            px[i] = (byte) clamp(v + n);
        }
        return new Image(px, w, h, 3);
    }

    private static SplittableRandom random(int index, long seed) {
        return new SplittableRandom(seed * 0x9E3779B97F4A7C15L + index * 0xBF58476D1CE4E5B9L + 0x94D049BB133111EBL);
    }

    private static int[] colour(SplittableRandom r) {
        return new int[] {r.nextInt(256), r.nextInt(256), r.nextInt(256)};
    }

    private static int clamp(double v) {
        return v <= 0 ? 0 : v >= 255 ? 255 : (int) (v + 0.5);
    }

    /** ImageIO's baseline JPEG of an RGB image at {@code quality} in (0, 1]. */
    static byte[] encode(Image img, float quality) {
        BufferedImage bi = new BufferedImage(img.width(), img.height(), BufferedImage.TYPE_3BYTE_BGR);
        byte[] bgr = ((DataBufferByte) bi.getRaster().getDataBuffer()).getData();
        byte[] rgb = img.data();
        for (int i = 0; i < rgb.length; i += 3) {
            bgr[i] = rgb[i + 2];
            bgr[i + 1] = rgb[i + 1];
            bgr[i + 2] = rgb[i];
        }
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        try (ByteArrayOutputStream out = new ByteArrayOutputStream(img.width() * img.height() / 4);
             ImageOutputStream ios = ImageIO.createImageOutputStream(out)) {
            writer.setOutput(ios);
            ImageWriteParam p = writer.getDefaultWriteParam();
            p.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            p.setCompressionQuality(quality);
            writer.write(null, new IIOImage(bi, null, null), p);
            ios.flush();
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException("JPEG encoding failed: " + e.getMessage(), e);
        } finally {
            writer.dispose();
        }
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
