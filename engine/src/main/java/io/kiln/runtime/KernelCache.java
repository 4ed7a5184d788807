package io.kiln.runtime;

import io.kiln.compiler.FrontEnd;
import io.kiln.ir.KernelIR;
import io.kiln.spi.CompiledKernel;
import io.kiln.spi.DeviceRuntime;

import java.lang.reflect.Method;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Process-wide caches: the IR of each kernel method (device independent) and each kernel built per
 * device. Kernels are specialised by parameter types only, so a new array length never rebuilds.
 */
public final class KernelCache {
    private static final ConcurrentHashMap<Method, KernelIR> IR = new ConcurrentHashMap<>();
    private static final ConcurrentHashMap<String, CompiledKernel> BUILT = new ConcurrentHashMap<>();

    private KernelCache() {
    }

    /** The IR of {@code method}, compiled on first use. */
    public static KernelIR ir(Method method) {
        KernelIR ir = IR.get(method);
        if (ir == null) {
            ir = FrontEnd.compile(method);
            KernelIR previous = IR.putIfAbsent(method, ir);
            if (previous != null) ir = previous;
        }
        return ir;
    }

    /** {@code method} built for {@code runtime}'s device, built on first use. */
    public static CompiledKernel built(Method method, DeviceRuntime runtime) {
        String key = runtime.device().id() + "|" + method.getDeclaringClass().getName() + "." + method.getName()
                + TaskSpec.descriptor(method) + "|" + System.identityHashCode(method.getDeclaringClass());
        CompiledKernel k = BUILT.get(key);
        if (k != null) return k;
        synchronized (KernelCache.class) {
            k = BUILT.get(key);
            if (k == null) {
                k = runtime.compile(ir(method));
                BUILT.put(key, k);
            }
            return k;
        }
    }

    /** Whether {@code method} has been built for the device with {@code deviceId}. */
    public static boolean isBuilt(Method method, String deviceId) {
        String prefix = deviceId + "|" + method.getDeclaringClass().getName() + "." + method.getName() + TaskSpec.descriptor(method) + "|";
        return BUILT.keySet().stream().anyMatch(k -> k.startsWith(prefix));
    }
}
