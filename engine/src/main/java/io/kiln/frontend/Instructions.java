package io.kiln.frontend;

import io.kiln.frontend.AbstractValues.Entry;
import io.kiln.frontend.AbstractValues.PendingCompare;
import io.kiln.frontend.AbstractValues.Prim;
import io.kiln.frontend.AbstractValues.Ref;
import io.kiln.frontend.AbstractValues.Text;
import io.kiln.frontend.MethodTranslator.Range;
import io.kiln.ir.AddressSpace;
import io.kiln.ir.ArrayRef;
import io.kiln.ir.BinOp;
import io.kiln.ir.CompareKind;
import io.kiln.ir.Const;
import io.kiln.ir.Conversion;
import io.kiln.ir.ElementType;
import io.kiln.ir.Instr;
import io.kiln.ir.Type;
import io.kiln.ir.Var;

import java.lang.classfile.Instruction;
import java.lang.classfile.Opcode;
import java.lang.classfile.TypeKind;
import java.lang.classfile.instruction.ArrayLoadInstruction;
import java.lang.classfile.instruction.ArrayStoreInstruction;
import java.lang.classfile.instruction.BranchInstruction;
import java.lang.classfile.instruction.ConstantInstruction;
import java.lang.classfile.instruction.ConvertInstruction;
import java.lang.classfile.instruction.DiscontinuedInstruction;
import java.lang.classfile.instruction.FieldInstruction;
import java.lang.classfile.instruction.IncrementInstruction;
import java.lang.classfile.instruction.InvokeDynamicInstruction;
import java.lang.classfile.instruction.InvokeInstruction;
import java.lang.classfile.instruction.LoadInstruction;
import java.lang.classfile.instruction.LookupSwitchInstruction;
import java.lang.classfile.instruction.MonitorInstruction;
import java.lang.classfile.instruction.NewMultiArrayInstruction;
import java.lang.classfile.instruction.NewObjectInstruction;
import java.lang.classfile.instruction.NewPrimitiveArrayInstruction;
import java.lang.classfile.instruction.NewReferenceArrayInstruction;
import java.lang.classfile.instruction.NopInstruction;
import java.lang.classfile.instruction.OperatorInstruction;
import java.lang.classfile.instruction.ReturnInstruction;
import java.lang.classfile.instruction.StackInstruction;
import java.lang.classfile.instruction.StoreInstruction;
import java.lang.classfile.instruction.TableSwitchInstruction;
import java.lang.classfile.instruction.ThrowInstruction;
import java.lang.classfile.instruction.TypeCheckInstruction;
import java.util.ArrayDeque;

/**
 * Translates the straight-line bytecode instructions of a method: locals, constants, arithmetic,
 * conversions, array loads and stores (a {@code @Reduce} array's too: its update is recognised on the IR,
 * by {@code io.kiln.passes.ReductionRecognition}) and the operand-stack
 * shuffles ({@code dup}, {@code swap}, ...). Branches go to {@link ControlFlow}, calls and fields to
 * {@link Calls}, {@code printf} to {@link Printf}.
 */
final class Instructions {
    private final MethodTranslator tr;

    /** The part of {@code tr}; it reads and updates that translator's state. */
    Instructions(MethodTranslator tr) {
        this.tr = tr;
    }

