package io.kiln;

/** When a {@link TaskGraph} copies data between the host and a device. */
public enum Transfer {
    /** Only on the plan's first run; later runs reuse the copy that stays on the device. */
    FIRST_RUN,
    /** On every run. */
    EVERY_RUN,
    /** Only when asked: {@link ExecutionPlan#transferToHost(Object...)} (host-bound data only). */
    ON_DEMAND
}
