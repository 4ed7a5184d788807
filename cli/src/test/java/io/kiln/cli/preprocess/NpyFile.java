package io.kiln.cli.preprocess;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A test-side reader of float32 .npy files, written from the format description, not from NpyWriter. */
public record NpyFile(long[] shape, float[] data) {
    private static final Pattern DICT = Pattern.compile(
            "\\{'descr': '([<>])f4', 'fortran_order': False, 'shape': \\(([0-9, ]*)\\), \\} *\\n");

    /** Reads {@code file}, checking magic, version 1.0, alignment and the dict's form. */
    public static NpyFile read(Path file) throws IOException {
        byte[] all = Files.readAllBytes(file);
        if (all.length < 10 || (all[0] & 0xFF) != 0x93 || !new String(all, 1, 5, StandardCharsets.ISO_8859_1).equals("NUMPY")) {
            throw new AssertionError(file + ": no NumPy magic");
        }
        if (all[6] != 1 || all[7] != 0) throw new AssertionError(file + ": version " + all[6] + "." + all[7] + ", expected 1.0");
        int hlen = (all[8] & 0xFF) | (all[9] & 0xFF) << 8;
        int start = 10 + hlen;
        if (start % 64 != 0) throw new AssertionError(file + ": data starts at " + start + ", not a multiple of 64");
        String dict = new String(all, 10, hlen, StandardCharsets.ISO_8859_1);
        Matcher m = DICT.matcher(dict);
        if (!m.matches()) throw new AssertionError(file + ": header dict not in NumPy's form: " + dict);
        String dims = m.group(2).strip();
        long[] shape = dims.isEmpty() ? new long[0]
                : Arrays.stream(dims.split(",")).map(String::strip).filter(x -> !x.isEmpty()).mapToLong(Long::parseLong).toArray();
        long n = 1;
        for (long d : shape) n *= d;
        if (all.length - start != n * 4) throw new AssertionError(file + ": " + (all.length - start) + " data bytes for shape " + Arrays.toString(shape));
        ByteOrder order = m.group(1).equals("<") ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN;
        float[] data = new float[(int) n];
        ByteBuffer.wrap(all, start, (int) n * 4).order(order).asFloatBuffer().get(data);
        return new NpyFile(shape, data);
    }

    /** Reads a one-dimensional int64 {@code .npy} file (the row ids), checking the same things. */
    public static long[] readInt64(Path file) throws IOException {
        byte[] all = Files.readAllBytes(file);
        if (all.length < 10 || (all[0] & 0xFF) != 0x93 || all[6] != 1) throw new AssertionError(file + ": not a NumPy 1.0 file");
        int hlen = (all[8] & 0xFF) | (all[9] & 0xFF) << 8;
        int start = 10 + hlen;
        if (start % 64 != 0) throw new AssertionError(file + ": data starts at " + start + ", not a multiple of 64");
        String dict = new String(all, 10, hlen, StandardCharsets.ISO_8859_1);
        Matcher m = Pattern.compile("\\{'descr': '([<>])i8', 'fortran_order': False, 'shape': \\(([0-9]+),\\), \\} *\\n").matcher(dict);
        if (!m.matches()) throw new AssertionError(file + ": not a 1-d int64 header: " + dict);
        int n = Integer.parseInt(m.group(2));
        if (all.length - start != n * 8L) throw new AssertionError(file + ": " + (all.length - start) + " data bytes for " + n + " int64");
        long[] data = new long[n];
        ByteBuffer.wrap(all, start, n * 8).order(m.group(1).equals("<") ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN)
                .asLongBuffer().get(data);
        return data;
    }
}
