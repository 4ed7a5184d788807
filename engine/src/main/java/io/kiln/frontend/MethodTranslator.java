package io.kiln.frontend;

import io.kiln.frontend.IrBuilder.BlockBuilder;
import io.kiln.ir.ArrayRef;
import io.kiln.ir.Const;
import io.kiln.ir.Instr;
import io.kiln.ir.Terminator;
import io.kiln.ir.Type;
import io.kiln.ir.Value;
import io.kiln.ir.Var;

import io.kiln.frontend.AbstractValues.Entry;
import io.kiln.frontend.AbstractValues.Prim;
import io.kiln.frontend.AbstractValues.Ref;
import io.kiln.frontend.AbstractValues.Text;

import java.lang.classfile.ClassModel;
import java.lang.classfile.CodeElement;
import java.lang.classfile.CodeModel;
import java.lang.classfile.Instruction;
import java.lang.classfile.Label;
import java.lang.classfile.MethodModel;
import java.lang.classfile.Opcode;
import java.lang.classfile.TypeKind;
import java.lang.classfile.instruction.BranchInstruction;
import java.lang.classfile.instruction.LineNumber;
import java.lang.classfile.instruction.LoadInstruction;
import java.lang.classfile.instruction.LocalVariable;
import java.lang.classfile.instruction.LookupSwitchInstruction;
import java.lang.classfile.instruction.ReturnInstruction;
import java.lang.classfile.instruction.StoreInstruction;
import java.lang.classfile.instruction.SwitchCase;
import java.lang.classfile.instruction.TableSwitchInstruction;
import java.lang.classfile.instruction.ThrowInstruction;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Translates the bytecode of one method into IR blocks: the kernel itself, or a static method
 * inlined at a call site. The operand stack is simulated abstractly: values pushed within a block
 * are IR operands; values live across a block boundary are kept in one variable per stack depth and
 * type. Array references are tracked statically and never become IR values.
 * <p>This class holds the translation state (the simulated stack, the block being filled, the
 * variables of locals and stack depths) and drives the translation block by block; its parts each
 * translate one kind of bytecode against that state: {@link Prescan} (what is known before
 * translating), {@link Instructions} (straight-line instructions), {@link ControlFlow} (branches,
 * switches, returns), {@link Calls} (calls, fields, allocation) and {@link Printf}; the stack's
 * abstract values are in {@link AbstractValues}.
 */
final class MethodTranslator {

    /** State at a block's entry. */
    record EntryState(List<Entry> stack, Map<Integer, Ref> refLocals) {
    }

    /** A basic-block range of the element list. */
    static final class Range {
        final int start;
        int end;
        BlockBuilder block;
        EntryState entry;
        boolean done;

        Range(int start) {
            this.start = start;
        }
    }

    /** Where an inlined method returns to. */
    record Continuation(BlockBuilder block, Var result, Type resultType, boolean returnsRef, Ref[] returnedRef) {
    }

    // ---- state ------------------------------------------------------------------------------

    // the translator's parts, one per kind of bytecode; each reads and updates this translator's state
    final Instructions insns = new Instructions(this);
    final ControlFlow flow = new ControlFlow(this);
    final Calls calls = new Calls(this);
    final Printf printf = new Printf(this);

    final FrontEnd.Session session;
    final IrBuilder b;
    final ClassModel cls;
    final MethodModel method;
    final CodeModel code;
    final String owner;
    final String simpleOwner;
    final String sourceFile;
    final List<CodeElement> elems;
    final Map<Label, Integer> labelIndex = new IdentityHashMap<>();
    final int[] lineAt;
    final List<LocalVariable> localVars = new ArrayList<>();
    final Range[] rangeAt;
    final List<Range> ranges = new ArrayList<>();
    final Map<Long, Var> locals = new HashMap<>();
    final Map<Long, Var> stackVars = new HashMap<>();
    final Continuation continuation;
    final boolean topLevel;
    /** For an inlined method, the line of its call in the kernel's file (see {@link #sourceLine(int)}). */
    final int callSiteLine;
    final String callerDescription;
    final boolean callSiteInParallelRegion;
    final String prefix;


