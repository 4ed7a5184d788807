package io.kiln.spi;

/**
 * A point in a {@link DeviceSession}'s command stream: a copy or launch that was enqueued and may
 * still be running (an OpenCL event, a CUDA event recorded on a stream). Later commands name the events
 * they must wait for, so the host never waits for device work it does not need.
 * <p>Events belong to the session that made them and are valid until it closes.
 */
public interface DeviceEvent {

    /** An event that is complete from the start: what blocking operations return. */
    DeviceEvent COMPLETE = new DeviceEvent() {
        @Override
        public boolean isComplete() {
            return true;
        }

        @Override
        public String toString() {
            return "complete";
        }
    };

    /** Whether the command has finished (it may also have failed; {@link DeviceSession#await} says). */
    boolean isComplete();

    /**
     * Device timestamps of the command in nanoseconds, {@code {queued, start, end}} on the device's
     * clock, or {@code null} when the back end does not record them. Valid once complete.
     */
    default long[] timestamps() {
        return null;
    }
}
