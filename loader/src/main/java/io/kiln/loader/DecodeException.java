package io.kiln.loader;

/** A sample that did not decode, with the kind of failure the report files it under. */
final class DecodeException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final FailureKind kind;

    DecodeException(FailureKind kind, String message) {
        super(message, null, false, false);
        this.kind = kind;
    }

    DecodeException(FailureKind kind, String message, Throwable cause) {
        super(message, cause, false, false);
        this.kind = kind;
    }
}
