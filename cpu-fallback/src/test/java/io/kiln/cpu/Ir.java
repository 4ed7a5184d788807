package io.kiln.cpu;

import io.kiln.ir.Access;
import io.kiln.ir.AddressSpace;
import io.kiln.ir.ArrayRef;
import io.kiln.ir.BinOp;
import io.kiln.ir.Block;
import io.kiln.ir.CmpOp;
import io.kiln.ir.Const;
import io.kiln.ir.ElementType;
import io.kiln.ir.HostExpr;
import io.kiln.ir.Instr;
import io.kiln.ir.KernelIR;
import io.kiln.ir.KernelKind;
import io.kiln.ir.Param;
import io.kiln.ir.ParallelLoop;
import io.kiln.ir.ScalarKind;
import io.kiln.ir.Storage;
import io.kiln.ir.Terminator;
import io.kiln.ir.Type;
import io.kiln.ir.Value;
import io.kiln.ir.Var;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;

/** Builds kernel IR by hand for back-end tests, in the shapes the front end produces. */
final class Ir {
    final String name;
    KernelKind kind;
    final List<Param> params = new ArrayList<>();
    final List<Var> vars = new ArrayList<>();
    final List<ArrayRef> arrays = new ArrayList<>();
    final List<B> blocks = new ArrayList<>();
    final List<ParallelLoop> loops = new ArrayList<>();
    final List<List<Long>> constants = new ArrayList<>();
    final List<io.kiln.ir.Reduction> reductions = new ArrayList<>();

    /** A block under construction. */
    final class B {
        final int id;
        final List<Instr> instrs = new ArrayList<>();
        Terminator terminator;

        B(int id) {
            this.id = id;
        }

        B add(Instr i) {
            instrs.add(i);
            return this;
        }

        Var binary(BinOp op, Value a, Value b) {
            Var d = var(a.type(), "t");
            instrs.add(new Instr.Binary(d, op, a, b));
            return d;
        }

        Var load(ArrayRef a, Value index) {
            Var d = var(a.element().valueType(), "v");
            instrs.add(new Instr.Load(d, a, index));
            return d;
        }

        void store(ArrayRef a, Value index, Value value) {
            instrs.add(new Instr.Store(a, index, value));
        }

        /** {@code a.length} ({@code I32}), or {@code a.length()} of an off-heap array ({@code I64}). */
        Var length(ArrayRef a) {
            Var d = var(a.lengthType(), "len");
            instrs.add(new Instr.ArrayLength(d, a));
            return d;
        }

        Var convert(io.kiln.ir.Conversion op, Value a) {
            Var d = var(op.to(), "c");
            instrs.add(new Instr.Convert(d, op, a));
            return d;
        }

        void jump(B target) {
            terminator = new Terminator.Goto(target.id);
        }

        void branch(CmpOp op, Value a, Value b, B t, B f) {
            terminator = new Terminator.Branch(op, a, b, t.id, f.id);
        }

        void ret() {
            terminator = new Terminator.Return();
        }
    }

    Ir(String name, KernelKind kind) {
        this.name = name;
        this.kind = kind;
    }

    Var var(Type t, String n) {
        Var v = new Var(vars.size(), t, n + "_" + vars.size());
        vars.add(v);
        return v;
    }

    Var scalar(ScalarKind k, String n) {
        Var v = var(k.valueType(), n);
        params.add(new Param.Scalar(params.size(), n, k, v));
        return v;
    }

    ArrayRef array(ElementType e, String n, Access access) {
        ArrayRef a = new ArrayRef(arrays.size(), e, AddressSpace.GLOBAL, -1, params.size(), n);
        arrays.add(a);
        constants.add(List.of());
        params.add(new Param.Array(params.size(), n, a, access));
        return a;
    }

    /** An off-heap array parameter ({@code FloatArray} and friends): I64 length, I32 or I64 indices. */
    ArrayRef offHeap(ElementType e, String n, Access access) {
        ArrayRef a = new ArrayRef(arrays.size(), e, AddressSpace.GLOBAL, -1, params.size(), n, Storage.OFF_HEAP);
        arrays.add(a);
        constants.add(List.of());
        params.add(new Param.Array(params.size(), n, a, access));
        return a;
    }

    void context() {
        params.add(new Param.Context(params.size(), "ctx"));
    }

