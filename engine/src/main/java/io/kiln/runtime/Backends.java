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
 * <p>Back ends start when first needed: {@link #runtime(String)} starts only the back ends whose
 * {@link Backend#idPrefix()} the id names (and all of them if none of those has it), the other
 * methods start every back end. Starting OpenCL (JOCL, the ICD loader, PoCL's LLVM) took about 0.2 s
 * of CPU and 0.7 s of wall time in a fresh JVM here, which a process that asked for {@code cpu}
 * need not pay (docs/cpu-backend.md, "Early runs"). Thread-safe.
 */
public final class Backends {
    private static final Logger LOG = Logger.getLogger("io.kiln");

    private final List<BackendProvider> providers;
    /** Per provider (in {@link #providers} order), its devices once started, else {@code null}. Guarded by {@code this}. */
    private final List<List<DeviceRuntime>> started;
    /** Guarded by {@code this}. */
    private final Map<Backend, String> unavailable = new EnumMap<>(Backend.class);
    /** Every device by id, once every back end has started (later providers win a shared id). */
    private volatile Map<String, DeviceRuntime> runtimes;

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
        this.started = new ArrayList<>(java.util.Collections.nCopies(providers.size(), (List<DeviceRuntime>) null));
        for (Backend b : Backend.values()) {
            if (discovered && !installed(b)) {
                unavailable.put(b, "the back end is not installed (its module is not on the class path or module path)");
            }
        }
    }

    /** The devices of provider {@code i}, starting it on first use (a failure makes it unavailable, with the reason). */
    private synchronized List<DeviceRuntime> start(int i) {
        List<DeviceRuntime> devices = started.get(i);
        if (devices != null) return devices;
        BackendProvider p = providers.get(i);
        try {
            devices = List.copyOf(p.devices());
        } catch (RuntimeException | LinkageError e) {
            unavailable.put(p.backend(), "failed to start: " + e);
            devices = List.of();
            started.set(i, devices);
            return devices;
        }
        if (devices.isEmpty()) {
            String reason = p.unavailableReason();
            unavailable.put(p.backend(), reason == null ? "no devices found" : reason);
        }
        started.set(i, devices);
        return devices;
    }

    /** Every device by id, every back end started (in provider order, as {@link #devices()} lists them). */
    private Map<String, DeviceRuntime> all() {
        Map<String, DeviceRuntime> r = runtimes;
        if (r != null) return r;
        synchronized (this) {
            if (runtimes == null) {
                Map<String, DeviceRuntime> m = new LinkedHashMap<>();
                for (int i = 0; i < providers.size(); i++) {
                    for (DeviceRuntime d : start(i)) m.put(d.device().id(), d);
                }
                runtimes = m;
            }
            return runtimes;
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
        Map<String, DeviceRuntime> all = all();
        List<Device> out = new ArrayList<>(all.size());
        for (DeviceRuntime r : all.values()) out.add(r.device());
        return java.util.Collections.unmodifiableList(out);
    }

    /** Why each unavailable back end is unavailable. */
    public Map<Backend, String> unavailable() {
        all();
        synchronized (this) {
            return Map.copyOf(unavailable);
        }
    }

    /**
     * The runtime of a device, or {@code null}. Starts only the back ends whose id prefix {@code id}
     * names ({@code cpu}, {@code opencl:N}, {@code cuda:N}), unless none of them has it.
     */
    public DeviceRuntime runtime(String id) {
        Map<String, DeviceRuntime> all = runtimes;
        if (all != null) return all.get(id);
        int colon = id.indexOf(':');
        String prefix = colon < 0 ? id : id.substring(0, colon);
        DeviceRuntime found = null;
        for (int i = 0; i < providers.size(); i++) {
            if (!providers.get(i).backend().idPrefix().equals(prefix)) continue;
            for (DeviceRuntime d : start(i)) {
                if (d.device().id().equals(id)) found = d; // the last one, as in all()
            }
        }
        return found != null ? found : all().get(id);
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
