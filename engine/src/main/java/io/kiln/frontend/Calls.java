package io.kiln.frontend;

import io.kiln.frontend.AbstractValues.Entry;
import io.kiln.frontend.AbstractValues.Prim;
import io.kiln.frontend.AbstractValues.Ref;
import io.kiln.frontend.AbstractValues.Text;
import io.kiln.frontend.IrBuilder.BlockBuilder;
import io.kiln.frontend.MethodTranslator.Continuation;
import io.kiln.frontend.MethodTranslator.Range;
import io.kiln.ir.AddressSpace;
import io.kiln.ir.ArrayRef;
import io.kiln.ir.Const;
import io.kiln.ir.ElementType;
import io.kiln.ir.Instr;
import io.kiln.ir.MathFunction;
import io.kiln.ir.Terminator;
import io.kiln.ir.Type;
import io.kiln.ir.Value;
import io.kiln.ir.Var;

import java.lang.classfile.ClassModel;
import java.lang.classfile.MethodModel;
import java.lang.classfile.Opcode;
import java.lang.classfile.TypeKind;
import java.lang.classfile.instruction.FieldInstruction;
import java.lang.classfile.instruction.InvokeInstruction;
import java.lang.classfile.instruction.NewPrimitiveArrayInstruction;
import java.lang.constant.ClassDesc;
import java.lang.constant.MethodTypeDesc;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Translates calls and field reads: {@code KernelContext} work-item queries, local arrays and atomics,
 * off-heap array {@code get}/{@code set}/{@code length}, math intrinsics, inlining of every other static
 * method, {@code static final} constants and tables, and private-array allocation.
 */
final class Calls {
    private final MethodTranslator tr;

    /** The part of {@code tr}; it reads and updates that translator's state. */
    Calls(MethodTranslator tr) {
        this.tr = tr;
    }

    /** A call: a {@code KernelContext} or off-heap array method, {@code printf}, a box, an intrinsic, or a static method to inline. */
    void invoke(InvokeInstruction inv) {
        String ownerName = inv.owner().asInternalName();
        String name = inv.name().stringValue();
        String desc = inv.type().stringValue();
        Opcode o = inv.opcode();
        if (ownerName.equals("io/kiln/KernelContext") && o == Opcode.INVOKEVIRTUAL) {
            Intrinsics.WorkItemCall w = Intrinsics.workItem(name);
            if (w == null) {
                contextCall(name, desc);
                return;
            }
            Ref r = tr.popRef();
            if (!r.context()) throw new IllegalStateException("KernelContext call on a non-context");
            Var dst = tr.temp(Type.I32);
            tr.emit(new Instr.WorkItem(dst, w.query(), w.dim(), tr.line()));
            tr.pushValue(dst);
            return;
        }
        ElementType offHeap = FrontEnd.offHeapElement(ownerName);
        if (o == Opcode.INVOKEVIRTUAL && (offHeap != null || ownerName.equals("io/kiln/OffHeapArray"))) {
            offHeapCall(ownerName, offHeap, name, desc);
            return;
        }
        if (o == Opcode.INVOKEVIRTUAL && ownerName.equals("java/io/PrintStream")) {
            tr.printf.printCall(name, desc);
            return;
        }
        if (o == Opcode.INVOKEINTERFACE) {
            throw tr.error("interface call to " + ownerName.replace('/', '.') + "." + name + " is not supported in kernels"
                    + " (only static methods can be called)");
        }
        if (o == Opcode.INVOKEVIRTUAL || o == Opcode.INVOKESPECIAL) {
            throw tr.error("call to instance method " + ownerName.replace('/', '.') + "." + name + " is not supported in kernels"
                    + " (only static methods can be called)");
        }
        if (o == Opcode.INVOKESTATIC && name.equals("valueOf") && io.kiln.ir.PrintKind.ofBox(ownerName) != null
                && desc.endsWith(")L" + ownerName + ";") && desc.length() == ownerName.length() + 5) {
            tr.printf.box(io.kiln.ir.PrintKind.ofBox(ownerName));
            return;
        }
        MathFunction fn = Intrinsics.math(ownerName, name, desc);
        if (fn != null) {
            MethodTypeDesc mt = MethodTypeDesc.ofDescriptor(desc);
            List<Value> args = new ArrayList<>();
            for (int i = 0; i < mt.parameterCount(); i++) args.add(0, tr.pop());
            Type t = MethodTranslator.typeOf(TypeKind.from(mt.returnType()));
            Var dst = tr.temp(t);
            tr.emit(new Instr.MathCall(dst, fn, args, tr.line()));
            tr.pushValue(dst);
            return;
        }
        if (Intrinsics.isBitCast(ownerName, name, desc)) {
            Value a = tr.pop();
            Type t = MethodTranslator.typeOf(TypeKind.from(MethodTypeDesc.ofDescriptor(desc).returnType()));
            Var dst = tr.temp(t);
            tr.emit(new Instr.BitCast(dst, a, tr.line()));
            tr.pushValue(dst);
            return;
        }
        inline(ownerName, name, desc);
    }

