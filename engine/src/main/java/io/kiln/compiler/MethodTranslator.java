package io.kiln.compiler;

import io.kiln.compiler.IrBuilder.BlockBuilder;
import io.kiln.ir.AddressSpace;
import io.kiln.ir.ArrayRef;
import io.kiln.ir.BinOp;
import io.kiln.ir.CmpOp;
import io.kiln.ir.CompareKind;
import io.kiln.ir.Const;
import io.kiln.ir.Conversion;
import io.kiln.ir.ElementType;
import io.kiln.ir.HostExpr;
import io.kiln.ir.Instr;
import io.kiln.ir.MathFunction;
import io.kiln.ir.ParallelLoop;
import io.kiln.ir.Terminator;
import io.kiln.ir.Type;
import io.kiln.ir.Value;
import io.kiln.ir.Var;

import java.lang.classfile.ClassModel;
import java.lang.classfile.CodeElement;
import java.lang.classfile.CodeModel;
import java.lang.classfile.Instruction;
import java.lang.classfile.Label;
import java.lang.classfile.MethodModel;
import java.lang.classfile.Opcode;
import java.lang.classfile.TypeKind;
import java.lang.classfile.instruction.ArrayLoadInstruction;
import java.lang.classfile.instruction.ArrayStoreInstruction;
import java.lang.classfile.instruction.BranchInstruction;
import java.lang.classfile.instruction.ConstantInstruction;
import java.lang.classfile.instruction.ConvertInstruction;
import java.lang.classfile.instruction.DiscontinuedInstruction;
import java.lang.classfile.instruction.ExceptionCatch;
import java.lang.classfile.instruction.FieldInstruction;
import java.lang.classfile.instruction.IncrementInstruction;
import java.lang.classfile.instruction.InvokeDynamicInstruction;
import java.lang.classfile.instruction.InvokeInstruction;
import java.lang.classfile.instruction.LabelTarget;
import java.lang.classfile.instruction.LineNumber;
import java.lang.classfile.instruction.LoadInstruction;
import java.lang.classfile.instruction.LocalVariable;
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
import java.lang.classfile.instruction.SwitchCase;
import java.lang.classfile.instruction.TableSwitchInstruction;
import java.lang.classfile.instruction.ThrowInstruction;
import java.lang.classfile.instruction.TypeCheckInstruction;
import java.lang.constant.ClassDesc;
import java.lang.constant.MethodTypeDesc;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;

/**
 * Translates the bytecode of one method into IR blocks: the kernel itself, or a static method
 * inlined at a call site. The operand stack is simulated abstractly: values pushed within a block
 * are IR operands; values live across a block boundary are kept in one variable per stack depth and
 * type. Array references are tracked statically and never become IR values.
 */
final class MethodTranslator {

    // ---- abstract values ------------------------------------------------------------------

    /** An operand stack entry. */
    sealed interface Entry permits Prim, Ref {
    }

    /**
     * A primitive value. {@code cmp} is set for a pending three-way comparison whose int result has
     * not been materialised (a following {@code if} uses the comparison directly).
     */
    record Prim(Value value, Type type, HostExpr host, int inductionSlot, PendingCompare cmp, Const constant, Origin origin)
            implements Entry {
        static Prim of(Value v) {
            return new Prim(v, v.type(), null, -1, null, v instanceof Const c ? c : null, null);
        }
    }

    /** How a value was computed, where a {@code @Reduce} update needs to know: {@code a op b}. */
    record Origin(io.kiln.ir.ReduceOp op, Value a, Value b) {
    }

    /** A pending comparison; {@code pa} and {@code pb} keep what the operands were (a trip count, a loop variable). */
    record PendingCompare(CompareKind kind, Value a, Value b, Prim pa, Prim pb) {
    }

    /**
     * A reference: a statically known array, the kernel context, an object read from a static field
     * ({@code object} names it), or a part of a {@code System.out.printf} call ({@code print}).
     */
    record Ref(ArrayRef array, boolean context, String object, PrintPart print) implements Entry {
        Ref(ArrayRef array, boolean context) {
            this(array, context, null, null);
        }

        Ref(ArrayRef array, boolean context, String object) {
            this(array, context, object, null);
        }

        Ref(PrintPart print) {
            this(null, false, null, print);
        }

        String describe() {
            if (print != null) return print.describe();
            return object != null ? "the object in " + object : context ? "the KernelContext" : "array " + array.name();
        }
    }

    /**
     * What a {@code printf} call is built from on the operand stack, known while the kernel is compiled:
     * string constants, boxed primitives and the varargs array. They exist only between their creation
     * and the call ({@link Instr.Print}); any other use is refused.
     */
    sealed interface PrintPart {
        String describe();
    }

    /** A string constant ({@code ldc "..."}). */
    record Text(String value) implements PrintPart {
        public String describe() {
            return "the string constant \"" + (value.length() > 40 ? value.substring(0, 40) + "..." : value) + "\"";
        }
    }

