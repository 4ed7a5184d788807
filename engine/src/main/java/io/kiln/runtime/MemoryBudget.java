package io.kiln.runtime;

import io.kiln.Device;
import io.kiln.KilnException;
import io.kiln.OffHeapArray;
import io.kiln.ir.Param;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

/**
 * The sizes {@link PlanExecutor}'s memory check adds up against a device's budget
 * ({@code KilnRuntime.limitMemory}, else the device's memory), and the refusal of a run whose data
 * would not fit, which names every array on that device.
 */
final class MemoryBudget {
    private MemoryBudget() {
    }

    /** Bytes of a Java primitive array or an off-heap array. */
    static long byteSize(Object data) {
        if (data instanceof OffHeapArray a) return a.segment().byteSize();
        Class<?> c = data.getClass().getComponentType();
        long n = java.lang.reflect.Array.getLength(data);
        int size = c == long.class || c == double.class ? 8 : c == int.class || c == float.class ? 4
                : c == short.class || c == char.class ? 2 : 1;
        return n * size;
    }

    /**
     * The refusal of a run whose tasks at {@code place} (on {@code device}) need {@code need} bytes,
     * more than {@code budget}: the message names every array there.
     */
    static KilnException refusal(GraphSpec spec, PreparedTask[] prepared, Object[][] args, int place, Device device, long need,
                                 long budget) {
        // the message names every array on the device (built only here: runs that fit pay for none of it)
        List<String> parts = new ArrayList<>();
        Set<Object> named = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        for (int t = 0; t < prepared.length; t++) {
            if (prepared[t].placeIdx != place) continue;
            for (Param.Array a : prepared[t].ir.arrayParams()) {
                Object data = args[t][a.index()];
                if (!named.add(data)) continue;
                parts.add("task '" + spec.tasks().get(t).id() + "' " + LaunchRules.param(a) + " " + LaunchRules.describeData(data)
                        + " " + bytes(byteSize(data)));
            }
        }
        return new KilnException("graph '" + spec.name() + "' needs " + bytes(need) + " of device memory on " + device.id()
                + ", more than the " + bytes(budget) + " it may use" + (budget < device.memoryBytes() ? " (KilnRuntime.limitMemory)" : "")
                + " (" + String.join(", ", parts) + "). Nothing was allocated and the device stays usable: split the data into"
                + " chunks that fit and run the plan once per chunk (plan.run(Bindings.of().data(array, chunk))), or run on a"
                + " device with more memory");
    }

    private static String bytes(long b) {
        if (b >= 1L << 30) return String.format(java.util.Locale.ROOT, "%.1f GiB", b / (double) (1L << 30));
        if (b >= 1L << 20) return String.format(java.util.Locale.ROOT, "%.1f MiB", b / (double) (1L << 20));
        if (b >= 1L << 10) return String.format(java.util.Locale.ROOT, "%.1f KiB", b / 1024.0);
        return b + " bytes";
    }
}
