package io.kiln.ir;

import java.util.List;

/**
 * The non-terminating instructions of a basic block. The hierarchy is sealed, so a {@code switch}
 * over it in a back end is exhaustive: a new instruction is a compile error in every back end until
 * each handles it.
 * <p><b>Source lines.</b> Every instruction carries, as its last component {@code line}, the line of the
 * kernel's source file it was translated from, 0 when unknown (hand-built IR, a class compiled without
 * {@code -g:lines}). The front end takes it from the method's {@code LineNumberTable}: the line in
 * effect at the bytecode instruction that produced it; code inlined from a method of another source
 * file (the JDK's {@code Math.round}, a helper class) gets the line of the call in the kernel's file,
 * so that every line names the file of the kernel ({@link KernelIR#at(int)}). A pass that rewrites an
 * instruction keeps the line of the one it replaces, and an instruction a pass adds gets the line of
 * the construct it implements; no side table of lines exists. {@link IrPrinter} writes a line as a
 * trailing {@code  @12} (nothing for 0), {@link IrParser} reads it back, and {@link IrVerifier} checks
 * that it is not negative. Lines are for messages and debugging only: no semantic rule depends on
 * them, except that {@link CheckIndex}, {@link CheckDivisor} and {@link Print} report theirs at run
 * time.
 */
public sealed interface Instr {

    /** The source line in the kernel's file this instruction was translated from, 0 when unknown. */
    int line();

    /** {@code dst = src}. Types are equal. */
    record Move(Var dst, Value src, int line) implements Instr {}

    /**
     * {@code dst = a op b} with Java semantics for {@code dst.type()}: integer arithmetic wraps,
     * {@code MIN_VALUE / -1} is {@code MIN_VALUE}, shift counts are masked (the count {@code b} is
     * always {@link Type#I32}), float operations round to nearest and are never contracted. An integer
     * {@code DIV} or {@code REM} by zero is undefined here (Java throws): the front end puts a
     * {@link CheckDivisor} before each one whose divisor may be zero.
     */
    record Binary(Var dst, BinOp op, Value a, Value b, int line) implements Instr {}

    /** {@code dst = -a}, Java negation (wrapping for integers, sign flip for floats). */
    record Negate(Var dst, Value a, int line) implements Instr {}

    /** A Java primitive conversion ({@code i2f}, {@code f2i}, {@code i2b}, ...) with Java's exact rules. */
    record Convert(Var dst, Conversion op, Value a, int line) implements Instr {}

    /**
     * Java's three-way comparisons {@code lcmp}, {@code fcmpl}, {@code fcmpg}, {@code dcmpl},
     * {@code dcmpg}: {@code dst} is -1, 0 or 1 (NaN gives -1 for the {@code L} forms, 1 for {@code G}).
     * The front end folds a comparison followed by a branch into {@link Terminator.Branch}, so this
     * appears only where the int result is used as a value.
     */
    record Compare(Var dst, CompareKind kind, Value a, Value b, int line) implements Instr {}

    /**
     * {@code dst = array[index]}; narrow elements are sign-extended ({@code char}: zero-extended).
     * {@code index} is {@link Type#I32}, or {@link Type#I64} for an off-heap array
     * ({@link ArrayRef#isOffHeap()}).
     */
    record Load(Var dst, ArrayRef array, Value index, int line) implements Instr {}

    /**
     * {@code array[index] = value}; narrow elements keep the low bits of {@code value}. {@code index}
     * is typed as for {@link Load}.
     */
    record Store(ArrayRef array, Value index, Value value, int line) implements Instr {}

    /**
     * {@code dst = array.length}: {@link Type#I32} for Java arrays, {@link Type#I64} for off-heap arrays
     * ({@code FloatArray.length()}), see {@link ArrayRef#lengthType()}.
     */
    record ArrayLength(Var dst, ArrayRef array, int line) implements Instr {}

    /** A math function of {@code java.lang.Math}/{@code StrictMath}; the operand type is {@code dst.type()}. */
    record MathCall(Var dst, MathFunction fn, List<Value> args, int line) implements Instr {
        public MathCall {
            args = List.copyOf(args);
        }
    }

    /** Reinterprets bits between int and float or long and double ({@code Float.floatToRawIntBits} etc.). */
    record BitCast(Var dst, Value a, int line) implements Instr {}

    /** A work-item query of a {@code KernelContext} kernel, always {@link Type#I32}. */
    record WorkItem(Var dst, WorkItemQuery query, int dim, int line) implements Instr {}

    /**
     * The first iteration a work-item runs of the {@code @Parallel} loop of dimension {@code dim},
     * as an offset from the loop's start (GPU: the global id; CPU: the chunk's first index).
     * {@code dst} has the loop variable's type: {@link Type#I32}, or {@link Type#I64} for a
     * {@code @Parallel long} loop (the back end widens its 32-bit id).
     */
    record ParallelIndex(Var dst, int dim, int line) implements Instr {}

