package io.kiln.cpu;

import io.kiln.KernelCompilationException;
import io.kiln.cpu.JvmEmitter.Mode;
import io.kiln.ir.AddressSpace;
import io.kiln.ir.ArrayRef;
import io.kiln.ir.Const;
import io.kiln.ir.Instr;
import io.kiln.ir.MathFunction;
import io.kiln.ir.Type;
import io.kiln.ir.Value;
import io.kiln.ir.Var;

import java.lang.classfile.Label;
import java.lang.classfile.Opcode;
import java.lang.classfile.instruction.OperatorInstruction;
import java.lang.constant.ClassDesc;
import java.lang.constant.ConstantDescs;
import java.lang.constant.MethodTypeDesc;
import java.util.concurrent.CancellationException;

import static io.kiln.cpu.JvmEmitter.CD_ATOMICS;
import static io.kiln.cpu.JvmEmitter.CD_CONTROL;
import static io.kiln.cpu.JvmEmitter.CD_DOUBLE;
import static io.kiln.cpu.JvmEmitter.CD_FLOAT;
import static io.kiln.cpu.JvmEmitter.CD_MATH;
import static io.kiln.cpu.JvmEmitter.CD_SEGMENT;
import static io.kiln.cpu.JvmEmitter.CD_SUPPORT;
import static io.kiln.cpu.JvmEmitter.CD_VALUE_LAYOUT;
import static io.kiln.cpu.JvmEmitter.arrayDesc;
import static io.kiln.cpu.JvmEmitter.desc;
import static io.kiln.cpu.JvmEmitter.elementDesc;
import static io.kiln.cpu.JvmEmitter.kind;
import static io.kiln.cpu.JvmEmitter.layoutDesc;
import static io.kiln.cpu.JvmEmitter.layoutName;
import static java.lang.constant.ConstantDescs.CD_double;
import static java.lang.constant.ConstantDescs.CD_float;
import static java.lang.constant.ConstantDescs.CD_int;
import static java.lang.constant.ConstantDescs.CD_long;
import static java.lang.constant.ConstantDescs.CD_void;

/**
 * Writes the kernel's instructions as JVM bytecode for a {@link MethodWriter}: Java's operators,
 * array accesses (on-heap arrays and off-heap segments), bounds checks, math calls, work-item
 * queries, the parallel-loop index of a chunk, atomics and printf records.
 */
final class InstrWriter extends MethodPart {

    InstrWriter(MethodWriter w) {
        super(w);
    }

    /**
     * Java's bounds check, made explicit so that Kiln's exception, not the JVM's, reports it:
     * {@code if (index < 0 || index >= length) throw KernelSupport.outOfBounds(index, length, check)}.
     * It runs before the access, so a bad access never happens (the JVM's own check after it, now
     * redundant, is removed by C2, which also folds the two compares into one unsigned compare and
     * hoists it out of counted loops). {@code check} numbers the CheckIndex in block order
     * ({@link KernelAnalysis#checks}); CpuKernel turns it into the array and the source line.
     */
    void checkIndex(Instr.CheckIndex c) {
        if (c.array().isOffHeap()) {
            offHeapCheckIndex(c);
            return;
        }
        Label fail = cb.newLabel();
        Label ok = cb.newLabel();
        boolean wide = c.array().isOffHeap() || c.index().type() == Type.I64;
        load(c.index());
        if (c.index().type() == Type.I64) {
            cb.lconst_0();
            cb.lcmp();
        }
        cb.iflt(fail);
        load(c.index());
        if (wide && c.index().type() == Type.I32) cb.i2l();
        w.length(c.array());
        if (wide && !c.array().isOffHeap()) cb.i2l();
        if (wide) {
            cb.lcmp();
            cb.iflt(ok);
        } else {
            cb.if_icmplt(ok);
        }
        cb.labelBinding(fail);
        throwOutOfBounds(c);
        cb.labelBinding(ok);
    }

    /**
     * Java's division-by-zero check, made explicit so that Kiln's exception (with the source line)
     * reports it, as on the other devices: {@code if (divisor == 0) throw KernelSupport.divisionByZero(line)}.
     * C2 then drops its own implicit zero check of the division that follows.
     */
    private void checkDivisor(Instr.CheckDivisor c) {
        Label ok = cb.newLabel();
        load(c.divisor());
        if (c.divisor().type() == Type.I64) {
            cb.lconst_0();
            cb.lcmp();
        }
        cb.ifne(ok);
        cb.loadConstant(c.line());
        cb.invokestatic(CD_SUPPORT, "divisionByZero", MethodTypeDesc.of(ClassDesc.of(KernelSupport.DivisionByZero.class.getName()), CD_int));
        cb.athrow();
        cb.labelBinding(ok);
    }

