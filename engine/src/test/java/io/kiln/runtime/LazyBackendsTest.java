package io.kiln.runtime;

import io.kiln.Backend;
import io.kiln.Device;
import io.kiln.DeviceType;
import io.kiln.Target;
import io.kiln.ir.KernelIR;
import io.kiln.spi.BackendProvider;
import io.kiln.spi.CompiledKernel;
import io.kiln.spi.DeviceRuntime;
import io.kiln.spi.DeviceSession;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Back ends start when first needed ({@link Backends}): asking for {@code cpu} does not start OpenCL,
 * and what the registry lists is what starting every back end at once listed.
 */
class LazyBackendsTest {

    /** A provider that counts its starts and offers the given device ids (or throws, for {@code fail}). */
    private static final class Counting implements BackendProvider {
        final Backend backend;
        final List<String> ids;
        final boolean fail;
        int starts;
        List<DeviceRuntime> devices;

        Counting(Backend backend, boolean fail, String... ids) {
            this.backend = backend;
            this.fail = fail;
            this.ids = List.of(ids);
        }

        @Override
        public Backend backend() {
            return backend;
        }

        @Override
        public List<DeviceRuntime> devices() {
            starts++;
            if (fail) throw new IllegalStateException("driver exploded");
            if (devices == null) {
                devices = new ArrayList<>();
                for (String id : ids) devices.add(new Runtime(new Device(id, backend, DeviceType.OTHER, id, "test", 1, 1L << 20)));
            }
            return devices;
        }

        @Override
        public String unavailableReason() {
            return ids.isEmpty() ? "nothing here" : null;
        }

        @Override
        public String emit(KernelIR ir, Target target) {
            return null;
        }
    }

    private record Runtime(Device device) implements DeviceRuntime {
        @Override
        public CompiledKernel compile(KernelIR ir) {
            throw new UnsupportedOperationException();
        }

        @Override
        public DeviceSession openSession() {
            throw new UnsupportedOperationException();
        }
    }

    @Test
    void cpuStartsOnlyTheCpuBackEnd() {
        Counting cuda = new Counting(Backend.CUDA, false);
        Counting opencl = new Counting(Backend.OPENCL, false, "opencl:0", "opencl:1");
        Counting cpu = new Counting(Backend.CPU, false, "cpu");
        Backends b = Backends.of(List.of(cpu, opencl, cuda));
        assertEquals(0, cuda.starts + opencl.starts + cpu.starts, "nothing starts before it is asked for");
        DeviceRuntime r = b.runtime("cpu");
        assertEquals("cpu", r.device().id());
        assertEquals(1, cpu.starts);
        assertEquals(0, opencl.starts, "asking for cpu must not start OpenCL");
        assertEquals(0, cuda.starts);
        assertSame(r, b.runtime("cpu"));
        assertEquals(1, cpu.starts, "a back end starts once");
        assertEquals("opencl:1", b.runtime("opencl:1").device().id());
        assertEquals(1, opencl.starts);
        assertEquals(0, cuda.starts, "asking for opencl:1 must not start CUDA");
    }

    @Test
    void listsInProviderOrderWhateverStartedFirst() {
        Counting cuda = new Counting(Backend.CUDA, false, "cuda:0");
        Counting opencl = new Counting(Backend.OPENCL, false, "opencl:0");
        Counting cpu = new Counting(Backend.CPU, false, "cpu");
        Backends b = Backends.of(List.of(cpu, opencl, cuda));
        b.runtime("cpu");
        b.runtime("opencl:0");
        List<String> ids = new ArrayList<>();
        for (Device d : b.devices()) ids.add(d.id());
        assertEquals(List.of("cuda:0", "opencl:0", "cpu"), ids);
        assertEquals(1, cuda.starts);
        assertEquals(1, opencl.starts);
        assertEquals(1, cpu.starts);
        assertEquals("cpu", b.auto().id(), "no GPU among them: auto() takes cpu");
    }

    @Test
    void anIdOfAnotherFormStartsEveryBackEnd() {
        // a back end whose ids do not follow the prefix rule is still found, as before
        Counting opencl = new Counting(Backend.OPENCL, false, "fake:0");
        Counting cpu = new Counting(Backend.CPU, false, "cpu");
        Backends b = Backends.of(List.of(opencl, cpu));
        assertEquals("fake:0", b.runtime("fake:0").device().id());
        assertEquals(1, opencl.starts);
        assertEquals(1, cpu.starts);
        assertNull(b.runtime("opencl:7"));
        assertNull(b.runtime("cpu:3"));
    }

    @Test
    void failuresAndEmptyBackEndsAreReportedUnavailable() {
        Counting cuda = new Counting(Backend.CUDA, true, "cuda:0");
        Counting opencl = new Counting(Backend.OPENCL, false);
        Counting cpu = new Counting(Backend.CPU, false, "cpu");
        Backends b = Backends.of(List.of(cuda, opencl, cpu));
        assertNull(b.runtime("cuda:0"));
        var unavailable = b.unavailable();
        assertTrue(unavailable.get(Backend.CUDA).contains("failed to start") && unavailable.get(Backend.CUDA).contains("driver exploded"),
                unavailable.toString());
        assertEquals("nothing here", unavailable.get(Backend.OPENCL));
        assertNull(unavailable.get(Backend.CPU));
        assertEquals(1, cuda.starts, "a failed back end is not started again");
        assertEquals(List.of("cpu"), b.devices().stream().map(Device::id).toList());
    }
}