    /**
     * The step between successive iterations a work-item runs of parallel loop {@code dim}; {@code dst}
     * is typed as for {@link ParallelIndex}.
     */
    record ParallelStride(Var dst, int dim, int line) implements Instr {}

    /** A work-group barrier: every work-item of the group arrives before any continues. */
    record Barrier(int line) implements Instr {}

    /**
     * Every element of the private array {@code array} becomes zero: Java's {@code new float[16]},
     * which gives a fresh, zeroed array at each execution. The front end emits it where the
     * {@code new} is; the pass {@code io.kiln.passes.PrivateArrayZeroing} of the standard pipeline
     * lowers it into a loop of stores, so back ends never see it.
     */
    record ZeroArray(ArrayRef array, int line) implements Instr {
        /** What a back end throws when it is given IR that did not go through the standard pipeline. */
        public IllegalStateException notLowered() {
            return new IllegalStateException("zero " + array + " reached a back end: run the IR through "
                    + "io.kiln.passes.Pipeline.standard() (its pass private-array-zeroing lowers it to stores)");
        }
    }

    /**
     * An atomic read-modify-write of {@code array[index]}; {@code dst} receives the old value.
     * {@code expected} is used only by {@link AtomicOp#COMPARE_AND_SET} (then {@code operand} is the
     * new value), else {@code null}.
     */
    record Atomic(Var dst, AtomicOp op, ArrayRef array, Value index, Value operand, Value expected, int line) implements Instr {}

    /**
     * Java's array bounds check of the access that immediately follows it in the same block (a
     * {@link Load}, {@link Store} or {@link Atomic} of the same {@code array} with the same {@code index}).
     * If {@code index < 0 || index >= length(array)} the guarded access does not happen (a load or an
     * atomic yields 0, a store or atomic is dropped), the device records the first violation of the
     * launch (array, index, length, {@code line}) and the launch then fails with
     * {@link io.kiln.KernelIndexOutOfBoundsException}. Recording and skipping, rather than returning
     * early, keeps work-groups convergent at barriers and never touches memory past an array.
     * {@code index} is typed as for {@link Load}; the exception names {@code line}.
     * Passes remove checks they prove redundant ({@code io.kiln.passes.RangeCheckElimination}).
     */
    record CheckIndex(ArrayRef array, Value index, int line) implements Instr {}

    /**
     * Java's division-by-zero check of the integer {@link BinOp#DIV} or {@link BinOp#REM} that follows it
     * immediately in its block and whose divisor is {@code divisor} ({@link Type#I32} or {@link Type#I64}).
     * Java throws {@code ArithmeticException} there; a device cannot throw, so if {@code divisor == 0} the
     * division does not happen (its result is 0), the device records the first failure of the launch
     * (in the same record as {@link CheckIndex}, see {@code io.kiln.frontend.BoundsChecks}) and the launch
     * then fails with {@link io.kiln.KernelArithmeticException}, on every back end alike. The front end
     * omits it where the divisor is a constant other than zero; {@code line} is the source line, 0 when
     * unknown.
     */
    record CheckDivisor(Value divisor, int line) implements Instr {}

    /**
     * {@code System.out.printf(format, args...)} of one work-item: appends one record to the launch's
     * print buffer, which the host decodes after the launch and prints with {@code String.format}, so
     * that each line is what the method prints on the JVM. The record is {@code site}, then the raw bits
     * of every value of {@code values} (one 32-bit word for {@link Type#I32} and {@link Type#F32}, two,
     * low word first, for {@link Type#I64} and {@link Type#F64}); its size is fixed per instruction.
     * <p>{@code values} are first {@code keys} values that place the work-item in Java's order (the
     * {@code @Parallel} loop variables, outermost first; or the global ids z, y, x of a work-item kernel;
     * none for a single kernel), then one value per argument of {@code args} that is not a string
     * constant, typed as {@link PrintKind#valueType()}. The host prints the records sorted by their key
     * values (signed, in order), and in buffer order within equal keys: one work-item appends in program
     * order, so that is its program order.
     * <p>The append is one atomic add to the buffer's cursor; a record that does not fit is dropped
     * and counted, and so is every later record of the launch, so a work-item's output is a prefix of
     * what it printed ({@code io.kiln.spi.PrintBuffer}). {@code site} is unique per {@code printf}
     * call of the kernel; {@code line} is its source line, 0 when unknown.
     */
    record Print(int site, String format, List<Value> values, int keys, List<PrintArg> args, int line) implements Instr {
        public Print {
            values = List.copyOf(values);
            args = List.copyOf(args);
        }

        /** The same call with other operands (a pass substituted constants). */
        public Print withValues(List<Value> newValues) {
            return new Print(site, format, newValues, keys, args, line);
        }

        /** The 32-bit words of one record: the site and the bits of every value. */
        public int words() {
            int n = 1;
            for (Value v : values) n += v.type().isWide() ? 2 : 1;
            return n;
        }
    }
}