    private void throwOutOfBounds(Instr.CheckIndex c) {
        load(c.index());
        if (c.index().type() == Type.I32) cb.i2l();
        w.length(c.array());
        if (!c.array().isOffHeap()) cb.i2l();
        cb.loadConstant(an.checkId(c));
        cb.invokestatic(CD_SUPPORT, "outOfBounds", MethodTypeDesc.of(ClassDesc.of(KernelSupport.OutOfBounds.class.getName()),
                CD_long, CD_long, CD_int));
        cb.athrow();
    }

    /**
     * The check of an off-heap access: {@code Objects.checkIndex(index, length)} (long), inside a
     * try range whose handler throws the check's own signal. C2 intrinsifies {@code checkIndex} into
     * a range check that it hoists out of counted loops, as it does for the segment's own check;
     * the explicit compares of {@link #checkIndex} stayed in the loop (the off-heap saxpy of
     * {@code OffHeapSaxpyBenchmark} ran 40% slower with them; with this, within the noise of the measurement).
     */
    private void offHeapCheckIndex(Instr.CheckIndex c) {
        Label start = cb.newLabel();
        Label end = cb.newLabel();
        Label handler = cb.newLabel();
        Label ok = cb.newLabel();
        cb.labelBinding(start);
        load(c.index());
        if (c.index().type() == Type.I32) cb.i2l();
        w.length(c.array());
        cb.invokestatic(ClassDesc.of("java.util.Objects"), "checkIndex", MethodTypeDesc.of(CD_long, CD_long, CD_long));
        cb.pop2();
        cb.labelBinding(end);
        cb.goto_(ok);
        cb.labelBinding(handler);
        cb.pop();
        throwOutOfBounds(c);
        cb.labelBinding(ok);
        cb.exceptionCatch(start, end, handler, ClassDesc.of(IndexOutOfBoundsException.class.getName()));
    }

    /**
     * At a loop header that KernelAnalysis chose: {@code if (control.cancelled) throw
     * KernelSupport.cancelled();} (CpuKernel turns the exception into the launch's
     * CancellationException naming the kernel).
     */
    void cancelCheck() {
        Label go = cb.newLabel();
        cb.aload(w.controlSlot);
        cb.getfield(CD_CONTROL, "cancelled", ConstantDescs.CD_boolean);
        cb.ifeq(go);
        cb.invokestatic(CD_SUPPORT, "cancelled", MethodTypeDesc.of(ClassDesc.of(CancellationException.class.getName())));
        cb.athrow();
        cb.labelBinding(go);
    }

    // ---------------------------------------------------------------- instructions