    // parallel loops (top level only)
    final List<FrontEnd.ParallelVar> parallelVars;
    final Map<Integer, FrontEnd.ParallelVar> initStoreAt = new HashMap<>();
    final Map<Integer, FrontEnd.ParallelVar> incrementAt = new HashMap<>();
    final Map<Integer, FrontEnd.ParallelVar> headerAt = new HashMap<>();
    final Map<Integer, Var> parallelStart = new HashMap<>();
    /** The {@code lconst_1} of a {@code @Parallel long} loop's update {@code i = i + 1}: it becomes the stride. */
    final Map<Integer, FrontEnd.ParallelVar> strideConstantAt = new HashMap<>();

    // block translation state
    ArrayList<Entry> stack;
    Map<Integer, Ref> refLocals;
    BlockBuilder cur;
    int pos;
    boolean terminated;

    MethodTranslator(FrontEnd.Session session, ClassModel cls, MethodModel method, Continuation continuation,
                     int callSiteLine, String callerDescription, boolean callSiteInParallelRegion,
                     List<FrontEnd.ParallelVar> parallelVars) {
        this.session = session;
        this.b = session.builder;
        this.cls = cls;
        this.method = method;
        this.code = method.code().orElseThrow();
        this.owner = cls.thisClass().asInternalName();
        this.simpleOwner = FrontEnd.simpleName(owner);
        this.sourceFile = FrontEnd.sourceFile(cls, simpleOwner + ".java");
        this.continuation = continuation;
        this.topLevel = continuation == null;
        this.callSiteLine = callSiteLine;
        if (topLevel) session.kernelSourceFile = sourceFile;
        this.callerDescription = callerDescription;
        this.callSiteInParallelRegion = callSiteInParallelRegion;
        this.prefix = continuation == null ? "" : session.inlinePrefix();
        this.parallelVars = parallelVars == null ? List.of() : parallelVars;
        this.elems = code.elementList();
        this.lineAt = new int[elems.size() + 1];
        this.rangeAt = new Range[elems.size() + 1];
        new Prescan(this).prescan();
    }

    // ---- diagnostics ----------------------------------------------------------------------

    KernelCompilationError error(String what) {
        int line = pos < lineAt.length ? lineAt[pos] : 0;
        return error(line, what);
    }

    KernelCompilationError error(int line, String what) {
        String where = simpleOwner + "." + method.methodName().stringValue() + " (" + sourceFile + (line > 0 ? ":" + line : "") + ")";
        String inlined = topLevel ? "" : " (inlined into " + callerDescription + ")";
        return new KernelCompilationError(where + ": " + what + inlined);
    }

    /** The source line of the first instruction at or after element {@code i}. */
    int lineFrom(int i) {
        for (int k = i; k < elems.size(); k++) {
            if (elems.get(k) instanceof LineNumber ln) return ln.line();
            if (elems.get(k) instanceof Instruction) return lineAt[k];
        }
        return lineAt[Math.min(i, lineAt.length - 1)];
    }

    // ---- driver ----------------------------------------------------------------------------------

    /**
     * Translates the method. {@code entryRefs} gives the references held by the parameter slots,
     * {@code entryPrims} the variables to copy primitive arguments from (inlining) or {@code null}
     * at top level, where primitive parameters are already in their variables.
     */
    BlockBuilder translate(Map<Integer, Ref> entryRefs) {
        Range first = ranges.get(0);
        first.entry = new EntryState(List.of(), new HashMap<>(entryRefs));
        first.block = b.newBlock();
        ArrayDeque<Range> work = new ArrayDeque<>();
        work.add(first);
        while (!work.isEmpty()) {
            Range r = work.poll();
            if (r.done) continue;
            r.done = true;
            translateRange(r, work);
        }
        return first.block;
    }

    /** The variable of local {@code slot} with type {@code t}; created on first use. */
    Var local(int slot, Type t) {
        long key = ((long) slot << 3) | t.ordinal();
        Var v = locals.get(key);
        if (v == null) {
            String name = localName(slot);
            v = b.newVar(t, prefix + name);
            locals.put(key, v);
        }
        return v;
    }

