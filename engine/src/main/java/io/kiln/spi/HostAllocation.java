package io.kiln.spi;

import java.lang.foreign.MemorySegment;

/**
 * Host memory a back end allocated for {@link io.kiln.OffHeapArray}s: page-locked where the device
 * copies asynchronously only from such memory.
 *
 * @param segment exactly the bytes asked for, aligned as asked
 * @param pinned  whether the memory is page-locked for the device
 * @param release releases the memory; called once, when the array is closed
 */
public record HostAllocation(MemorySegment segment, boolean pinned, Runnable release) {
}
