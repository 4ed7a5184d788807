package io.kiln.opencl;

import io.kiln.Backend;
import io.kiln.Target;
import io.kiln.ir.KernelIR;
import io.kiln.openclc.OpenClEmitter;
import io.kiln.spi.BackendProvider;
import io.kiln.spi.DeviceRuntime;
import org.jocl.CL;
import org.jocl.CLException;
import org.jocl.cl_device_id;
import org.jocl.cl_platform_id;

import java.util.ArrayList;
import java.util.List;

/**
 * The OpenCL back end: runs kernels on every OpenCL device of every platform, through JOCL.
 * Devices are discovered once per process, platform by platform in the order the ICD loader lists
 * them, and numbered {@code opencl:0}, {@code opencl:1}, ... across all platforms.
 * <p>Before any JOCL class is touched, {@link OpenClLibraryCheck} makes sure the unversioned
 * {@code libOpenCL.so} that JOCL loads exists; when it does not (or loading fails in any other way)
 * the back end reports itself unavailable with the fix in {@link #unavailableReason()} instead of
 * letting an {@link UnsatisfiedLinkError} escape.
 */
public final class OpenClBackendProvider implements BackendProvider {

    private record Discovery(List<DeviceRuntime> devices, String reason) {}

    private static volatile Discovery discovery;

    /** Used by {@link java.util.ServiceLoader}; discovery happens on first use. */
    public OpenClBackendProvider() {
    }

    @Override
    public Backend backend() {
        return Backend.OPENCL;
    }

    @Override
    public List<DeviceRuntime> devices() {
        return discover().devices();
    }

    @Override
    public String unavailableReason() {
        return discover().reason();
    }

    @Override
    public String emit(KernelIR ir, Target target) {
        return target == Target.OPENCL_C ? OpenClEmitter.emit(ir).source() : null;
    }

    private static Discovery discover() {
        Discovery d = discovery;
        if (d == null) {
            synchronized (OpenClBackendProvider.class) {
                d = discovery;
                if (d == null) {
                    discovery = d = discoverOnce();
                }
            }
        }
        return d;
    }

    private static Discovery discoverOnce() {
        String missing = OpenClLibraryCheck.check();
        if (missing != null) {
            return new Discovery(List.of(), missing);
        }
        try {
            return discoverWithJocl();
        } catch (LinkageError e) {
            return new Discovery(List.of(), "OpenCL is unavailable: loading JOCL's native code or the OpenCL library failed ("
                    + e + "). Install an OpenCL driver and the ICD loader's development package (Debian/Ubuntu: "
                    + "sudo apt-get install ocl-icd-opencl-dev pocl-opencl-icd), and run the JVM with "
                    + "--enable-native-access=ALL-UNNAMED.");
        } catch (RuntimeException e) {
            return new Discovery(List.of(), "OpenCL is unavailable: listing OpenCL platforms and devices failed: " + e);
        }
    }

    private static Discovery discoverWithJocl() {
        OpenClSignals.snapshot(); // before the drivers load (see OpenClSignals)
        keepJvmSigfpeHandler();
        CL.setExceptionsEnabled(true);
        int[] count = new int[1];
        try {
            CL.clGetPlatformIDs(0, null, count);
        } catch (CLException e) {
            if (e.getStatus() != CL.CL_PLATFORM_NOT_FOUND_KHR) throw e;
            count[0] = 0;
        }
        if (count[0] == 0) {
            return new Discovery(List.of(), "OpenCL is unavailable: the OpenCL ICD loader found no platform (no driver is "
                    + "registered in /etc/OpenCL/vendors). Install a driver, for example sudo apt-get install pocl-opencl-icd "
                    + "for the CPU, or your GPU vendor's OpenCL driver.");
        }
        cl_platform_id[] platforms = new cl_platform_id[count[0]];
        CL.clGetPlatformIDs(platforms.length, platforms, null);
        List<DeviceRuntime> devices = new ArrayList<>();
        List<String> empty = new ArrayList<>();
        for (cl_platform_id platform : platforms) {
            String platformName = safePlatformName(platform);
            int[] n = new int[1];
            try {
                CL.clGetDeviceIDs(platform, CL.CL_DEVICE_TYPE_ALL, 0, null, n);
            } catch (CLException e) {
                n[0] = 0;
            }
            if (n[0] == 0) {
                empty.add(platformName);
                continue;
            }
            cl_device_id[] ids = new cl_device_id[n[0]];
            CL.clGetDeviceIDs(platform, CL.CL_DEVICE_TYPE_ALL, ids.length, ids, null);
            for (cl_device_id id : ids) {
                devices.add(new OpenClDeviceRuntime(devices.size(), platform, platformName, id));
            }
        }
        if (devices.isEmpty()) {
            return new Discovery(List.of(), "OpenCL is unavailable: the platform(s) " + empty + " report no devices.");
        }
        OpenClSignals.restoreAll();
        return new Discovery(List.copyOf(devices), null);
    }

    /**
     * PoCL's CPU driver replaces the process-wide SIGFPE handler at its first use, which breaks Java's
     * int division by zero everywhere in the JVM (HotSpot relies on SIGFPE: x / 0 then yields x instead of
     * throwing). Kiln's OpenCL C guards every integer division, so PoCL's handler is not needed; ask PoCL
     * not to install it unless the user set POCL_SIGFPE_HANDLER.
     */
    private static void keepJvmSigfpeHandler() {
        try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
            java.lang.foreign.Linker linker = java.lang.foreign.Linker.nativeLinker();
            java.util.Optional<java.lang.foreign.MemorySegment> setenv = linker.defaultLookup().find("setenv");
            if (setenv.isEmpty()) return;
            java.lang.invoke.MethodHandle mh = linker.downcallHandle(setenv.get(), java.lang.foreign.FunctionDescriptor.of(
                    java.lang.foreign.ValueLayout.JAVA_INT, java.lang.foreign.ValueLayout.ADDRESS,
                    java.lang.foreign.ValueLayout.ADDRESS, java.lang.foreign.ValueLayout.JAVA_INT));
            int ignored = (int) mh.invokeExact(arena.allocateFrom("POCL_SIGFPE_HANDLER"), arena.allocateFrom("0"), 0);
        } catch (Throwable t) {
            // Best effort: without it PoCL installs its handler as before.
        }
    }

    private static String safePlatformName(cl_platform_id platform) {
        try {
            return ClInfo.platformString(platform, CL.CL_PLATFORM_NAME);
        } catch (CLException e) {
            return "(unnamed platform)";
        }
    }
}
