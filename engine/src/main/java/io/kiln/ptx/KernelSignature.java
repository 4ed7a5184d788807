package io.kiln.ptx;

import io.kiln.ir.ElementType;
import io.kiln.ir.KernelIR;
import io.kiln.ir.KernelKind;
import io.kiln.ir.Param;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The {@code .param} list of a kernel's PTX entry, derived from its IR, and the packing of a task's
 * Java arguments into launch arguments in that order. The emitter declares exactly these parameters
 * and the launcher fills exactly these, so the two cannot drift apart.
 * <ul>
 *   <li>an array parameter becomes a {@code .u64} device pointer followed by an {@code .s32} length
 *       (a Java array) or an {@code .s64} length (an off-heap array, {@code FloatArray} and friends);</li>
 *   <li>a scalar becomes one parameter of its register type ({@code boolean}, {@code byte},
 *       {@code short} and {@code char} widened to {@code .s32});</li>
 *   <li>the {@code KernelContext} parameter passes nothing;</li>
 *   <li>a work-item kernel ends with three {@code .s32} global sizes: the grid the user asked for,
 *       which the launch rounds up to whole blocks;</li>
 *   <li>a kernel with bounds checks ends with the {@code .u64} device pointer of its error record
 *       ({@link io.kiln.frontend.BoundsChecks}).</li>
 * </ul>
 *
 * @param slots the PTX parameters in declaration order
 */
public record KernelSignature(List<Slot> slots) {

    /** What a PTX parameter carries. */
    public enum Source {
        /** The device pointer of an array parameter. */
        ARRAY_POINTER,
        /** The length of an array parameter. */
        ARRAY_LENGTH,
        /** A scalar parameter. */
        SCALAR,
        /** The requested global size of one grid dimension (work-item kernels). */
        GRID_SIZE,
        /** The device pointer of the bounds checks' error record (kernels with checks), always last. */
        ERROR_RECORD,
        /** The print buffer of a kernel that prints ({@link io.kiln.spi.PrintBuffer}). */
        PRINT_BUFFER
    }

    /** PTX parameter types and their sizes in bytes. */
    public enum PtxType {
        U64(8), S32(4), S64(8), F32(4), F64(8);

        private final int bytes;

        PtxType(int bytes) {
            this.bytes = bytes;
        }

        /** Size in bytes. */
        public int bytes() {
            return bytes;
        }

        /** The PTX spelling ({@code .u64}, ...). */
        public String ptx() {
            return "." + name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * One PTX parameter.
     *
     * @param name       its PTX name
     * @param type       its PTX type
     * @param source     what it carries
     * @param paramIndex the Java parameter it comes from, or the grid dimension for {@link Source#GRID_SIZE}
     */
    public record Slot(String name, PtxType type, Source source, int paramIndex) {}

    public KernelSignature {
        slots = List.copyOf(slots);
    }

    /** The signature of {@code ir}'s entry. */
    public static KernelSignature of(KernelIR ir) {
        List<Slot> slots = new ArrayList<>();
        for (Param p : ir.params()) {
            String base = "p" + p.index() + "_" + p.name().replaceAll("[^A-Za-z0-9_]", "_");
            switch (p) {
                case Param.Array a -> {
                    slots.add(new Slot(base, PtxType.U64, Source.ARRAY_POINTER, p.index()));
                    slots.add(new Slot(base + "_len", a.array().isOffHeap() ? PtxType.S64 : PtxType.S32, Source.ARRAY_LENGTH, p.index()));
                }
                case Param.Scalar s -> slots.add(new Slot(base, switch (s.kind().valueType()) {
                    case I32 -> PtxType.S32;
                    case I64 -> PtxType.S64;
                    case F32 -> PtxType.F32;
                    case F64 -> PtxType.F64;
                }, Source.SCALAR, p.index()));
                case Param.Context c -> {
                }
            }
        }
        if (ir.kind() == KernelKind.WORK_ITEM) {
            for (int d = 0; d < 3; d++) {
                slots.add(new Slot("grid_size_" + "xyz".charAt(d), PtxType.S32, Source.GRID_SIZE, d));
            }
        }
        if (io.kiln.frontend.BoundsChecks.hasChecks(ir)) {
            slots.add(new Slot("kiln_err", PtxType.U64, Source.ERROR_RECORD, -1));
        }
        if (io.kiln.spi.PrintBuffer.prints(ir)) {
            slots.add(new Slot("kiln_print", PtxType.U64, Source.PRINT_BUFFER, -1));
        }
        return new KernelSignature(slots);
    }

    /** The error-record slot, or {@code null} for a kernel without bounds checks. */
    public Slot errorRecordSlot() {
        return slotOf(Source.ERROR_RECORD);
    }

    /** The print-buffer slot (the last one), or {@code null} for a kernel that does not print. */
    public Slot printBufferSlot() {
        return slotOf(Source.PRINT_BUFFER);
    }

    private Slot slotOf(Source source) {
        for (int i = slots.size() - 1; i >= 0 && i >= slots.size() - 2; i--) {
            if (slots.get(i).source() == source) return slots.get(i);
        }
        return null;
    }

    /** The slot carrying array parameter {@code paramIndex}'s pointer (or length, when {@code length}). */
    Slot arraySlot(int paramIndex, boolean length) {
        Source want = length ? Source.ARRAY_LENGTH : Source.ARRAY_POINTER;
        return slots.stream().filter(s -> s.paramIndex() == paramIndex && s.source() == want).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("parameter " + paramIndex + " is not an array"));
    }

    /** The slot of scalar parameter {@code paramIndex}. */
    Slot scalarSlot(int paramIndex) {
        return slots.stream().filter(s -> s.paramIndex() == paramIndex && s.source() == Source.SCALAR).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("parameter " + paramIndex + " is not a scalar"));
    }

