package io.kiln.runtime;

import io.kiln.Backend;
import io.kiln.Device;
import io.kiln.DeviceType;
import io.kiln.Target;
import io.kiln.ir.KernelIR;
import io.kiln.spi.BackendProvider;
import io.kiln.spi.Capability;
import io.kiln.spi.CompiledKernel;
import io.kiln.spi.DeviceEvent;
import io.kiln.spi.DeviceRuntime;
import io.kiln.spi.DeviceSession;
import io.kiln.spi.LaunchGeometry;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A test back end with two devices that behave as the real ones do when a kernel takes long:
 * <ul>
 * <li>{@code stoppable:0} works on host memory and runs each launch on the calling thread, as
 * {@code cpu} does; its {@code cancel()} stops a running launch, which then throws
 * {@link CancellationException}.</li>
 * <li>{@code unstoppable:0} has memory of its own and runs each launch on a thread of its own, as an
 * OpenCL queue does; its {@code cancel()} returns {@code false} and the launch runs to its end.</li>
 * </ul>
 * A kernel whose first parameter is named {@code millis} (see {@link #frontEnd}) takes that many
 * milliseconds and does nothing else; any other kernel is run as the Java method on the data the
 * device sees.
 */
final class SlowBackend implements BackendProvider {
    final Runtime stoppable = new Runtime(new Device("stoppable:0", Backend.OPENCL, DeviceType.CPU, "stoppable test device", "Kiln tests", 1, 1L << 30), false);
    final Runtime unstoppable = new Runtime(new Device("unstoppable:0", Backend.OPENCL, DeviceType.GPU, "unstoppable test device", "Kiln tests", 1, 1L << 30), true);

    RuntimeContext context() {
        return RuntimeContext.create(List.of(this), FakeBackend::frontEnd, 16);
    }

    @Override
    public Backend backend() {
        return Backend.OPENCL;
    }

    @Override
    public List<DeviceRuntime> devices() {
        return List.of(stoppable, unstoppable);
    }

    @Override
    public String unavailableReason() {
        return null;
    }

    @Override
    public String emit(KernelIR ir, Target target) {
        return null;
    }

    record Kernel(KernelIR ir) implements CompiledKernel {
        @Override
        public String source() {
            return "slow " + ir.displayName();
        }

        @Override
        public void close() {
        }
    }

    static final class Runtime implements DeviceRuntime {
        final Device device;
        final boolean ownMemory;
        final List<Session> sessions = Collections.synchronizedList(new ArrayList<>());

        Runtime(Device device, boolean ownMemory) {
            this.device = device;
            this.ownMemory = ownMemory;
        }

        @Override
        public Device device() {
            return device;
        }

        @Override
        public CompiledKernel compile(KernelIR ir) {
            return new Kernel(ir);
        }

        @Override
        public Set<Capability> capabilities() {
            return ownMemory ? EnumSet.of(Capability.ATOMICS, Capability.OWN_MEMORY) : EnumSet.of(Capability.ATOMICS);
        }

        @Override
        public DeviceSession openSession() {
            Session s = new Session(ownMemory);
            sessions.add(s);
            return s;
        }

        Session last() {
            return sessions.get(sessions.size() - 1);
        }
    }

    /** A launch running on its own thread. */
    static final class Running implements DeviceEvent {
        final CountDownLatch done = new CountDownLatch(1);
        volatile RuntimeException failure;

        @Override
        public boolean isComplete() {
            return done.getCount() == 0;
        }
    }

    static final class Session implements DeviceSession {
        final boolean ownMemory;
        final IdentityHashMap<Object, Object> copies = new IdentityHashMap<>();
        volatile boolean cancelRequested;
        volatile boolean closed;
        volatile int cancelCalls;
        final List<Running> running = Collections.synchronizedList(new ArrayList<>());

        Session(boolean ownMemory) {
            this.ownMemory = ownMemory;
        }

        @Override
        public boolean copiesData() {
            return ownMemory;
        }

        @Override
        public DeviceEvent enqueueToDevice(Object data, List<DeviceEvent> after) {
            await(after);
            copies.put(data, copyOf(data));
            return DeviceEvent.COMPLETE;
        }

        @Override
        public DeviceEvent enqueueToHost(Object data, List<DeviceEvent> after) {
            await(after);
            Object copy = copies.get(data);
            System.arraycopy(copy, 0, data, 0, java.lang.reflect.Array.getLength(data));
            return DeviceEvent.COMPLETE;
        }

        private static Object copyOf(Object data) {
            int n = java.lang.reflect.Array.getLength(data);
            Object c = java.lang.reflect.Array.newInstance(data.getClass().getComponentType(), n);
            System.arraycopy(data, 0, c, 0, n);
            return c;
        }

        @Override
        public DeviceEvent enqueueLaunch(CompiledKernel kernel, Object[] args, LaunchGeometry geometry, List<DeviceEvent> after) {
            if (closed) throw new IllegalStateException("launch on a closed session");
            await(after);
            KernelIR ir = ((Kernel) kernel).ir();
            Object[] deviceArgs = args.clone();
            if (ownMemory) {
                for (int i = 0; i < args.length; i++) {
                    if (args[i] != null && args[i].getClass().isArray()) deviceArgs[i] = copies.get(args[i]);
                }
            }
            Runnable body = () -> {
                if (!ir.params().isEmpty() && ir.params().get(0).name().equals("millis")) {
                    long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos((Integer) deviceArgs[0]);
                    while (System.nanoTime() < end) {
                        if (!ownMemory && cancelRequested) throw new CancellationException("stopped at a back-edge");
                        Thread.onSpinWait();
                    }
                } else {
                    try {
                        Method m = FakeBackend.METHODS.get(ir).get();
                        m.setAccessible(true);
                        m.invoke(null, deviceArgs);
                    } catch (ReflectiveOperationException e) {
                        throw new IllegalStateException(e);
                    }
                }
            };
            if (!ownMemory) {
                cancelRequested = false;
                body.run();
                return DeviceEvent.COMPLETE;
            }
            Running r = new Running();
            running.add(r);
            Thread t = new Thread(() -> {
                try {
                    body.run();
                } catch (RuntimeException e) {
                    r.failure = e;
                } finally {
                    r.done.countDown();
                }
            }, "unstoppable-kernel");
            t.setDaemon(true);
            t.start();
            return r;
        }

        @Override
        public void await(List<DeviceEvent> events) {
            for (DeviceEvent e : events) {
                if (e instanceof Running r) {
                    try {
                        r.done.await();
                    } catch (InterruptedException ex) {
                        throw new IllegalStateException(ex);
                    }
                    if (r.failure != null) throw r.failure;
                }
            }
        }

        @Override
        public void finish() {
            await(List.copyOf(running));
        }

        @Override
        public boolean cancel() {
            cancelCalls++;
            cancelRequested = true;
            return !ownMemory;
        }

        @Override
        public void release(Object data) {
            copies.remove(data);
        }

        @Override
        public void close() {
            finish();
            closed = true;
        }
    }
}
