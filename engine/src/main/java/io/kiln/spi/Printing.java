package io.kiln.spi;

import java.io.PrintStream;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Where the {@code printf} output of a launch goes and how much of it a device keeps
 * ({@link io.kiln.ExecutionPlan#withPrintBuffer(int)}, {@link io.kiln.ExecutionPlan#withPrintOutput(Consumer)}).
 *
 * @param bufferBytes the size of the device's print buffer, header included
 *                    ({@link PrintBuffer#MIN_BYTES} to {@link PrintBuffer#MAX_BYTES})
 * @param sink        receives the text of each {@code printf} call, exactly as {@code String.format}
 *                    makes it (a newline only where the format has one), in order, and the line about
 *                    dropped records after them
 */
public record Printing(int bufferBytes, Consumer<String> sink) {

    /** The default size: 1 MiB, about 50,000 records of three arguments. */
    public static final int DEFAULT_BYTES = 1 << 20;

    /** The default: 1 MiB, printed to {@code System.out} (read at each print, so {@code System.setOut} applies). */
    public static final Printing DEFAULT = new Printing(DEFAULT_BYTES, text -> System.out.print(text));

    public Printing {
        Objects.requireNonNull(sink, "sink");
        if (bufferBytes < PrintBuffer.MIN_BYTES || bufferBytes > PrintBuffer.MAX_BYTES) {
            throw new IllegalArgumentException("print buffer of " + bufferBytes + " bytes: use " + PrintBuffer.MIN_BYTES
                    + " to " + PrintBuffer.MAX_BYTES + " bytes");
        }
    }

    /** These options with a buffer of {@code bytes}. */
    public Printing withBufferBytes(int bytes) {
        return new Printing(bytes, sink);
    }

    /** These options printing to {@code out} ({@code out.print} of each call's text). */
    public Printing withOutput(PrintStream out) {
        Objects.requireNonNull(out, "out");
        return new Printing(bufferBytes, out::print);
    }

    /** These options handing each call's text to {@code sink}. */
    public Printing withOutput(Consumer<String> sink) {
        return new Printing(bufferBytes, sink);
    }
}