    ArrayRef privateArray(ElementType e, int length) {
        ArrayRef a = new ArrayRef(arrays.size(), e, AddressSpace.PRIVATE, length, -1, "priv" + arrays.size());
        arrays.add(a);
        constants.add(List.of());
        return a;
    }

    ArrayRef space(ElementType e, AddressSpace space, int length) {
        ArrayRef a = new ArrayRef(arrays.size(), e, space, length, -1, space.name().toLowerCase() + arrays.size());
        arrays.add(a);
        constants.add(List.of());
        return a;
    }

    ArrayRef constant(ElementType e, long... bits) {
        ArrayRef a = new ArrayRef(arrays.size(), e, AddressSpace.CONSTANT, bits.length, -1, "table" + arrays.size());
        arrays.add(a);
        List<Long> l = new ArrayList<>();
        for (long b : bits) l.add(b);
        constants.add(l);
        return a;
    }

    B block() {
        B b = new B(blocks.size());
        blocks.add(b);
        return b;
    }

    /**
     * A parallel loop in the front end's shape, entered from {@code pre}:
     * {@code start; idx = parallel_index; i = start + idx; header: if (i cmp bound) ...; body; i += stride}.
     * {@code body} gets the body's first block and the induction variable and returns the block that
     * falls through to the update. Returns the exit block. {@code exitOnTrue} picks javac's
     * {@code if (i >= n) exit} form (op GE) or {@code if (i < n) body else exit} (op LT).
     */
    B parallelLoop(int dim, B pre, Value startValue, CmpOp op, Value bound, boolean exitOnTrue, boolean ivFirst,
                   HostExpr trips, BiFunction<B, Var, B> body) {
        return parallelLoop(dim, Type.I32, pre, startValue, op, bound, exitOnTrue, ivFirst, trips, body);
    }

    /** {@link #parallelLoop} with an induction variable of type {@code iv} ({@code I64}: a {@code @Parallel long} loop). */
    B parallelLoop(int dim, Type iv, B pre, Value startValue, CmpOp op, Value bound, boolean exitOnTrue, boolean ivFirst,
                   HostExpr trips, BiFunction<B, Var, B> body) {
        Var start = var(iv, "start");
        Var idx = var(iv, "idx");
        Var i = var(iv, "i");
        Var stride = var(iv, "stride");
        pre.add(new Instr.Move(start, startValue));
        pre.add(new Instr.ParallelIndex(idx, dim));
        pre.add(new Instr.Binary(i, BinOp.ADD, start, idx));
        B header = block();
        pre.jump(header);
        B first = block();
        B exit = block();
        Value a = ivFirst ? i : bound;
        Value b = ivFirst ? bound : i;
        if (exitOnTrue) header.branch(op, a, b, exit, first);
        else header.branch(op, a, b, first, exit);
        B last = body.apply(first, i);
        last.add(new Instr.ParallelStride(stride, dim));
        last.add(new Instr.Binary(i, BinOp.ADD, i, stride));
        last.jump(header);
        loops.add(new ParallelLoop(dim, i, start, header.id, exit.id, trips));
        return exit;
    }

    /** The common {@code for (@Parallel int i = 0; i < n; i++)} loop as a whole kernel. */
    static Ir simpleLoop(String name, BiFunction<Ir, B, Value> boundIn, HostExpr trips, Ir.Body body) {
        Ir ir = new Ir(name, KernelKind.LOOP_PARALLEL);
        body.declare(ir);
        B entry = ir.block();
        Value bound = boundIn.apply(ir, entry);
        B exit = ir.parallelLoop(0, entry, Const.ofInt(0), CmpOp.GE, bound, true, true, trips, (b, i) -> body.body(ir, b, i));
        exit.ret();
        return ir;
    }

    /** Declares parameters, then writes the loop body. */
    interface Body {
        void declare(Ir ir);

        B body(Ir ir, B first, Var i);
    }

    KernelIR build() {
        List<Block> bs = new ArrayList<>();
        for (B b : blocks) {
            bs.add(new Block(b.id, b.instrs, b.terminator == null ? new Terminator.Return() : b.terminator));
        }
        while (constants.size() < arrays.size()) constants.add(List.of());
        List<ParallelLoop> sorted = new ArrayList<>(loops);
        sorted.sort(java.util.Comparator.comparingInt(ParallelLoop::dim));
        return new KernelIR("test.Kernels", name, "()V", kind, params, vars, arrays, bs, sorted, constants, reductions);
    }
}
