package io.kiln;

/** What a plan does when a task cannot be compiled or built for its device. */
public enum FallbackPolicy {
    /** Fail with the compiler's or the device's error (the default). */
    FAIL,
    /** Run the task on the {@code cpu} device instead, log the reason once per kernel, and record it. */
    CPU
}
