package io.kiln.cuda;

import io.kiln.ir.Access;
import io.kiln.ir.AddressSpace;
import io.kiln.ir.ArrayRef;
import io.kiln.ir.AtomicOp;
import io.kiln.ir.BinOp;
import io.kiln.ir.Block;
import io.kiln.ir.CmpOp;
import io.kiln.ir.CompareKind;
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
import java.util.Arrays;
import java.util.List;

/** Builds kernel IR by hand for back-end tests, independent of the bytecode front end. */
final class KernelBuilder {
    private final String name;
    private final KernelKind kind;
    private final List<Param> params = new ArrayList<>();
    private final List<Var> vars = new ArrayList<>();
    private final List<ArrayRef> arrays = new ArrayList<>();
    private final List<List<Long>> constants = new ArrayList<>();
    private final List<B> blocks = new ArrayList<>();
    private final List<ParallelLoop> loops = new ArrayList<>();

    KernelBuilder(String name, KernelKind kind) {
        this.name = name;
        this.kind = kind;
    }

    Var var(Type t, String n) {
        Var v = new Var(vars.size(), t, n + vars.size());
        vars.add(v);
        return v;
    }

    Var scalar(ScalarKind k, String n) {
        Var v = var(k.valueType(), n);
        params.add(new Param.Scalar(params.size(), n, k, v));
        return v;
    }

    ArrayRef array(ElementType e, String n, Access access) {
        ArrayRef a = newArray(e, AddressSpace.GLOBAL, -1, params.size(), n, List.of());
        params.add(new Param.Array(params.size(), n, a, access));
        return a;
    }

    void context() {
        params.add(new Param.Context(params.size(), "ctx"));
    }

    ArrayRef privateArray(ElementType e, int length, String n) {
        return newArray(e, AddressSpace.PRIVATE, length, -1, n, List.of());
    }

    ArrayRef localArray(ElementType e, int length, String n) {
        return newArray(e, AddressSpace.LOCAL, length, -1, n, List.of());
    }

    ArrayRef constant(ElementType e, String n, long... bits) {
        List<Long> c = new ArrayList<>();
        for (long b : bits) c.add(b);
        return newArray(e, AddressSpace.CONSTANT, bits.length, -1, n, c);
    }

    private ArrayRef newArray(ElementType e, AddressSpace s, int length, int paramIndex, String n, List<Long> c) {
        ArrayRef a = new ArrayRef(arrays.size(), e, s, length, paramIndex, n);
        arrays.add(a);
        constants.add(c);
        return a;
    }

    /** A new block; block 0 is the entry. */
    B block() {
        B b = new B(blocks.size());
        blocks.add(b);
        return b;
    }

    void parallelLoop(int dim, Var induction, Var start, B header, B exit, HostExpr trips) {
        loops.add(new ParallelLoop(dim, induction, start, header.id, exit.id, trips));
    }

    KernelIR build() {
        List<Block> out = new ArrayList<>();
        for (B b : blocks) out.add(new Block(b.id, b.instrs, b.term == null ? new Terminator.Return() : b.term));
        List<List<Long>> cs = new ArrayList<>(constants);
        return new KernelIR("test.Kernels", name, "()V", kind, params, vars, arrays, out, loops, cs);
    }

    static Const i(int v) {
        return Const.ofInt(v);
    }

    static Const l(long v) {
        return Const.ofLong(v);
    }

    static Const f(float v) {
        return Const.ofFloat(v);
    }

    static Const d(double v) {
        return Const.ofDouble(v);
    }

    /** A block under construction. Instruction methods that produce a value return its variable. */
    final class B {
        final int id;
        final List<Instr> instrs = new ArrayList<>();
        Terminator term;

        B(int id) {
            this.id = id;
        }

        Var move(Var dst, Value src) {
            instrs.add(new Instr.Move(dst, src));
            return dst;
        }

        Var bin(BinOp op, Value a, Value b) {
            Var d = var(a.type(), op.name().toLowerCase());
            instrs.add(new Instr.Binary(d, op, a, b));
            return d;
        }

        void binInto(Var d, BinOp op, Value a, Value b) {
            instrs.add(new Instr.Binary(d, op, a, b));
        }

        Var neg(Value a) {
            Var d = var(a.type(), "neg");
            instrs.add(new Instr.Negate(d, a));
            return d;
        }

        Var conv(Conversion c, Value a) {
            Var d = var(c.to(), c.name().toLowerCase());
            instrs.add(new Instr.Convert(d, c, a));
            return d;
        }

        Var cmp(CompareKind k, Value a, Value b) {
            Var d = var(Type.I32, "cmp");
            instrs.add(new Instr.Compare(d, k, a, b));
            return d;
        }

        Var load(ArrayRef a, Value index) {
            Var d = var(a.element().valueType(), "ld");
            instrs.add(new Instr.Load(d, a, index));
            return d;
        }

        void store(ArrayRef a, Value index, Value v) {
            instrs.add(new Instr.Store(a, index, v));
        }

        Var length(ArrayRef a) {
            Var d = var(Type.I32, "len");
            instrs.add(new Instr.ArrayLength(d, a));
            return d;
        }

        Var math(MathFunction fn, Type t, Value... args) {
            Var d = var(t, fn.javaName());
            instrs.add(new Instr.MathCall(d, fn, Arrays.asList(args)));
            return d;
        }

        Var bitcast(Type to, Value a) {
            Var d = var(to, "bits");
            instrs.add(new Instr.BitCast(d, a));
            return d;
        }

        Var workItem(WorkItemQuery q, int dim) {
            Var d = var(Type.I32, q.name().toLowerCase());
            instrs.add(new Instr.WorkItem(d, q, dim));
            return d;
        }

        Var parallelIndex(int dim) {
            Var d = var(Type.I32, "pidx");
            instrs.add(new Instr.ParallelIndex(d, dim));
            return d;
        }

        Var parallelStride(int dim) {
            Var d = var(Type.I32, "pstride");
            instrs.add(new Instr.ParallelStride(d, dim));
            return d;
        }

        void barrier() {
            instrs.add(new Instr.Barrier());
        }

        Var atomic(AtomicOp op, ArrayRef a, Value index, Value operand, Value expected) {
            Var d = var(a.element().valueType(), "atom");
            instrs.add(new Instr.Atomic(d, op, a, index, operand, expected));
            return d;
        }

        void jump(B target) {
            term = new Terminator.Goto(target.id);
        }

        void branch(CmpOp op, Value a, Value b, B ifTrue, B ifFalse) {
            term = new Terminator.Branch(op, a, b, ifTrue.id, ifFalse.id);
        }

        void sw(Value key, int[] keys, B[] targets, B dflt) {
            List<Integer> k = new ArrayList<>();
            List<Integer> t = new ArrayList<>();
            for (int x = 0; x < keys.length; x++) {
                k.add(keys[x]);
                t.add(targets[x].id);
            }
            term = new Terminator.Switch(key, k, t, dflt.id);
        }

        void ret() {
            term = new Terminator.Return();
        }
    }
}
