package io.kiln.ir;

/** How a kernel uses an array parameter: the scheduler orders tasks and elides transfers with it. */
public enum Access {
    NONE, READ, WRITE, READ_WRITE;

    /** Whether the kernel may read the array. */
    public boolean reads() {
        return this == READ || this == READ_WRITE;
    }

    /** Whether the kernel may write the array. */
    public boolean writes() {
        return this == WRITE || this == READ_WRITE;
    }

    /** The union of two access modes. */
    public Access merge(Access other) {
        boolean r = reads() || other.reads();
        boolean w = writes() || other.writes();
        return r && w ? READ_WRITE : r ? READ : w ? WRITE : NONE;
    }
}
