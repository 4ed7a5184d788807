package io.kiln.spi;

import io.kiln.KernelIndexOutOfBoundsException;
import io.kiln.ir.ArrayRef;
import io.kiln.ir.KernelIR;

/**
 * The one place that turns a failed bounds check ({@link io.kiln.ir.Instr.CheckIndex}) into the
 * {@link KernelIndexOutOfBoundsException} a run throws, for every back end: the OpenCL and CUDA
 * sessions after decoding their error record, the {@code cpu} back end from the check that failed;
 * likewise a failed divisor check ({@link io.kiln.ir.Instr.CheckDivisor}) into the
 * {@link io.kiln.KernelArithmeticException}.
 * Keeping it here means the kernel name, array kind, source file and message cannot differ between
 * devices.
 */
public final class BoundsFailure {
    private BoundsFailure() {
    }

    /**
     * The exception for a failed check of {@code array} in {@code ir}.
     *
     * @param ir       the kernel as it was compiled
     * @param array    the checked array, or {@code null} when the device named an id the kernel does not have
     *                 (then the message says {@code array #id})
     * @param arrayId  the id the device reported, used only when {@code array} is {@code null}
     * @param index    the index used
     * @param length   the array's length
     * @param line     the source line of the access, 0 when unknown
     * @param deviceId the device's id, such as {@code opencl:0}
     */
    public static KernelIndexOutOfBoundsException of(KernelIR ir, ArrayRef array, int arrayId, long index, long length,
                                                     int line, String deviceId) {
        String kind = array == null ? "array" : switch (array.space()) {
            case GLOBAL -> "parameter";
            case PRIVATE -> "private array";
            case LOCAL -> "local array";
            case CONSTANT -> "constant table";
        };
        String name = array == null ? "#" + arrayId : array.name();
        return new KernelIndexOutOfBoundsException(ir.displayName(), kind, name, index, length, sourceFile(ir), line, deviceId);
    }

    /**
     * The exception for a failed {@link io.kiln.ir.Instr.CheckDivisor} of {@code ir}: an integer division by
     * zero at {@code line} (0 when unknown) on {@code deviceId}.
     */
    public static io.kiln.KernelArithmeticException divisionByZero(KernelIR ir, int line, String deviceId) {
        return new io.kiln.KernelArithmeticException(ir.displayName(), sourceFile(ir), line, deviceId);
    }

    /**
     * The source file javac names for the top-level class of {@code ir}'s owner: the file a line number
     * of the kernel refers to (a guess from the class name; a bounds check in a helper of another file
     * carries the kernel's line of the call, see the front end).
     */
    private static String sourceFile(KernelIR ir) {
        String owner = ir.ownerClass();
        String simple = owner.substring(owner.lastIndexOf('.') + 1);
        int dollar = simple.indexOf('$');
        return (dollar > 0 ? simple.substring(0, dollar) : simple) + ".java";
    }
}