    String localName(int slot) {
        for (LocalVariable lv : localVars) {
            int s = labelIndex.getOrDefault(lv.startScope(), 0);
            int e = labelIndex.getOrDefault(lv.endScope(), elems.size());
            if (lv.slot() == slot && pos >= s - 2 && pos <= e) return lv.name().stringValue();
        }
        for (LocalVariable lv : localVars) {
            if (lv.slot() == slot) return lv.name().stringValue();
        }
        return "l" + slot;
    }

    /**
     * The source name of the array allocated at {@link #pos}: the local variable that the next
     * instruction ({@code astore}) assigns, when the class has a LocalVariableTable ({@code -g}) and
     * the name is a plain identifier; else {@code fallback}. Bounds-check failures and messages name it.
     */
    String allocatedName(String fallback) {
        int at = pos + 1;
        while (at < elems.size() && !(elems.get(at) instanceof Instruction)) at++;
        if (at >= elems.size() || !(elems.get(at) instanceof StoreInstruction st) || st.typeKind() != TypeKind.REFERENCE) return fallback;
        int saved = pos;
        pos = at;
        String name = localName(st.slot());
        pos = saved;
        // without a LocalVariableTable localName makes up "l<slot>", which says less than the fallback
        return name.equals("l" + st.slot()) || !name.matches("[A-Za-z_][A-Za-z0-9_]*") ? fallback : name;
    }

    Var stackVar(int depth, Type t) {
        long key = ((long) depth << 3) | t.ordinal();
        Var v = stackVars.get(key);
        if (v == null) {
            // not computeIfAbsent: a lambda here costs a millisecond on the first build (FrontEnd.doCompile)
            v = b.newVar(t, prefix + "s" + depth);
            stackVars.put(key, v);
        }
        return v;
    }

    BlockBuilder blockOf(int elementIndex) {
        Range r = rangeAt[elementIndex];
        if (r == null || r.start != elementIndex) throw new IllegalStateException("no block starts at " + elementIndex);
        if (r.block == null) r.block = b.newBlock();
        return r.block;
    }

    BlockBuilder blockOf(Label l) {
        return blockOf(labelIndex.get(l));
    }

    void translateRange(Range r, ArrayDeque<Range> work) {
        stack = new ArrayList<>(r.entry.stack());
        refLocals = new HashMap<>(r.entry.refLocals());
        cur = r.block;
        terminated = false;
        for (pos = r.start; pos < r.end; pos++) {
            CodeElement e = elems.get(pos);
            if (terminated) {
                if (e instanceof Instruction) throw new IllegalStateException("instruction after terminator at " + pos);
                continue;
            }
            if (e instanceof Instruction ins) {
                insns.translate(ins, work);
            }
        }
        if (!terminated) {
            if (r.end >= elems.size()) {
                throw error("control reaches the end of the method without a return");
            }
            Range next = rangeAt[r.end];
            BlockBuilder target = blockOf(r.end);
            List<Entry> shape = materialize(List.of());
            cur.terminator = new Terminator.Goto(target.id, sourceLine(r.end - 1));
            propagate(next, shape, work);
        }
    }

    void propagate(Range succ, List<Entry> shape, ArrayDeque<Range> work) {
        Map<Integer, Ref> refs = new HashMap<>(refLocals);
        if (succ.entry == null) {
            succ.entry = new EntryState(shape, refs);
            if (succ.block == null) succ.block = b.newBlock();
            work.add(succ);
            return;
        }
        for (Map.Entry<Integer, Ref> e : refs.entrySet()) {
            Ref other = succ.entry.refLocals().get(e.getKey());
            if (other != null && !other.equals(e.getValue())) {
                // javac reuses one slot for array variables of disjoint scopes ({ int[] a = ...; } { int[] b = ...; }):
                // where the paths meet, the slot is dead, so which array it held does not matter.
                if (!refSlotLiveAt(succ.start, e.getKey())) {
                    succ.entry.refLocals().remove(e.getKey());
                    continue;
                }
                throw error("a local variable refers to " + e.getValue().describe() + " on one path and to "
                        + other.describe() + " on another; kernels need each array variable to refer to one array");
            }
        }
        List<Entry> s = succ.entry.stack();
        for (int i = 0; i < s.size() && i < shape.size(); i++) {
            if (s.get(i) instanceof Ref r1 && shape.get(i) instanceof Ref r2 && !r1.equals(r2)
                    && (r1.print() instanceof Text || r2.print() instanceof Text)) {
                throw error("an expression selects between " + r1.describe() + " and " + r2.describe()
                        + " depending on control flow; printf needs a constant format and constant string arguments"
                        + " (write one printf call per branch)");
            }
            if (s.get(i) instanceof Ref r1 && shape.get(i) instanceof Ref r2 && !r1.equals(r2)) {
                throw error("an expression selects between " + r1.describe() + " and " + r2.describe()
                        + " depending on control flow; kernels need each array expression to refer to one array");
            }
        }
    }