    /** Resolves the device pointer of a host array during packing. */
    @FunctionalInterface
    public interface Pointers {
        /** The device address of {@code hostArray}'s device copy (a Java array or an {@code OffHeapArray}). */
        long devicePointer(Object hostArray);
    }

    /**
     * The launch arguments for a task's Java arguments, one value per slot, as raw bits in a
     * {@code long} (ints sign-extended, floats as {@code floatToRawIntBits}). Checks every argument
     * against the kernel's parameter types and says which one is wrong.
     *
     * @param ir        the kernel
     * @param args      the task's arguments in Java parameter order
     * @param pointers  device pointers of the array arguments
     * @param gridSizes the requested global sizes of a work-item kernel (ignored for other kinds)
     * @throws IllegalArgumentException if an argument does not match its parameter
     */
    public long[] pack(KernelIR ir, Object[] args, Pointers pointers, long[] gridSizes) {
        return pack(ir, args, pointers, gridSizes, 0);
    }

    /**
     * As {@link #pack(KernelIR, Object[], Pointers, long[])}, with {@code errorRecord} the device address of
     * the bounds checks' error record (ignored for a kernel without checks).
     */
    public long[] pack(KernelIR ir, Object[] args, Pointers pointers, long[] gridSizes, long errorRecord) {
        return pack(ir, args, pointers, gridSizes, errorRecord, 0);
    }

    /**
     * As {@link #pack(KernelIR, Object[], Pointers, long[], long)}, with {@code printBuffer} the device
     * address of the print buffer (ignored for a kernel that does not print).
     */
    public long[] pack(KernelIR ir, Object[] args, Pointers pointers, long[] gridSizes, long errorRecord, long printBuffer) {
        if (args.length != ir.params().size()) {
            throw new IllegalArgumentException(ir.displayName() + " takes " + ir.params().size() + " arguments, "
                    + args.length + " were given");
        }
        long[] out = new long[slots.size()];
        for (int i = 0; i < slots.size(); i++) {
            Slot s = slots.get(i);
            out[i] = switch (s.source()) {
                case GRID_SIZE -> gridSizes != null && s.paramIndex() < gridSizes.length ? gridSizes[s.paramIndex()] : 1;
                case ARRAY_POINTER -> pointers.devicePointer(checkedArray(ir, args, s.paramIndex()));
                case ARRAY_LENGTH -> checkedArray(ir, args, s.paramIndex()) instanceof io.kiln.OffHeapArray o
                        ? o.length() : java.lang.reflect.Array.getLength(args[s.paramIndex()]);
                case SCALAR -> scalarBits(ir, (Param.Scalar) ir.params().get(s.paramIndex()), args[s.paramIndex()]);
                case ERROR_RECORD -> errorRecord;
                case PRINT_BUFFER -> printBuffer;
            };
        }
        return out;
    }

    private static Object checkedArray(KernelIR ir, Object[] args, int index) {
        Param.Array p = (Param.Array) ir.params().get(index);
        Object a = args[index];
        ElementType want = p.array().element();
        if (p.array().isOffHeap()) {
            String cls = Character.toUpperCase(want.javaName().charAt(0)) + want.javaName().substring(1) + "Array";
            if (!(a instanceof io.kiln.OffHeapArray o) || o.elementType() != want) {
                throw new IllegalArgumentException(ir.displayName() + ": argument " + index + " ('" + p.name() + "') must be an io.kiln."
                        + cls + ", but " + (a == null ? "null" : "a " + a.getClass().getSimpleName()) + " was given");
            }
            if (o.isClosed()) {
                throw new IllegalArgumentException(ir.displayName() + ": argument " + index + " ('" + p.name() + "') is a closed "
                        + cls + "; pass an open array");
            }
            return a;
        }
        ElementType got = a == null ? null : ElementType.ofArrayClass(a.getClass());
        if (got != want) {
            throw new IllegalArgumentException(ir.displayName() + ": argument " + index + " ('" + p.name() + "') must be a "
                    + want.javaName() + "[], but a " + (a == null ? "null" : a.getClass().getSimpleName()) + " was given");
        }
        return a;
    }

    /**
     * The raw bits of scalar argument {@code v} for parameter {@code p}, as a kernel parameter slot holds them
     * (shared by the PTX interpreter's launch and the CUDA driver's).
     *
     * @throws IllegalArgumentException if {@code v} is not of {@code p}'s type
     */
    public static long scalarBits(KernelIR ir, Param.Scalar p, Object v) {
        Object ok = switch (p.kind()) {
            case BOOLEAN -> v instanceof Boolean b ? (long) (b ? 1 : 0) : null;
            case CHAR -> v instanceof Character c ? (long) c : null;
            case BYTE -> v instanceof Byte b ? (long) b : null;
            case SHORT -> v instanceof Short s ? (long) s : null;
            case INT -> v instanceof Integer n ? (long) n : null;
            case LONG -> v instanceof Long n ? n : null;
            case FLOAT -> v instanceof Float f ? (long) Float.floatToRawIntBits(f) : null;
            case DOUBLE -> v instanceof Double d ? Double.doubleToRawLongBits(d) : null;
        };
        if (ok == null) {
            throw new IllegalArgumentException(ir.displayName() + ": argument " + p.index() + " ('" + p.name() + "') must be a "
                    + p.kind().name().toLowerCase(Locale.ROOT) + ", but " + (v == null ? "null" : "a " + v.getClass().getSimpleName())
                    + " was given");
        }
        return (Long) ok;
    }
}
