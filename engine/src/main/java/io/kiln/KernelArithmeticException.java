package io.kiln;

/**
 * A kernel divided an integer by zero ({@code /} or {@code %} on {@code int} or {@code long}), on any
 * device. Java throws {@link ArithmeticException} there; a device cannot throw, so it checks every
 * integer division whose divisor is not a constant, skips the division (its result is 0), records the
 * first failure of the launch and the run then throws this, naming the kernel, the source line and the
 * device: {@code / by zero in Kernels.ratio (Kernels.java:12) on opencl:0}. The {@code cpu} device
 * throws it too, so one program fails alike on every device. Floating-point division by zero is not an
 * error (it gives an infinity or NaN, as in Java).
 * <p>It extends {@link ArithmeticException}, so code written for the JVM catches it as it would the
 * JVM's own exception. Arrays the launch writes may hold partial results; the plan and the device stay
 * usable. When several work-items divide by zero in one launch, which one is reported is unspecified.
 */
public class KernelArithmeticException extends ArithmeticException {
    private final String kernel;
    private final String sourceFile;
    private final int line;
    private final String device;

    /**
     * @param kernel     the kernel as {@code Class.method}
     * @param sourceFile the kernel's source file, or {@code null} when unknown
     * @param line       the source line of the division, or 0 when unknown
     * @param device     the device id, such as {@code opencl:0}
     */
    public KernelArithmeticException(String kernel, String sourceFile, int line, String device) {
        super("/ by zero in " + kernel + " (" + (sourceFile == null ? "unknown source" : sourceFile)
                + (line > 0 ? ":" + line : "") + ") on " + device);
        this.kernel = kernel;
        this.sourceFile = sourceFile;
        this.line = line;
        this.device = device;
    }

    /** The kernel, as {@code Class.method}. */
    public String kernel() {
        return kernel;
    }

    /** The kernel's source file, or {@code null} when unknown. */
    public String sourceFile() {
        return sourceFile;
    }

    /** The source line of the division, or 0 when the class has no line numbers. */
    public int line() {
        return line;
    }

    /** The device id, such as {@code opencl:0} or {@code cpu}. */
    public String device() {
        return device;
    }
}
