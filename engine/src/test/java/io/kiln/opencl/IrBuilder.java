package io.kiln.opencl;

import io.kiln.ir.Access;
import io.kiln.ir.AddressSpace;
import io.kiln.ir.ArrayRef;
import io.kiln.ir.BinOp;
import io.kiln.ir.Block;
import io.kiln.ir.CmpOp;
import io.kiln.ir.Const;
import io.kiln.ir.Conversion;
import io.kiln.ir.ElementType;
import io.kiln.ir.HostExpr;
import io.kiln.ir.Instr;
import io.kiln.ir.KernelIR;
import io.kiln.ir.KernelKind;
import io.kiln.ir.MathFunction;
import io.kiln.ir.ParallelLoop;
import io.kiln.ir.Param;
import io.kiln.ir.ScalarKind;
import io.kiln.ir.Terminator;
import io.kiln.ir.Type;
import io.kiln.ir.Value;
import io.kiln.ir.Var;
import io.kiln.ir.WorkItemQuery;

import java.util.ArrayList;
import java.util.List;

/** Builds {@link KernelIR} by hand for back-end tests, block by block. */
final class IrBuilder {
    private final String method;
    private final KernelKind kind;
    private final List<Param> params = new ArrayList<>();
    private final List<Var> vars = new ArrayList<>();
    private final List<ArrayRef> arrays = new ArrayList<>();
    private final List<List<Long>> constants = new ArrayList<>();
    private final List<List<Instr>> blocks = new ArrayList<>();
    private final List<Terminator> terminators = new ArrayList<>();
    private final List<ParallelLoop> loops = new ArrayList<>();
    private final StringBuilder descriptor = new StringBuilder("(");
    private int current;

    IrBuilder(String method, KernelKind kind) {
        this.method = method;
        this.kind = kind;
        newBlock();
    }

    // ------------------------------------------------------------ declarations

    Var scalar(String name, ScalarKind k) {
        Var v = var(k.valueType(), name);
        params.add(new Param.Scalar(params.size(), name, k, v));
        descriptor.append(switch (k) {
            case BOOLEAN -> 'Z';
            case BYTE -> 'B';
            case SHORT -> 'S';
            case CHAR -> 'C';
            case INT -> 'I';
            case LONG -> 'J';
            case FLOAT -> 'F';
            case DOUBLE -> 'D';
        });
        return v;
    }

    ArrayRef array(String name, ElementType e, Access access) {
        ArrayRef a = new ArrayRef(arrays.size(), e, AddressSpace.GLOBAL, -1, params.size(), name);
        arrays.add(a);
        constants.add(List.of());
        params.add(new Param.Array(params.size(), name, a, access));
        descriptor.append('[').append(switch (e) {
            case BYTE -> 'B';
            case SHORT -> 'S';
            case CHAR -> 'C';
            case INT -> 'I';
            case LONG -> 'J';
            case FLOAT -> 'F';
            case DOUBLE -> 'D';
        });
        return a;
    }

    void context() {
        params.add(new Param.Context(params.size(), "ctx"));
        descriptor.append("Lio/kiln/KernelContext;");
    }

    ArrayRef privateArray(String name, ElementType e, int length) {
        return nonParam(name, e, AddressSpace.PRIVATE, length, List.of());
    }

    ArrayRef localArray(String name, ElementType e, int length) {
        return nonParam(name, e, AddressSpace.LOCAL, length, List.of());
    }

    ArrayRef constantArray(String name, ElementType e, List<Long> bits) {
        return nonParam(name, e, AddressSpace.CONSTANT, bits.size(), bits);
    }

    private ArrayRef nonParam(String name, ElementType e, AddressSpace space, int length, List<Long> bits) {
        ArrayRef a = new ArrayRef(arrays.size(), e, space, length, -1, name);
        arrays.add(a);
        constants.add(List.copyOf(bits));
        return a;
    }

    Var var(Type t, String name) {
        Var v = new Var(vars.size(), t, name);
        vars.add(v);
        return v;
    }

    void parallelLoop(int dim, Var induction, Var start, int header, int exit, HostExpr trips) {
        loops.add(new ParallelLoop(dim, induction, start, header, exit, trips));
    }

    // ------------------------------------------------------------ blocks

    int newBlock() {
        blocks.add(new ArrayList<>());
        terminators.add(null);
        return blocks.size() - 1;
    }

    /** Continues emitting into {@code block}. */
    IrBuilder at(int block) {
        current = block;
        return this;
    }

    int currentBlock() {
        return current;
    }

    void add(Instr i) {
        blocks.get(current).add(i);
    }

    void jump(int target) {
        terminate(new Terminator.Goto(target));
    }

    void branch(CmpOp op, Value a, Value b, int ifTrue, int ifFalse) {
        terminate(new Terminator.Branch(op, a, b, ifTrue, ifFalse));
    }

    void ret() {
        terminate(new Terminator.Return());
    }

    void terminate(Terminator t) {
        if (terminators.get(current) != null) throw new IllegalStateException("block " + current + " already ends");
        terminators.set(current, t);
    }

    // ------------------------------------------------------------ instructions returning fresh vars

    Var bin(BinOp op, Value a, Value b) {
        Var d = var(a.type(), op.name().toLowerCase());
        add(new Instr.Binary(d, op, a, b));
        return d;
    }

    Var neg(Value a) {
        Var d = var(a.type(), "neg");
        add(new Instr.Negate(d, a));
        return d;
    }

    Var convert(Conversion c, Value a) {
        Var d = var(c.to(), c.name().toLowerCase());
        add(new Instr.Convert(d, c, a));
        return d;
    }

    Var load(ArrayRef a, Value index) {
        Var d = var(a.element().valueType(), a.name() + "_elem");
        add(new Instr.Load(d, a, index));
        return d;
    }

    void store(ArrayRef a, Value index, Value value) {
        add(new Instr.Store(a, index, value));
    }

    Var length(ArrayRef a) {
        Var d = var(Type.I32, a.name() + "_length");
        add(new Instr.ArrayLength(d, a));
        return d;
    }

    Var math(MathFunction fn, Type t, Value... args) {
        Var d = var(t, fn.javaName());
        add(new Instr.MathCall(d, fn, List.of(args)));
        return d;
    }

    Var workItem(WorkItemQuery q, int dim) {
        Var d = var(Type.I32, q.name().toLowerCase());
        add(new Instr.WorkItem(d, q, dim));
        return d;
    }

    Var globalId() {
        return workItem(WorkItemQuery.GLOBAL_ID, 0);
    }

    void move(Var dst, Value src) {
        add(new Instr.Move(dst, src));
    }

    static Const i(int v) {
        return Const.ofInt(v);
    }

    /**
     * Emits the usual work-item prologue: {@code i = global id; if (i >= n) return;} and continues in
     * the block after the check. Returns {@code i}.
     */
    Var guardedIndex(Value n) {
        Var idx = globalId();
        int body = newBlock();
        int exit = newBlock();
        branch(CmpOp.GE, idx, n, exit, body);
        at(exit).ret();
        at(body);
        return idx;
    }

    KernelIR build() {
        List<Block> bs = new ArrayList<>();
        for (int b = 0; b < blocks.size(); b++) {
            Terminator t = terminators.get(b);
            if (t == null) throw new IllegalStateException("block " + b + " has no terminator");
            bs.add(new Block(b, blocks.get(b), t));
        }
        return new KernelIR("io.kiln.opencl.TestKernels", method, descriptor + ")V", kind, params, vars, arrays, bs, loops, constants);
    }
}
