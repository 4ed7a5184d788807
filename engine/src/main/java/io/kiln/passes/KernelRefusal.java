package io.kiln.passes;

/**
 * A kernel that a pass refuses because it breaks a rule of the kernel language that only the IR shows
 * (the form of a {@code @Parallel} loop's test, of a {@code @Reduce} update). The message says what to
 * write instead; the front end turns it into a {@code KernelCompilationException} naming the kernel and
 * {@link #line()}. Not a pass's bug: those are {@code IllegalStateException}s.
 */
public class KernelRefusal extends RuntimeException {
    private final int line;

    /** A refusal at source line {@code line} (0 where the rule concerns the whole kernel) saying {@code message}. */
    KernelRefusal(int line, String message) {
        super(message, null, false, false);
        this.line = line;
    }

    /** The source line of the construct that breaks the rule, 0 when unknown or not one construct. */
    public int line() {
        return line;
    }
}
