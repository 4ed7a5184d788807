package io.kiln.ir;

/** Atomic read-modify-write operations; each returns the old value. */
public enum AtomicOp {
    ADD, MIN, MAX, EXCHANGE, COMPARE_AND_SET
}
