package io.kiln.loader;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * libjpeg-turbo's TurboJPEG v2 API (the one {@code libturbojpeg.so.0} 2.x exports), bound with the FFM
 * API. One instance is one decompressor handle and belongs to one thread. Every return code is
 * checked; a corrupt or truncated file is a {@link DecodeException}, never a crash: libjpeg-turbo
 * reports its errors through {@code longjmp} inside the library, and {@link #FLAGS} stops at warnings
 * (a truncated file) and limits progressive scans (a crafted file with thousands of scans).
 *
 * <p>After a failed call the handle is destroyed and made anew: libjpeg-turbo 2.1 can keep state of the
 * bad stream (a good file decoded next on the same handle failed with "Bogus Huffman table definition").
 *
 * <p>The JPEG bytes and the output are Java arrays passed as heap segments to <em>critical</em>
 * downcalls ({@code Linker.Option.critical(true)}): the library reads and writes them in place, with
 * no staging copy; the garbage collector waits for a decode to finish (a few milliseconds).
 */
final class TurboJpeg implements AutoCloseable {
    private static final int TJPF_RGB = 0;
    private static final int TJPF_GRAY = 6;
    private static final int TJPF_RGBA = 7;
    /** TJFLAG_STOPONWARNING (8192) | TJFLAG_LIMITSCANS (32768); the DCT and upsampling stay libjpeg's accurate defaults, as ImageIO's. */
    static final int FLAGS = 8192 | 32768;
    private static final int TJERR_WARNING = 0;

    private static final Binding BINDING = Binding.load();

    private MemorySegment handle;
    private final Arena arena = Arena.ofConfined();
    private final MemorySegment ints;

    private TurboJpeg(MemorySegment handle) {
        this.handle = handle;
        this.ints = arena.allocate(ValueLayout.JAVA_INT, 4);
    }

    /** Whether the library loaded with every function the loader calls, and is not disabled by {@link Decoder#TURBOJPEG_PROPERTY}. */
    static boolean available() {
        return BINDING.error == null && !disabled();
    }

    /** Why TurboJPEG is (not) used, one line. */
    static String status() {
        if (disabled()) return "libturbojpeg disabled by -D" + Decoder.TURBOJPEG_PROPERTY + "=false";
        return BINDING.error == null ? "libturbojpeg loaded from " + BINDING.library : "libturbojpeg unavailable: " + BINDING.error;
    }

    private static boolean disabled() {
        return "false".equalsIgnoreCase(System.getProperty(Decoder.TURBOJPEG_PROPERTY, "true"));
    }

    /** A new decompressor for the calling thread. */
    static TurboJpeg open() {
        if (!available()) throw new IllegalStateException(status());
        try {
            MemorySegment h = (MemorySegment) BINDING.init.invokeExact();
            if (h.address() == 0) throw new IllegalStateException("tjInitDecompress failed: " + BINDING.errorString(MemorySegment.NULL));
            return new TurboJpeg(h);
        } catch (Throwable t) {
            throw t instanceof RuntimeException r ? r : new IllegalStateException("tjInitDecompress failed: " + t, t);
        }
    }

    /** The scaling factors libjpeg-turbo decodes at directly, as {num, denom} pairs (1/1, 1/2, 1/4, 1/8, ... in its order). */
    static int[][] scalingFactors() {
        return BINDING.factors.clone();
    }

    /**
     * Reads the header: {width, height}.
     *
     * @throws DecodeException if it is not a JPEG the library can read
     */
    int[] header(byte[] jpeg) {
        if (jpeg.length == 0) throw new DecodeException(FailureKind.CORRUPT, "empty file");
        try {
            int rc = (int) BINDING.header.invokeExact(handle, MemorySegment.ofArray(jpeg), (long) jpeg.length,
                    ints, ints.asSlice(4), ints.asSlice(8), ints.asSlice(12));
            if (rc != 0) {
                String msg = BINDING.errorString(handle);
                renew();
                throw new DecodeException(FailureKind.CORRUPT, "not a readable JPEG: " + msg);
            }
            return new int[] {ints.getAtIndex(ValueLayout.JAVA_INT, 0), ints.getAtIndex(ValueLayout.JAVA_INT, 1)};
        } catch (DecodeException e) {
            throw e;
        } catch (Throwable t) {
            throw new DecodeException(FailureKind.DECODER_CRASH, "tjDecompressHeader3 failed: " + t, t);
        }
    }

    /**
     * Decodes {@code jpeg} at {@code width x height} (its size, or a scaled size from {@link #scalingFactors()})
     * into {@code dst} from byte {@code offset}, {@code channels} bytes per pixel (1 grey, 3 RGB, 4 RGBA), rows without padding.
     *
     * @throws DecodeException if the data is corrupt or truncated
     */
    void decode(byte[] jpeg, int width, int height, int channels, byte[] dst, int offset) {
        long need = (long) width * height * channels;
        if (offset < 0 || offset + need > dst.length) {
            throw new IllegalArgumentException("output of " + need + " bytes at " + offset + " does not fit " + dst.length + " bytes");
        }
        int format = switch (channels) {
            case 1 -> TJPF_GRAY;
            case 3 -> TJPF_RGB;
            case 4 -> TJPF_RGBA;
            default -> throw new IllegalArgumentException("channels " + channels + ": decode to 1, 3 or 4");
        };
        try {
            int rc = (int) BINDING.decompress.invokeExact(handle, MemorySegment.ofArray(jpeg), (long) jpeg.length,
                    MemorySegment.ofArray(dst).asSlice(offset, need), width, width * channels, height, format, FLAGS);
            if (rc != 0) {
                String msg = BINDING.errorString(handle);
                int code = (int) BINDING.errorCode.invokeExact(handle);
                renew();
                throw new DecodeException(FailureKind.CORRUPT, (code == TJERR_WARNING ? "damaged JPEG (warning): " : "corrupt JPEG: ") + msg);
            }
        } catch (DecodeException e) {
            throw e;
        } catch (Throwable t) {
            throw new DecodeException(FailureKind.DECODER_CRASH, "tjDecompress2 failed: " + t, t);
        }
    }

    /** Replaces the handle after a failure. */
    private void renew() throws Throwable {
        int rc = (int) BINDING.destroy.invokeExact(handle);
        handle = MemorySegment.NULL;
        MemorySegment h = (MemorySegment) BINDING.init.invokeExact();
        if (rc != 0 || h.address() == 0) throw new IllegalStateException("cannot renew the TurboJPEG handle after a failed decode");
        handle = h;
    }

    @Override
    public void close() {
        if (handle.address() == 0) {
            arena.close();
            return;
        }
        try {
            int rc = (int) BINDING.destroy.invokeExact(handle);
            if (rc != 0) throw new IllegalStateException("tjDestroy failed: " + BINDING.errorString(handle));
        } catch (RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("tjDestroy failed: " + t, t);
        } finally {
            arena.close();
        }
    }

    /** The library's functions, looked up once; {@code error} says why not when it is missing. */
    private record Binding(String library, String error, MethodHandle init, MethodHandle header, MethodHandle decompress,
                           MethodHandle destroy, MethodHandle errorStr, MethodHandle errorCode, int[][] factors) {

        static Binding load() {
            String[] names = {"libturbojpeg.so.0", "libturbojpeg.so", "libturbojpeg.0.dylib", "libturbojpeg.dylib", "turbojpeg.dll"};
            StringBuilder why = new StringBuilder();
            for (String name : names) {
                try {
                    SymbolLookup lib = SymbolLookup.libraryLookup(name, Arena.global());
                    return bind(name, lib);
                } catch (IllegalArgumentException | UnsatisfiedLinkError | IllegalStateException e) {
                    if (why.isEmpty()) why.append(name).append(": ").append(e.getMessage());
                } catch (IllegalCallerException e) {
                    return new Binding(name, "native access is not enabled: run java with --enable-native-access=ALL-UNNAMED"
                            + " (or =io.kiln.loader on the module path)", null, null, null, null, null, null, new int[0][]);
                }
            }
            return new Binding(null, "not found (" + why + "); Debian/Ubuntu: apt-get install libturbojpeg0",
                    null, null, null, null, null, null, new int[0][]);
        }

        private static Binding bind(String name, SymbolLookup lib) {
            Linker linker = Linker.nativeLinker();
            ValueLayout.OfInt i = ValueLayout.JAVA_INT;
            ValueLayout.OfLong l = ValueLayout.JAVA_LONG;
            java.lang.foreign.AddressLayout p = ValueLayout.ADDRESS;
            Linker.Option critical = Linker.Option.critical(true);
            MethodHandle init = linker.downcallHandle(find(lib, "tjInitDecompress"), FunctionDescriptor.of(p));
            MethodHandle header = linker.downcallHandle(find(lib, "tjDecompressHeader3"),
                    FunctionDescriptor.of(i, p, p, l, p, p, p, p), critical);
            MethodHandle decompress = linker.downcallHandle(find(lib, "tjDecompress2"),
                    FunctionDescriptor.of(i, p, p, l, p, i, i, i, i, i), critical);
            MethodHandle destroy = linker.downcallHandle(find(lib, "tjDestroy"), FunctionDescriptor.of(i, p));
            MethodHandle errorStr = linker.downcallHandle(find(lib, "tjGetErrorStr2"), FunctionDescriptor.of(p, p));
            MethodHandle errorCode = linker.downcallHandle(find(lib, "tjGetErrorCode"), FunctionDescriptor.of(i, p));
            MethodHandle scaling = linker.downcallHandle(find(lib, "tjGetScalingFactors"), FunctionDescriptor.of(p, p));
            int[][] factors;
            try (Arena a = Arena.ofConfined()) {
                MemorySegment count = a.allocate(i);
                MemorySegment array = (MemorySegment) scaling.invokeExact(count);
                int n = count.get(i, 0);
                if (array.address() == 0 || n <= 0 || n > 64) throw new IllegalStateException("tjGetScalingFactors returned no factors");
                MemorySegment all = array.reinterpret(8L * n);
                factors = new int[n][];
                for (int k = 0; k < n; k++) factors[k] = new int[] {all.getAtIndex(i, 2L * k), all.getAtIndex(i, 2L * k + 1)};
            } catch (RuntimeException e) {
                throw e;
            } catch (Throwable t) {
                throw new IllegalStateException("tjGetScalingFactors failed: " + t, t);
            }
            return new Binding(name, null, init, header, decompress, destroy, errorStr, errorCode, factors);
        }

        private static MemorySegment find(SymbolLookup lib, String fn) {
            return lib.find(fn).orElseThrow(() -> new IllegalStateException("the library has no " + fn + " (TurboJPEG 2.0 or newer needed)"));
        }

        String errorString(MemorySegment h) {
            try {
                MemorySegment s = (MemorySegment) errorStr.invokeExact(h);
                return s.address() == 0 ? "(no message)" : s.reinterpret(512).getString(0);
            } catch (Throwable t) {
                return "(no message: " + t + ")";
            }
        }
    }
}