    /**
     * {@code x.get(i)}, {@code x.set(i, v)} and {@code x.length()} on an off-heap array: the same
     * {@code Load}, {@code Store} and {@code ArrayLength} as for Java arrays, with an I64 index as given
     * (an {@code int} index arrives widened by {@code i2l} and stays so) and an I64 length. Every
     * other method of an off-heap array is refused: kernels see only its elements.
     */
    private void offHeapCall(String ownerName, ElementType element, String name, String desc) {
        String cls = FrontEnd.simpleName(ownerName);
        char d = element == null ? '?' : element.descriptor();
        boolean get = element != null && name.equals("get") && desc.equals("(J)" + d);
        boolean set = element != null && name.equals("set") && desc.equals("(J" + d + ")V");
        boolean length = name.equals("length") && desc.equals("()J");
        if (!get && !set && !length) {
            throw tr.error("call to " + cls + "." + name + " is not supported in kernels: in a kernel an off-heap array offers only "
                    + "get(index), set(index, value) and length() (fill, copy, view or close it on the host, before or after the task)");
        }
        Prim value = set ? tr.popPrim() : null;
        Prim index = get || set ? tr.popPrim() : null;
        Entry receiver = tr.popEntry();
        if (!(receiver instanceof Ref r)) throw new IllegalStateException("an off-heap array call on a primitive value");
        if (r.context()) throw tr.error("the KernelContext is not an array");
        if (r.object() != null) {
            throw tr.error("call to " + cls + "." + name + " on " + r.describe() + ": off-heap arrays reach kernels only as parameters"
                    + " (static fields holding them are not supported)");
        }
        ArrayRef a = r.array();
        if (!a.isOffHeap()) throw new IllegalStateException("an off-heap array call on the Java array " + a.name());
        if (element != null && a.element() != element) throw new IllegalStateException("off-heap element type mismatch: " + a.element());
        if (length) {
            Var dst = tr.temp(Type.I64);
            tr.emit(new Instr.ArrayLength(dst, a, tr.line()));
            tr.push(new Prim(dst, Type.I64, null, null));
            return;
        }
        if (set) {
            tr.insns.storeElement(a, index, value);
            return;
        }
        if (tr.session.reduced.contains(a)) tr.insns.checkReduceAccess(a, index);
        Var dst = tr.temp(a.element().valueType());
        tr.checkIndex(a, index.value());
        tr.emit(new Instr.Load(dst, a, index.value(), tr.line()));
        tr.push(Prim.of(dst));
    }

    /** {@code barrier()}, {@code localFloats(n)} and friends, and the atomics of {@code KernelContext}. */
    private void contextCall(String name, String desc) {
        if (name.equals("barrier")) {
            tr.popRef();
            if (!tr.parallelVarsOfKernel().isEmpty()) {
                throw tr.error("barrier() needs a KernelContext kernel with a work-group size; @Parallel loops have no work-groups");
            }
            tr.session.hasBarriers = true;
            tr.emit(new Instr.Barrier(tr.line()));
            return;
        }
        if (name.startsWith("local") && desc.startsWith("(I)[")) {
            Prim len = tr.popPrim();
            tr.popRef();
            if (len.constant() == null) {
                throw tr.error("local array allocation with a non-constant length is not supported in kernels (use a constant such as ctx.localFloats(256))");
            }
            int n = len.constant().intValue();
            if (n <= 0 || n > 1 << 16) throw tr.error("local array length " + n + " is out of range (1 to 65536)");
            ElementType et = ElementType.ofDescriptor(desc.charAt(desc.length() - 1));
            ArrayRef a = tr.b.newArray(et, AddressSpace.LOCAL, n, -1, tr.allocatedName("local"), null);
            tr.push(new Ref(a, false));
            return;
        }
        io.kiln.ir.AtomicOp op = switch (name) {
            case "atomicAdd" -> io.kiln.ir.AtomicOp.ADD;
            case "atomicMin" -> io.kiln.ir.AtomicOp.MIN;
            case "atomicMax" -> io.kiln.ir.AtomicOp.MAX;
            case "atomicExchange" -> io.kiln.ir.AtomicOp.EXCHANGE;
            case "atomicCompareAndSet" -> io.kiln.ir.AtomicOp.COMPARE_AND_SET;
            default -> throw tr.error("KernelContext." + name + " is not supported in kernels");
        };
        Value operand = tr.pop();
        Value expected = null;
        if (op == io.kiln.ir.AtomicOp.COMPARE_AND_SET) {
            expected = tr.pop();
        }
        Value index = tr.pop();
        Ref arr = tr.popRef();
        tr.popRef();
        if (arr.context()) throw tr.error("atomics need an array element: ctx." + name + "(array, index, value)");
        ArrayRef a = arr.array();
        if (a.space() == AddressSpace.CONSTANT) throw tr.error("array " + a.name() + " is read-only in kernels");
        if (a.space() == AddressSpace.PRIVATE) {
            throw tr.error("atomics on private arrays are not supported: a private array belongs to one work-item; use a plain update");
        }
        Var dst = tr.temp(a.element().valueType());
        tr.checkIndex(a, index);
        tr.emit(new Instr.Atomic(dst, op, a, index, operand, expected, tr.line()));
        tr.pushValue(dst);
    }

