package io.kiln.cuda;

import io.kiln.Backend;
import io.kiln.Device;
import io.kiln.DeviceType;
import io.kiln.KilnException;
import io.kiln.Target;
import io.kiln.ir.KernelIR;
import io.kiln.ptx.PtxEmitter;
import io.kiln.ptx.Ptxas;
import io.kiln.spi.BackendProvider;
import io.kiln.spi.CompiledKernel;
import io.kiln.spi.DeviceRuntime;
import io.kiln.spi.DeviceSession;
import io.kiln.spi.LaunchGeometry;

import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * A test-only back end whose one device, {@code ptx-interpreter:0}, runs the CUDA back end's PTX in
 * the engine's test-only PTX interpreter, so that every conformance kernel goes through
 * {@code PtxEmitter} and is compared with the JVM on a machine without a GPU. Registered for the
 * conformance tests only ({@code src/test/resources/META-INF/services}).
 * <ul>
 *   <li>{@code compile} emits PTX with {@link PtxEmitter}, assembles it with {@code ptxas -arch=sm_75}
 *       where ptxas is on the PATH ({@link Ptxas}; a refusal fails the build with ptxas's message), and
 *       checks that the interpreter parses it.</li>
 *   <li>Sessions model device memory: each host array (Java or off-heap) has its own device copy, written only by
 *       {@code toDevice} and read back only by {@code toHost}, so the engine's transfer and residency
 *       logic is exercised as on a GPU. A launch runs the interpreter on the device copies.</li>
 * </ul>
 * {@code -Dkiln.ptxInterpreter=false} removes the device. It is a {@link Backend#CUDA} device of type
 * {@link DeviceType#OTHER}; no conformance test relies on {@code Devices.auto()}.
 */
public final class PtxInterpreterProvider implements BackendProvider {
    /** The system property that switches the interpreter device off ({@code false}). */
    public static final String PROPERTY = "kiln.ptxInterpreter";

    /** The device's id. */
    public static final String ID = "ptx-interpreter:0";

    /** A launch that executes more PTX instructions than this fails (an endless loop, or sizes far too large). */
    static final long STEP_LIMIT = 400_000_000L;

    private static final Device DEVICE = new Device(ID, Backend.CUDA, DeviceType.OTHER, "Kiln PTX interpreter (test only)",
            "Kiln", 1, 1L << 30);

    private static final Runtime RUNTIME = new Runtime();

    /** Whether {@code d} is the interpreter device (the suite runs it at smaller sizes). */
    public static boolean isInterpreter(Device d) {
        return d != null && ID.equals(d.id());
    }

    private static boolean enabled() {
        return !"false".equalsIgnoreCase(System.getProperty(PROPERTY, "true").trim());
    }

    @Override
    public Backend backend() {
        return Backend.CUDA;
    }

    @Override
    public List<DeviceRuntime> devices() {
        return enabled() ? List.of(RUNTIME) : List.of();
    }

    @Override
    public String unavailableReason() {
        return enabled() ? null : "the test-only PTX interpreter is switched off by -D" + PROPERTY + "=false";
    }

    /** Emits nothing: {@code KernelCompiler.emit} must show the real CUDA back end's PTX. */
    @Override
    public String emit(KernelIR ir, Target target) {
        return null;
    }

    /** The interpreter device. */
    static final class Runtime implements DeviceRuntime {
        @Override
        public Device device() {
            return DEVICE;
        }

        @Override
        public CompiledKernel compile(KernelIR ir) {
            String ptx = PtxEmitter.emit(ir);
            Ptxas.Outcome as = Ptxas.assemble(ptx);
            if (as.ran() && as.exitCode() != 0) {
                throw new KilnException("ptxas -arch=sm_75 refuses the PTX of " + ir.displayName() + " (exit " + as.exitCode() + "):\n"
                        + as.output());
            }
            try {
                InterpretedLaunch.parse(ptx);
            } catch (RuntimeException e) {
                throw new KilnException("the PTX interpreter cannot parse the PTX of " + ir.displayName() + ": " + e.getMessage(), e);
            }
            return new Kernel(ir, ptx);
        }

        @Override
        public boolean supportsReductions() {
            return true;
        }

        @Override
        public DeviceSession openSession() {
            return new Session();
        }

        @Override
        public String toString() {
            return DEVICE.toString();
        }
    }

    /** A kernel "built" for the interpreter: its IR and PTX text. */
    record Kernel(KernelIR ir, String source) implements CompiledKernel {
        @Override
        public void close() {
        }
    }

    /** A new off-heap array of {@code o}'s type and length (a device copy). */
    static io.kiln.OffHeapArray allocateLike(io.kiln.OffHeapArray o) {
        long n = o.length();
        return switch (o) {
            case io.kiln.FloatArray x -> io.kiln.FloatArray.allocate(n);
            case io.kiln.DoubleArray x -> io.kiln.DoubleArray.allocate(n);
            case io.kiln.IntArray x -> io.kiln.IntArray.allocate(n);
            case io.kiln.LongArray x -> io.kiln.LongArray.allocate(n);
            case io.kiln.ShortArray x -> io.kiln.ShortArray.allocate(n);
            case io.kiln.ByteArray x -> io.kiln.ByteArray.allocate(n);
        };
    }

    /** One plan's device state: a device copy per host array (Java or off-heap, by identity). */
    static final class Session implements DeviceSession {
        private final Map<Object, Object> copies = new IdentityHashMap<>();
        private boolean closed;
        /** The first out-of-bounds access of a launch since the last wait. */
        private io.kiln.KernelIndexOutOfBoundsException boundsFailure;

        private void open() {
            if (closed) throw new IllegalStateException("the session on " + ID + " is closed");
        }

        @Override
        public boolean copiesData() {
            return true;
        }

        @Override
        public void toDevice(Object array) {
            open();
            if (array instanceof io.kiln.OffHeapArray o) {
                // the device copy of an off-heap array is another off-heap array of the same type and length
                io.kiln.OffHeapArray copy = (io.kiln.OffHeapArray) copies.get(array);
                if (copy == null) {
                    copy = allocateLike(o);
                    copies.put(array, copy);
                }
                copy.segment().copyFrom(o.segment());
                return;
            }
            int n = java.lang.reflect.Array.getLength(array);
            Object copy = copies.get(array);
            if (copy == null) {
                copy = java.lang.reflect.Array.newInstance(array.getClass().getComponentType(), n);
                copies.put(array, copy);
            }
            System.arraycopy(array, 0, copy, 0, n);
        }

        @Override
        public void toHost(Object array) {
            open();
            Object copy = copies.get(array);
            if (copy == null) throw new IllegalStateException("the array has no copy on " + ID);
            if (array instanceof io.kiln.OffHeapArray o) {
                o.segment().copyFrom(((io.kiln.OffHeapArray) copy).segment());
                return;
            }
            System.arraycopy(copy, 0, array, 0, java.lang.reflect.Array.getLength(array));
        }

        @Override
        public void launch(CompiledKernel kernel, Object[] args, LaunchGeometry geometry) {
            open();
            if (!(kernel instanceof Kernel k)) {
                throw new IllegalArgumentException("kernel " + kernel.ir().displayName() + " was not built for " + ID);
            }
            Object[] onDevice = args.clone();
            for (int i = 0; i < onDevice.length; i++) {
                Object a = onDevice[i];
                if (PtxRunner.isData(a)) {
                    Object copy = copies.get(a);
                    if (copy == null) {
                        throw new IllegalStateException("an array argument of " + k.ir().displayName() + " is not on " + ID
                                + ": copy it with toDevice first");
                    }
                    onDevice[i] = copy;
                }
            }
            try {
                InterpretedLaunch.run(k.ir(), k.source(), onDevice, geometry, STEP_LIMIT);
            } catch (io.kiln.KernelIndexOutOfBoundsException e) {
                // like OpenCL and CUDA: the launch completes, the wait that follows reports it
                if (boundsFailure == null) boundsFailure = e;
            } catch (IllegalStateException e) {
                throw new KilnException("the PTX interpreter failed running " + k.ir().displayName() + ": " + e.getMessage(), e);
            }
        }

        // Transitional: one in-order queue, so every command already runs after those issued before it.
        @Override
        public io.kiln.spi.DeviceEvent enqueueToDevice(Object data, java.util.List<io.kiln.spi.DeviceEvent> after) {
            toDevice(data);
            return io.kiln.spi.DeviceEvent.COMPLETE;
        }

        @Override
        public io.kiln.spi.DeviceEvent enqueueToHost(Object data, java.util.List<io.kiln.spi.DeviceEvent> after) {
            toHost(data);
            return io.kiln.spi.DeviceEvent.COMPLETE;
        }

        @Override
        public io.kiln.spi.DeviceEvent enqueueLaunch(CompiledKernel kernel, Object[] args, LaunchGeometry geometry,
                                                       java.util.List<io.kiln.spi.DeviceEvent> after) {
            launch(kernel, args, geometry);
            return io.kiln.spi.DeviceEvent.COMPLETE;
        }

        @Override
        public void await(java.util.List<io.kiln.spi.DeviceEvent> events) {
            finish();
        }

        @Override
        public void finish() {
            open();
            io.kiln.KernelIndexOutOfBoundsException f = boundsFailure;
            boundsFailure = null;
            if (f != null) throw f;
        }

        @Override
        public void release(Object array) {
            open();
            if (copies.remove(array) instanceof io.kiln.OffHeapArray o) o.close();
        }

        @Override
        public void close() {
            closed = true;
            for (Object copy : copies.values()) {
                if (copy instanceof io.kiln.OffHeapArray o) o.close();
            }
            copies.clear();
        }
    }
}
