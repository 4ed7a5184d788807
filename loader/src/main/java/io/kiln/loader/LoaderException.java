package io.kiln.loader;

/**
 * The loader stopped: under {@link BadSamplePolicy#FAIL} a sample failed ({@link #failure()} names it),
 * or a stage failed in a way no policy covers (the device, the source itself). Thrown by the batch
 * iterator's {@code hasNext}/{@code next}; the loader has already stopped every thread.
 */
public final class LoaderException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final transient Failure failure;

    /** A failure of one sample. */
    public LoaderException(Failure failure, Throwable cause) {
        super("sample " + failure.id() + " failed: " + failure.kind() + " in " + failure.stage() + ": " + failure.message()
                + (failure.kind() == FailureKind.WRONG_SIZE || failure.kind() == FailureKind.CORRUPT
                || failure.kind() == FailureKind.UNREADABLE ? " (use BadSamplePolicy.SKIP to leave such samples out)" : ""), cause);
        this.failure = failure;
    }

    /** A failure of the loader itself, not of one sample. */
    public LoaderException(String message, Throwable cause) {
        super(message, cause);
        this.failure = null;
    }

    /** The sample that stopped the loader, or {@code null} when no single sample did. */
    public Failure failure() {
        return failure;
    }
}
