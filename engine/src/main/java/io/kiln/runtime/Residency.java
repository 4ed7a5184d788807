package io.kiln.runtime;

import java.util.Arrays;

/**
 * Where the current contents of one object are, and what last touched it where. Places are numbered:
 * 0 is the host memory, each device of the plan that has memory of its own gets the next number.
 */
final class Residency {
    /** The name of place 0, the host memory. */
    static final String HOST = "host";

    boolean hostValid = true;
    /** Bit {@code p}: a current copy lives in place {@code p} (devices only). */
    long validOn;
    @SuppressWarnings("unchecked")
    Touch<Issued>[] touches = new Touch[2];
    /** Whether {@link #hash} holds the host contents as the plan last left them (checked next run). */
    boolean hashed;
    long hash;
    /** Whether the host contents were written during this run (a copy back, a host-memory launch). */
    boolean hostTouched;

    Touch<Issued> at(int place) {
        if (place >= touches.length) touches = Arrays.copyOf(touches, place + 1);
        Touch<Issued> t = touches[place];
        if (t == null) touches[place] = t = new Touch<>();
        return t;
    }
}