    /**
     * Whether reference slot {@code slot} is live at element {@code start}: some path from there loads it
     * ({@code aload}) before any store to it. This is the rule that lets one slot hold different arrays on
     * different paths: a merge of two paths that disagree about a slot is refused only where the slot is
     * live, that is where one use could really see either array. Where it is dead, every later use is
     * reached only through a store on its own path, so each use refers to the one array that store put
     * there. The search follows branches and switches within this method; returns and throws end a path.
     */
    boolean refSlotLiveAt(int start, int slot) {
        java.util.BitSet seen = new java.util.BitSet();
        ArrayDeque<Integer> work = new ArrayDeque<>();
        work.add(start);
        while (!work.isEmpty()) {
            int i = work.pop();
            while (i < elems.size() && !seen.get(i)) {
                seen.set(i);
                CodeElement e = elems.get(i);
                if (e instanceof LoadInstruction ld && ld.slot() == slot) return true;
                if (e instanceof StoreInstruction st && (st.slot() == slot || st.typeKind().slotSize() == 2 && st.slot() + 1 == slot)) break;
                if (e instanceof ReturnInstruction || e instanceof ThrowInstruction) break;
                if (e instanceof BranchInstruction br) {
                    work.push(labelIndex.get(br.target()));
                    if (br.opcode() == Opcode.GOTO || br.opcode() == Opcode.GOTO_W) break;
                } else if (e instanceof TableSwitchInstruction ts) {
                    work.push(labelIndex.get(ts.defaultTarget()));
                    for (SwitchCase c : ts.cases()) work.push(labelIndex.get(c.target()));
                    break;
                } else if (e instanceof LookupSwitchInstruction ls) {
                    work.push(labelIndex.get(ls.defaultTarget()));
                    for (SwitchCase c : ls.cases()) work.push(labelIndex.get(c.target()));
                    break;
                }
                i++;
            }
        }
        return false;
    }

    /**
     * Moves every primitive stack entry into its per-depth variable, ahead of a block boundary.
     * {@code keep} are operands the terminator still reads: they are copied first if a move would
     * overwrite them. Returns the stack shape the successors start with.
     */
    List<Entry> materialize(List<Value> keep) {
        List<Entry> shape = new ArrayList<>();
        List<Value> kept = new ArrayList<>(keep);
        // values that are themselves stack variables are copied first, so that no move clobbers them
        for (int i = 0; i < stack.size(); i++) {
            if (stack.get(i) instanceof Prim p) {
                Prim q = force(p);
                if (q.value() instanceof Var v && stackVars.containsValue(v) && !v.equals(stackVar(i, q.type()))) {
                    Var t = b.newVar(q.type(), "t");
                    emit(new Instr.Move(t, v, line()));
                    q = Prim.of(t);
                }
                stack.set(i, q);
            }
        }
        for (int i = 0; i < stack.size(); i++) {
            Entry e = stack.get(i);
            if (e instanceof Prim p) {
                Var target = stackVar(i, p.type());
                for (int k = 0; k < kept.size(); k++) {
                    if (kept.get(k).equals(target)) {
                        Var t = b.newVar(target.type(), "t");
                        emit(new Instr.Move(t, target, line()));
                        kept.set(k, t);
                    }
                }
                if (!p.value().equals(target)) emit(new Instr.Move(target, p.value(), line()));
                shape.add(new Prim(target, p.type(), null, null));
            } else {
                shape.add(e);
            }
        }
        keepAfterMaterialize = kept;
        return shape;
    }

    List<Value> keepAfterMaterialize = List.of();

    // ---- stack helpers -------------------------------------------------------------------------------

    void emit(Instr i) {
        cur.instrs.add(i);
    }

