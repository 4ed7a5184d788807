package io.kiln;

/**
 * A kernel indexed an array outside its bounds, on any device: the device checks every array access
 * with Java's rules (unless the plan opted out with {@link ExecutionPlan#withBoundsChecks(boolean)}),
 * skips the offending access, records the first violation of the launch and the run then throws this.
 * Nothing was read or written past the array; the plan and the device stay usable.
 * <p>It extends {@link ArrayIndexOutOfBoundsException}, so code written for the JVM catches it as it
 * would the JVM's own exception, and adds where it happened:
 * {@code Index 1000 out of bounds for length 1000 in parameter 'in' of Kernels.copy (Kernels.java:12) on opencl:0}.
 * When several work-items go out of bounds in one launch, which one is reported is unspecified.
 */
public class KernelIndexOutOfBoundsException extends ArrayIndexOutOfBoundsException {
    private final String kernel;
    private final String arrayName;
    private final String arrayKind;
    private final long index;
    private final long length;
    private final String sourceFile;
    private final int line;
    private final String device;

    /**
     * @param kernel     the kernel as {@code Class.method}
     * @param arrayKind  what the array is: {@code parameter}, {@code private array}, {@code local array}
     *                   or {@code constant table}
     * @param arrayName  the array's name (the parameter's name for parameters)
     * @param index      the index used
     * @param length     the array's length
     * @param sourceFile the kernel's source file, or {@code null} when unknown
     * @param line       the source line of the access, or 0 when unknown
     * @param device     the device id, such as {@code opencl:0}
     */
    public KernelIndexOutOfBoundsException(String kernel, String arrayKind, String arrayName, long index, long length,
                                           String sourceFile, int line, String device) {
        super("Index " + index + " out of bounds for length " + length + " in " + arrayKind + " '" + arrayName + "' of "
                + kernel + " (" + (sourceFile == null ? "unknown source" : sourceFile) + (line > 0 ? ":" + line : "") + ") on " + device);
        this.kernel = kernel;
        this.arrayKind = arrayKind;
        this.arrayName = arrayName;
        this.index = index;
        this.length = length;
        this.sourceFile = sourceFile;
        this.line = line;
        this.device = device;
    }

    /** The kernel, as {@code Class.method}. */
    public String kernel() {
        return kernel;
    }

    /** The array's name: the parameter's name (from {@code -parameters}/{@code -g}, else {@code argN}), or the local array's. */
    public String arrayName() {
        return arrayName;
    }

    /** What the array is: {@code parameter}, {@code private array}, {@code local array} or {@code constant table}. */
    public String arrayKind() {
        return arrayKind;
    }

    /** The index the kernel used. */
    public long index() {
        return index;
    }

    /** The array's length. */
    public long length() {
        return length;
    }

    /** The kernel's source file, or {@code null} when unknown. */
    public String sourceFile() {
        return sourceFile;
    }

    /** The source line of the access, or 0 when the class has no line numbers. */
    public int line() {
        return line;
    }

    /** The id of the device that ran the kernel, such as {@code opencl:0}. */
    public String device() {
        return device;
    }
}
