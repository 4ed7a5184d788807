package io.kiln.runtime;

import io.kiln.Backend;
import io.kiln.Device;
import io.kiln.DeviceType;
import io.kiln.KernelContext;
import io.kiln.OffHeapArray;
import io.kiln.Target;
import io.kiln.ir.Access;
import io.kiln.ir.AddressSpace;
import io.kiln.ir.ArrayRef;
import io.kiln.ir.ElementType;
import io.kiln.ir.KernelIR;
import io.kiln.ir.KernelKind;
import io.kiln.ir.Param;
import io.kiln.ir.ScalarKind;
import io.kiln.ir.Storage;
import io.kiln.ir.Var;
import io.kiln.spi.BackendProvider;
import io.kiln.spi.Capability;
import io.kiln.spi.CompiledKernel;
import io.kiln.spi.DeviceEvent;
import io.kiln.spi.DeviceRuntime;
import io.kiln.spi.DeviceSession;
import io.kiln.spi.LaunchGeometry;

import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.classfile.Attributes;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassModel;
import java.lang.classfile.MethodModel;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A test back end whose device {@code fake:0} has memory of its own and runs kernels by calling the
 * Java method itself on its device copies. Every command is <em>deferred</em>: it returns an event that
 * is not complete, and runs only when something awaits it (or a command that depends on it), after
 * the commands it was told to wait for, in dependence order rather than issue order. A missing
 * dependence or a missing copy in the engine's schedule therefore gives a wrong result, which the tests
 * compare with plain Java. Every command is recorded.
 * <p>The IR comes from {@link #frontEnd(Method)}: parameters by reflection (names from the class file),
 * access READ unless the parameter is annotated {@link Writes} (WRITE) or {@link ReadsWrites}.
 */
final class FakeBackend implements BackendProvider {

    /** The kernel writes this array parameter and does not read it. */
    @Retention(RetentionPolicy.RUNTIME)
    @java.lang.annotation.Target(java.lang.annotation.ElementType.PARAMETER)
    @interface Writes {
    }

    /** The kernel reads and writes this array parameter. */
    @Retention(RetentionPolicy.RUNTIME)
    @java.lang.annotation.Target(java.lang.annotation.ElementType.PARAMETER)
    @interface ReadsWrites {
    }

    /** The method of each IR, weakly: a test checks that kernel classes can be collected. */
    static final Map<KernelIR, java.lang.ref.WeakReference<Method>> METHODS = Collections.synchronizedMap(new IdentityHashMap<>());

    /** One recorded command: {@code toDevice x}, {@code launch Kernels.m}, {@code toHost y}. */
    record Command(String what, Object data, int id, List<Integer> after) {
    }

    final FakeRuntime runtime;

    FakeBackend(String id, Set<Capability> caps) {
        this.runtime = new FakeRuntime(new Device(id, Backend.OPENCL, DeviceType.OTHER, "fake deferred device", "Kiln tests", 1, 1L << 30), caps);
    }

    FakeBackend() {
        this("fake:0", EnumSet.of(Capability.ATOMICS, Capability.OWN_MEMORY, Capability.ASYNC_COPIES));
    }

    /** A context with only this back end, compiling with {@link #frontEnd}. */
    RuntimeContext context(int kernelLimit) {
        return RuntimeContext.create(List.of(this), FakeBackend::frontEnd, kernelLimit);
    }

    @Override
    public Backend backend() {
        return Backend.OPENCL;
    }

    @Override
    public List<DeviceRuntime> devices() {
        return List.of(runtime);
    }

    @Override
    public String unavailableReason() {
        return null;
    }

    @Override
    public String emit(KernelIR ir, Target target) {
        return null;
    }

    /** IR of a kernel method for this device: its parameters only. */
    static KernelIR frontEnd(Method m) {
        if (!Modifier.isStatic(m.getModifiers())) throw new IllegalArgumentException(m + " is not static");
        List<String> names = parameterNames(m);
        List<Param> params = new ArrayList<>();
        List<Var> vars = new ArrayList<>();
        List<ArrayRef> arrays = new ArrayList<>();
        Class<?>[] types = m.getParameterTypes();
        KernelKind kind = KernelKind.SINGLE;
        for (int i = 0; i < types.length; i++) {
            Class<?> c = types[i];
            String name = names.get(i);
            if (c == KernelContext.class) {
                params.add(new Param.Context(i, name));
                kind = KernelKind.WORK_ITEM;
            } else if (c.isPrimitive()) {
                ScalarKind k = ScalarKind.ofDescriptor(c.descriptorString().charAt(0));
                Var v = new Var(vars.size(), k.valueType(), name);
                vars.add(v);
                params.add(new Param.Scalar(i, name, k, v));
            } else {
                ElementType et;
                Storage storage = Storage.HEAP;
                if (c.isArray()) {
                    et = ElementType.ofArrayClass(c);
                } else {
                    storage = Storage.OFF_HEAP;
                    et = switch (c.getSimpleName()) {
                        case "ByteArray" -> ElementType.BYTE;
                        case "ShortArray" -> ElementType.SHORT;
                        case "IntArray" -> ElementType.INT;
                        case "LongArray" -> ElementType.LONG;
                        case "FloatArray" -> ElementType.FLOAT;
                        case "DoubleArray" -> ElementType.DOUBLE;
                        default -> throw new IllegalArgumentException("unsupported parameter type " + c);
                    };
                }
                Access access = Access.READ;
                if (m.getParameters()[i].isAnnotationPresent(Writes.class)) access = Access.WRITE;
                if (m.getParameters()[i].isAnnotationPresent(ReadsWrites.class)) access = Access.READ_WRITE;
                ArrayRef ref = new ArrayRef(arrays.size(), et, AddressSpace.GLOBAL, -1, i, name, storage);
                arrays.add(ref);
                params.add(new Param.Array(i, name, ref, access));
            }
        }
        KernelIR ir = new KernelIR(m.getDeclaringClass().getName(), m.getName(), TaskSpec.descriptor(m), kind, params, vars, arrays,
                List.of(), List.of(), List.of());
        register(ir, m);
        return ir;
    }

    static void register(KernelIR ir, Method m) {
        METHODS.put(ir, new java.lang.ref.WeakReference<>(m));
    }

    /** Parameter names from the class file's local variable table. */
    private static List<String> parameterNames(Method m) {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < m.getParameterCount(); i++) names.add("p" + i);
        Class<?> c = m.getDeclaringClass();
        try (var in = c.getResourceAsStream("/" + c.getName().replace('.', '/') + ".class")) {
            ClassModel cm = ClassFile.of().parse(in.readAllBytes());
            for (MethodModel mm : cm.methods()) {
                if (!mm.methodName().equalsString(m.getName()) || !mm.methodType().equalsString(TaskSpec.descriptor(m))) continue;
                var code = mm.code().orElseThrow();
                var lvt = code.findAttribute(Attributes.localVariableTable());
                if (lvt.isEmpty()) break;
                int slot = 0;
                Map<Integer, String> bySlot = new ConcurrentHashMap<>();
                for (var lv : lvt.get().localVariables()) bySlot.putIfAbsent(lv.slot(), lv.name().stringValue());
                for (int i = 0; i < m.getParameterCount(); i++) {
                    if (bySlot.containsKey(slot)) names.set(i, bySlot.get(slot));
                    Class<?> t = m.getParameterTypes()[i];
                    slot += t == long.class || t == double.class ? 2 : 1;
                }
            }
        } catch (java.io.IOException | RuntimeException e) {
            // keep p<i>
        }
        return names;
    }

    static final class FakeKernel implements CompiledKernel {
        final KernelIR ir;
        final java.lang.ref.WeakReference<Method> method;
        volatile boolean closed;

        FakeKernel(KernelIR ir, java.lang.ref.WeakReference<Method> method) {
            this.ir = ir;
            this.method = method;
        }

        @Override
        public KernelIR ir() {
            return ir;
        }

        @Override
        public String source() {
            return "fake " + ir.displayName();
        }

        @Override
        public void close() {
            closed = true;
        }
    }

    static final class FakeRuntime implements DeviceRuntime {
        final Device device;
        final Set<Capability> caps;
        final List<FakeKernel> built = Collections.synchronizedList(new ArrayList<>());
        final List<FakeSession> sessions = Collections.synchronizedList(new ArrayList<>());

        FakeRuntime(Device device, Set<Capability> caps) {
            this.device = device;
            this.caps = caps;
        }

        @Override
        public Device device() {
            return device;
        }

        @Override
        public CompiledKernel compile(KernelIR ir) {
            FakeKernel k = new FakeKernel(ir, METHODS.get(ir));
            built.add(k);
            return k;
        }

        @Override
        public Set<Capability> capabilities() {
            return caps;
        }

        @Override
        public DeviceSession openSession() {
            FakeSession s = new FakeSession(this);
            sessions.add(s);
            return s;
        }

        FakeSession lastSession() {
            return sessions.get(sessions.size() - 1);
        }
    }

    /** A deferred command. */
    static final class FakeEvent implements DeviceEvent {
        final int id;
        final Runnable action;
        final List<FakeEvent> deps;
        boolean done;

        FakeEvent(int id, Runnable action, List<FakeEvent> deps) {
            this.id = id;
            this.action = action;
            this.deps = deps;
        }

        @Override
        public boolean isComplete() {
            return done;
        }

        void run() {
            if (done) return;
            for (FakeEvent d : deps) d.run();
            done = true;
            action.run();
        }

        @Override
        public String toString() {
            return "e" + id;
        }
    }

    static final class FakeSession implements DeviceSession {
        final FakeRuntime runtime;
        final IdentityHashMap<Object, Object> copies = new IdentityHashMap<>();
        final List<Command> log = Collections.synchronizedList(new ArrayList<>());
        final List<FakeEvent> pending = new ArrayList<>();
        final AtomicInteger ids = new AtomicInteger();
        boolean closed;

        FakeSession(FakeRuntime runtime) {
            this.runtime = runtime;
        }

        @Override
        public boolean copiesData() {
            return true;
        }

        private FakeEvent enqueue(String what, Object data, List<DeviceEvent> after, Runnable action) {
            if (closed) throw new IllegalStateException("fake session closed");
            List<FakeEvent> deps = new ArrayList<>();
            for (DeviceEvent e : after) {
                if (!(e instanceof FakeEvent f)) throw new IllegalArgumentException("foreign event " + e);
                if (!pending.contains(f) && !f.done) throw new IllegalArgumentException("event of another session " + e);
                deps.add(f);
            }
            FakeEvent e = new FakeEvent(ids.getAndIncrement(), action, deps);
            pending.add(e);
            log.add(new Command(what, data, e.id, deps.stream().map(d -> d.id).toList()));
            return e;
        }

        int count(String what) {
            synchronized (log) {
                return (int) log.stream().filter(c -> c.what().equals(what)).count();
            }
        }

        @Override
        public DeviceEvent enqueueToDevice(Object data, List<DeviceEvent> after) {
            Object copy = copies.get(data);
            if (copy == null || length(copy) != length(data)) {
                copy = blank(data);
                copies.put(data, copy);
            }
            Object target = copy;
            return enqueue("toDevice", data, after, () -> copyInto(data, target));
        }

        @Override
        public DeviceEvent enqueueToHost(Object data, List<DeviceEvent> after) {
            Object copy = copies.get(data);
            if (copy == null) throw new IllegalStateException("toHost of data never copied to the fake device");
            return enqueue("toHost", data, after, () -> copyInto(copy, data));
        }

        @Override
        public DeviceEvent enqueueLaunch(CompiledKernel kernel, Object[] args, LaunchGeometry geometry, List<DeviceEvent> after) {
            FakeKernel k = (FakeKernel) kernel;
            if (k.closed) throw new IllegalStateException("launch of a closed kernel " + k.ir.displayName());
            Object[] deviceArgs = args.clone();
            for (int i = 0; i < args.length; i++) {
                if (args[i] instanceof OffHeapArray || (args[i] != null && args[i].getClass().isArray())) {
                    deviceArgs[i] = copies.get(args[i]);
                    if (deviceArgs[i] == null) throw new IllegalStateException("argument " + i + " of " + k.ir.displayName() + " is not on the device");
                }
            }
            return enqueue("launch " + k.ir.methodName(), null, after, () -> {
                try {
                    Method m = k.method.get();
                    m.setAccessible(true);
                    m.invoke(null, deviceArgs);
                } catch (ReflectiveOperationException e) {
                    throw new IllegalStateException(e);
                }
            });
        }

        @Override
        public void await(List<DeviceEvent> events) {
            for (DeviceEvent e : events) ((FakeEvent) e).run();
        }

        @Override
        public void finish() {
            for (FakeEvent e : List.copyOf(pending)) e.run();
        }

        @Override
        public void release(Object data) {
            copies.remove(data);
            log.add(new Command("release", data, -1, List.of()));
        }

        @Override
        public void close() {
            if (closed) return;
            finish();
            closed = true;
            copies.clear();
        }

        private static long length(Object o) {
            return o instanceof OffHeapArray a ? a.length() : java.lang.reflect.Array.getLength(o);
        }

        private static Object blank(Object o) {
            return switch (o) {
                case io.kiln.FloatArray a -> io.kiln.FloatArray.allocate(a.length());
                case io.kiln.IntArray a -> io.kiln.IntArray.allocate(a.length());
                case io.kiln.DoubleArray a -> io.kiln.DoubleArray.allocate(a.length());
                case io.kiln.LongArray a -> io.kiln.LongArray.allocate(a.length());
                case io.kiln.ShortArray a -> io.kiln.ShortArray.allocate(a.length());
                case io.kiln.ByteArray a -> io.kiln.ByteArray.allocate(a.length());
                default -> java.lang.reflect.Array.newInstance(o.getClass().getComponentType(), java.lang.reflect.Array.getLength(o));
            };
        }

        private static void copyInto(Object from, Object to) {
            if (from instanceof OffHeapArray a) {
                java.lang.foreign.MemorySegment.copy(a.segment(), 0, ((OffHeapArray) to).segment(), 0, a.byteSize());
            } else {
                System.arraycopy(from, 0, to, 0, java.lang.reflect.Array.getLength(from));
            }
        }
    }
}