    /** Java's bounds check of the access emitted right after it; the exception names its {@link #line()}. */
    void checkIndex(ArrayRef a, Value index) {
        emit(new Instr.CheckIndex(a, index, line()));
    }

    /**
     * Java's division-by-zero check of the integer division or remainder emitted right after it; none
     * where the divisor is a constant other than zero.
     */
    void checkDivisor(Value divisor) {
        if (divisor instanceof Const c && (c.type() == Type.I32 ? c.intValue() != 0 : c.longValue() != 0)) return;
        emit(new Instr.CheckDivisor(divisor, line()));
    }

    /** The source line of the bytecode being translated, as every instruction emitted for it carries it. */
    int line() {
        return sourceLine(pos);
    }

    /**
     * The line an instruction translated from element {@code at} carries (see {@link Instr}): the
     * {@code LineNumberTable} line in effect there when this method is in the kernel's source file,
     * else the line of the call in the kernel's file, so that every line of the IR names one file (the
     * one a bounds-check failure and a message name); 0 when the class has no line numbers.
     */
    int sourceLine(int at) {
        int line = topLevel || sourceFile.equals(session.kernelSourceFile) ? lineAt[Math.max(0, Math.min(at, lineAt.length - 1))] : callSiteLine;
        return Math.max(0, line);
    }

    void push(Entry e) {
        stack.add(e);
    }

    void pushValue(Value v) {
        stack.add(Prim.of(v));
    }

    Entry popEntry() {
        if (stack.isEmpty()) throw new IllegalStateException("operand stack underflow");
        return stack.remove(stack.size() - 1);
    }

    Prim popPrim() {
        Entry e = popEntry();
        if (e instanceof Prim p) return force(p);
        throw error("a reference (" + ((Ref) e).describe() + ") is used as a value; kernels can only index arrays and pass them to static methods");
    }

    Prim popPrimRaw() {
        Entry e = popEntry();
        if (e instanceof Prim p) return p;
        throw error("a reference is used as a value");
    }

    Value pop() {
        return popPrim().value();
    }

    Ref popRef() {
        Entry e = popEntry();
        if (e instanceof Ref r) return r;
        throw new IllegalStateException("expected a reference on the stack");
    }

    /** Materialises a pending comparison's int result. */
    Prim force(Prim p) {
        if (p.cmp() == null) return p;
        Var dst = b.newVar(Type.I32, "cmp");
        emit(new Instr.Compare(dst, p.cmp().kind(), p.cmp().a(), p.cmp().b(), line()));
        return Prim.of(dst);
    }

    Var temp(Type t) {
        return b.newVar(t, "t");
    }

    static Type typeOf(TypeKind k) {
        return switch (k) {
            case INT, BOOLEAN, BYTE, CHAR, SHORT -> Type.I32;
            case LONG -> Type.I64;
            case FLOAT -> Type.F32;
            case DOUBLE -> Type.F64;
            default -> null;
        };
    }

    /** Copies stack entries that read {@code v} into temporaries, before {@code v} is overwritten. */
    void protect(Var v) {
        for (int i = 0; i < stack.size(); i++) {
            if (stack.get(i) instanceof Prim p && p.value() != null && p.value().equals(v)) {
                Var t = temp(v.type());
                emit(new Instr.Move(t, v, line()));
                stack.set(i, new Prim(t, p.type(), null, p.constant()));
            } else if (stack.get(i) instanceof Prim p && p.cmp() != null
                    && (v.equals(p.cmp().a()) || v.equals(p.cmp().b()))) {
                stack.set(i, force(p));
            }
        }
    }

    boolean inParallelRegion() {
        if (!topLevel) return callSiteInParallelRegion;
        if (parallelVars.isEmpty()) return true;
        FrontEnd.ParallelVar outer = parallelVars.get(0);
        return pos >= outer.startIndex && pos < outer.endIndex;
    }

    List<FrontEnd.ParallelVar> parallelVarsOfKernel() {
        return session.kernelParallelVars;
    }

    /** Thrown inside the front end; converted to the public exception at the boundary. */
    static final class KernelCompilationError extends RuntimeException {
        KernelCompilationError(String message) {
            super(message, null, false, false);
        }
    }

    @Override
    public String toString() {
        return Objects.toString(owner) + "." + method.methodName();
    }
}