    /** Writes one instruction (a barrier is {@link GroupLoops#barrier}'s). */
    void instr(Instr i) {
        switch (i) {
            case Instr.Move m -> {
                load(m.src());
                store(m.dst());
            }
            case Instr.Binary b -> {
                load(b.a());
                load(b.b());
                Type t = b.dst().type();
                boolean divides = b.op() == io.kiln.ir.BinOp.DIV || b.op() == io.kiln.ir.BinOp.REM;
                if (divides && (t == Type.I32 || t == Type.I64) && !(b.b() instanceof Const c && c.bits() != 0)) {
                    // An explicit test, not the JVM's SIGFPE trap, which a native library may have replaced.
                    Label ok = cb.newLabel();
                    if (t == Type.I32) {
                        cb.dup();
                    } else {
                        cb.dup2();
                        cb.lconst_0();
                        cb.lcmp();
                    }
                    cb.ifne(ok);
                    cb.invokestatic(CD_SUPPORT, "divisionByZero", MethodTypeDesc.of(ClassDesc.of("java.lang.ArithmeticException")));
                    cb.athrow();
                    cb.labelBinding(ok);
                }
                cb.with(OperatorInstruction.of(binaryOpcode(b.op(), b.dst().type())));
                store(b.dst());
            }
            case Instr.Negate n -> {
                load(n.a());
                cb.with(OperatorInstruction.of(switch (n.dst().type()) {
                    case I32 -> Opcode.INEG;
                    case I64 -> Opcode.LNEG;
                    case F32 -> Opcode.FNEG;
                    case F64 -> Opcode.DNEG;
                }));
                store(n.dst());
            }
            case Instr.Convert c -> {
                load(c.a());
                switch (c.op()) {
                    case I2B -> cb.i2b();
                    case I2C -> cb.i2c();
                    case I2S -> cb.i2s();
                    default -> cb.conversion(kind(c.op().from()), kind(c.op().to()));
                }
                store(c.dst());
            }
            case Instr.Compare c -> {
                load(c.a());
                load(c.b());
                switch (c.kind()) {
                    case LCMP -> cb.lcmp();
                    case FCMPL -> cb.fcmpl();
                    case FCMPG -> cb.fcmpg();
                    case DCMPL -> cb.dcmpl();
                    case DCMPG -> cb.dcmpg();
                }
                store(c.dst());
            }
            case Instr.Load l -> {
                ArrayRef a = l.array();
                if (a.isOffHeap()) {
                    // segment.getAtIndex(ValueLayout.JAVA_X, (long) index): bounds-checked like a[i].
                    segmentAndIndex(a, l.index());
                    cb.invokeinterface(CD_SEGMENT, "getAtIndex",
                            MethodTypeDesc.of(elementDesc(a.element()), layoutDesc(a.element()), CD_long));
                } else {
                    cb.aload(w.arraySlot[a.id()]);
                    load(l.index());
                    cb.arrayLoad(kind(a.element()));
                }
                store(l.dst());
            }
            case Instr.Store s -> {
                ArrayRef a = s.array();
                if (a.isOffHeap()) {
                    segmentAndIndex(a, s.index());
                    load(s.value());
                    // A Java array store truncates natively; a byte/short parameter is narrowed here.
                    switch (a.element()) {
                        case BYTE -> cb.i2b();
                        case SHORT -> cb.i2s();
                        case CHAR -> cb.i2c();
                        default -> {
                        }
                    }
                    cb.invokeinterface(CD_SEGMENT, "setAtIndex",
                            MethodTypeDesc.of(CD_void, layoutDesc(a.element()), CD_long, elementDesc(a.element())));
                } else {
                    cb.aload(w.arraySlot[a.id()]);
                    load(s.index());
                    load(s.value());
                    cb.arrayStore(kind(a.element()));
                }
            }
            case Instr.ArrayLength l -> {
                w.length(l.array());
                store(l.dst());
            }
            case Instr.MathCall m -> mathCall(m);
            case Instr.BitCast c -> {
                load(c.a());
                Type from = c.a().type();
                Type to = c.dst().type();
                if (from == Type.F32 && to == Type.I32) {
                    cb.invokestatic(CD_FLOAT, "floatToRawIntBits", MethodTypeDesc.of(CD_int, CD_float));
                } else if (from == Type.I32 && to == Type.F32) {
                    cb.invokestatic(CD_FLOAT, "intBitsToFloat", MethodTypeDesc.of(CD_float, CD_int));
                } else if (from == Type.F64 && to == Type.I64) {
                    cb.invokestatic(CD_DOUBLE, "doubleToRawLongBits", MethodTypeDesc.of(CD_long, CD_double));
                } else if (from == Type.I64 && to == Type.F64) {
                    cb.invokestatic(CD_DOUBLE, "longBitsToDouble", MethodTypeDesc.of(CD_double, CD_long));
                } else if (from != to) {
                    throw new KernelCompilationException(ir.at(c.line()) + ": bit cast from " + from + " to " + to
                            + " changes the width");
                }
                store(c.dst());
            }
            case Instr.WorkItem q -> {
                int d = q.dim();
                switch (q.query()) {
                    case GLOBAL_ID -> cb.iload(w.idSlot[d]);
                    case GLOBAL_SIZE -> cb.iload(w.globalSlot[d]);
                    case LOCAL_SIZE -> cb.iload(w.localSlot[d]);
                    case LOCAL_ID -> {
                        if (mode == Mode.GROUPS) {
                            cb.iload(w.localIdSlot[d]);
                        } else {
                            cb.iload(w.idSlot[d]);
                            cb.iload(w.localSlot[d]);
                            cb.irem();
                        }
                    }
                    case GROUP_ID -> {
                        if (mode == Mode.GROUPS) {
                            cb.iload(w.groupSlot[d]);
                        } else {
                            cb.iload(w.idSlot[d]);
                            cb.iload(w.localSlot[d]);
                            cb.idiv();
                        }
                    }
                    case NUM_GROUPS -> {
                        // (global - 1) / local + 1 without overflow; a zero global size runs no work-item.
                        cb.iload(w.globalSlot[d]);
                        cb.iconst_1();
                        cb.isub();
                        cb.iload(w.localSlot[d]);
                        cb.idiv();
                        cb.iconst_1();
                        cb.iadd();
                    }
                }
                widenIntTo(q.dst());
                store(q.dst());
            }
            case Instr.ParallelIndex p -> {
                if (p.dim() == 0 && (mode == Mode.CHUNK || mode == Mode.STRIDED)) {
                    if (mode == Mode.CHUNK) chunkLimit();
                    cb.lload(MethodWriter.LO);
                    narrowLongTo(p.dst());
                    if (mode == Mode.CHUNK && p.dst().type() == Type.I32) {
                        // lo of an int loop is in [0, MAX_VALUE] (CpuKernel's chunk offsets); the
                        // mask, a no-op, tells C2 so. Without it a hand-written int loop from a
                        // variable start that indexes a segment through i2l kept its long range
                        // checks in the loop (2x slower in a micro-benchmark).
                        cb.loadConstant(Integer.MAX_VALUE);
                        cb.iand();
                    }
                } else {
                    cb.iconst_0();
                    widenIntTo(p.dst());
                }
                store(p.dst());
            }
            case Instr.ParallelStride p -> {
                if (p.dim() == 0 && mode == Mode.STRIDED) {
                    cb.lload(MethodWriter.HI);
                    narrowLongTo(p.dst());
                } else {
                    cb.iconst_1();
                    widenIntTo(p.dst());
                }
                store(p.dst());
            }
            // A barrier splits the work-item into regions: GroupLoops writes it (see MethodWriter.writeBlocks).
            case Instr.Barrier b -> throw new IllegalStateException("a barrier outside a work-group method");
            case Instr.ZeroArray z -> throw z.notLowered();
            case Instr.Atomic a -> atomic(a);
            case Instr.CheckIndex c -> checkIndex(c);
            case Instr.CheckDivisor c -> checkDivisor(c);
            case Instr.Print p -> print(p);
        }
    }

