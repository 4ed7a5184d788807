package io.kiln.cpu;

import io.kiln.KilnException;

/**
 * Errors that generated kernel classes throw ({@code invokestatic} from the hidden class, which
 * shares this package; the generated code throws what these return).
 */
final class KernelSupport {
    private KernelSupport() {
    }

    /**
     * Integer division or remainder by zero, as the JVM would throw it. Generated code tests the
     * divisor explicitly instead of relying on the JVM's hardware trap: a native library in the same
     * process may replace the JVM's SIGFPE handler (PoCL's CPU driver installs one that skips the
     * faulting instruction unless {@code POCL_SIGFPE_HANDLER=0}), after which {@code idiv} by zero
     * silently yields a wrong value instead of throwing.
     */
    static ArithmeticException divisionByZero() {
        return new ArithmeticException("/ by zero");
    }

    /**
     * The error for work-items of one group that stopped at different barriers (or where some
     * returned while others wait at a barrier).
     *
     * @param first where item 0 stopped: {@code k + 1} at barrier {@code k}, 0 when it returned
     * @param other where item {@code item} stopped, in the same encoding
     */
    static KilnException divergentBarrier(int first, int other, int item, int groupX, int groupY, int groupZ) {
        return new KilnException("work-items of work-group (" + groupX + ", " + groupY + ", " + groupZ
                + ") disagree: work-item 0 " + stop(first) + " but work-item " + item + " (in the group's x-fastest order) "
                + stop(other) + ". Every work-item of a group must reach the same barriers in the same order: "
                + "barrier() may not sit under control flow that depends on the work-item id");
    }

    private static String stop(int code) {
        return code == 0 ? "returned" : "stopped at barrier #" + (code - 1) + " (in code order)";
    }

    /**
     * What a loop header throws when the launch was cancelled ({@link LaunchControl#cancelled}).
     * Without a stack trace: it is a signal, and {@code CpuKernel} replaces it with one that names
     * the kernel.
     */
    static java.util.concurrent.CancellationException cancelled() {
        return new Cancelled();
    }

    /** The signal thrown by generated code when its launch is cancelled. */
    static final class Cancelled extends java.util.concurrent.CancellationException {
        Cancelled() {
            super("cancelled");
        }

        @Override
        public synchronized Throwable fillInStackTrace() {
            return this;
        }
    }

    /**
     * What a failed bounds check throws ({@code JvmEmitter.checkIndex}): the index, the length and the
     * number of the check. Without a stack trace: {@code CpuKernel} replaces it with the
     * {@link io.kiln.KernelIndexOutOfBoundsException} that names kernel, array and source line.
     */
    static OutOfBounds outOfBounds(long index, long length, int check) {
        return new OutOfBounds(index, length, check);
    }

    /** The signal of a failed divisor check at source line {@code line}; CpuKernel turns it into Kiln's exception. */
    static DivisionByZero divisionByZero(int line) {
        return new DivisionByZero(line);
    }

    /** The signal of an integer division by zero ({@link io.kiln.ir.Instr.CheckDivisor}). */
    static final class DivisionByZero extends RuntimeException {
        final int line;

        DivisionByZero(int line) {
            super("/ by zero (line " + line + ")", null, false, false);
            this.line = line;
        }
    }

    /** The signal of a failed bounds check. */
    static final class OutOfBounds extends RuntimeException {
        final long index;
        final long length;
        final int check;

        OutOfBounds(long index, long length, int check) {
            super("Index " + index + " out of bounds for length " + length + " (check #" + check + ")", null, false, false);
            this.index = index;
            this.length = length;
            this.check = check;
        }
    }
}
