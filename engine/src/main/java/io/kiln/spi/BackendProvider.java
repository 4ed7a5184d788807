package io.kiln.spi;

import io.kiln.Backend;
import io.kiln.Target;
import io.kiln.ir.KernelIR;

import java.util.List;

/**
 * A back end, found with {@link java.util.ServiceLoader} on the module path ({@code provides}) and
 * on the class path ({@code META-INF/services/io.kiln.spi.BackendProvider}).
 */
public interface BackendProvider {

    /** Which back end this is. */
    Backend backend();

    /**
     * The devices this back end can run on, in id order ({@code opencl:0}, {@code opencl:1}, ...).
     * Empty when the back end is not available here; then {@link #unavailableReason()} says why.
     * Called on first use; implementations discover devices once and cache them.
     */
    List<DeviceRuntime> devices();

    /** Why {@link #devices()} is empty (missing driver or library, no platform), or {@code null}. */
    String unavailableReason();

    /**
     * The code this back end generates for {@code ir} in {@code target}, without needing a device,
     * or {@code null} when this back end does not produce that target.
     */
    String emit(KernelIR ir, Target target);
}