    /**
     * One printf record, by the same rule as on the GPUs ({@link io.kiln.spi.PrintBuffer}):
     * {@code at = PrintBuffer.reserve(buffer, words)}; if it fits, the site and the raw bits of every
     * value are stored as ints, 64-bit values low word first.
     */
    private void print(Instr.Print p) {
        ClassDesc pb = ClassDesc.of(io.kiln.spi.PrintBuffer.class.getName());
        ClassDesc ints = ConstantDescs.CD_int.arrayType();
        cb.aload(w.printSlot);
        cb.loadConstant(p.words());
        cb.invokestatic(pb, "reserve", MethodTypeDesc.of(CD_int, ints, CD_int));
        cb.istore(w.printAt);
        Label skip = cb.newLabel();
        cb.iload(w.printAt);
        cb.iflt(skip);
        int word = 0;
        storeWord(word++, () -> cb.loadConstant(p.site()));
        for (Value v : p.values()) {
            switch (v.type()) {
                case I32 -> storeWord(word++, () -> load(v));
                case F32 -> storeWord(word++, () -> {
                    load(v);
                    cb.invokestatic(ClassDesc.of("java.lang.Float"), "floatToRawIntBits", MethodTypeDesc.of(CD_int, CD_float));
                });
                case I64, F64 -> {
                    Runnable bits = () -> {
                        load(v);
                        if (v.type() == Type.F64) {
                            cb.invokestatic(ClassDesc.of("java.lang.Double"), "doubleToRawLongBits", MethodTypeDesc.of(CD_long, CD_double));
                        }
                    };
                    storeWord(word++, () -> {
                        bits.run();
                        cb.l2i();
                    });
                    storeWord(word++, () -> {
                        bits.run();
                        cb.loadConstant(32);
                        cb.lushr();
                        cb.l2i();
                    });
                }
            }
        }
        cb.labelBinding(skip);
    }

    /** {@code buffer[at + word] = value}, the value pushed by {@code value}. */
    private void storeWord(int word, Runnable value) {
        cb.aload(w.printSlot);
        cb.iload(w.printAt);
        if (word > 0) {
            cb.loadConstant(word);
            cb.iadd();
        }
        value.run();
        cb.iastore();
    }

