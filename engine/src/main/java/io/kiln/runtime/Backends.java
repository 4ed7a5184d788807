package io.kiln.runtime;

import io.kiln.Backend;
import io.kiln.Device;
import io.kiln.DeviceType;
import io.kiln.spi.BackendProvider;
import io.kiln.spi.DeviceRuntime;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The back ends of one {@link RuntimeContext} and their devices: those {@link ServiceLoader} finds
 * ({@link #load()}), or a given list ({@link #of(List)}).
 */
public final class Backends {
    private static final Logger LOG = Logger.getLogger("io.kiln");

    private final List<BackendProvider> providers;
    private final Map<String, DeviceRuntime> runtimes = new LinkedHashMap<>();
    private final Map<Backend, String> unavailable = new EnumMap<>(Backend.class);

    /** The back ends ServiceLoader finds. */
    static Backends load() {
        return new Backends(discover(), true);
    }

    /** Exactly {@code providers}. */
    static Backends of(List<BackendProvider> providers) {
        return new Backends(new ArrayList<>(providers), false);
    }

    private static List<BackendProvider> discover() {
        List<BackendProvider> found = new ArrayList<>();
        ServiceLoader<BackendProvider> loader = ServiceLoader.load(BackendProvider.class, Backends.class.getClassLoader());
        for (var it = loader.iterator(); ; ) {
            try {
                if (!it.hasNext()) break;
                found.add(it.next());
            } catch (java.util.ServiceConfigurationError e) {
                LOG.log(Level.WARNING, "skipping a Kiln back end that failed to load", e);
            }
        }
        if (found.isEmpty()) {
            LOG.warning("no Kiln back end was found by ServiceLoader");
        }
        return found;
    }

    private Backends(List<BackendProvider> found, boolean discovered) {
        found.sort(BY_BACKEND);
        this.providers = List.copyOf(found);
        for (BackendProvider p : providers) {
            List<DeviceRuntime> devices;
            try {
                devices = p.devices();
            } catch (RuntimeException | LinkageError e) {
                unavailable.put(p.backend(), "failed to start: " + e);
                continue;
            }
            if (devices.isEmpty()) {
                String reason = p.unavailableReason();
                unavailable.put(p.backend(), reason == null ? "no devices found" : reason);
            }
            for (DeviceRuntime d : devices) {
                runtimes.put(d.device().id(), d);
            }
        }
        for (Backend b : Backend.values()) {
            if (discovered && !installed(b)) {
                unavailable.put(b, "the back end is not installed (its module is not on the class path or module path)");
            }
        }
    }

    // Classes and loops rather than lambdas: this runs once per process, before the first plan, where each
    // lambda site costs about 1 ms (docs/cpu-backend.md, "Early runs").

    /** Providers in {@link Backend} order: CUDA, OpenCL, CPU. */
    private static final Comparator<BackendProvider> BY_BACKEND = new Comparator<>() {
        @Override
        public int compare(BackendProvider a, BackendProvider b) {
            return a.backend().compareTo(b.backend());
        }
    };

    private boolean installed(Backend b) {
        for (BackendProvider p : providers) {
            if (p.backend() == b) return true;
        }
        return false;
    }

    /** The registry of the default {@link RuntimeContext}. */
    public static Backends get() {
        return RuntimeContext.defaultContext().backends();
    }

    /** The installed providers, CUDA first, then OpenCL, then CPU. */
    public List<BackendProvider> providers() {
        return providers;
    }

    /** Every available device: CUDA, then OpenCL, then CPU. */
    public List<Device> devices() {
        List<Device> out = new ArrayList<>(runtimes.size());
        for (DeviceRuntime r : runtimes.values()) out.add(r.device());
        return java.util.Collections.unmodifiableList(out);
    }

    /** Why each unavailable back end is unavailable. */
    public Map<Backend, String> unavailable() {
        return Map.copyOf(unavailable);
    }

    /** The runtime of a device, or {@code null}. */
    public DeviceRuntime runtime(String id) {
        return runtimes.get(id);
    }

    /**
     * The default device: the first CUDA device, else the first OpenCL GPU or accelerator, else the
     * CPU back end, else the first OpenCL CPU device.
     */
    public Device auto() {
        List<Device> all = devices();
        return all.stream().filter(d -> d.backend() == Backend.CUDA && d.type() == DeviceType.GPU).findFirst()
                .or(() -> all.stream().filter(d -> d.backend() == Backend.OPENCL
                        && (d.type() == DeviceType.GPU || d.type() == DeviceType.ACCELERATOR)).findFirst())
                .or(() -> all.stream().filter(d -> d.backend() == Backend.CPU).findFirst())
                .or(() -> all.stream().filter(d -> d.backend() == Backend.OPENCL).findFirst())
                .orElseThrow(() -> new io.kiln.KilnException("no device can run kernels here: " + unavailable
                        + ". Install an OpenCL driver (for example Debian's pocl-opencl-icd and ocl-icd-opencl-dev)"
                        + " or put kiln-cpu-fallback on the class path."));
    }
}
