package io.kiln.conformance;

import java.util.List;
import java.util.Random;

/**
 * The size of one run: {@code x} elements for 1-D kernels, {@code x * y} or {@code x * y * z} for 2-D
 * and 3-D ones ({@code x} is the outermost dimension).
 */
record Shape(int dims, int x, int y, int z) {

    int total() {
        return x * y * z;
    }

    static Shape of(int x) {
        return new Shape(1, x, 1, 1);
    }

    static Shape of(int x, int y) {
        return new Shape(2, x, y, 1);
    }

    static Shape of(int x, int y, int z) {
        return new Shape(3, x, y, z);
    }

    /**
     * The shapes a kernel of {@code dims} dimensions runs at: empty (in each position), one element, a
     * prime, a prime larger than a work-group, and an exact multiple of common work-group sizes. They
     * are fixed because PoCL compiles a kernel again for every new launch size (about 0.2 s each); the
     * inputs are random. {@code r} is unused (kept for per-case shape lists).
     */
    static List<Shape> standard(int dims, Random r) {
        return switch (dims) {
            case 1 -> List.of(of(0), of(1), of(1009), of(100_003), of(4096));
            case 2 -> List.of(of(0, 7), of(7, 0), of(1, 1), of(1, 1009), of(1009, 1), of(317, 331), of(64, 64));
            case 3 -> List.of(of(0, 3, 3), of(3, 3, 0), of(1, 1, 1), of(1, 1, 1009), of(47, 43, 53), of(16, 16, 16));
            default -> throw new IllegalArgumentException("dims " + dims);
        };
    }

    @Override
    public String toString() {
        return switch (dims) {
            case 1 -> "n=" + x;
            case 2 -> x + "x" + y;
            default -> x + "x" + y + "x" + z;
        };
    }
}
