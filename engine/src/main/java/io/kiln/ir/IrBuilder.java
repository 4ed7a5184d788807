package io.kiln.ir;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * Builds a {@link KernelIR} by hand: parameters and arrays, variables, blocks, instructions and
 * terminators, then {@link #build()}, which runs {@link IrVerifier}. Back ends, passes and tests use it
 * to write IR the front end does not produce, or to test one back end without the front end:
 * <pre>{@code
 * IrBuilder b = new IrBuilder("demo.Kernels", "scale", KernelKind.WORK_ITEM);
 * b.context();
 * Var n = b.scalar("n", ScalarKind.INT);
 * ArrayRef x = b.array("x", ElementType.FLOAT, Access.READ_WRITE);
 * Var i = b.workItem(WorkItemQuery.GLOBAL_ID, 0);
 * IrBuilder.BlockBuilder body = b.block(), done = b.block();
 * b.branch(CmpOp.GE, i, n, done, body);       // the entry block ends here
 * b.at(body).store(x, i, b.binary(BinOp.MUL, b.load(x, i), IrBuilder.f(2f)));
 * b.jump(done);
 * b.at(done).ret();
 * KernelIR ir = b.build();                     // verified
 * }</pre>
 * <p><b>Where instructions go.</b> Each instruction method exists on a block ({@link BlockBuilder}) and,
 * as a shorthand, on the builder, which appends to the block of its insertion point ({@link #at},
 * initially the entry block), as LLVM's {@code IRBuilder} does.
 * <p><b>Source lines.</b> Every instruction and terminator the builder makes carries the current line
 * ({@link #line(int)}, initially 0, "unknown"), as LLVM's {@code IRBuilder} carries a current debug
 * location: {@code b.line(12)} before the instructions of line 12. An instruction given to
 * {@link BlockBuilder#add} keeps its own line.
 * <p><b>Blocks by handle.</b> Terminators and parallel loops name blocks by {@link BlockBuilder}, never
 * by number: ids are assigned by {@link #build()} (in creation order; the entry, made by the
 * constructor, is block 0), so a test can create blocks in any order without counting them.
 * <p><b>Names.</b> Variable and array names are made C-safe (every character outside
 * {@code [A-Za-z0-9_]} becomes {@code _}) and unique ({@code t}, {@code t_2}, ...), arrays apart from
 * variables, so that the printed IR parses back ({@link IrParser}); the front end names its registers
 * the same way.
 */
public final class IrBuilder {
    private final String ownerClass;
    private final String methodName;
    private final KernelKind kind;
    private final List<Param> params = new ArrayList<>();
    private final List<Var> vars = new ArrayList<>();
    private final List<ArrayRef> arrays = new ArrayList<>();
    private final List<List<Long>> constants = new ArrayList<>();
    private final List<BlockBuilder> blocks = new ArrayList<>();
    private final List<LoopSpec> loops = new ArrayList<>();
    private final List<Reduction> reductions = new ArrayList<>();
    private final Map<String, Integer> varNames = new HashMap<>();
    /** Arrays (@name) have names of their own, apart from variables (%name): array {@code t} stays {@code t} beside variable {@code t}. */
    private final Map<String, Integer> arrayNames = new HashMap<>();
    private BlockBuilder current;
    /** The source line every instruction and terminator made from now on carries ({@link #line(int)}). */
    private int line;

    /** A parallel loop whose blocks are handles until {@link #build()} numbers them. */
    private record LoopSpec(int dim, Var induction, Var start, BlockBuilder header, BlockBuilder exit, HostExpr trips) {}

    /**
     * A kernel {@code ownerClass.methodName} of {@code kind}, with an empty entry block as insertion point.
     *
     * @param ownerClass binary name of the declaring class ({@link KernelIR#ownerClass()})
     * @param methodName the kernel's name
     * @param kind       how the iteration space is defined
     */
    public IrBuilder(String ownerClass, String methodName, KernelKind kind) {
        this.ownerClass = java.util.Objects.requireNonNull(ownerClass, "ownerClass");
        this.methodName = java.util.Objects.requireNonNull(methodName, "methodName");
        this.kind = java.util.Objects.requireNonNull(kind, "kind");
        current = block();
    }

    // ------------------------------------------------------------ constants

    /** The {@code int} constant {@code v}. */
    public static Const i(int v) {
        return Const.ofInt(v);
    }

    /** The {@code long} constant {@code v}. */
    public static Const l(long v) {
        return Const.ofLong(v);
    }

    /** The {@code float} constant {@code v} (its raw bits: NaN payloads and -0 stay). */
    public static Const f(float v) {
        return Const.ofFloat(v);
    }

    /** The {@code double} constant {@code v} (its raw bits). */
    public static Const d(double v) {
        return Const.ofDouble(v);
    }

    // ------------------------------------------------------------ parameters and arrays

    /** Declares the next parameter as a scalar of {@code k} and returns the variable it arrives in. */
    public Var scalar(String name, ScalarKind k) {
        Var v = var(k.valueType(), name);
        params.add(new Param.Scalar(params.size(), name, k, v));
        return v;
    }

    /** Declares the next parameter as a Java array ({@code float[]}) used as {@code access} says. */
    public ArrayRef array(String name, ElementType e, Access access) {
        return arrayParam(name, e, access, Storage.HEAP);
    }

    /** Declares the next parameter as an off-heap array ({@code FloatArray}): I64 length, I32 or I64 indices. */
    public ArrayRef offHeapArray(String name, ElementType e, Access access) {
        return arrayParam(name, e, access, Storage.OFF_HEAP);
    }

    private ArrayRef arrayParam(String name, ElementType e, Access access, Storage storage) {
        ArrayRef a = arrayRef(e, AddressSpace.GLOBAL, -1, params.size(), name, null, storage);
        params.add(new Param.Array(params.size(), a.name(), a, access));
        return a;
    }

    /** Declares the next parameter as the {@code KernelContext} of a work-item kernel. */
    public void context() {
        params.add(new Param.Context(params.size(), "ctx"));
    }

    /** A private (per work-item) array of constant {@code length}. */
    public ArrayRef privateArray(String name, ElementType e, int length) {
        return arrayRef(e, AddressSpace.PRIVATE, length, -1, name, null, Storage.HEAP);
    }

    /** A local-memory (per work-group) array of constant {@code length}. */
    public ArrayRef localArray(String name, ElementType e, int length) {
        return arrayRef(e, AddressSpace.LOCAL, length, -1, name, null, Storage.HEAP);
    }

    /** A constant table holding {@code bits}, the raw bits of each element (as {@link Const#bits()}). */
    public ArrayRef constantArray(String name, ElementType e, List<Long> bits) {
        return arrayRef(e, AddressSpace.CONSTANT, bits.size(), -1, name, bits, Storage.HEAP);
    }

    /** {@link #constantArray(String, ElementType, List)} of the given raw bits. */
    public ArrayRef constantArray(String name, ElementType e, long... bits) {
        List<Long> list = new ArrayList<>(bits.length);
        for (long b : bits) list.add(b);
        return constantArray(name, e, list);
    }

    /**
     * Allocates an array without declaring a parameter, the general form the front end uses (it
     * assembles the parameter list itself). {@code contents} are a {@link AddressSpace#CONSTANT}
     * table's raw bits, else {@code null}.
     */
    public ArrayRef arrayRef(ElementType element, AddressSpace space, int length, int paramIndex, String name,
                             List<Long> contents, Storage storage) {
        ArrayRef a = new ArrayRef(arrays.size(), element, space, length, paramIndex, unique(arrayNames, name), storage);
        arrays.add(a);
        constants.add(contents == null ? List.of() : List.copyOf(contents));
        return a;
    }

    /** A new variable of type {@code t}; {@code name} is made C-safe and unique (see the class comment). */
    public Var var(Type t, String name) {
        Var v = new Var(vars.size(), t, unique(varNames, name));
        vars.add(v);
        return v;
    }

    /** Every variable so far, in id order (a live, unmodifiable view). */
    public List<Var> vars() {
        return java.util.Collections.unmodifiableList(vars);
    }

    /** Every array so far, in id order (a live, unmodifiable view). */
    public List<ArrayRef> arrays() {
        return java.util.Collections.unmodifiableList(arrays);
    }

    /** The constant tables' contents by array id, empty for other arrays (a live, unmodifiable view). */
    public List<List<Long>> constants() {
        return java.util.Collections.unmodifiableList(constants);
    }

    /**
     * Records parallel loop {@code dim} (see {@link ParallelLoop}) whose blocks are already built;
     * {@link #parallelLoop(int, BlockBuilder, Value, Value, HostExpr, BiFunction)} builds one whole.
     */
    public void parallelLoop(int dim, Var induction, Var start, BlockBuilder header, BlockBuilder exit, HostExpr trips) {
        loops.add(new LoopSpec(dim, induction, start, header, exit, trips));
    }

    /**
     * Builds {@code for (@Parallel int i = start; i < bound; i++)} in the front end's shape (javac's
     * {@code if (i >= bound) goto exit}), entered from {@code pre}, and returns the exit block.
     * {@code body} receives the body's first block and {@code i} and returns the block that falls
     * through to the update.
     */
    public BlockBuilder parallelLoop(int dim, BlockBuilder pre, Value start, Value bound, HostExpr trips,
                                     BiFunction<BlockBuilder, Var, BlockBuilder> body) {
        return parallelLoop(dim, Type.I32, pre, start, CmpOp.GE, bound, true, true, trips, body);
    }

    /**
     * {@link #parallelLoop(int, BlockBuilder, Value, Value, HostExpr, BiFunction)} in any header shape
     * javac produces: {@code start; idx = parallel_index; i = start + idx; header: if (a op b) ...; body;
     * i += parallel_stride}, where {@code (a, b)} is {@code (i, bound)} if {@code ivFirst} else
     * {@code (bound, i)}, and the true edge leaves the loop if {@code exitOnTrue}. {@code iv} is the
     * induction type: {@link Type#I32}, or {@link Type#I64} for a {@code @Parallel long} loop.
     */
    public BlockBuilder parallelLoop(int dim, Type iv, BlockBuilder pre, Value start, CmpOp op, Value bound,
                                     boolean exitOnTrue, boolean ivFirst, HostExpr trips,
                                     BiFunction<BlockBuilder, Var, BlockBuilder> body) {
        Var s = var(iv, "start");
        Var idx = var(iv, "idx");
        Var i = var(iv, "i");
        Var stride = var(iv, "stride");
        pre.move(s, start);
        pre.add(new Instr.ParallelIndex(idx, dim, line));
        pre.add(new Instr.Binary(i, BinOp.ADD, s, idx, line));
        BlockBuilder header = block();
        pre.jump(header);
        BlockBuilder first = block();
        BlockBuilder exit = block();
        Value a = ivFirst ? i : bound;
        Value b = ivFirst ? bound : i;
        if (exitOnTrue) header.branch(op, a, b, exit, first);
        else header.branch(op, a, b, first, exit);
        BlockBuilder last = body.apply(first, i);
        last.add(new Instr.ParallelStride(stride, dim, line));
        last.add(new Instr.Binary(i, BinOp.ADD, i, stride, line));
        last.jump(header);
        parallelLoop(dim, i, s, header, exit, trips);
        return exit;
    }

    /** Records a {@code @Reduce} parameter (see {@link Reduction}); the accumulator is set by the caller. */
    public void reduction(ArrayRef array, ReduceOp op, Var accumulator) {
        reductions.add(new Reduction(array, op, accumulator));
    }

    // ------------------------------------------------------------ source lines

    /**
     * Sets the source line of the instructions and terminators made from now on (see {@link Instr}),
     * on every block of this builder; 0 means unknown. Returns this builder.
     *
     * @throws IllegalArgumentException if {@code line} is negative
     */
    public IrBuilder line(int line) {
        if (line < 0) throw new IllegalArgumentException("source line " + line + " is negative; give a line >= 1, or 0 for unknown");
        this.line = line;
        return this;
    }

    /** The current source line (see {@link #line(int)}). */
    public int line() {
        return line;
    }

    // ------------------------------------------------------------ blocks

    /** A new, empty block (the insertion point stays where it is). */
    public BlockBuilder block() {
        BlockBuilder b = new BlockBuilder(blocks.size());
        blocks.add(b);
        return b;
    }

    /** The entry block (block 0). */
    public BlockBuilder entry() {
        return blocks.getFirst();
    }

    /** Moves the insertion point to {@code b} and returns {@code b}, so that {@code at(b).ret()} reads well. */
    public BlockBuilder at(BlockBuilder b) {
        if (b.owner() != this) throw new IllegalArgumentException("block b" + b.index + " belongs to another IrBuilder");
        current = b;
        return b;
    }

    /** The block at the insertion point. */
    public BlockBuilder current() {
        return current;
    }

    // ------------------------------------------------------------ the insertion point's shorthands

    /** {@link BlockBuilder#add} at the insertion point. */
    public void add(Instr i) {
        current.add(i);
    }

    /** {@link BlockBuilder#move} at the insertion point. */
    public Var move(Var dst, Value src) {
        return current.move(dst, src);
    }

    /** {@link BlockBuilder#binary} at the insertion point. */
    public Var binary(BinOp op, Value a, Value b) {
        return current.binary(op, a, b);
    }

    /** {@link BlockBuilder#negate} at the insertion point. */
    public Var negate(Value a) {
        return current.negate(a);
    }

    /** {@link BlockBuilder#convert} at the insertion point. */
    public Var convert(Conversion c, Value a) {
        return current.convert(c, a);
    }

    /** {@link BlockBuilder#compare} at the insertion point. */
    public Var compare(CompareKind k, Value a, Value b) {
        return current.compare(k, a, b);
    }

    /** {@link BlockBuilder#load} at the insertion point. */
    public Var load(ArrayRef a, Value index) {
        return current.load(a, index);
    }

    /** {@link BlockBuilder#store} at the insertion point. */
    public void store(ArrayRef a, Value index, Value value) {
        current.store(a, index, value);
    }

    /** {@link BlockBuilder#length} at the insertion point. */
    public Var length(ArrayRef a) {
        return current.length(a);
    }

    /** {@link BlockBuilder#math} at the insertion point. */
    public Var math(MathFunction fn, Type t, Value... args) {
        return current.math(fn, t, args);
    }

    /** {@link BlockBuilder#bitCast} at the insertion point. */
    public Var bitCast(Type to, Value a) {
        return current.bitCast(to, a);
    }

    /** {@link BlockBuilder#workItem} at the insertion point. */
    public Var workItem(WorkItemQuery q, int dim) {
        return current.workItem(q, dim);
    }

    /** {@link BlockBuilder#barrier} at the insertion point. */
    public void barrier() {
        current.barrier();
    }

    /** {@link BlockBuilder#atomic} at the insertion point. */
    public Var atomic(AtomicOp op, ArrayRef a, Value index, Value operand, Value expected) {
        return current.atomic(op, a, index, operand, expected);
    }

    /** {@link BlockBuilder#jump} at the insertion point. */
    public void jump(BlockBuilder target) {
        current.jump(target);
    }

    /** {@link BlockBuilder#branch} at the insertion point. */
    public void branch(CmpOp op, Value a, Value b, BlockBuilder ifTrue, BlockBuilder ifFalse) {
        current.branch(op, a, b, ifTrue, ifFalse);
    }

    /** {@link BlockBuilder#ret} at the insertion point. */
    public void ret() {
        current.ret();
    }

    /**
     * The usual work-item prologue at the insertion point, {@code i = global id; if (i >= n) return;},
     * leaving the insertion point in the block after the check. Returns {@code i}.
     */
    public Var guardedIndex(Value n) {
        Var idx = workItem(WorkItemQuery.GLOBAL_ID, 0);
        BlockBuilder body = block();
        BlockBuilder exit = block();
        branch(CmpOp.GE, idx, n, exit, body);
        exit.ret();
        at(body);
        return idx;
    }

    // ------------------------------------------------------------ build

    /**
     * The kernel, verified.
     *
     * @throws IllegalStateException   if a block has no terminator
     * @throws IrVerificationException if the IR breaks a rule of {@link IrVerifier}
     */
    public KernelIR build() {
        KernelIR ir = buildUnverified();
        IrVerifier.verify(ir);
        return ir;
    }

    /**
     * The kernel without running the verifier: for tests of what a back end or the verifier itself
     * does with IR that breaks a rule.
     *
     * @throws IllegalStateException if a block has no terminator
     */
    public KernelIR buildUnverified() {
        List<Block> out = new ArrayList<>(blocks.size());
        for (BlockBuilder b : blocks) {
            if (b.terminator == null) {
                throw new IllegalStateException("block b" + b.index + " of " + methodName
                        + " has no terminator; end it with jump, branch, switchOn or ret");
            }
            out.add(new Block(b.index, b.instrs, b.terminator.resolve()));
        }
        List<ParallelLoop> pl = new ArrayList<>(loops.size());
        for (LoopSpec s : loops) {
            pl.add(new ParallelLoop(s.dim, s.induction, s.start, s.header.id(), s.exit.id(), s.trips));
        }
        // dimension order, as KernelIR wants, whatever order the loops were recorded in (inner ones first)
        pl.sort(java.util.Comparator.comparingInt(ParallelLoop::dim));
        return new KernelIR(ownerClass, methodName, descriptor(params), kind, params, vars, arrays, out, pl,
                constants, reductions);
    }

    /** The JVM descriptor of a {@code void} method with these parameters ({@code (Lio/kiln/KernelContext;[F)V}). */
    static String descriptor(List<Param> params) {
        StringBuilder d = new StringBuilder("(");
        for (Param p : params) {
            switch (p) {
                case Param.Context c -> d.append("Lio/kiln/KernelContext;");
                case Param.Scalar s -> d.append(descriptorChar(s.kind()));
                case Param.Array a -> d.append(a.array().isOffHeap()
                        ? "Lio/kiln/" + offHeapClass(a.array().element()) + ";"
                        : "[" + a.array().element().descriptor());
            }
        }
        return d.append(")V").toString();
    }

    /** The descriptor character of a scalar: {@code Z} for boolean, else its element type's (the enum names agree). */
    private static char descriptorChar(ScalarKind k) {
        return k == ScalarKind.BOOLEAN ? 'Z' : ElementType.valueOf(k.name()).descriptor();
    }

    private static String offHeapClass(ElementType e) {
        return Character.toUpperCase(e.javaName().charAt(0)) + e.javaName().substring(1) + "Array";
    }

    // ------------------------------------------------------------ names

    /** {@code name} cleaned, and suffixed {@code _2}, {@code _3}, ... from its second use (a loop, not merge with a lambda). */
    private static String unique(Map<String, Integer> counts, String name) {
        String clean = clean(name);
        Integer before = counts.get(clean);
        int n = before == null ? 1 : before + 1;
        counts.put(clean, n);
        return n == 1 ? clean : clean + "_" + n;
    }

    /**
     * {@code name} with every code point outside {@code [A-Za-z0-9_]} replaced by {@code _}: what
     * {@code replaceAll("[^A-Za-z0-9_]", "_")} gives, without compiling a pattern for every variable
     * (the front end runs interpreted on a kernel's first build; docs/cpu-backend.md, "Early runs").
     */
    static String clean(String name) {
        StringBuilder sb = null;
        for (int i = 0; i < name.length(); ) {
            int c = name.codePointAt(i);
            int next = i + Character.charCount(c);
            boolean ok = c < 128 && (Character.isLetterOrDigit(c) || c == '_');
            if (!ok && sb == null) sb = new StringBuilder(name.length()).append(name, 0, i);
            if (sb != null) {
                if (ok) sb.append((char) c);
                else sb.append('_');
            }
            i = next;
        }
        return sb == null ? name : sb.toString();
    }

    // ------------------------------------------------------------ terminators by handle

    /** A terminator whose targets are block handles, numbered when the kernel is built. */
    private sealed interface Exit {
        Terminator resolve();
    }

    private record GotoExit(BlockBuilder target, int line) implements Exit {
        public Terminator resolve() {
            return new Terminator.Goto(target.id(), line);
        }
    }

    private record BranchExit(CmpOp op, Value a, Value b, BlockBuilder ifTrue, BlockBuilder ifFalse, int line) implements Exit {
        public Terminator resolve() {
            return new Terminator.Branch(op, a, b, ifTrue.id(), ifFalse.id(), line);
        }
    }

    private record SwitchExit(Value key, List<Integer> keys, List<BlockBuilder> targets, BlockBuilder otherwise, int line) implements Exit {
        public Terminator resolve() {
            List<Integer> ids = new ArrayList<>(targets.size());
            for (BlockBuilder t : targets) ids.add(t.id());
            return new Terminator.Switch(key, keys, ids, otherwise.id(), line);
        }
    }

    private record ReturnExit(int line) implements Exit {
        public Terminator resolve() {
            return new Terminator.Return(line);
        }
    }

    /**
     * A block under construction, a handle that terminators and parallel loops refer to. Instruction
     * methods that produce a value define a fresh variable and return it; each block ends with exactly
     * one terminator ({@link #jump}, {@link #branch}, {@link #switchOn}, {@link #ret}).
     */
    public final class BlockBuilder {
        private final int index;
        private final List<Instr> instrs = new ArrayList<>();
        private Exit terminator;

        private BlockBuilder(int index) {
            this.index = index;
        }

        private IrBuilder owner() {
            return IrBuilder.this;
        }

        /** The id this block has in the built kernel ({@link Block#id()}); the entry is 0. */
        public int id() {
            return index;
        }

        /** Appends {@code i} as it is. */
        public BlockBuilder add(Instr i) {
            if (terminator != null) {
                throw new IllegalStateException("block b" + index + " already ends; add instructions before its terminator");
            }
            instrs.add(java.util.Objects.requireNonNull(i, "instruction"));
            return this;
        }

        /** {@code dst = src}; returns {@code dst}. */
        public Var move(Var dst, Value src) {
            add(new Instr.Move(dst, src, line));
            return dst;
        }

        /** {@code a op b} of {@code a}'s type ({@link Instr.Binary}). */
        public Var binary(BinOp op, Value a, Value b) {
            Var d = var(a.type(), op.name().toLowerCase(java.util.Locale.ROOT));
            add(new Instr.Binary(d, op, a, b, line));
            return d;
        }

        /** {@code -a}. */
        public Var negate(Value a) {
            Var d = var(a.type(), "neg");
            add(new Instr.Negate(d, a, line));
            return d;
        }

        /** The Java conversion {@code c} of {@code a}. */
        public Var convert(Conversion c, Value a) {
            Var d = var(c.to(), c.name().toLowerCase(java.util.Locale.ROOT));
            add(new Instr.Convert(d, c, a, line));
            return d;
        }

        /** Java's three-way comparison {@code k} of {@code a} and {@code b}, an int. */
        public Var compare(CompareKind k, Value a, Value b) {
            Var d = var(Type.I32, "cmp");
            add(new Instr.Compare(d, k, a, b, line));
            return d;
        }

        /** {@code a[index]}. */
        public Var load(ArrayRef a, Value index) {
            Var d = var(a.element().valueType(), a.name() + "_elem");
            add(new Instr.Load(d, a, index, line));
            return d;
        }

        /** {@code a[index] = value}. */
        public void store(ArrayRef a, Value index, Value value) {
            add(new Instr.Store(a, index, value, line));
        }

        /** {@code a.length}: I32, or I64 for an off-heap array ({@link ArrayRef#lengthType()}). */
        public Var length(ArrayRef a) {
            Var d = var(a.lengthType(), a.name() + "_length");
            add(new Instr.ArrayLength(d, a, line));
            return d;
        }

        /** The math function {@code fn} of type {@code t} on {@code args}. */
        public Var math(MathFunction fn, Type t, Value... args) {
            Var d = var(t, fn.javaName());
            add(new Instr.MathCall(d, fn, List.of(args), line));
            return d;
        }

        /** {@code a}'s bits as {@code to} ({@code Float.floatToRawIntBits} and friends). */
        public Var bitCast(Type to, Value a) {
            Var d = var(to, "bits");
            add(new Instr.BitCast(d, a, line));
            return d;
        }

        /** The work-item query {@code q} of dimension {@code dim}, an int. */
        public Var workItem(WorkItemQuery q, int dim) {
            Var d = var(Type.I32, q.name().toLowerCase(java.util.Locale.ROOT));
            add(new Instr.WorkItem(d, q, dim, line));
            return d;
        }

        /** The first iteration of parallel loop {@code dim} this work-item runs (I32). */
        public Var parallelIndex(int dim) {
            Var d = var(Type.I32, "pidx");
            add(new Instr.ParallelIndex(d, dim, line));
            return d;
        }

        /** The step between this work-item's iterations of parallel loop {@code dim} (I32). */
        public Var parallelStride(int dim) {
            Var d = var(Type.I32, "pstride");
            add(new Instr.ParallelStride(d, dim, line));
            return d;
        }

        /** A work-group barrier. */
        public void barrier() {
            add(new Instr.Barrier(line));
        }

        /** The atomic {@code op} on {@code a[index]}; returns the old value ({@link Instr.Atomic}). */
        public Var atomic(AtomicOp op, ArrayRef a, Value index, Value operand, Value expected) {
            Var d = var(a.element().valueType(), "atom");
            add(new Instr.Atomic(d, op, a, index, operand, expected, line));
            return d;
        }

        /** Ends the block with {@code goto target}. */
        public void jump(BlockBuilder target) {
            end(new GotoExit(target, line));
        }

        /** Ends the block with {@code if (a op b) goto ifTrue else goto ifFalse}. */
        public void branch(CmpOp op, Value a, Value b, BlockBuilder ifTrue, BlockBuilder ifFalse) {
            end(new BranchExit(op, a, b, ifTrue, ifFalse, line));
        }

        /** Ends the block with a switch on {@code key}: {@code keys[k] -> targets[k]}, else {@code otherwise}. */
        public void switchOn(Value key, int[] keys, BlockBuilder[] targets, BlockBuilder otherwise) {
            if (keys.length != targets.length) {
                throw new IllegalArgumentException("switch of block b" + index + ": " + keys.length + " keys but "
                        + targets.length + " targets; give one target per key");
            }
            List<Integer> k = new ArrayList<>(keys.length);
            for (int key1 : keys) k.add(key1);
            end(new SwitchExit(key, List.copyOf(k), List.of(targets), otherwise, line));
        }

        /** Ends the block with the end of the kernel for this work-item. */
        public void ret() {
            end(new ReturnExit(line));
        }

        private void end(Exit t) {
            if (terminator != null) {
                throw new IllegalStateException("block b" + index + " already ends; each block has one terminator");
            }
            terminator = t;
        }
    }
}
