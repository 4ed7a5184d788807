package io.kiln;

/**
 * A kernel was refused: it uses Java that Kiln cannot compile for a device. The message names the
 * class, method, source line and construct, for example
 * {@code Filters.blur (Filters.java:42): allocation of java.lang.StringBuilder is not supported in kernels}.
 */
public class KernelCompilationException extends KilnException {
    public KernelCompilationException(String message) {
        super(message);
    }

    public KernelCompilationException(String message, Throwable cause) {
        super(message, cause);
    }
}