    /**
     * {@code dst = CpuAtomics.op(array, index, [expected,] operand)}: VarHandle atomics on global
     * arrays, plain read-modify-writes on local ones (a group runs on one thread).
     */
    private void atomic(Instr.Atomic a) {
        ArrayRef array = a.array();
        Type t = array.element().valueType();
        boolean cas = a.op() == io.kiln.ir.AtomicOp.COMPARE_AND_SET;
        boolean offHeap = array.isOffHeap();
        AtomicPrivatisation.Candidate priv = w.an.privatised.of(array);
        Label done = null;
        if (priv != null) {
            // A privatised array (its atomics' results unused): when the launch gave this thread a
            // copy, update the copy; the launch merges it after the thread's last chunk.
            int copy = w.privateCopySlot[priv.slot()];
            Label real = cb.newLabel();
            done = cb.newLabel();
            cb.aload(copy);
            cb.ifnull(real);
            cb.aload(copy);
            load(a.index());
            load(a.operand());
            ClassDesc ct = arrayDesc(array.element());
            cb.invokestatic(CD_ATOMICS, atomicName(a.op()) + "Local",
                    MethodTypeDesc.of(desc(t), ct, a.index().type() == Type.I64 ? CD_long : CD_int, desc(t)));
            if (t.isWide()) cb.pop2();
            else cb.pop();
            cb.goto_(done);
            cb.labelBinding(real);
        }
        cb.aload(w.arraySlot[array.id()]);
        load(a.index());
        if (offHeap && a.index().type() == Type.I32) cb.i2l();
        if (cas) load(a.expected());
        load(a.operand());
        String name = atomicName(a.op()) + (array.space() == AddressSpace.GLOBAL ? "" : "Local");
        ClassDesc target = offHeap ? CD_SEGMENT : arrayDesc(array.element());
        ClassDesc indexType = offHeap ? CD_long : CD_int;
        MethodTypeDesc type = cas
                ? MethodTypeDesc.of(desc(t), target, indexType, desc(t), desc(t))
                : MethodTypeDesc.of(desc(t), target, indexType, desc(t));
        cb.invokestatic(CD_ATOMICS, name, type);
        store(a.dst());
        if (done != null) cb.labelBinding(done);
    }

    private static String atomicName(io.kiln.ir.AtomicOp op) {
        return switch (op) {
            case ADD -> "add";
            case MIN -> "min";
            case MAX -> "max";
            case EXCHANGE -> "exchange";
            case COMPARE_AND_SET -> "compareAndSet";
        };
    }

    /** Whether parallel loop 0 counts with a long induction variable (its chunk limit is a long). */
    boolean longLoop() {
        return an.loop0 != null && an.loop0.induction().type() == Type.I64;
    }

    /**
     * {@code limit = start + hi} where parallel loop 0 is entered, saturated at the induction type's
     * maximum (a chunk never wraps around); {@code lo} and {@code hi} are longs, {@code hi >= 0}, and
     * the last chunk passes {@code hi = Long.MAX_VALUE} (no limit beyond the loop's own bound).
     * Branch-free ({@code Math.min}/{@code max} are C2 intrinsics, conditional moves): a branch taken
     * only by the last chunk of a launch is one that C2's profile never sees taken, so C2 compiles it
     * as an uncommon trap, and the last chunk deoptimised the freshly compiled kernel on every early
     * launch (measured: the second run of a fresh plan up to 50x its steady-state time).
     */
    private void chunkLimit() {
        Var start = an.loop0.start();
        MethodTypeDesc minLong = MethodTypeDesc.of(CD_long, CD_long, CD_long);
        if (longLoop()) {
            // start + min(hi, MAX - max(start, 0)): cannot overflow, since hi >= 0.
            load(start);
            cb.lload(MethodWriter.HI);
            cb.loadConstant(Long.MAX_VALUE);
            load(start);
            cb.lconst_0();
            cb.invokestatic(CD_MATH, "max", minLong);
            cb.lsub();
            cb.invokestatic(CD_MATH, "min", minLong);
            cb.ladd();
            cb.lstore(w.limitSlot);
        } else {
            // (int) min((long) start + min(hi, 2^32), MAX_VALUE)
            load(start);
            cb.i2l();
            cb.lload(MethodWriter.HI);
            cb.loadConstant(1L << 32);
            cb.invokestatic(CD_MATH, "min", minLong);
            cb.ladd();
            cb.loadConstant((long) Integer.MAX_VALUE);
            cb.invokestatic(CD_MATH, "min", minLong);
            cb.l2i();
            cb.istore(w.limitSlot);
        }
    }