    /** Descriptors of the text types that no kernel can hold (see {@link #inline}). */
    private static final java.util.Set<String> TEXT_TYPES = java.util.Set.of("Ljava/lang/String;", "Ljava/lang/StringBuilder;",
            "Ljava/lang/StringBuffer;", "Ljava/lang/CharSequence;");

    private void inline(String ownerName, String name, String desc) {
        String key = ownerName + "." + name + desc;
        String display = FrontEnd.simpleName(ownerName) + "." + name;
        if (tr.session.callStack.contains(key)) {
            throw tr.error("recursive call to " + ownerName.replace('/', '.') + "." + name + " is not supported in kernels");
        }
        // A kernel's only text is printf's constant format, which a kernel's own helpers may pass along; a
        // JDK method that takes or returns text cannot run in a kernel: name that, rather than whatever
        // the JDK's string code first trips over inside (a private static field, an allocation).
        MethodTypeDesc signature = MethodTypeDesc.ofDescriptor(desc);
        for (int i = ownerName.startsWith("java/") ? -1 : signature.parameterCount(); i < signature.parameterCount(); i++) {
            String type = (i < 0 ? signature.returnType() : signature.parameterType(i)).descriptorString();
            if (TEXT_TYPES.contains(type)) {
                throw tr.error("call to " + ownerName.replace('/', '.') + "." + name + " is not supported in kernels: it "
                        + (i < 0 ? "returns" : "takes") + " a " + type.substring(type.lastIndexOf('/') + 1, type.length() - 1)
                        + ", and kernels compute with numbers and arrays only (text output: System.out.printf with a constant format)");
            }
        }
        ClassModel calleeClass = tr.session.classModel(ownerName, tr);
        MethodModel callee = FrontEnd.method(calleeClass, name, desc);
        if (callee == null) throw tr.error("cannot find method " + ownerName.replace('/', '.') + "." + name + desc);
        if ((callee.flags().flagsMask() & java.lang.reflect.Modifier.NATIVE) != 0 || callee.code().isEmpty()) {
            throw tr.error("call to native method " + ownerName.replace('/', '.') + "." + name + " is not supported in kernels");
        }
        if ((callee.flags().flagsMask() & java.lang.reflect.Modifier.SYNCHRONIZED) != 0) {
            throw tr.error("synchronized is not supported in kernels (calling synchronized method " + display + ")");
        }
        MethodTypeDesc mt = signature;
        int n = mt.parameterCount();
        Entry[] args = new Entry[n];
        for (int i = n - 1; i >= 0; i--) args[i] = tr.insns.popForced();
        // continuation
        BlockBuilder cont = tr.b.newBlock();
        TypeKind rk = TypeKind.from(mt.returnType());
        Var result = null;
        if (rk != TypeKind.VOID && rk != TypeKind.REFERENCE) result = tr.b.newVar(MethodTranslator.typeOf(rk), tr.session.inlinePrefixFor(name) + "ret");
        Ref[] returnedRef = new Ref[1];
        Continuation c = new Continuation(cont, result, result == null ? null : result.type(), rk == TypeKind.REFERENCE, returnedRef);
        if (tr.topLevel && !tr.parallelVars.isEmpty()) {
            FrontEnd.ParallelVar innermost = tr.parallelVars.get(tr.parallelVars.size() - 1);
            tr.session.callInInnermostLoop = tr.pos >= innermost.startIndex && tr.pos < innermost.endIndex;
        }
        tr.session.callStack.push(key);
        tr.session.inlineDepth++;
        try {
            MethodTranslator t = new MethodTranslator(tr.session, calleeClass, callee, c, tr.line(),
                    tr.topLevel ? FrontEnd.simpleName(tr.owner) + "." + tr.method.methodName().stringValue() : tr.callerDescription,
                    tr.inParallelRegion(), null);
            Map<Integer, Ref> refs = new HashMap<>();
            int slot = 0;
            List<Instr> argMoves = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                ClassDesc pd = mt.parameterType(i);
                TypeKind k = TypeKind.from(pd);
                if (args[i] instanceof Ref r) {
                    refs.put(slot, r);
                } else {
                    Prim p = (Prim) args[i];
                    argMoves.add(new Instr.Move(t.local(slot, MethodTranslator.typeOf(k)), p.value(), tr.line()));
                }
                slot += k.slotSize();
            }
            tr.cur.instrs.addAll(argMoves);
            BlockBuilder entry = t.translate(refs);
            tr.cur.terminator = new Terminator.Goto(entry.id, tr.line());
        } finally {
            tr.session.callStack.pop();
            tr.session.inlineDepth--;
        }
        tr.cur = cont;
        // stack entries below the call are untouched by the callee: it has its own variables
        if (rk == TypeKind.REFERENCE) {
            if (returnedRef[0] == null) throw tr.error("method " + display + " never returns");
            tr.push(returnedRef[0]);
        } else if (result != null) {
            tr.push(new Prim(result, result.type(), null, null));
        }
    }

    /** A field read: only {@code static final} fields, folded to constants or constant tables ({@code System.out} for printing). */
    void field(FieldInstruction f) {
        String ownerName = f.owner().asInternalName();
        String name = f.name().stringValue();
        String full = ownerName.replace('/', '.') + "." + name;
        switch (f.opcode()) {
            case GETFIELD, PUTFIELD -> throw tr.error("field access " + full + " is not supported in kernels (only static final constants can be read)");
            case PUTSTATIC -> throw tr.error("write to static field " + full + " is not supported in kernels (a kernel changes its array"
                    + " arguments only: pass an array and write to it; to count or collect across work-items, use a @Reduce parameter or"
                    + " KernelContext.atomicAdd)");
            default -> {
            }
        }
        Object value = tr.session.staticFinalValue(ownerName, name, tr);
        switch (value) {
            case Integer i -> tr.push(new Prim(Const.ofInt(i), Type.I32, null, Const.ofInt(i)));
            case Long l -> tr.pushValue(Const.ofLong(l));
            case Float fl -> tr.pushValue(Const.ofFloat(fl));
            case Double d -> tr.pushValue(Const.ofDouble(d));
            case Boolean z -> tr.pushValue(Const.ofInt(z ? 1 : 0));
            case Byte by -> tr.pushValue(Const.ofInt(by));
            case Short s -> tr.pushValue(Const.ofInt(s));
            case Character ch -> tr.pushValue(Const.ofInt(ch));
            case String str -> tr.push(new Ref(new Text(str)));
            case ArrayRef a -> tr.push(new Ref(a, false));
            // An object: refused where it is used (a call on it, a field of it), which names the construct.
            default -> tr.push(new Ref(null, false, full));
        }
    }

    /** {@code new float[n]} with a constant {@code n}: a private array, zero-filled here as Java does at each execution. */
    void newArray(NewPrimitiveArrayInstruction na, ArrayDeque<Range> work) {
        Prim len = tr.popPrim();
        if (len.constant() == null) {
            throw tr.error("array allocation with a non-constant length is not supported in kernels"
                    + " (use a constant such as new float[16])");
        }
        int n = len.constant().intValue();
        if (n < 0 || n > 1 << 16) throw tr.error("private array length " + n + " is out of range (0 to 65536)");
        ElementType et = Instructions.elementOf(na.typeKind());
        if (et == null) throw tr.error("arrays of " + na.typeKind() + " are not supported in kernels");
        String name = tr.allocatedName("priv");
        ArrayRef a = tr.b.newArray(et, AddressSpace.PRIVATE, n, -1, name, null);
        tr.session.privateArrays++;
        // Java gives a fresh, zeroed array at every execution of 'new': zero it here (the pass
        // PrivateArrayZeroing turns this into a loop of stores)
        tr.emit(new Instr.ZeroArray(a, tr.line()));
        tr.push(new Ref(a, false));
    }
}