    /** Translates {@code ins}, at {@link MethodTranslator#pos}; the other parts take what is theirs. */
    void translate(Instruction ins, ArrayDeque<Range> work) {
        switch (ins) {
            case LoadInstruction ld -> load(ld);
            case StoreInstruction st -> store(st);
            case IncrementInstruction inc -> increment(inc);
            case ConstantInstruction c -> constant(c);
            case OperatorInstruction op -> operator(op);
            case ConvertInstruction cv -> convert(cv);
            case ArrayLoadInstruction al -> arrayLoad(al);
            case ArrayStoreInstruction as -> arrayStore(as);
            case StackInstruction si -> stackOp(si);
            case BranchInstruction br -> tr.flow.branch(br, work);
            case TableSwitchInstruction ts -> tr.flow.switchOn(ts.cases(), ts.defaultTarget(), work);
            case LookupSwitchInstruction ls -> tr.flow.switchOn(ls.cases(), ls.defaultTarget(), work);
            case ReturnInstruction ret -> tr.flow.doReturn(ret);
            case InvokeInstruction inv -> tr.calls.invoke(inv);
            case FieldInstruction f -> tr.calls.field(f);
            case NewPrimitiveArrayInstruction na -> tr.calls.newArray(na, work);
            case NopInstruction n -> {
            }
            case ThrowInstruction t -> throw tr.error("throwing exceptions is not supported in kernels");
            case NewObjectInstruction n -> {
                String cls = n.className().asInternalName();
                if (isThrowable(cls)) throw tr.error("throwing exceptions is not supported in kernels (new " + cls.replace('/', '.') + ")");
                throw tr.error("allocation of " + cls.replace('/', '.') + " is not supported in kernels");
            }
            case NewReferenceArrayInstruction n when n.componentType().asInternalName().equals("java/lang/Object") -> tr.printf.varargs();
            case NewReferenceArrayInstruction n -> throw tr.error("arrays of objects (" + n.componentType().asInternalName().replace('/', '.')
                    + "[]) are not supported in kernels");
            case NewMultiArrayInstruction n -> throw tr.error("multi-dimensional arrays are not supported in kernels");
            case MonitorInstruction m -> throw tr.error("synchronized is not supported in kernels");
            case InvokeDynamicInstruction d -> throw tr.error("invokedynamic (string concatenation or lambda) is not supported in kernels");
            case TypeCheckInstruction t -> throw tr.error("type checks and casts of references (" + t.opcode().name().toLowerCase()
                    + ") are not supported in kernels");
            case DiscontinuedInstruction d -> throw tr.error("the obsolete jsr/ret instructions are not supported in kernels");
            default -> throw tr.error("the bytecode instruction " + ins.opcode().name().toLowerCase() + " is not supported in kernels");
        }
    }