    /** Converts the long on the stack ({@code lo}, {@code hi}) to {@code dst}'s type. */
    private void narrowLongTo(Var dst) {
        if (dst.type() == Type.I32) {
            cb.l2i();
        } else if (dst.type() != Type.I64) {
            throw new KernelCompilationException(ir.displayName() + ": index variable " + dst + " has type " + dst.type());
        }
    }

    /** Pushes an off-heap array's segment, its element layout and the index as a long. */
    private void segmentAndIndex(ArrayRef a, Value index) {
        cb.aload(w.arraySlot[a.id()]);
        cb.getstatic(CD_VALUE_LAYOUT, layoutName(a.element()), layoutDesc(a.element()));
        load(index);
        // An int index is widened, never wrapped (the IR's contract): a negative one stays out of range.
        if (index.type() == Type.I32) cb.i2l();
    }

    /** Converts the int on the stack to {@code dst}'s type (queries are int; a front end may want a long). */
    private void widenIntTo(Var dst) {
        if (dst.type() == Type.I64) {
            cb.i2l();
        } else if (dst.type() != Type.I32) {
            throw new KernelCompilationException(ir.displayName() + ": index variable " + dst + " has type " + dst.type());
        }
    }

    private static Opcode binaryOpcode(io.kiln.ir.BinOp op, Type t) {
        int k = switch (t) {
            case I32 -> 0;
            case I64 -> 1;
            case F32 -> 2;
            case F64 -> 3;
        };
        Opcode[] row = switch (op) {
            case ADD -> new Opcode[] {Opcode.IADD, Opcode.LADD, Opcode.FADD, Opcode.DADD};
            case SUB -> new Opcode[] {Opcode.ISUB, Opcode.LSUB, Opcode.FSUB, Opcode.DSUB};
            case MUL -> new Opcode[] {Opcode.IMUL, Opcode.LMUL, Opcode.FMUL, Opcode.DMUL};
            case DIV -> new Opcode[] {Opcode.IDIV, Opcode.LDIV, Opcode.FDIV, Opcode.DDIV};
            case REM -> new Opcode[] {Opcode.IREM, Opcode.LREM, Opcode.FREM, Opcode.DREM};
            case AND -> new Opcode[] {Opcode.IAND, Opcode.LAND, null, null};
            case OR -> new Opcode[] {Opcode.IOR, Opcode.LOR, null, null};
            case XOR -> new Opcode[] {Opcode.IXOR, Opcode.LXOR, null, null};
            case SHL -> new Opcode[] {Opcode.ISHL, Opcode.LSHL, null, null};
            case SHR -> new Opcode[] {Opcode.ISHR, Opcode.LSHR, null, null};
            case USHR -> new Opcode[] {Opcode.IUSHR, Opcode.LUSHR, null, null};
        };
        if (row[k] == null) {
            throw new KernelCompilationException("operator " + op + " is not defined on " + t);
        }
        return row[k];
    }

    private void mathCall(Instr.MathCall m) {
        Type t = m.dst().type();
        MathFunction fn = m.fn();
        if (!fn.accepts(t)) {
            throw new KernelCompilationException(ir.displayName() + ": Math." + fn.javaName() + " on " + t);
        }
        if (m.args().size() != fn.arity()) {
            throw new KernelCompilationException(ir.displayName() + ": Math." + fn.javaName() + " takes " + fn.arity()
                    + " operand(s), the IR gives " + m.args().size());
        }
        // min/max: Math's own overload of the type, a HotSpot intrinsic (vectorised in loops)
        boolean direct = t == Type.F64 || fn == MathFunction.ABS || fn == MathFunction.FMA || fn == MathFunction.MIN || fn == MathFunction.MAX;
        for (Value a : m.args()) {
            load(a);
            if (!direct) cb.f2d();
        }
        Type callType = direct ? t : Type.F64;
        ClassDesc[] params = new ClassDesc[fn.arity()];
        java.util.Arrays.fill(params, desc(callType));
        cb.invokestatic(CD_MATH, fn.javaName(), MethodTypeDesc.of(desc(callType), params));
        if (!direct) cb.d2f();
        store(m.dst());
    }

}
