package io.kiln.opencl;

import org.jocl.CL;
import org.jocl.CLException;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_device_id;
import org.jocl.cl_platform_id;
import org.jocl.cl_program;

import java.nio.charset.StandardCharsets;

/** Small typed wrappers around JOCL's {@code clGet*Info} calls (exceptions are enabled). */
final class ClInfo {
    private ClInfo() {
    }

    static String deviceString(cl_device_id device, int param) {
        long[] size = new long[1];
        CL.clGetDeviceInfo(device, param, 0, null, size);
        byte[] bytes = new byte[(int) size[0]];
        if (bytes.length > 0) CL.clGetDeviceInfo(device, param, bytes.length, Pointer.to(bytes), null);
        return cString(bytes);
    }

    static int deviceInt(cl_device_id device, int param) {
        int[] v = new int[1];
        CL.clGetDeviceInfo(device, param, Sizeof.cl_int, Pointer.to(v), null);
        return v[0];
    }

    /** A {@code cl_ulong} or {@code cl_bitfield} value. */
    static long deviceLong(cl_device_id device, int param) {
        long[] v = new long[1];
        CL.clGetDeviceInfo(device, param, Sizeof.cl_long, Pointer.to(v), null);
        return v[0];
    }

    /** A {@code size_t} value. */
    static long deviceSize(cl_device_id device, int param) {
        if (Sizeof.size_t == Sizeof.cl_int) {
            return deviceInt(device, param) & 0xFFFF_FFFFL;
        }
        long[] v = new long[1];
        CL.clGetDeviceInfo(device, param, Sizeof.size_t, Pointer.to(v), null);
        return v[0];
    }

    static String platformString(cl_platform_id platform, int param) {
        long[] size = new long[1];
        CL.clGetPlatformInfo(platform, param, 0, null, size);
        byte[] bytes = new byte[(int) size[0]];
        if (bytes.length > 0) CL.clGetPlatformInfo(platform, param, bytes.length, Pointer.to(bytes), null);
        return cString(bytes);
    }

    /** The build log of {@code program} on {@code device}, or a note saying why there is none. */
    static String buildLog(cl_program program, cl_device_id device) {
        try {
            long[] size = new long[1];
            CL.clGetProgramBuildInfo(program, device, CL.CL_PROGRAM_BUILD_LOG, 0, null, size);
            byte[] bytes = new byte[(int) size[0]];
            if (bytes.length > 0) {
                CL.clGetProgramBuildInfo(program, device, CL.CL_PROGRAM_BUILD_LOG, bytes.length, Pointer.to(bytes), null);
            }
            String log = cString(bytes).strip();
            return log.isEmpty() ? "(the device gave an empty build log)" : log;
        } catch (CLException e) {
            return "(the build log could not be read: " + e.getMessage() + ")";
        }
    }

    private static String cString(byte[] bytes) {
        int n = bytes.length;
        while (n > 0 && bytes[n - 1] == 0) n--;
        return new String(bytes, 0, n, StandardCharsets.UTF_8).trim();
    }

    /** JOCL's name for an error code ({@code CL_OUT_OF_RESOURCES} ...). */
    static String error(CLException e) {
        return CL.stringFor_errorCode(e.getStatus());
    }
}
