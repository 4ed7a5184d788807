package io.kiln.opencl;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Optional;
import java.util.logging.Logger;

/**
 * Keeps the JVM's signal handlers in place while an OpenCL driver that embeds LLVM runs in the process.
 * <p><b>Why.</b> HotSpot takes {@code SIGSEGV} on purpose all the time (implicit null checks, safepoint
 * polls), and {@code SIGFPE}, {@code SIGILL}, {@code SIGBUS}, {@code SIGTRAP} and {@code SIGUSR2} for
 * other parts of its work; its handlers turn them into exceptions or safepoints. PoCL compiles kernels
 * with LLVM, and LLVM, the first time it creates a temporary file (PoCL's compiler does), installs its
 * own handlers for those signals process-wide ({@code llvm::sys::RemoveFileOnSignal}). LLVM's handler,
 * on the next such signal, puts the previous handlers back and lets the instruction fault again, which
 * a lone fault survives; two Java threads faulting at once do not, and the JVM dies of {@code SIGSEGV}
 * with no {@code hs_err} file. Seen in Kiln's own tests: a core of one such death showed a Java thread
 * in compiled code inside LLVM's signal handler (docs/safety.md, "Signal handlers").
 * <p><b>What.</b> Before the first OpenCL call Kiln records the handlers of the signals LLVM takes over
 * ({@link #snapshot}); after each program build, and at every host wait, it compares two of them and,
 * where any differs, puts every recorded handler back ({@link #restore}). LLVM counts its handlers as
 * installed and does not install them again, so this happens once or twice per process. LLVM then no
 * longer deletes its temporary files on a crash: that is all it loses. A JVM started with HotSpot's
 * signal chaining ({@code LD_PRELOAD=$JAVA_HOME/lib/libjsig.so}) keeps its handlers by itself, and this
 * finds nothing to do. {@code -Dkiln.opencl.keepSignalHandlers=false} turns it off.
 * <p>Linux only (glibc's {@code sigaction}; the recorded {@code struct sigaction} is copied back
 * whole, not interpreted, except its first field, the handler, which is compared).
 */
final class OpenClSignals {
    private OpenClSignals() {
    }

    /** The signals LLVM 15's {@code RegisterHandlers} takes (its IntSigs and KillSigs), by Linux number. */
    private static final int[] SIGNALS = {1, 2, 3, 4, 5, 6, 7, 8, 11, 12, 15, 24, 25, 31};
    /** Compared at waits: LLVM installs SIGHUP first and SIGXFSZ last, so a change shows in one of them. */
    private static final int FIRST = 0;
    private static final int LAST = 12;
    /** Larger than glibc's {@code struct sigaction} (152 bytes on x86-64 and AArch64). */
    private static final long SIZE = 256;

    private static MethodHandle sigaction;
    private static MemorySegment[] saved;
    private static MemorySegment scratch;
    private static volatile boolean active;
    private static boolean reported;
    private static int restores;

    /** Records the current handlers; the first call wins. Does nothing off Linux or when turned off. */
    static synchronized void snapshot() {
        if (sigaction != null || !System.getProperty("os.name", "").startsWith("Linux")) return;
        try {
            Linker linker = Linker.nativeLinker();
            Optional<MemorySegment> f = linker.defaultLookup().find("sigaction");
            if (f.isEmpty()) return;
            sigaction = linker.downcallHandle(f.get(), FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                    ValueLayout.ADDRESS, ValueLayout.ADDRESS));
            if ("false".equals(System.getProperty("kiln.opencl.keepSignalHandlers"))) return;
            MemorySegment[] s = new MemorySegment[SIGNALS.length];
            for (int i = 0; i < SIGNALS.length; i++) {
                s[i] = Arena.global().allocate(SIZE, 16);
                if ((int) sigaction.invokeExact(SIGNALS[i], MemorySegment.NULL, s[i]) != 0) return;
            }
            scratch = Arena.global().allocate(SIZE, 16);
            saved = s;
            active = true;
        } catch (Throwable t) {
            // Without native access (or another libc) the handlers are left as they are, as before.
        }
    }

    /** After something that may have run LLVM (a program build): compares every recorded handler. */
    static void restoreAll() {
        if (active) restore(true);
    }

    /** At a host wait: compares the first and the last handler LLVM installs, and restores all if either changed. */
    static void check() {
        if (active) restore(false);
    }

    private static synchronized void restore(boolean all) {
        try {
            boolean changed = false;
            for (int i = 0; i < SIGNALS.length; i++) {
                if (!all && i != FIRST && i != LAST) continue;
                if (differs(i)) {
                    changed = true;
                    break;
                }
            }
            if (!changed) return;
            StringBuilder which = new StringBuilder();
            for (int i = 0; i < SIGNALS.length; i++) {
                if (!differs(i)) continue;
                if ((int) sigaction.invokeExact(SIGNALS[i], saved[i], MemorySegment.NULL) == 0) {
                    which.append(which.isEmpty() ? "" : ", ").append(SIGNALS[i]);
                }
            }
            restores++;
            if (!reported) {
                reported = true;
                Logger.getLogger("io.kiln").fine("the OpenCL driver replaced the JVM's handlers of signals " + which
                        + " (LLVM does this); Kiln put the JVM's back (docs/safety.md, \"Signal handlers\")");
            }
        } catch (Throwable t) {
            active = false; // never fail a run for this
        }
    }

    private static boolean differs(int i) throws Throwable {
        if ((int) sigaction.invokeExact(SIGNALS[i], MemorySegment.NULL, scratch) != 0) return false;
        return scratch.get(ValueLayout.JAVA_LONG, 0) != saved[i].get(ValueLayout.JAVA_LONG, 0);
    }

    /** For tests: the handler address of signal {@code signal} now, or 0 when unknown. */
    static long handlerOf(int signal) {
        if (sigaction == null) return 0;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = a.allocate(SIZE, 16);
            if ((int) sigaction.invokeExact(signal, MemorySegment.NULL, s) != 0) return 0;
            return s.get(ValueLayout.JAVA_LONG, 0);
        } catch (Throwable t) {
            return 0;
        }
    }

    /** For tests: the handler recorded for {@code signal}, or 0 when none was. */
    static long recorded(int signal) {
        if (saved == null) return 0;
        for (int i = 0; i < SIGNALS.length; i++) if (SIGNALS[i] == signal) return saved[i].get(ValueLayout.JAVA_LONG, 0);
        return 0;
    }

    /** For tests: installs {@code handler} ({@code 1}: SIG_IGN) for {@code signal}, as a driver would. */
    static void install(int signal, long handler) throws Throwable {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = a.allocate(SIZE, 16);
            if ((int) sigaction.invokeExact(signal, MemorySegment.NULL, s) != 0) throw new IllegalStateException("sigaction failed");
            s.set(ValueLayout.JAVA_LONG, 0, handler);
            if ((int) sigaction.invokeExact(signal, s, MemorySegment.NULL) != 0) throw new IllegalStateException("sigaction failed");
        }
    }

    /** For tests: whether the handlers were recorded. */
    static boolean active() {
        return active;
    }

    /** For tests: how many times handlers were put back. */
    static int restores() {
        return restores;
    }
}
