package io.kiln;

/**
 * A failure while running kernels: a device error, a build failure with the device's log, out of
 * device memory, a missing native library. Unchecked, like every exception Kiln throws.
 */
public class KilnException extends RuntimeException {
    public KilnException(String message) {
        super(message);
    }

    public KilnException(String message, Throwable cause) {
        super(message, cause);
    }
}