    /** A primitive boxed by {@code Integer.valueOf} and friends, as printf's varargs box it. */
    record Boxed(Value value, io.kiln.ir.PrintKind kind) implements PrintPart {
        public String describe() {
            return "a boxed " + kind.name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** The {@code Object[]} of printf's varargs, {@code id} unique per allocation; unset slots are {@code null}. */
    record Varargs(int id, List<Ref> slots) implements PrintPart {
        public String describe() {
            return "an Object[" + slots.size() + "]";
        }
    }

    /** What {@code printf} returns (javac pops it). */
    record PrintResult() implements PrintPart {
        public String describe() {
            return "the PrintStream that printf returns";
        }
    }

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

    private final FrontEnd.Session session;
    private final IrBuilder b;
    private final ClassModel cls;
    private final MethodModel method;
    private final CodeModel code;
    private final String owner;
    private final String simpleOwner;
    private final String sourceFile;
    private final List<CodeElement> elems;
    private final Map<Label, Integer> labelIndex = new IdentityHashMap<>();
    private final int[] lineAt;
    private final List<LocalVariable> localVars = new ArrayList<>();
    private final Range[] rangeAt;
    private final List<Range> ranges = new ArrayList<>();
    private final Map<Long, Var> locals = new HashMap<>();
    private final Map<Long, Var> stackVars = new HashMap<>();
    private final Continuation continuation;
    private final boolean topLevel;
    private final int callSiteLine;
    private final String callerDescription;
    private final boolean callSiteInParallelRegion;
    private final String prefix;

    /** Per-slot host expressions for slots stored exactly once (top level only). */
    private final Map<Integer, HostExpr> slotHost = new HashMap<>();
    private final int[] storeCount;
    private final Map<Integer, Integer> paramSlots = new HashMap<>();

    // parallel loops (top level only)
    private final List<FrontEnd.ParallelVar> parallelVars;
    private final Map<Integer, FrontEnd.ParallelVar> initStoreAt = new HashMap<>();
    private final Map<Integer, FrontEnd.ParallelVar> incrementAt = new HashMap<>();
    private final Map<Integer, FrontEnd.ParallelVar> headerAt = new HashMap<>();
    private final Map<Integer, Var> parallelStart = new HashMap<>();
    /** The {@code lconst_1} of a {@code @Parallel long} loop's update {@code i = i + 1}: it becomes the stride. */
    private final Map<Integer, FrontEnd.ParallelVar> strideConstantAt = new HashMap<>();

    // block translation state
    private ArrayList<Entry> stack;
    private Map<Integer, Ref> refLocals;
    private BlockBuilder cur;
    private int pos;
    private boolean terminated;

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
        this.storeCount = new int[(code instanceof java.lang.classfile.attribute.CodeAttribute ca ? ca.maxLocals() : 65535) + 2];
        prescan();
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
    private int lineFrom(int i) {
        for (int k = i; k < elems.size(); k++) {
            if (elems.get(k) instanceof LineNumber ln) return ln.line();
            if (elems.get(k) instanceof Instruction) return lineAt[k];
        }
        return lineAt[Math.min(i, lineAt.length - 1)];
    }

    // ---- prescan -----------------------------------------------------------------------------

    private void prescan() {
        int line = 0;
        for (int i = 0; i < elems.size(); i++) {
            CodeElement e = elems.get(i);
            if (e instanceof LineNumber ln) line = ln.line();
            lineAt[i] = line;
            if (e instanceof LabelTarget lt) labelIndex.put(lt.label(), i);
            if (e instanceof LocalVariable lv) localVars.add(lv);
        }
        lineAt[elems.size()] = line;
        for (int i = 0; i < elems.size(); i++) {
            if (elems.get(i) instanceof MonitorInstruction) {
                pos = i;
                throw error("synchronized is not supported in kernels");
            }
        }
        for (CodeElement e : elems) {
            if (e instanceof ExceptionCatch ec) {
                pos = labelIndex.getOrDefault(ec.tryStart(), 0);
                throw error(lineFrom(pos), "exception handlers (try/catch/finally) are not supported in kernels");
            }
        }
        // count stores per slot: single-assignment slots carry host expressions for trip counts
        for (CodeElement e : elems) {
            if (e instanceof StoreInstruction s) storeCount[s.slot()]++;
            if (e instanceof IncrementInstruction inc) storeCount[inc.slot()] += 2;
        }
        // leaders
        TreeSet<Integer> leaders = new TreeSet<>();
        leaders.add(0);
        for (int i = 0; i < elems.size(); i++) {
            CodeElement e = elems.get(i);
            switch (e) {
                case BranchInstruction br -> {
                    leaders.add(labelIndex.get(br.target()));
                    leaders.add(i + 1);
                }
                case TableSwitchInstruction ts -> {
                    leaders.add(labelIndex.get(ts.defaultTarget()));
                    for (SwitchCase c : ts.cases()) leaders.add(labelIndex.get(c.target()));
                    leaders.add(i + 1);
                }
                case LookupSwitchInstruction ls -> {
                    leaders.add(labelIndex.get(ls.defaultTarget()));
                    for (SwitchCase c : ls.cases()) leaders.add(labelIndex.get(c.target()));
                    leaders.add(i + 1);
                }
                case ReturnInstruction r -> leaders.add(i + 1);
                case ThrowInstruction t -> leaders.add(i + 1);
                default -> {
                }
            }
        }
        if (topLevel) {
            for (FrontEnd.ParallelVar pv : parallelVars) {
                int start = labelIndex.get(pv.startLabel);
                leaders.add(start);
                pv.startIndex = start;
                pv.endIndex = labelIndex.get(pv.endLabel);
            }
        }
        leaders.tailSet(elems.size()).clear(); // not removeIf(lambda): see FrontEnd.doCompile
        Range prev = null;
        for (int l : leaders) {
            Range r = new Range(l);
            if (prev != null) prev.end = l;
            ranges.add(r);
            prev = r;
        }
        if (prev != null) prev.end = elems.size();
        for (Range r : ranges) {
            for (int i = r.start; i < r.end; i++) rangeAt[i] = r;
        }
        if (topLevel) findParallelLoopParts();
    }

    private void findParallelLoopParts() {
        for (FrontEnd.ParallelVar pv : parallelVars) {
            pos = pv.startIndex;
            int store = -1;
            for (int i = pv.startIndex - 1; i >= 0; i--) {
                CodeElement e = elems.get(i);
                if (e instanceof Instruction ins) {
                    if (ins instanceof StoreInstruction s && s.slot() == pv.slot
                            && (s.typeKind() == TypeKind.INT || s.typeKind() == TypeKind.LONG)) {
                        store = i;
                        pv.wide = s.typeKind() == TypeKind.LONG;
                    }
                    break;
                }
            }
            if (store < 0) {
                throw error("a @Parallel loop must have the form for (@Parallel int " + pv.name + " = start; "
                        + pv.name + " < bound; " + pv.name + "++) (or @Parallel long)");
            }
            initStoreAt.put(store, pv);
            int increments = 0;
            for (int i = pv.startIndex; i < pv.endIndex; i++) {
                CodeElement e = elems.get(i);
                if (e instanceof IncrementInstruction inc && inc.slot() == pv.slot) {
                    pos = i;
                    if (inc.constant() != 1) {
                        throw error("@Parallel loop variable '" + pv.name + "' must count up by 1 (found += " + inc.constant() + ")");
                    }
                    incrementAt.put(i, pv);
                    increments++;
                } else if (e instanceof StoreInstruction s && s.slot() == pv.slot && pv.wide && isLongIncrement(i, pv.slot)) {
                    // javac compiles i++ on a long as lload i; lconst_1; ladd; lstore i (there is no liinc)
                    strideConstantAt.put(previousInstruction(previousInstruction(i)), pv);
                    increments++;
                } else if (e instanceof StoreInstruction s && s.slot() == pv.slot && pv.wide && longIncrement(i, pv.slot) != null) {
                    pos = i;
                    throw error("@Parallel loop variable '" + pv.name + "' must count up by 1 (found += " + longIncrement(i, pv.slot) + ")");
                } else if (e instanceof StoreInstruction s && s.slot() == pv.slot) {
                    pos = i;
                    throw error("@Parallel loop variable '" + pv.name + "' is assigned in the loop body; only the loop update "
                            + pv.name + "++ may change it");
                }
            }
            if (increments != 1) {
                pos = pv.startIndex;
                throw error("a @Parallel loop must update its variable once, with " + pv.name + "++");
            }
            int first = pv.startIndex;
            while (first < elems.size() && !(elems.get(first) instanceof Instruction)) first++;
            if (first >= pv.endIndex) throw error("the @Parallel loop of '" + pv.name + "' has no loop test");
            headerAt.put(rangeAt[first].start, pv);
        }
    }

    /** The index of the last instruction before element {@code i}, or -1. */
    private int previousInstruction(int i) {
        for (int k = i - 1; k >= 0; k--) {
            if (elems.get(k) instanceof Instruction) return k;
        }
        return -1;
    }

    /** Whether the store at {@code i} ends {@code lload slot; lconst_1; ladd; lstore slot}. */
    private boolean isLongIncrement(int i, int slot) {
        return Long.valueOf(1L).equals(longIncrement(i, slot));
    }

    /** The constant {@code k} when the store at {@code i} ends {@code lload slot; ldc k; ladd; lstore slot}, else null. */
    private Object longIncrement(int i, int slot) {
        int add = previousInstruction(i);
        int k = add < 0 ? -1 : previousInstruction(add);
        int load = k < 0 ? -1 : previousInstruction(k);
        boolean shape = load >= 0
                && elems.get(add) instanceof OperatorInstruction op && op.opcode() == Opcode.LADD
                && elems.get(k) instanceof ConstantInstruction
                && elems.get(load) instanceof LoadInstruction ld && ld.slot() == slot && ld.typeKind() == TypeKind.LONG;
        return shape ? ((ConstantInstruction) elems.get(k)).constantValue() : null;
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

    private String localName(int slot) {
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
    private String allocatedName(String fallback) {
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

    void setParamSlot(int slot, int paramIndex) {
        paramSlots.put(slot, paramIndex);
    }

    private Var stackVar(int depth, Type t) {
        long key = ((long) depth << 3) | t.ordinal();
        Var v = stackVars.get(key);
        if (v == null) {
            // not computeIfAbsent: a lambda here costs a millisecond on the first build (FrontEnd.doCompile)
            v = b.newVar(t, prefix + "s" + depth);
            stackVars.put(key, v);
        }
        return v;
    }

    private BlockBuilder blockOf(int elementIndex) {
        Range r = rangeAt[elementIndex];
        if (r == null || r.start != elementIndex) throw new IllegalStateException("no block starts at " + elementIndex);
        if (r.block == null) r.block = b.newBlock();
        return r.block;
    }

    private BlockBuilder blockOf(Label l) {
        return blockOf(labelIndex.get(l));
    }

    private void translateRange(Range r, ArrayDeque<Range> work) {
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
                translate(ins, work);
            }
        }
        if (!terminated) {
            if (r.end >= elems.size()) {
                throw error("control reaches the end of the method without a return");
            }
            Range next = rangeAt[r.end];
            BlockBuilder target = blockOf(r.end);
            List<Entry> shape = materialize(List.of());
            cur.terminator = new Terminator.Goto(target.id);
            propagate(next, shape, work);
        }
    }

    private void propagate(Range succ, List<Entry> shape, ArrayDeque<Range> work) {
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
    private boolean refSlotLiveAt(int start, int slot) {
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
    private List<Entry> materialize(List<Value> keep) {
        List<Entry> shape = new ArrayList<>();
        List<Value> kept = new ArrayList<>(keep);
        // values that are themselves stack variables are copied first, so that no move clobbers them
        for (int i = 0; i < stack.size(); i++) {
            if (stack.get(i) instanceof Prim p) {
                Prim q = force(p);
                if (q.value() instanceof Var v && stackVars.containsValue(v) && !v.equals(stackVar(i, q.type()))) {
                    Var t = b.newVar(q.type(), "t");
                    emit(new Instr.Move(t, v));
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
                        emit(new Instr.Move(t, target));
                        kept.set(k, t);
                    }
                }
                if (!p.value().equals(target)) emit(new Instr.Move(target, p.value()));
                shape.add(new Prim(target, p.type(), null, -1, null, null, null));
            } else {
                shape.add(e);
            }
        }
        keepAfterMaterialize = kept;
        return shape;
    }

    private List<Value> keepAfterMaterialize = List.of();

    // ---- stack helpers -------------------------------------------------------------------------------

    private void emit(Instr i) {
        cur.instrs.add(i);
    }

    /**
     * Java's bounds check of the access emitted right after it. Its line is the one the exception will
     * name with the kernel's file: this method's own line when it is in that file, else the call's line.
     */
    private void checkIndex(ArrayRef a, Value index) {
        emit(new Instr.CheckIndex(a, index, checkLine()));
    }

    /**
     * Java's division-by-zero check of the integer division or remainder emitted right after it; none
     * where the divisor is a constant other than zero.
     */
    private void checkDivisor(Value divisor) {
        if (divisor instanceof Const c && (c.type() == Type.I32 ? c.intValue() != 0 : c.longValue() != 0)) return;
        emit(new Instr.CheckDivisor(divisor, checkLine()));
    }

    /** The line a check names with the kernel's file: this method's own line when it is in that file, else the call's line. */
    private int checkLine() {
        int line = topLevel || sourceFile.equals(session.kernelSourceFile) ? lineAt[Math.min(pos, lineAt.length - 1)] : callSiteLine;
        return Math.max(0, line);
    }

    private void push(Entry e) {
        stack.add(e);
    }

    private void pushValue(Value v) {
        stack.add(Prim.of(v));
    }

    private Entry popEntry() {
        if (stack.isEmpty()) throw new IllegalStateException("operand stack underflow");
        return stack.remove(stack.size() - 1);
    }

    private Prim popPrim() {
        Entry e = popEntry();
        if (e instanceof Prim p) return force(p);
        throw error("a reference (" + ((Ref) e).describe() + ") is used as a value; kernels can only index arrays and pass them to static methods");
    }

    private Prim popPrimRaw() {
        Entry e = popEntry();
        if (e instanceof Prim p) return p;
        throw error("a reference is used as a value");
    }

    private Value pop() {
        return popPrim().value();
    }

    private Ref popRef() {
        Entry e = popEntry();
        if (e instanceof Ref r) return r;
        throw new IllegalStateException("expected a reference on the stack");
    }

    /** Materialises a pending comparison's int result. */
    private Prim force(Prim p) {
        if (p.cmp() == null) return p;
        Var dst = b.newVar(Type.I32, "cmp");
        emit(new Instr.Compare(dst, p.cmp().kind(), p.cmp().a(), p.cmp().b()));
        return Prim.of(dst);
    }

    private Var temp(Type t) {
        return b.newVar(t, "t");
    }

    private static Type typeOf(TypeKind k) {
        return switch (k) {
            case INT, BOOLEAN, BYTE, CHAR, SHORT -> Type.I32;
            case LONG -> Type.I64;
            case FLOAT -> Type.F32;
            case DOUBLE -> Type.F64;
            default -> null;
        };
    }

    /** Copies stack entries that read {@code v} into temporaries, before {@code v} is overwritten. */
    private void protect(Var v) {
        for (int i = 0; i < stack.size(); i++) {
            if (stack.get(i) instanceof Prim p && p.value() != null && p.value().equals(v)) {
                Var t = temp(v.type());
                emit(new Instr.Move(t, v));
                stack.set(i, new Prim(t, p.type(), p.host(), -1, null, p.constant(), null));
            } else if (stack.get(i) instanceof Prim p && p.cmp() != null
                    && (v.equals(p.cmp().a()) || v.equals(p.cmp().b()))) {
                stack.set(i, force(p));
            }
        }
    }

    private boolean inParallelRegion() {
        if (!topLevel) return callSiteInParallelRegion;
        if (parallelVars.isEmpty()) return true;
        FrontEnd.ParallelVar outer = parallelVars.get(0);
        return pos >= outer.startIndex && pos < outer.endIndex;
    }

    // ---- instructions -------------------------------------------------------------------------------------

    private void translate(Instruction ins, ArrayDeque<Range> work) {
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
            case BranchInstruction br -> branch(br, work);
            case TableSwitchInstruction ts -> switchOn(ts.cases(), ts.defaultTarget(), work);
            case LookupSwitchInstruction ls -> switchOn(ls.cases(), ls.defaultTarget(), work);
            case ReturnInstruction ret -> doReturn(ret);
            case InvokeInstruction inv -> invoke(inv);
            case FieldInstruction f -> field(f);
            case NewPrimitiveArrayInstruction na -> newArray(na, work);
            case NopInstruction n -> {
            }
            case ThrowInstruction t -> throw error("throwing exceptions is not supported in kernels");
            case NewObjectInstruction n -> {
                String cls = n.className().asInternalName();
                if (isThrowable(cls)) throw error("throwing exceptions is not supported in kernels (new " + cls.replace('/', '.') + ")");
                throw error("allocation of " + cls.replace('/', '.') + " is not supported in kernels");
            }
            case NewReferenceArrayInstruction n when n.componentType().asInternalName().equals("java/lang/Object") -> varargs();
            case NewReferenceArrayInstruction n -> throw error("arrays of objects (" + n.componentType().asInternalName().replace('/', '.')
                    + "[]) are not supported in kernels");
            case NewMultiArrayInstruction n -> throw error("multi-dimensional arrays are not supported in kernels");
            case MonitorInstruction m -> throw error("synchronized is not supported in kernels");
            case InvokeDynamicInstruction d -> throw error("invokedynamic (string concatenation or lambda) is not supported in kernels");
            case TypeCheckInstruction t -> throw error("type checks and casts of references (" + t.opcode().name().toLowerCase()
                    + ") are not supported in kernels");
            case DiscontinuedInstruction d -> throw error("the obsolete jsr/ret instructions are not supported in kernels");
            default -> throw error("the bytecode instruction " + ins.opcode().name().toLowerCase() + " is not supported in kernels");
        }
    }

    private boolean isThrowable(String internalName) {
        try {
            return Throwable.class.isAssignableFrom(Class.forName(internalName.replace('/', '.'), false, session.loader));
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    private void load(LoadInstruction ld) {
        if (ld.typeKind() == TypeKind.REFERENCE) {
            Ref r = refLocals.get(ld.slot());
            if (r == null) throw error("local variable slot " + ld.slot() + " holds a reference Kiln cannot resolve to an array");
            push(r);
            return;
        }
        Type t = typeOf(ld.typeKind());
        Var v = local(ld.slot(), t);
        HostExpr host = null;
        if (topLevel) {
            Integer param = paramSlots.get(ld.slot());
            if (param != null && storeCount[ld.slot()] == 0 && (t == Type.I32 || t == Type.I64)) host = new HostExpr.Scalar(param);
            else if (storeCount[ld.slot()] == 1) host = slotHost.get(ld.slot());
        }
        int induction = -1;
        for (FrontEnd.ParallelVar pv : parallelVars) {
            if (pv.slot == ld.slot() && pos >= pv.startIndex && pos < pv.endIndex) induction = pv.slot;
        }
        push(new Prim(v, t, host, induction, null, null, null));
    }

    private void store(StoreInstruction st) {
        if (st.typeKind() == TypeKind.REFERENCE) {
            Entry e = popEntry();
            if (e instanceof Ref r) {
                if (r.print() != null) {
                    throw error(r.describe() + " is not supported in kernels except directly as an argument of System.out.printf"
                            + " (strings: as its constant format or as constant arguments); it cannot be kept in a variable");
                }
                refLocals.put(st.slot(), r);
                return;
            }
            throw error("a reference local variable is assigned something other than an array");
        }
        Type t = typeOf(st.typeKind());
        Prim p = popPrim();
        Var v = local(st.slot(), t);
        protect(v);
        FrontEnd.ParallelVar pv = topLevel ? initStoreAt.get(pos) : null;
        if (pv != null) {
            // For a long loop variable the start, ParallelIndex and ParallelStride are I64 as well.
            Var start = b.newVar(t, pv.name + "_start");
            emit(new Instr.Move(start, p.value()));
            Var idx = temp(t);
            emit(new Instr.ParallelIndex(idx, pv.dim));
            emit(new Instr.Binary(v, BinOp.ADD, start, idx));
            parallelStart.put(pv.dim, start);
            pv.startHost = p.host();
            pv.induction = v;
            return;
        }
        emit(new Instr.Move(v, p.value()));
        if (topLevel && storeCount[st.slot()] == 1 && p.host() != null) slotHost.put(st.slot(), p.host());
    }

    private void increment(IncrementInstruction inc) {
        Var v = local(inc.slot(), Type.I32);
        protect(v);
        FrontEnd.ParallelVar pv = topLevel ? incrementAt.get(pos) : null;
        if (pv != null) {
            Var stride = temp(Type.I32);
            emit(new Instr.ParallelStride(stride, pv.dim));
            emit(new Instr.Binary(v, BinOp.ADD, v, stride));
            return;
        }
        emit(new Instr.Binary(v, BinOp.ADD, v, Const.ofInt(inc.constant())));
    }

    private void constant(ConstantInstruction c) {
        if (c.opcode() == Opcode.ACONST_NULL) {
            throw error("null references are not supported in kernels");
        }
        Object v = c.constantValue();
        switch (v) {
            case Integer i -> push(new Prim(Const.ofInt(i), Type.I32, new HostExpr.Constant(i), -1, null, Const.ofInt(i), null));
            case Long l -> {
                FrontEnd.ParallelVar pv = topLevel ? strideConstantAt.get(pos) : null;
                if (pv != null) {
                    // the 1 of a @Parallel long loop's i = i + 1: the work-item steps by the stride instead
                    Var stride = temp(Type.I64);
                    emit(new Instr.ParallelStride(stride, pv.dim));
                    pushValue(stride);
                } else {
                    push(new Prim(Const.ofLong(l), Type.I64, new HostExpr.Constant(l), -1, null, Const.ofLong(l), null));
                }
            }
            case Float f -> pushValue(Const.ofFloat(f));
            case Double d -> pushValue(Const.ofDouble(d));
            // a string is a printf format or argument, refused anywhere else (store, call on it)
            case String s -> push(new Ref(new Text(s)));
            case null -> throw error("null references are not supported in kernels");
            default -> throw error("constant " + v + " (" + v.getClass().getSimpleName() + ") is not supported in kernels");
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
                Prim a = popPrim();
                Var dst = temp(a.type());
                emit(new Instr.Negate(dst, a.value()));
                HostExpr h = a.host() == null ? null : new HostExpr.Binary(BinOp.SUB, new HostExpr.Constant(0), a.host());
                push(new Prim(dst, a.type(), h, -1, null, null, null));
            }
            case LCMP -> compare(CompareKind.LCMP);
            case FCMPL -> compare(CompareKind.FCMPL);
            case FCMPG -> compare(CompareKind.FCMPG);
            case DCMPL -> compare(CompareKind.DCMPL);
            case DCMPG -> compare(CompareKind.DCMPG);
            case ARRAYLENGTH -> {
                Ref r = popRef();
                if (r.context()) throw error("the KernelContext is not an array");
                if (r.object() != null) throw error(r.describe() + " is not an array; objects are not supported in kernels");
                ArrayRef a = r.array();
                if (a.length() >= 0) {
                    push(new Prim(Const.ofInt(a.length()), Type.I32, new HostExpr.Constant(a.length()), -1, null, Const.ofInt(a.length()), null));
                } else {
                    Var dst = temp(Type.I32);
                    emit(new Instr.ArrayLength(dst, a));
                    push(new Prim(dst, Type.I32, new HostExpr.Length(a.paramIndex()), -1, null, null, null));
                }
            }
            default -> throw error("the bytecode instruction " + o.name().toLowerCase() + " is not supported in kernels");
        }
    }

    private void binary(BinOp op) {
        Prim bb = popPrim();
        Prim a = popPrim();
        Type t = a.type();
        Var dst = temp(t);
        if ((op == BinOp.DIV || op == BinOp.REM) && !t.isFloating()) checkDivisor(bb.value());
        emit(new Instr.Binary(dst, op, a.value(), bb.value()));
        HostExpr h = a.host() != null && bb.host() != null && (t == Type.I32 || t == Type.I64)
                ? new HostExpr.Binary(op, a.host(), bb.host()) : null;
        Origin origin = op == BinOp.ADD ? new Origin(io.kiln.ir.ReduceOp.ADD, a.value(), bb.value())
                : op == BinOp.MUL ? new Origin(io.kiln.ir.ReduceOp.MUL, a.value(), bb.value()) : null;
        push(new Prim(dst, t, h, -1, null, null, origin));
    }

    private void compare(CompareKind kind) {
        Prim bb = popPrim();
        Prim a = popPrim();
        push(new Prim(null, Type.I32, null, -1, new PendingCompare(kind, a.value(), bb.value(), a, bb), null, null));
    }

    private void convert(ConvertInstruction cv) {
        Conversion c = conversion(cv.fromType(), cv.toType());
        Prim a = popPrim();
        Var dst = temp(c.to());
        emit(new Instr.Convert(dst, c, a.value()));
        // Trip counts see through int/long conversions: i2l keeps the value, l2i keeps the low 32 bits
        // ((x << 32) >> 32 in the host's long arithmetic), as in (int) x.length() or i < n with a long i.
        HostExpr h = a.host() == null ? null : switch (c) {
            case I2L -> a.host();
            case L2I -> new HostExpr.Binary(BinOp.SHR, new HostExpr.Binary(BinOp.SHL, a.host(), new HostExpr.Constant(32)),
                    new HostExpr.Constant(32));
            default -> null;
        };
        push(new Prim(dst, dst.type(), h, -1, null, null, null));
    }

    private Conversion conversion(TypeKind from, TypeKind to) {
        String name = switch (from) {
            case INT -> "I";
            case LONG -> "L";
            case FLOAT -> "F";
            case DOUBLE -> "D";
            default -> throw error("conversion from " + from + " is not supported");
        } + "2" + switch (to) {
            case INT -> "I";
            case LONG -> "L";
            case FLOAT -> "F";
            case DOUBLE -> "D";
            case BYTE -> "B";
            case CHAR -> "C";
            case SHORT -> "S";
            default -> throw error("conversion to " + to + " is not supported");
        };
        return Conversion.valueOf(name);
    }

    private ArrayRef arrayOperand(Ref r, ElementType expected) {
        if (r.context()) throw error("the KernelContext is not an array");
        if (r.object() != null) throw error(r.describe() + " is not an array; objects are not supported in kernels");
        ArrayRef a = r.array();
        if (a.isOffHeap()) throw error("off-heap array " + a.name() + " is read with get(index) and written with set(index, value), not with [ ]");
        boolean ok = a.element() == expected || (expected == ElementType.BYTE && a.element() == ElementType.BYTE);
        if (!ok) throw new IllegalStateException("array element type mismatch: " + a.element() + " vs " + expected);
        return a;
    }

    private static ElementType elementOf(TypeKind k) {
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
        if (al.typeKind() == TypeKind.REFERENCE) throw error("arrays of references (such as float[][]) are not supported in kernels");
        Prim idx = popPrim();
        Ref r = popRef();
        ArrayRef a = arrayOperand(r, elementOf(al.typeKind()));
        FrontEnd.ReduceState red = session.reductions.get(a);
        if (red != null) {
            checkReduceAccess(red, idx);
            red.loads++;
            push(Prim.of(red.accumulator));
            return;
        }
        Var dst = temp(a.element().valueType());
        checkIndex(a, idx.value());
        emit(new Instr.Load(dst, a, idx.value()));
        push(Prim.of(dst));
    }

    private void arrayStore(ArrayStoreInstruction as) {
        if (as.typeKind() == TypeKind.REFERENCE) {
            varargsStore();
            return;
        }
        Prim val = popPrim();
        Prim idx = popPrim();
        Ref r = popRef();
        ArrayRef a = arrayOperand(r, elementOf(as.typeKind()));
        storeElement(a, idx, val);
    }

    /** {@code a[idx] = val} (or {@code a.set(idx, val)}), a {@code @Reduce} update included. */
    private void storeElement(ArrayRef a, Prim idx, Prim val) {
        if (a.space() == AddressSpace.CONSTANT) {
            throw error("array " + a.name() + " comes from a static final field and is read-only in kernels");
        }
        FrontEnd.ReduceState red = session.reductions.get(a);
        if (red != null) {
            checkReduceAccess(red, idx);
            Origin o = val.origin();
            Var acc = red.accumulator;
            if (o == null || !(acc.equals(o.a()) || acc.equals(o.b()))) {
                    String e0 = a.isOffHeap() ? a.name() + ".get(0)" : a.name() + "[0]";
                String update = a.isOffHeap() ? a.name() + ".set(0, " + e0 + " + value)" : e0 + " = " + e0 + " + value";
                throw error("@Reduce array '" + a.name() + "' must be updated as " + update
                        + " (or *, Math.min, Math.max), reading " + e0 + " once");
            }
            if (red.op != null && red.op != o.op()) {
                throw error("@Reduce array '" + a.name() + "' is updated with both " + red.op + " and " + o.op() + "; use one operation");
            }
            red.op = o.op();
            red.stores++;
            protect(acc);
            emit(new Instr.Move(acc, val.value()));
            return;
        }
        if (a.space() == AddressSpace.GLOBAL && !inParallelRegion()) {
            throw error("a store to " + a.name() + " outside the @Parallel loop would run once per work-item; "
                    + "move it into the loop or into a separate task");
        }
        checkIndex(a, idx.value());
        emit(new Instr.Store(a, idx.value(), val.value()));
    }

    private void checkReduceAccess(FrontEnd.ReduceState red, Prim idx) {
        String name = red.array.name();
        if (idx.constant() == null || idx.constant().longValue() != 0) {
            throw error("@Reduce array '" + name + "' may only be accessed at index 0 ("
                    + (red.array.isOffHeap() ? name + ".get(0), " + name + ".set(0, ...)" : name + "[0]") + ")");
        }
        if (!inParallelRegion()) {
            throw error("@Reduce array '" + name + "' may only be accessed inside the @Parallel loop");
        }
    }

    private void stackOp(StackInstruction si) {
        switch (si.opcode()) {
            case POP -> popEntry();
            case POP2 -> {
                Entry e = popEntry();
                if (!isWide(e)) popEntry();
            }
            case DUP -> {
                Entry e = peekForced(0);
                push(e);
            }
            case DUP_X1 -> {
                Entry v1 = popForced();
                Entry v2 = popForced();
                push(v1);
                push(v2);
                push(v1);
            }
            case DUP_X2 -> {
                Entry v1 = popForced();
                Entry v2 = popForced();
                if (isWide(v2)) {
                    push(v1);
                    push(v2);
                    push(v1);
                } else {
                    Entry v3 = popForced();
                    push(v1);
                    push(v3);
                    push(v2);
                    push(v1);
                }
            }
            case DUP2 -> {
                Entry v1 = peekForced(0);
                if (isWide(v1)) {
                    push(v1);
                } else {
                    Entry v2 = peekForced(1);
                    push(v2);
                    push(v1);
                }
            }
            case DUP2_X1 -> {
                Entry v1 = popForced();
                if (isWide(v1)) {
                    Entry v2 = popForced();
                    push(v1);
                    push(v2);
                    push(v1);
                } else {
                    Entry v2 = popForced();
                    Entry v3 = popForced();
                    push(v2);
                    push(v1);
                    push(v3);
                    push(v2);
                    push(v1);
                }
            }
            case DUP2_X2 -> {
                Entry v1 = popForced();
                if (isWide(v1)) {
                    Entry v2 = popForced();
                    if (isWide(v2)) {
                        push(v1);
                        push(v2);
                        push(v1);
                    } else {
                        Entry v3 = popForced();
                        push(v1);
                        push(v3);
                        push(v2);
                        push(v1);
                    }
                } else {
                    Entry v2 = popForced();
                    Entry v3 = popForced();
                    if (isWide(v3)) {
                        push(v2);
                        push(v1);
                        push(v3);
                        push(v2);
                        push(v1);
                    } else {
                        Entry v4 = popForced();
                        push(v2);
                        push(v1);
                        push(v4);
                        push(v3);
                        push(v2);
                        push(v1);
                    }
                }
            }
            case SWAP -> {
                Entry v1 = popForced();
                Entry v2 = popForced();
                push(v1);
                push(v2);
            }
            default -> throw error("stack instruction " + si.opcode() + " is not supported");
        }
    }

    private Entry peekForced(int fromTop) {
        int i = stack.size() - 1 - fromTop;
        Entry e = stack.get(i);
        if (e instanceof Prim p && p.cmp() != null) {
            e = force(p);
            stack.set(i, e);
        }
        return e;
    }

    private Entry popForced() {
        Entry e = popEntry();
        return e instanceof Prim p ? force(p) : e;
    }

    private static boolean isWide(Entry e) {
        return e instanceof Prim p && p.type().isWide();
    }

    // ---- control flow -----------------------------------------------------------------------------------

    private void branch(BranchInstruction br, ArrayDeque<Range> work) {
        Opcode o = br.opcode();
        int targetIndex = labelIndex.get(br.target());
        if (o == Opcode.GOTO || o == Opcode.GOTO_W) {
            List<Entry> shape = materialize(List.of());
            cur.terminator = new Terminator.Goto(blockOf(targetIndex).id);
            terminated = true;
            propagate(rangeAt[targetIndex], shape, work);
            return;
        }
        if (o == Opcode.IFNULL || o == Opcode.IFNONNULL || o == Opcode.IF_ACMPEQ || o == Opcode.IF_ACMPNE) {
            throw error("null references are not supported in kernels (comparing references with " + o.name().toLowerCase() + ")");
        }
        CmpOp op;
        Value a;
        Value bv;
        Prim pa;
        Prim pb;
        switch (o) {
            case IFEQ, IFNE, IFLT, IFGE, IFGT, IFLE -> {
                CmpOp base = cmpOf(o);
                Prim p = popPrimRaw();
                if (p.cmp() != null) {
                    PendingCompare c = p.cmp();
                    a = c.a();
                    bv = c.b();
                    op = fuse(c.kind(), base);
                    pa = c.pa();
                    pb = c.pb();
                } else {
                    a = p.value();
                    bv = Const.ofInt(0);
                    op = base;
                    pa = p;
                    pb = new Prim(bv, Type.I32, new HostExpr.Constant(0), -1, null, Const.ofInt(0), null);
                }
            }
            default -> {
                op = cmpOf(o);
                pb = popPrim();
                pa = popPrim();
                a = pa.value();
                bv = pb.value();
            }
        }
        int fallIndex = pos + 1;
        if (fallIndex >= elems.size()) throw error("control reaches the end of the method without a return");
        if (a instanceof Const ca && bv instanceof Const cb && !ca.type().isFloating()) {
            // A branch on constants (assertions, static final flags): only the taken side is compiled.
            long x = ca.longValue();
            long y = cb.longValue();
            boolean taken = op.test(Long.compare(x, y));
            int target = taken ? targetIndex : fallIndex;
            List<Entry> shape = materialize(List.of());
            cur.terminator = new Terminator.Goto(blockOf(target).id);
            terminated = true;
            propagate(rangeAt[target], shape, work);
            return;
        }
        if (topLevel) recordParallelHeader(op, pa, pb, targetIndex, fallIndex);
        List<Entry> shape = materialize(List.of(a, bv));
        a = keepAfterMaterialize.get(0);
        bv = keepAfterMaterialize.get(1);
        BlockBuilder taken = blockOf(targetIndex);
        BlockBuilder fall = blockOf(fallIndex);
        cur.terminator = new Terminator.Branch(op, a, bv, taken.id, fall.id);
        terminated = true;
        propagate(rangeAt[targetIndex], shape, work);
        propagate(rangeAt[fallIndex], shape, work);
    }

    private static CmpOp cmpOf(Opcode o) {
        return switch (o) {
            case IFEQ, IF_ICMPEQ -> CmpOp.EQ;
            case IFNE, IF_ICMPNE -> CmpOp.NE;
            case IFLT, IF_ICMPLT -> CmpOp.LT;
            case IFGE, IF_ICMPGE -> CmpOp.GE;
            case IFGT, IF_ICMPGT -> CmpOp.GT;
            case IFLE, IF_ICMPLE -> CmpOp.LE;
            default -> throw new IllegalStateException(o.name());
        };
    }

    /** {@code (a cmp b) op 0} as one comparison of a and b, with Java's NaN result folded in. */
    private static CmpOp fuse(CompareKind kind, CmpOp op) {
        if (kind == CompareKind.LCMP || op == CmpOp.EQ || op == CmpOp.NE) return op;
        boolean nanTaken = op.test(kind.nanResult());
        if (!nanTaken) return op;
        return switch (op) {
            case LT -> CmpOp.ULT;
            case LE -> CmpOp.ULE;
            case GT -> CmpOp.UGT;
            case GE -> CmpOp.UGE;
            default -> op;
        };
    }

    private void recordParallelHeader(CmpOp op, Prim pa, Prim pb, int targetIndex, int fallIndex) {
        Range r = rangeAt[pos];
        FrontEnd.ParallelVar pv = headerAt.get(r.start);
        if (pv == null || pv.loop != null) return;
        HostExpr bound;
        boolean inclusive;
        if (pa.inductionSlot() == pv.slot && (op == CmpOp.GE || op == CmpOp.GT)) {
            bound = pb.host();
            inclusive = op == CmpOp.GT;
        } else if (pb.inductionSlot() == pv.slot && (op == CmpOp.LE || op == CmpOp.LT)) {
            bound = pa.host();
            inclusive = op == CmpOp.LT;
        } else {
            throw error("a @Parallel loop must test its variable first, as in " + pv.name + " < bound or " + pv.name + " <= bound"
                    + (!pv.wide && (pa.type() == Type.I64 || pb.type() == Type.I64)
                    ? " (an int variable needs an int bound: write " + pv.name + " < (int) x.length(), or use @Parallel long)" : ""));
        }
        HostExpr trips = null;
        if (bound != null && pv.startHost != null) {
            trips = new HostExpr.Binary(BinOp.SUB, bound, pv.startHost);
            if (inclusive) trips = new HostExpr.Binary(BinOp.ADD, trips, new HostExpr.Constant(1));
        }
        Var start = parallelStart.get(pv.dim);
        if (start == null || pv.induction == null) throw error("the @Parallel loop of '" + pv.name + "' is not entered through its initialisation");
        pv.loop = new ParallelLoop(pv.dim, pv.induction, start, cur.id, blockOf(targetIndex).id, trips);
    }

    /** {@code tableswitch} and {@code lookupswitch}: both are a list of cases and a default. */
    private void switchOn(List<SwitchCase> cases, Label defaultTarget, ArrayDeque<Range> work) {
        Prim key = popPrim();
        List<Integer> keys = new ArrayList<>();
        List<Integer> targets = new ArrayList<>();
        List<Integer> targetIndices = new ArrayList<>();
        for (SwitchCase c : cases) {
            keys.add(c.caseValue());
            int ti = labelIndex.get(c.target());
            targets.add(blockOf(ti).id);
            targetIndices.add(ti);
        }
        finishSwitch(key, keys, targets, targetIndices, labelIndex.get(defaultTarget), work);
    }

    private void finishSwitch(Prim key, List<Integer> keys, List<Integer> targets, List<Integer> targetIndices, int defaultIndex,
                              ArrayDeque<Range> work) {
        List<Entry> shape = materialize(List.of(key.value()));
        Value k = keepAfterMaterialize.get(0);
        cur.terminator = new Terminator.Switch(k, keys, targets, blockOf(defaultIndex).id);
        terminated = true;
        for (int ti : targetIndices) propagate(rangeAt[ti], shape, work);
        propagate(rangeAt[defaultIndex], shape, work);
    }

    private void doReturn(ReturnInstruction ret) {
        if (topLevel) {
            if (ret.typeKind() != TypeKind.VOID) throw error("kernels must return void");
            cur.terminator = new Terminator.Return();
            terminated = true;
            return;
        }
        switch (ret.typeKind()) {
            case VOID -> {
            }
            case REFERENCE -> {
                Ref r = popRef();
                Ref prev = continuation.returnedRef()[0];
                if (prev != null && !prev.equals(r)) {
                    throw error("the method returns " + prev.describe() + " on one path and " + r.describe()
                            + " on another; kernels need each array expression to refer to one array");
                }
                continuation.returnedRef()[0] = r;
            }
            default -> {
                Prim p = popPrim();
                emit(new Instr.Move(continuation.result(), p.value()));
            }
        }
        cur.terminator = new Terminator.Goto(continuation.block().id);
        terminated = true;
    }

    // ---- calls and fields ------------------------------------------------------------------------------------

    private void invoke(InvokeInstruction inv) {
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
            Ref r = popRef();
            if (!r.context()) throw new IllegalStateException("KernelContext call on a non-context");
            Var dst = temp(Type.I32);
            emit(new Instr.WorkItem(dst, w.query(), w.dim()));
            pushValue(dst);
            return;
        }
        ElementType offHeap = FrontEnd.offHeapElement(ownerName);
        if (o == Opcode.INVOKEVIRTUAL && (offHeap != null || ownerName.equals("io/kiln/OffHeapArray"))) {
            offHeapCall(ownerName, offHeap, name, desc);
            return;
        }
        if (o == Opcode.INVOKEVIRTUAL && ownerName.equals("java/io/PrintStream")) {
            printCall(name, desc);
            return;
        }
        if (o == Opcode.INVOKEINTERFACE) {
            throw error("interface call to " + ownerName.replace('/', '.') + "." + name + " is not supported in kernels"
                    + " (only static methods can be called)");
        }
        if (o == Opcode.INVOKEVIRTUAL || o == Opcode.INVOKESPECIAL) {
            throw error("call to instance method " + ownerName.replace('/', '.') + "." + name + " is not supported in kernels"
                    + " (only static methods can be called)");
        }
        if (o == Opcode.INVOKESTATIC && name.equals("valueOf") && io.kiln.ir.PrintKind.ofBox(ownerName) != null
                && desc.endsWith(")L" + ownerName + ";") && desc.length() == ownerName.length() + 5) {
            box(io.kiln.ir.PrintKind.ofBox(ownerName));
            return;
        }
        MathFunction fn = Intrinsics.math(ownerName, name, desc);
        if (fn != null) {
            MethodTypeDesc mt = MethodTypeDesc.ofDescriptor(desc);
            List<Value> args = new ArrayList<>();
            for (int i = 0; i < mt.parameterCount(); i++) args.add(0, pop());
            Type t = typeOf(TypeKind.from(mt.returnType()));
            Var dst = temp(t);
            emit(new Instr.MathCall(dst, fn, args));
            if (fn == MathFunction.MIN || fn == MathFunction.MAX) {
                // a @Reduce update may be best[0] = Math.max(best[0], v): keep the operands, as for an inlined call
                push(new Prim(dst, t, null, -1, null, null, new Origin(fn == MathFunction.MIN ? io.kiln.ir.ReduceOp.MIN
                        : io.kiln.ir.ReduceOp.MAX, args.get(0), args.get(1))));
                return;
            }
            pushValue(dst);
            return;
        }
        if (Intrinsics.isBitCast(ownerName, name, desc)) {
            Value a = pop();
            Type t = typeOf(TypeKind.from(MethodTypeDesc.ofDescriptor(desc).returnType()));
            Var dst = temp(t);
            emit(new Instr.BitCast(dst, a));
            pushValue(dst);
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
        char d = element == null ? '?' : descriptorChar(element);
        boolean get = element != null && name.equals("get") && desc.equals("(J)" + d);
        boolean set = element != null && name.equals("set") && desc.equals("(J" + d + ")V");
        boolean length = name.equals("length") && desc.equals("()J");
        if (!get && !set && !length) {
            throw error("call to " + cls + "." + name + " is not supported in kernels: in a kernel an off-heap array offers only "
                    + "get(index), set(index, value) and length() (fill, copy, view or close it on the host, before or after the task)");
        }
        Prim value = set ? popPrim() : null;
        Prim index = get || set ? popPrim() : null;
        Entry receiver = popEntry();
        if (!(receiver instanceof Ref r)) throw new IllegalStateException("an off-heap array call on a primitive value");
        if (r.context()) throw error("the KernelContext is not an array");
        if (r.object() != null) {
            throw error("call to " + cls + "." + name + " on " + r.describe() + ": off-heap arrays reach kernels only as parameters"
                    + " (static fields holding them are not supported)");
        }
        ArrayRef a = r.array();
        if (!a.isOffHeap()) throw new IllegalStateException("an off-heap array call on the Java array " + a.name());
        if (element != null && a.element() != element) throw new IllegalStateException("off-heap element type mismatch: " + a.element());
        if (length) {
            Var dst = temp(Type.I64);
            emit(new Instr.ArrayLength(dst, a));
            push(new Prim(dst, Type.I64, new HostExpr.Length(a.paramIndex()), -1, null, null, null));
            return;
        }
        if (set) {
            storeElement(a, index, value);
            return;
        }
        FrontEnd.ReduceState red = session.reductions.get(a);
        if (red != null) {
            checkReduceAccess(red, index);
            red.loads++;
            push(Prim.of(red.accumulator));
            return;
        }
        Var dst = temp(a.element().valueType());
        checkIndex(a, index.value());
        emit(new Instr.Load(dst, a, index.value()));
        push(Prim.of(dst));
    }

    private static char descriptorChar(ElementType e) {
        return switch (e) {
            case BYTE -> 'B';
            case SHORT -> 'S';
            case CHAR -> 'C';
            case INT -> 'I';
            case LONG -> 'J';
            case FLOAT -> 'F';
            case DOUBLE -> 'D';
        };
    }

    /** {@code barrier()}, {@code localFloats(n)} and friends, and the atomics of {@code KernelContext}. */
    private void contextCall(String name, String desc) {
        if (name.equals("barrier")) {
            popRef();
            if (!parallelVarsOfKernel().isEmpty()) {
                throw error("barrier() needs a KernelContext kernel with a work-group size; @Parallel loops have no work-groups");
            }
            Instr.Barrier bar = new Instr.Barrier();
            session.barrierLines.put(bar, lineAt[pos]);
            emit(bar);
            return;
        }
        if (name.startsWith("local") && desc.startsWith("(I)[")) {
            Prim len = popPrim();
            popRef();
            if (len.constant() == null) {
                throw error("local array allocation with a non-constant length is not supported in kernels (use a constant such as ctx.localFloats(256))");
            }
            int n = len.constant().intValue();
            if (n <= 0 || n > 1 << 16) throw error("local array length " + n + " is out of range (1 to 65536)");
            ElementType et = ElementType.ofDescriptor(desc.charAt(desc.length() - 1));
            ArrayRef a = b.newArray(et, AddressSpace.LOCAL, n, -1, allocatedName("local"), null);
            push(new Ref(a, false));
            return;
        }
        io.kiln.ir.AtomicOp op = switch (name) {
            case "atomicAdd" -> io.kiln.ir.AtomicOp.ADD;
            case "atomicMin" -> io.kiln.ir.AtomicOp.MIN;
            case "atomicMax" -> io.kiln.ir.AtomicOp.MAX;
            case "atomicExchange" -> io.kiln.ir.AtomicOp.EXCHANGE;
            case "atomicCompareAndSet" -> io.kiln.ir.AtomicOp.COMPARE_AND_SET;
            default -> throw error("KernelContext." + name + " is not supported in kernels");
        };
        Value operand = pop();
        Value expected = null;
        if (op == io.kiln.ir.AtomicOp.COMPARE_AND_SET) {
            expected = pop();
        }
        Value index = pop();
        Ref arr = popRef();
        popRef();
        if (arr.context()) throw error("atomics need an array element: ctx." + name + "(array, index, value)");
        ArrayRef a = arr.array();
        if (a.space() == AddressSpace.CONSTANT) throw error("array " + a.name() + " is read-only in kernels");
        if (a.space() == AddressSpace.PRIVATE) {
            throw error("atomics on private arrays are not supported: a private array belongs to one work-item; use a plain update");
        }
        Var dst = temp(a.element().valueType());
        checkIndex(a, index);
        emit(new Instr.Atomic(dst, op, a, index, operand, expected));
        pushValue(dst);
    }

    // ---- printf -------------------------------------------------------------------------------------------

    /** {@code anewarray Object} of a constant length: the varargs array of a printf call. */
    private void varargs() {
        Prim len = popPrim();
        if (len.constant() == null) throw error("an Object[] of a non-constant length is not supported in kernels");
        int n = len.constant().intValue();
        if (n < 0 || n > 255) throw error("an Object[" + n + "] is not supported in kernels (printf takes up to 255 arguments)");
        push(new Ref(new Varargs(session.printArrays++, java.util.Arrays.asList(new Ref[n]))));
    }

    /** {@code aastore} into printf's varargs: a boxed primitive or a string constant at a constant index. */
    private void varargsStore() {
        Entry value = popEntry();
        Prim idx = popPrim();
        Entry target = popEntry();
        if (!(target instanceof Ref t && t.print() instanceof Varargs va)) {
            throw error("arrays of references (such as float[][]) are not supported in kernels");
        }
        if (!(value instanceof Ref v && (v.print() instanceof Text || v.print() instanceof Boxed))) {
            String what = value instanceof Ref r ? r.describe() : "a primitive";
            throw error("printf arguments must be primitives (int, long, float, double, boolean, char, byte, short) or string constants, not "
                    + what);
        }
        // javac fills the varargs in order; the index is a constant that a block boundary before the store (an
        // argument such as k > 4, compiled to branches) turns into a stack variable, so the next free slot is taken
        List<Ref> slots = new ArrayList<>(va.slots());
        int at = slots.indexOf(null);
        if (at < 0 || idx.constant() != null && idx.constant().intValue() != at) {
            throw error("printf's varargs array is written out of order (element " + (idx.constant() == null ? "?" : idx.constant().intValue())
                    + "); pass the arguments in the call");
        }
        slots.set(at, v);
        Ref updated = new Ref(new Varargs(va.id(), java.util.Collections.unmodifiableList(slots)));
        // the array is one object: every copy of it on the stack (javac's dup) sees the store
        for (int k = 0; k < stack.size(); k++) {
            if (stack.get(k) instanceof Ref r && r.print() instanceof Varargs other && other.id() == va.id()) stack.set(k, updated);
        }
    }

    /** {@code Integer.valueOf(i)} and friends: printf's varargs boxing. The value is copied, as the box would hold it. */
    private void box(io.kiln.ir.PrintKind kind) {
        Prim p = popPrim();
        Value v = p.value();
        if (!(v instanceof Const)) {
            Var t = temp(v.type());
            emit(new Instr.Move(t, v));
            v = t;
        }
        push(new Ref(new Boxed(v, kind)));
    }

    /**
     * A call on a {@code PrintStream}: {@code System.out.printf} / {@code format} with a constant format,
     * and {@code System.out.print} / {@code println} of one primitive or string constant (or none), all
     * becoming one {@link Instr.Print}.
     */
    private void printCall(String name, String desc) {
        boolean printf = (name.equals("printf") || name.equals("format")) && desc.equals("(Ljava/lang/String;[Ljava/lang/Object;)Ljava/io/PrintStream;");
        boolean println = name.equals("println") || name.equals("print");
        if (!printf && !println) {
            throw error("call to PrintStream." + name + " is not supported in kernels (System.out.printf(format, args...),"
                    + " System.out.println(x) and System.out.print(x) are)");
        }
        String format;
        List<Ref> args;
        boolean returnsStream = printf;
        if (printf) {
            Entry a = popEntry();
            Entry f = popEntry();
            if (!(f instanceof Ref fr && fr.print() instanceof Text text)) {
                throw error("the format of System.out.printf must be a string constant in kernels (it is decoded on the host)");
            }
            if (!(a instanceof Ref ar && ar.print() instanceof Varargs va)) {
                throw error("the arguments of System.out.printf must be written out in the call in kernels (not an array)");
            }
            format = text.value();
            args = va.slots();
        } else {
            MethodTypeDesc mt = MethodTypeDesc.ofDescriptor(desc);
            if (mt.parameterCount() > 1 || !mt.returnType().descriptorString().equals("V")) {
                throw error("call to PrintStream." + name + desc + " is not supported in kernels");
            }
            args = new ArrayList<>();
            if (mt.parameterCount() == 1) {
                String pd = mt.parameterType(0).descriptorString();
                if (pd.equals("Ljava/lang/String;")) {
                    Entry e = popEntry();
                    if (!(e instanceof Ref r && r.print() instanceof Text)) {
                        throw error("System.out." + name + " of a String needs a string constant in kernels");
                    }
                    args.add((Ref) e);
                } else if (pd.length() == 1) {
                    io.kiln.ir.PrintKind k = switch (pd.charAt(0)) {
                        case 'Z' -> io.kiln.ir.PrintKind.BOOLEAN;
                        case 'C' -> io.kiln.ir.PrintKind.CHAR;
                        case 'I' -> io.kiln.ir.PrintKind.INT;
                        case 'J' -> io.kiln.ir.PrintKind.LONG;
                        case 'F' -> io.kiln.ir.PrintKind.FLOAT;
                        case 'D' -> io.kiln.ir.PrintKind.DOUBLE;
                        default -> throw error("call to PrintStream." + name + desc + " is not supported in kernels");
                    };
                    box(k);
                    args.add((Ref) popEntry());
                } else {
                    throw error("System.out." + name + " of an object is not supported in kernels (print primitives or string constants)");
                }
            }
            // print(x) prints String.valueOf(x), which is what %s makes of the boxed x
            format = (args.isEmpty() ? "" : "%s") + (name.equals("println") ? "%n" : "");
        }
        Entry receiver = popEntry();
        if (!(receiver instanceof Ref rr && "java.lang.System.out".equals(rr.object()))) {
            String what = receiver instanceof Ref rr ? rr.describe() : "a value";
            throw error("PrintStream." + name + " on " + what + " is not supported in kernels: only System.out prints (after the launch)");
        }
        List<io.kiln.ir.PrintArg> printArgs = new ArrayList<>();
        List<Value> values = new ArrayList<>(printKeys());
        int keys = values.size();
        List<Object> sample = new ArrayList<>();
        for (int k = 0; k < args.size(); k++) {
            Ref r = args.get(k);
            if (r == null) throw error("printf argument " + k + " is not set");
            if (r.print() instanceof Text t) {
                printArgs.add(io.kiln.ir.PrintArg.text(t.value()));
                sample.add(t.value());
            } else {
                Boxed bx = (Boxed) r.print();
                printArgs.add(io.kiln.ir.PrintArg.of(bx.kind()));
                values.add(bx.value());
                sample.add(bx.kind().box(0));
            }
        }
        try {
            // the host formats each record with String.format: a format that cannot take these argument types fails now
            String.format(format, sample.toArray());
        } catch (java.util.IllegalFormatException e) {
            throw error("the printf format \"" + format + "\" does not fit its arguments " + printArgs.stream().map(a -> a.kind().name()
                    .toLowerCase(java.util.Locale.ROOT)).toList() + ": " + e);
        }
        int line = topLevel || sourceFile.equals(session.kernelSourceFile) ? lineAt[Math.min(pos, lineAt.length - 1)] : callSiteLine;
        emit(new Instr.Print(session.printSites++, format, values, keys, printArgs, Math.max(0, line)));
        if (returnsStream) push(new Ref(new PrintResult()));
    }

    /**
     * The values that place a printing work-item in Java's order: the {@code @Parallel} loop variables
     * (the call must be inside the innermost loop, where each iteration prints what the Java loop's
     * iteration prints), the global ids z, y, x of a work-item kernel, or none for a single kernel.
     */
    private List<Value> printKeys() {
        List<FrontEnd.ParallelVar> pvs = parallelVarsOfKernel();
        if (!pvs.isEmpty()) {
            boolean inner;
            if (topLevel) {
                FrontEnd.ParallelVar innermost = pvs.get(pvs.size() - 1);
                inner = pos >= innermost.startIndex && pos < innermost.endIndex;
            } else {
                inner = session.callInInnermostLoop;
            }
            if (!inner || pvs.stream().anyMatch(pv -> pv.induction == null)) {
                throw error("System.out.printf outside the innermost @Parallel loop is not supported: there every work-item would"
                        + " print it; move it into the loop body (or print from a KernelContext kernel)");
            }
            List<Value> keys = new ArrayList<>();
            for (FrontEnd.ParallelVar pv : pvs) keys.add(pv.induction);
            return keys;
        }
        if (!session.workItemKernel) return List.of();
        List<Value> keys = new ArrayList<>();
        for (int d = 2; d >= 0; d--) {
            Var id = temp(Type.I32);
            emit(new Instr.WorkItem(id, io.kiln.ir.WorkItemQuery.GLOBAL_ID, d));
            keys.add(id);
        }
        return keys;
    }

    private List<FrontEnd.ParallelVar> parallelVarsOfKernel() {
        return session.kernelParallelVars;
    }

    private void inline(String ownerName, String name, String desc) {
        String key = ownerName + "." + name + desc;
        String display = FrontEnd.simpleName(ownerName) + "." + name;
        if (session.callStack.contains(key)) {
            throw error("recursive call to " + ownerName.replace('/', '.') + "." + name + " is not supported in kernels");
        }
        ClassModel calleeClass = session.classModel(ownerName, this);
        MethodModel callee = FrontEnd.method(calleeClass, name, desc);
        if (callee == null) throw error("cannot find method " + ownerName.replace('/', '.') + "." + name + desc);
        if ((callee.flags().flagsMask() & java.lang.reflect.Modifier.NATIVE) != 0 || callee.code().isEmpty()) {
            throw error("call to native method " + ownerName.replace('/', '.') + "." + name + " is not supported in kernels");
        }
        if ((callee.flags().flagsMask() & java.lang.reflect.Modifier.SYNCHRONIZED) != 0) {
            throw error("synchronized is not supported in kernels (calling synchronized method " + display + ")");
        }
        MethodTypeDesc mt = MethodTypeDesc.ofDescriptor(desc);
        int n = mt.parameterCount();
        Entry[] args = new Entry[n];
        for (int i = n - 1; i >= 0; i--) args[i] = popForced();
        // continuation
        BlockBuilder cont = b.newBlock();
        TypeKind rk = TypeKind.from(mt.returnType());
        Var result = null;
        if (rk != TypeKind.VOID && rk != TypeKind.REFERENCE) result = b.newVar(typeOf(rk), session.inlinePrefixFor(name) + "ret");
        Ref[] returnedRef = new Ref[1];
        Continuation c = new Continuation(cont, result, result == null ? null : result.type(), rk == TypeKind.REFERENCE, returnedRef);
        if (topLevel && !parallelVars.isEmpty()) {
            FrontEnd.ParallelVar innermost = parallelVars.get(parallelVars.size() - 1);
            session.callInInnermostLoop = pos >= innermost.startIndex && pos < innermost.endIndex;
        }
        session.callStack.push(key);
        session.inlineDepth++;
        try {
            MethodTranslator t = new MethodTranslator(session, calleeClass, callee, c, lineAt[pos],
                    topLevel ? FrontEnd.simpleName(owner) + "." + method.methodName().stringValue() : callerDescription,
                    inParallelRegion(), null);
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
                    argMoves.add(new Instr.Move(t.local(slot, typeOf(k)), p.value()));
                }
                slot += k.slotSize();
            }
            cur.instrs.addAll(argMoves);
            BlockBuilder entry = t.translate(refs);
            cur.terminator = new Terminator.Goto(entry.id);
        } finally {
            session.callStack.pop();
            session.inlineDepth--;
        }
        cur = cont;
        // stack entries below the call are untouched by the callee: it has its own variables
        if (rk == TypeKind.REFERENCE) {
            if (returnedRef[0] == null) throw error("method " + display + " never returns");
            push(returnedRef[0]);
        } else if (result != null) {
            Origin origin = null;
            if ((ownerName.equals("java/lang/Math") || ownerName.equals("java/lang/StrictMath")) && n == 2
                    && (name.equals("min") || name.equals("max")) && args[0] instanceof Prim p0 && args[1] instanceof Prim p1) {
                origin = new Origin(name.equals("min") ? io.kiln.ir.ReduceOp.MIN : io.kiln.ir.ReduceOp.MAX, p0.value(), p1.value());
            }
            push(new Prim(result, result.type(), null, -1, null, null, origin));
        }
    }

    private void field(FieldInstruction f) {
        String ownerName = f.owner().asInternalName();
        String name = f.name().stringValue();
        String full = ownerName.replace('/', '.') + "." + name;
        switch (f.opcode()) {
            case GETFIELD, PUTFIELD -> throw error("field access " + full + " is not supported in kernels (only static final constants can be read)");
            case PUTSTATIC -> throw error("write to static field " + full + " is not supported in kernels");
            default -> {
            }
        }
        Object value = session.staticFinalValue(ownerName, name, this);
        switch (value) {
            case Integer i -> push(new Prim(Const.ofInt(i), Type.I32, new HostExpr.Constant(i), -1, null, Const.ofInt(i), null));
            case Long l -> pushValue(Const.ofLong(l));
            case Float fl -> pushValue(Const.ofFloat(fl));
            case Double d -> pushValue(Const.ofDouble(d));
            case Boolean z -> pushValue(Const.ofInt(z ? 1 : 0));
            case Byte by -> pushValue(Const.ofInt(by));
            case Short s -> pushValue(Const.ofInt(s));
            case Character ch -> pushValue(Const.ofInt(ch));
            case String str -> push(new Ref(new Text(str)));
            case ArrayRef a -> push(new Ref(a, false));
            // An object: refused where it is used (a call on it, a field of it), which names the construct.
            default -> push(new Ref(null, false, full));
        }
    }

    private void newArray(NewPrimitiveArrayInstruction na, ArrayDeque<Range> work) {
        Prim len = popPrim();
        if (len.constant() == null) {
            throw error("array allocation with a non-constant length is not supported in kernels"
                    + " (use a constant such as new float[16])");
        }
        int n = len.constant().intValue();
        if (n < 0 || n > 1 << 16) throw error("private array length " + n + " is out of range (0 to 65536)");
        ElementType et = elementOf(na.typeKind());
        if (et == null) throw error("arrays of " + na.typeKind() + " are not supported in kernels");
        String name = allocatedName("priv");
        ArrayRef a = b.newArray(et, AddressSpace.PRIVATE, n, -1, name, null);
        session.privateArrays++;
        // Java gives a fresh, zeroed array at every execution of 'new': zero it here, with a loop.
        if (n > 0) {
            Var i = b.newVar(Type.I32, "zi");
            emit(new Instr.Move(i, Const.ofInt(0)));
            BlockBuilder head = b.newBlock();
            BlockBuilder body = b.newBlock();
            BlockBuilder after = b.newBlock();
            cur.terminator = new Terminator.Goto(head.id);
            head.terminator = new Terminator.Branch(CmpOp.LT, i, Const.ofInt(n), body.id, after.id);
            Value zero = switch (et.valueType()) {
                case I32 -> Const.ofInt(0);
                case I64 -> Const.ofLong(0);
                case F32 -> Const.ofFloat(0f);
                case F64 -> Const.ofDouble(0d);
            };
            body.instrs.add(new Instr.Store(a, i, zero));
            body.instrs.add(new Instr.Binary(i, BinOp.ADD, i, Const.ofInt(1)));
            body.terminator = new Terminator.Goto(head.id);
            cur = after;
        }
        push(new Ref(a, false));
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