    private boolean isThrowable(String internalName) {
        try {
            return Throwable.class.isAssignableFrom(Class.forName(internalName.replace('/', '.'), false, tr.session.loader));
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    private void load(LoadInstruction ld) {
        if (ld.typeKind() == TypeKind.REFERENCE) {
            Ref r = tr.refLocals.get(ld.slot());
            if (r == null) throw tr.error("local variable slot " + ld.slot() + " holds a reference Kiln cannot resolve to an array");
            tr.push(r);
            return;
        }
        Type t = MethodTranslator.typeOf(ld.typeKind());
        Var v = tr.local(ld.slot(), t);
        tr.push(new Prim(v, t, null, null));
    }

    private void store(StoreInstruction st) {
        if (st.typeKind() == TypeKind.REFERENCE) {
            Entry e = tr.popEntry();
            if (e instanceof Ref r) {
                if (r.print() != null) {
                    throw tr.error(r.describe() + " is not supported in kernels except directly as an argument of System.out.printf"
                            + " (strings: as its constant format or as constant arguments); it cannot be kept in a variable");
                }
                tr.refLocals.put(st.slot(), r);
                return;
            }
            throw tr.error("a reference local variable is assigned something other than an array");
        }
        Type t = MethodTranslator.typeOf(st.typeKind());
        Prim p = tr.popPrim();
        Var v = tr.local(st.slot(), t);
        tr.protect(v);
        FrontEnd.ParallelVar pv = tr.topLevel ? tr.initStoreAt.get(tr.pos) : null;
        if (pv != null) {
            // The plain loop entry i_start = start; i = i_start, which ParallelLoopRecognition makes strided. The
            // index variable is reserved here so that variables keep the numbering (and emitted names) they had
            // when the front end wrote the strided form itself. For a long loop variable all are I64.
            Var start = tr.b.newVar(t, pv.name + "_start");
            tr.emit(new Instr.Move(start, p.value(), tr.line()));
            pv.index = tr.temp(t);
            tr.emit(new Instr.Move(v, start, tr.line()));
            tr.parallelStart.put(pv.dim, start);
            pv.induction = v;
            return;
        }
        tr.emit(new Instr.Move(v, p.value(), tr.line()));
    }

    private void increment(IncrementInstruction inc) {
        Var v = tr.local(inc.slot(), Type.I32);
        tr.protect(v);
        FrontEnd.ParallelVar pv = tr.topLevel ? tr.incrementAt.get(tr.pos) : null;
        // the update of a @Parallel loop stays i = i + 1; its stride variable is reserved here (see store)
        if (pv != null) pv.stride = tr.temp(Type.I32);
        tr.emit(new Instr.Binary(v, BinOp.ADD, v, Const.ofInt(inc.constant()), tr.line()));
    }

    private void constant(ConstantInstruction c) {
        if (c.opcode() == Opcode.ACONST_NULL) {
            throw tr.error("null references are not supported in kernels");
        }
        Object v = c.constantValue();
        switch (v) {
            case Integer i -> tr.push(new Prim(Const.ofInt(i), Type.I32, null, Const.ofInt(i)));
            case Long l -> {
                // the 1 of a @Parallel long loop's update i = i + 1: its stride variable is reserved here (see store)
                FrontEnd.ParallelVar pv = tr.topLevel ? tr.strideConstantAt.get(tr.pos) : null;
                if (pv != null) pv.stride = tr.temp(Type.I64);
                tr.push(new Prim(Const.ofLong(l), Type.I64, null, Const.ofLong(l)));
            }
            case Float f -> tr.pushValue(Const.ofFloat(f));
            case Double d -> tr.pushValue(Const.ofDouble(d));
            // a string is a printf format or argument, refused anywhere else (store, call on it)
            case String s -> tr.push(new Ref(new Text(s)));
            case null -> throw tr.error("null references are not supported in kernels");
            default -> throw tr.error("constant " + v + " (" + v.getClass().getSimpleName() + ") is not supported in kernels");
        }
    }

    private void operator(OperatorInstruction op) {
        Opcode o = op.opcode();
        switch (o) {
            case IADD, LADD, FADD, DADD -> binary(BinOp.ADD);
            case ISUB, LSUB, FSUB, DSUB -> binary(BinOp.SUB);
            case IMUL, LMUL, FMUL, DMUL -> binary(BinOp.MUL);
            case IDIV, LDIV, FDIV, DDIV -> binary(BinOp.DIV);
            case IREM, LREM, FREM, DREM -> binary(BinOp.REM);
            case IAND, LAND -> binary(BinOp.AND);
            case IOR, LOR -> binary(BinOp.OR);
            case IXOR, LXOR -> binary(BinOp.XOR);
            case ISHL, LSHL -> binary(BinOp.SHL);
            case ISHR, LSHR -> binary(BinOp.SHR);
            case IUSHR, LUSHR -> binary(BinOp.USHR);
            case INEG, LNEG, FNEG, DNEG -> {
                Prim a = tr.popPrim();
                Var dst = tr.temp(a.type());
                tr.emit(new Instr.Negate(dst, a.value(), tr.line()));
                tr.push(new Prim(dst, a.type(), null, null));
            }
            case LCMP -> compare(CompareKind.LCMP);
            case FCMPL -> compare(CompareKind.FCMPL);
            case FCMPG -> compare(CompareKind.FCMPG);
            case DCMPL -> compare(CompareKind.DCMPL);
            case DCMPG -> compare(CompareKind.DCMPG);
            case ARRAYLENGTH -> {
                Ref r = tr.popRef();
                if (r.context()) throw tr.error("the KernelContext is not an array");
                if (r.object() != null) throw tr.error(r.describe() + " is not an array; objects are not supported in kernels");
                ArrayRef a = r.array();
                if (a.length() >= 0) {
                    tr.push(new Prim(Const.ofInt(a.length()), Type.I32, null, Const.ofInt(a.length())));
                } else {
                    Var dst = tr.temp(Type.I32);
                    tr.emit(new Instr.ArrayLength(dst, a, tr.line()));
                    tr.push(new Prim(dst, Type.I32, null, null));
                }
            }
            default -> throw tr.error("the bytecode instruction " + o.name().toLowerCase() + " is not supported in kernels");
        }
    }

    private void binary(BinOp op) {
        Prim bb = tr.popPrim();
        Prim a = tr.popPrim();
        Type t = a.type();
        Var dst = tr.temp(t);
        if ((op == BinOp.DIV || op == BinOp.REM) && !t.isFloating()) tr.checkDivisor(bb.value());
        tr.emit(new Instr.Binary(dst, op, a.value(), bb.value(), tr.line()));
        tr.push(new Prim(dst, t, null, null));
    }

    private void compare(CompareKind kind) {
        Prim bb = tr.popPrim();
        Prim a = tr.popPrim();
        tr.push(new Prim(null, Type.I32, new PendingCompare(kind, a.value(), bb.value()), null));
    }

    private void convert(ConvertInstruction cv) {
        Conversion c = conversion(cv.fromType(), cv.toType());
        Prim a = tr.popPrim();
        Var dst = tr.temp(c.to());
        tr.emit(new Instr.Convert(dst, c, a.value(), tr.line()));
        tr.push(new Prim(dst, dst.type(), null, null));
    }

    private Conversion conversion(TypeKind from, TypeKind to) {
        String name = switch (from) {
            case INT -> "I";
            case LONG -> "L";
            case FLOAT -> "F";
            case DOUBLE -> "D";
            default -> throw tr.error("conversion from " + from + " is not supported");
        } + "2" + switch (to) {
            case INT -> "I";
            case LONG -> "L";
            case FLOAT -> "F";
            case DOUBLE -> "D";
            case BYTE -> "B";
            case CHAR -> "C";
            case SHORT -> "S";
            default -> throw tr.error("conversion to " + to + " is not supported");
        };
        return Conversion.valueOf(name);
    }

    private ArrayRef arrayOperand(Ref r, ElementType expected) {
        if (r.context()) throw tr.error("the KernelContext is not an array");
        if (r.object() != null) throw tr.error(r.describe() + " is not an array; objects are not supported in kernels");
        ArrayRef a = r.array();
        if (a.isOffHeap()) throw tr.error("off-heap array " + a.name() + " is read with get(index) and written with set(index, value), not with [ ]");
        boolean ok = a.element() == expected || (expected == ElementType.BYTE && a.element() == ElementType.BYTE);
        if (!ok) throw new IllegalStateException("array element type mismatch: " + a.element() + " vs " + expected);
        return a;
    }

    /** The array element type of an array instruction's type kind ({@code boolean} arrays are byte arrays), or {@code null}. */
    static ElementType elementOf(TypeKind k) {
        return switch (k) {
            case BYTE, BOOLEAN -> ElementType.BYTE;
            case SHORT -> ElementType.SHORT;
            case CHAR -> ElementType.CHAR;
            case INT -> ElementType.INT;
            case LONG -> ElementType.LONG;
            case FLOAT -> ElementType.FLOAT;
            case DOUBLE -> ElementType.DOUBLE;
            default -> null;
        };
    }

    private void arrayLoad(ArrayLoadInstruction al) {
        if (al.typeKind() == TypeKind.REFERENCE) throw tr.error("arrays of references (such as float[][]) are not supported in kernels");
        Prim idx = tr.popPrim();
        Ref r = tr.popRef();
        ArrayRef a = arrayOperand(r, elementOf(al.typeKind()));
        // a @Reduce array is loaded and stored like any other; ReductionRecognition turns its updates into the accumulator's
        if (tr.session.reduced.contains(a)) checkReduceAccess(a, idx);
        Var dst = tr.temp(a.element().valueType());
        tr.checkIndex(a, idx.value());
        tr.emit(new Instr.Load(dst, a, idx.value(), tr.line()));
        tr.push(Prim.of(dst));
    }

    private void arrayStore(ArrayStoreInstruction as) {
        if (as.typeKind() == TypeKind.REFERENCE) {
            tr.printf.varargsStore();
            return;
        }
        Prim val = tr.popPrim();
        Prim idx = tr.popPrim();
        Ref r = tr.popRef();
        ArrayRef a = arrayOperand(r, elementOf(as.typeKind()));
        storeElement(a, idx, val);
    }

    /** {@code a[idx] = val} (or {@code a.set(idx, val)}), a {@code @Reduce} update included. */
    void storeElement(ArrayRef a, Prim idx, Prim val) {
        if (a.space() == AddressSpace.CONSTANT) {
            throw tr.error("array " + a.name() + " comes from a static final field and is read-only in kernels");
        }
        if (tr.session.reduced.contains(a)) checkReduceAccess(a, idx);
        if (a.space() == AddressSpace.GLOBAL && !tr.inParallelRegion()) {
            throw tr.error("a store to " + a.name() + " outside the @Parallel loop would run once per work-item; "
                    + "move it into the loop or into a separate task");
        }
        tr.checkIndex(a, idx.value());
        tr.emit(new Instr.Store(a, idx.value(), val.value(), tr.line()));
    }

    /**
     * What can be said of a {@code @Reduce} array's access only here, where the bytecode position is known:
     * it is at constant index 0, inside the {@code @Parallel} loop. The form of the update is checked on the IR.
     */
    void checkReduceAccess(ArrayRef array, Prim idx) {
        String name = array.name();
        if (idx.constant() == null || idx.constant().longValue() != 0) {
            throw tr.error("@Reduce array '" + name + "' may only be accessed at index 0 ("
                    + (array.isOffHeap() ? name + ".get(0), " + name + ".set(0, ...)" : name + "[0]") + ")");
        }
        if (!tr.inParallelRegion()) {
            throw tr.error("@Reduce array '" + name + "' may only be accessed inside the @Parallel loop");
        }
    }

    private void stackOp(StackInstruction si) {
        switch (si.opcode()) {
            case POP -> tr.popEntry();
            case POP2 -> {
                Entry e = tr.popEntry();
                if (!isWide(e)) tr.popEntry();
            }
            case DUP -> {
                Entry e = peekForced(0);
                tr.push(e);
            }
            case DUP_X1 -> {
                Entry v1 = popForced();
                Entry v2 = popForced();
                tr.push(v1);
                tr.push(v2);
                tr.push(v1);
            }
            case DUP_X2 -> {
                Entry v1 = popForced();
                Entry v2 = popForced();
                if (isWide(v2)) {
                    tr.push(v1);
                    tr.push(v2);
                    tr.push(v1);
                } else {
                    Entry v3 = popForced();
                    tr.push(v1);
                    tr.push(v3);
                    tr.push(v2);
                    tr.push(v1);
                }
            }
            case DUP2 -> {
                Entry v1 = peekForced(0);
                if (isWide(v1)) {
                    tr.push(v1);
                } else {
                    Entry v2 = peekForced(1);
                    tr.push(v2);
                    tr.push(v1);
                }
            }
            case DUP2_X1 -> {
                Entry v1 = popForced();
                if (isWide(v1)) {
                    Entry v2 = popForced();
                    tr.push(v1);
                    tr.push(v2);
                    tr.push(v1);
                } else {
                    Entry v2 = popForced();
                    Entry v3 = popForced();
                    tr.push(v2);
                    tr.push(v1);
                    tr.push(v3);
                    tr.push(v2);
                    tr.push(v1);
                }
            }
            case DUP2_X2 -> {
                Entry v1 = popForced();
                if (isWide(v1)) {
                    Entry v2 = popForced();
                    if (isWide(v2)) {
                        tr.push(v1);
                        tr.push(v2);
                        tr.push(v1);
                    } else {
                        Entry v3 = popForced();
                        tr.push(v1);
                        tr.push(v3);
                        tr.push(v2);
                        tr.push(v1);
                    }
                } else {
                    Entry v2 = popForced();
                    Entry v3 = popForced();
                    if (isWide(v3)) {
                        tr.push(v2);
                        tr.push(v1);
                        tr.push(v3);
                        tr.push(v2);
                        tr.push(v1);
                    } else {
                        Entry v4 = popForced();
                        tr.push(v2);
                        tr.push(v1);
                        tr.push(v4);
                        tr.push(v3);
                        tr.push(v2);
                        tr.push(v1);
                    }
                }
            }
            case SWAP -> {
                Entry v1 = popForced();
                Entry v2 = popForced();
                tr.push(v1);
                tr.push(v2);
            }
            default -> throw tr.error("stack instruction " + si.opcode() + " is not supported");
        }
    }

    private Entry peekForced(int fromTop) {
        int i = tr.stack.size() - 1 - fromTop;
        Entry e = tr.stack.get(i);
        if (e instanceof Prim p && p.cmp() != null) {
            e = tr.force(p);
            tr.stack.set(i, e);
        }
        return e;
    }

    /** Pops the top entry, materialising a pending comparison (a copy of it must not re-compare later). */
    Entry popForced() {
        Entry e = tr.popEntry();
        return e instanceof Prim p ? tr.force(p) : e;
    }

    private static boolean isWide(Entry e) {
        return e instanceof Prim p && p.type().isWide();
    }
}
