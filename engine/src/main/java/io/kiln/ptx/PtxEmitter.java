package io.kiln.ptx;

import io.kiln.KernelCompilationException;
import io.kiln.ptx.PtxFunction.Reg;
import io.kiln.ir.AddressSpace;
import io.kiln.ir.ArrayRef;
import io.kiln.ir.BinOp;
import io.kiln.ir.Block;
import io.kiln.ir.CmpOp;
import io.kiln.ir.Const;
import io.kiln.ir.ElementType;
import io.kiln.ir.Instr;
import io.kiln.ir.KernelIR;
import io.kiln.ir.KernelKind;
import io.kiln.ir.Param;
import io.kiln.ir.Terminator;
import io.kiln.ir.Type;
import io.kiln.ir.Value;
import io.kiln.ir.Var;

import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Translates a kernel's IR into a PTX module with one {@code .entry}.
 * <p>Java semantics are spelled out instruction by instruction: floating-point arithmetic carries an
 * explicit rounding mode ({@code add.rn}, {@code mul.rn}, ...), which forbids ptxas from fusing a
 * multiply and an add; integer division guards {@code x / 0} (0, the device convention) and
 * {@code MIN_VALUE / -1}; shift counts are masked; float-to-integer conversions saturate and map
 * NaN to 0 with an explicit select; transcendental functions call accurate routines from
 * {@link PtxMath}. Each IR variable is one PTX virtual register and each IR block one label, so
 * the control-flow graph carries over unchanged.
 * <p>This class holds the emission state (the function being written, the registers of variables and
 * arrays) and emits the module, its prologue, arithmetic, memory access and control flow; its parts
 * share that state and hold nothing of their own beyond what the prologue loaded: {@link PtxAtomics}
 * (atomics, the compare-and-swap loop), {@link PtxReductions} ({@code @Reduce}'s end of kernel),
 * {@link PtxBoundsChecks} (bounds and divisor checks, the error record) and {@link PtxPrintf}.
 */
public final class PtxEmitter {
    /** The PTX ISA version the module declares: accepted by CUDA 12.0 and later drivers. */
    public static final String PTX_VERSION = "7.8";
    /** The baseline architecture: Turing, the oldest that CUDA 13 still targets. */
    public static final String PTX_TARGET = "sm_75";

    private static final int CONST_SPACE_LIMIT = 48 * 1024;

    private final KernelIR ir;
    private final KernelSignature signature;
    private final PtxFunction f = new PtxFunction("L");
    private final PtxMath math = new PtxMath();
    private final Map<Integer, String> varRegs = new HashMap<>();
    private final Map<Integer, String> arrayBase = new HashMap<>();
    private final Map<Integer, String> arrayLength = new HashMap<>();
    private final Map<Integer, String> arraySpace = new HashMap<>();
    private final StringBuilder moduleData = new StringBuilder();
    private final String[] gridSizeRegs = new String[3];
    private int currentBlock = -1;
    /** The atomics on global, shared and private arrays (and the compare-and-swap loop {@code @Reduce} uses too). */
    private final PtxAtomics atomics = new PtxAtomics(this, f);
    /** Bounds and divisor checks: made by the prologue, which loads the error record's address. */
    private PtxBoundsChecks checks;
    /** {@code printf}: made by the prologue, which loads the print buffer's address. */
    private PtxPrintf printf;

    private PtxEmitter(KernelIR ir) {
        this.ir = ir;
        this.signature = KernelSignature.of(ir);
    }

    /**
     * The PTX module for {@code ir}.
     *
     * @throws KernelCompilationException if the kernel uses something this back end cannot express
     */
    public static String emit(KernelIR ir) {
        return new PtxEmitter(ir).module();
    }

    /**
     * Which CUDA axis (0 = x) runs dimension {@code dim} of {@code ir}'s iteration space. Work-item
     * kernels map dimension d to axis d. Loop-parallel kernels map the innermost {@code @Parallel}
     * loop to x, so that neighbouring threads of a warp take neighbouring iterations of the loop
     * that usually indexes contiguous memory.
     */
    public static int axisOf(KernelIR ir, int dim) {
        if (ir.kind() == KernelKind.LOOP_PARALLEL) {
            return ir.parallelLoops().size() - 1 - dim;
        }
        return dim;
    }

    private String module() {
        if (!ir.reductions().isEmpty() && ir.kind() != KernelKind.LOOP_PARALLEL) {
            throw new KernelCompilationException(ir.displayName() + ": @Reduce needs a @Parallel loop kernel");
        }
        for (Var v : ir.vars()) {
            varRegs.put(v.id(), f.reg(regOf(v.type())));
        }
        prologue();
        for (Block b : ir.blocks()) {
            currentBlock = b.id();
            f.label(blockLabel(b.id()));
            for (int n = 0; n < b.instrs().size(); n++) {
                Instr i = b.instrs().get(n);
                // a bounds check and the access it guards (the next instruction, IrVerifier's CHECK_INDEX) go together
                if (i instanceof Instr.CheckIndex c) checks.checked(c, b.instrs().get(++n));
                else if (i instanceof Instr.CheckDivisor c) checks.checked(c, b.instrs().get(++n)); // and CHECK_DIVISOR's division
                else instr(i);
            }
            terminator(b.terminator(), b.id());
        }
        if (!ir.reductions().isEmpty()) new PtxReductions(this, f, atomics).emit();
        StringBuilder sb = new StringBuilder();
        sb.append("//\n// Generated by Kiln from ").append(ir.ownerClass()).append('.').append(ir.methodName())
                .append(ir.descriptor()).append("\n//\n");
        sb.append(".version ").append(PTX_VERSION).append('\n');
        sb.append(".target ").append(PTX_TARGET).append('\n');
        sb.append(".address_size 64\n\n");
        sb.append(moduleData);
        sb.append(math.definitions());
        sb.append(".visible .entry ").append(ir.symbolName()).append("(\n");
        List<KernelSignature.Slot> slots = signature.slots();
        for (int i = 0; i < slots.size(); i++) {
            KernelSignature.Slot s = slots.get(i);
            sb.append("\t.param ").append(s.type().ptx()).append(' ').append(s.name()).append(i + 1 < slots.size() ? ",\n" : "\n");
        }
        sb.append(")\n{\n");
        for (Var v : ir.vars()) {
            sb.append("\t// ").append(varRegs.get(v.id())).append(" = ").append(v).append('\n');
        }
        sb.append(f.body());
        sb.append("}\n");
        return sb.toString();
    }

    // ---------------------------------------------------------------- prologue

    private void prologue() {
        for (Param p : ir.params()) {
            switch (p) {
                case Param.Scalar s -> {
                    KernelSignature.Slot slot = signature.scalarSlot(p.index());
                    f.ins("ld.param" + slot.type().ptx(), varRegs.get(s.var().id()), "[" + slot.name() + "]");
                }
                case Param.Array a -> {
                    String raw = f.op(Reg.B64, "ld.param.u64", "[" + signature.arraySlot(p.index(), false).name() + "]");
                    arrayBase.put(a.array().id(), f.op(Reg.B64, "cvta.to.global.u64", raw));
                    // Kernel ABI: a Java array's length is .s32, an off-heap array's .s64 (see KernelSignature).
                    String len = "[" + signature.arraySlot(p.index(), true).name() + "]";
                    arrayLength.put(a.array().id(), a.array().isOffHeap()
                            ? f.op(Reg.B64, "ld.param.s64", len) : f.op(Reg.B32, "ld.param.s32", len));
                    arraySpace.put(a.array().id(), "global");
                }
                case Param.Context c -> {
                }
            }
        }
        String errorRecord = null; // the global address of the error record of a kernel with bounds checks
        if (signature.errorRecordSlot() != null) {
            errorRecord = f.op(Reg.B64, "cvta.to.global.u64", f.op(Reg.B64, "ld.param.u64", "[" + signature.errorRecordSlot().name() + "]"));
        }
        checks = new PtxBoundsChecks(this, f, errorRecord);
        String printBuffer = null; // the print buffer's global address, for a kernel that prints
        if (signature.printBufferSlot() != null) {
            printBuffer = f.op(Reg.B64, "cvta.to.global.u64", f.op(Reg.B64, "ld.param.u64", "[" + signature.printBufferSlot().name() + "]"));
        }
        printf = new PtxPrintf(this, f, printBuffer);
        int constBytes = 0;
        for (ArrayRef a : ir.arrays()) {
            if (a.isParameter()) continue;
            String name = "a" + a.id() + "_" + a.name();
            int bytes = Math.max(1, a.length()) * a.element().bytes();
            switch (a.space()) {
                case PRIVATE -> {
                    f.declare(".local .align 8 .b8 " + name + "[" + bytes + "]");
                    arraySpace.put(a.id(), "local");
                }
                case LOCAL -> {
                    f.declare(".shared .align 8 .b8 " + name + "[" + bytes + "]");
                    arraySpace.put(a.id(), "shared");
                }
                case CONSTANT -> {
                    constBytes += bytes;
                    String space = constBytes <= CONST_SPACE_LIMIT ? "const" : "global";
                    moduleData.append(constantTable(space, name, a, ir.constants().get(a.id())));
                    arraySpace.put(a.id(), space);
                }
                case GLOBAL -> throw new KernelCompilationException(ir.displayName() + ": global array " + a + " is not a parameter");
            }
            arrayBase.put(a.id(), f.op(Reg.B64, "mov.u64", name));
        }
        if (ir.kind() == KernelKind.WORK_ITEM) {
            f.comment("work-items past the requested grid (the launch rounds it up to whole blocks) do nothing");
            String outside = null;
            for (int d = 0; d < 3; d++) {
                String slot = signature.slots().stream().filter(s -> s.source() == KernelSignature.Source.GRID_SIZE)
                        .toList().get(d).name();
                gridSizeRegs[d] = f.op(Reg.B32, "ld.param.s32", "[" + slot + "]");
                String p = f.op(Reg.PRED, "setp.ge.u32", globalId(d), gridSizeRegs[d]);
                outside = outside == null ? p : f.op(Reg.PRED, "or.pred", outside, p);
            }
            f.insIf(outside, false, "ret");
        }
    }

    private static String constantTable(String space, String name, ArrayRef a, List<Long> contents) {
        String type = switch (a.element()) {
            case BYTE -> ".b8";
            case SHORT, CHAR -> ".b16";
            case INT, FLOAT -> ".b32";
            case LONG, DOUBLE -> ".b64";
        };
        long mask = a.element().bytes() == 8 ? -1L : (1L << (8 * a.element().bytes())) - 1;
        StringBuilder sb = new StringBuilder();
        sb.append('.').append(space).append(" .align 8 ").append(type).append(' ').append(name)
                .append('[').append(Math.max(1, a.length())).append("] = {");
        for (int i = 0; i < Math.max(1, a.length()); i++) {
            if (i > 0) sb.append(", ");
            if (i % 8 == 0) sb.append("\n\t");
            long v = i < contents.size() ? contents.get(i) & mask : 0;
            sb.append("0x").append(Long.toHexString(v).toUpperCase(Locale.ROOT));
        }
        return sb.append("\n};\n\n").toString();
    }

    // ---------------------------------------------------------------- operands

    static Reg regOf(Type t) {
        return switch (t) {
            case I32 -> Reg.B32;
            case I64 -> Reg.B64;
            case F32 -> Reg.F32;
            case F64 -> Reg.F64;
        };
    }

    /** The PTX type suffix for arithmetic on {@code t}. */
    static String arith(Type t) {
        return switch (t) {
            case I32 -> "s32";
            case I64 -> "s64";
            case F32 -> "f32";
            case F64 -> "f64";
        };
    }

    /** The untyped-bits suffix of {@code t}. */
    static String bits(Type t) {
        return t.isWide() ? "b64" : "b32";
    }

    String reg(Var v) {
        return varRegs.get(v.id());
    }

    /** The operand as a register or an immediate. */
    String val(Value v) {
        return switch (v) {
            case Var var -> reg(var);
            case Const c -> imm(c);
        };
    }

    /** The operand in a register (constants are moved into a fresh one). */
    String inReg(Value v) {
        return switch (v) {
            case Var var -> reg(var);
            case Const c -> f.op(regOf(c.type()), "mov." + (c.type().isFloating() ? arith(c.type()) : bits(c.type())), imm(c));
        };
    }

    /** The kernel being emitted. */
    KernelIR ir() {
        return ir;
    }

    /** The PTX state space ({@code global}, {@code local}, {@code shared}, {@code const}) of array {@code id}. */
    String arraySpace(int id) {
        return arraySpace.get(id);
    }

    /** The register holding array {@code id}'s base address. */
    String arrayBase(int id) {
        return arrayBase.get(id);
    }

    /** The register holding parameter array {@code id}'s length. */
    String arrayLength(int id) {
        return arrayLength.get(id);
    }

    static String imm(Const c) {
        return switch (c.type()) {
            case I32 -> Integer.toString(c.intValue());
            case I64 -> Long.toString(c.longValue());
            case F32 -> PtxFunction.f32(c.floatValue());
            case F64 -> PtxFunction.f64(c.doubleValue());
        };
    }

    private static String blockLabel(int id) {
        return "$B" + id;
    }

    // ---------------------------------------------------------------- instructions

    void instr(Instr i) {
        switch (i) {
            case Instr.Move m -> f.ins("mov." + (m.dst().type().isFloating() ? arith(m.dst().type()) : bits(m.dst().type())),
                    reg(m.dst()), val(m.src()));
            case Instr.Binary b -> binary(b);
            case Instr.Negate n -> negate(n);
            case Instr.Convert c -> convert(c);
            case Instr.Compare c -> compare(c);
            case Instr.Load l -> load(l);
            case Instr.Store s -> store(s);
            case Instr.ArrayLength l -> {
                ArrayRef a = l.array();
                f.ins(a.isOffHeap() ? "mov.b64" : "mov.b32", reg(l.dst()), a.isParameter() ? arrayLength.get(a.id()) : Integer.toString(a.length()));
            }
            case Instr.MathCall m -> {
                String[] args = m.args().stream().map(this::inReg).toArray(String[]::new);
                math.call(f, m.fn(), m.dst().type(), reg(m.dst()), args, ir);
            }
            case Instr.BitCast c -> f.ins("mov." + bits(c.dst().type()), reg(c.dst()), val(c.a()));
            case Instr.WorkItem w -> workItem(w);
            // A @Parallel long loop has I64 index and stride: the 32-bit (non-negative) ids are zero-extended.
            case Instr.ParallelIndex p -> f.ins(p.dst().type() == Type.I64 ? "cvt.u64.u32" : "mov.b32", reg(p.dst()),
                    globalId(axisOf(ir, p.dim())));
            case Instr.ParallelStride p -> {
                int axis = axisOf(ir, p.dim());
                String n = f.op(Reg.B32, "mov.u32", "%nctaid." + "xyz".charAt(axis));
                String t = f.op(Reg.B32, "mov.u32", "%ntid." + "xyz".charAt(axis));
                f.ins(p.dst().type() == Type.I64 ? "mul.wide.u32" : "mul.lo.s32", reg(p.dst()), n, t);
            }
            case Instr.Barrier b -> f.ins("bar.sync", "0");
            case Instr.ZeroArray z -> throw z.notLowered();
            case Instr.Atomic a -> atomics.atomic(a);
            case Instr.CheckIndex c -> throw new IllegalStateException("a bounds check is emitted with the access it guards");
            case Instr.CheckDivisor c -> throw new IllegalStateException("a divisor check is emitted with the division it guards");
            case Instr.Print p -> printf.print(p);
        }
    }


    /** {@code ctaid * ntid + tid} on {@code axis}, in a fresh register. */
    private String globalId(int axis) {
        char c = "xyz".charAt(axis);
        String g = f.op(Reg.B32, "mov.u32", "%ctaid." + c);
        String n = f.op(Reg.B32, "mov.u32", "%ntid." + c);
        String t = f.op(Reg.B32, "mov.u32", "%tid." + c);
        String gn = f.op(Reg.B32, "mul.lo.s32", g, n);
        return f.op(Reg.B32, "add.s32", gn, t);
    }

    private void workItem(Instr.WorkItem w) {
        if (w.dim() < 0 || w.dim() > 2) {
            throw new KernelCompilationException(ir.at(w.line()) + ": work-item dimension " + w.dim() + " is out of range 0..2");
        }
        char c = "xyz".charAt(w.dim());
        String dst = reg(w.dst());
        switch (w.query()) {
            case GLOBAL_ID -> f.ins("mov.b32", dst, globalId(w.dim()));
            case GLOBAL_SIZE -> {
                if (gridSizeRegs[w.dim()] == null) {
                    throw new KernelCompilationException(ir.at(w.line()) + ": the global size is only known in work-item kernels");
                }
                f.ins("mov.b32", dst, gridSizeRegs[w.dim()]);
            }
            case LOCAL_ID -> f.ins("mov.u32", dst, "%tid." + c);
            case LOCAL_SIZE -> f.ins("mov.u32", dst, "%ntid." + c);
            case GROUP_ID -> f.ins("mov.u32", dst, "%ctaid." + c);
            case NUM_GROUPS -> f.ins("mov.u32", dst, "%nctaid." + c);
        }
    }

    private void binary(Instr.Binary b) {
        Type t = b.dst().type();
        String dst = reg(b.dst());
        if (t.isFloating()) {
            String s = arith(t);
            switch (b.op()) {
                case ADD -> f.ins("add.rn." + s, dst, val(b.a()), val(b.b()));
                case SUB -> f.ins("sub.rn." + s, dst, val(b.a()), val(b.b()));
                case MUL -> f.ins("mul.rn." + s, dst, val(b.a()), val(b.b()));
                case DIV -> f.ins("div.rn." + s, dst, val(b.a()), val(b.b()));
                case REM -> math.fmod(f, t, dst, inReg(b.a()), inReg(b.b()));
                default -> throw new KernelCompilationException(ir.at(b.line()) + ": operator " + b.op().symbol()
                        + " on " + t + " is not valid Java");
            }
            return;
        }
        String s = arith(t);
        String x = bits(t);
        switch (b.op()) {
            case ADD -> f.ins("add." + s, dst, val(b.a()), val(b.b()));
            case SUB -> f.ins("sub." + s, dst, val(b.a()), val(b.b()));
            case MUL -> f.ins("mul.lo." + s, dst, val(b.a()), val(b.b()));
            case DIV, REM -> divide(b, t, dst);
            case AND -> f.ins("and." + x, dst, val(b.a()), val(b.b()));
            case OR -> f.ins("or." + x, dst, val(b.a()), val(b.b()));
            case XOR -> f.ins("xor." + x, dst, val(b.a()), val(b.b()));
            case SHL, SHR, USHR -> {
                int mask = t.isWide() ? 63 : 31;
                String count = b.b() instanceof Const c ? Integer.toString(c.intValue() & mask)
                        : f.op(Reg.B32, "and.b32", val(b.b()), Integer.toString(mask));
                String opcode = switch (b.op()) {
                    case SHL -> "shl." + x;
                    case SHR -> "shr." + s;
                    default -> "shr.u" + (t.isWide() ? "64" : "32");
                };
                f.ins(opcode, dst, val(b.a()), count);
            }
        }
    }

    /** Java's {@code /} and {@code %}: {@code x / 0 == x % 0 == 0} here, {@code MIN / -1 == MIN}, {@code x % -1 == 0}. */
    private void divide(Instr.Binary b, Type t, String dst) {
        String s = arith(t);
        boolean div = b.op() == BinOp.DIV;
        if (b.b() instanceof Const c) {
            long d = c.longValue();
            if (t == Type.I32) d = c.intValue();
            if (d == 0) {
                f.ins("mov." + bits(t), dst, "0");
            } else if (d == -1) {
                if (div) f.ins("neg." + s, dst, val(b.a()));
                else f.ins("mov." + bits(t), dst, "0");
            } else {
                f.ins((div ? "div." : "rem.") + s, dst, val(b.a()), val(b.b()));
            }
            return;
        }
        String y = val(b.b());
        String isZero = f.op(Reg.PRED, "setp.eq." + s, y, "0");
        String isMinusOne = f.op(Reg.PRED, "setp.eq." + s, y, "-1");
        String special = f.op(Reg.PRED, "or.pred", isZero, isMinusOne);
        String safe = f.op(regOf(t), "selp." + s, "1", y, special);
        String q = f.op(regOf(t), (div ? "div." : "rem.") + s, val(b.a()), safe);
        if (div) {
            String neg = f.op(regOf(t), "neg." + s, val(b.a()));
            String q2 = f.op(regOf(t), "selp." + s, neg, q, isMinusOne);
            f.ins("selp." + s, dst, "0", q2, isZero);
        } else {
            f.ins("selp." + s, dst, "0", q, special);
        }
    }

    private void negate(Instr.Negate n) {
        Type t = n.dst().type();
        String dst = reg(n.dst());
        switch (t) {
            case I32, I64 -> f.ins("neg." + arith(t), dst, val(n.a()));
            case F32 -> {
                // flip the sign bit: Java's fneg, exact for NaN payloads too
                String bitsOf = f.op(Reg.B32, "mov.b32", val(n.a()));
                String flipped = f.op(Reg.B32, "xor.b32", bitsOf, "0x80000000");
                f.ins("mov.b32", dst, flipped);
            }
            case F64 -> {
                String bitsOf = f.op(Reg.B64, "mov.b64", val(n.a()));
                String flipped = f.op(Reg.B64, "xor.b64", bitsOf, "0x8000000000000000");
                f.ins("mov.b64", dst, flipped);
            }
        }
    }

    private void convert(Instr.Convert c) {
        String dst = reg(c.dst());
        String a = inReg(c.a());
        switch (c.op()) {
            case I2L -> f.ins("cvt.s64.s32", dst, a);
            case I2F -> f.ins("cvt.rn.f32.s32", dst, a);
            case I2D -> f.ins("cvt.rn.f64.s32", dst, a);
            case L2I -> f.ins("cvt.u32.u64", dst, a);
            case L2F -> f.ins("cvt.rn.f32.s64", dst, a);
            case L2D -> f.ins("cvt.rn.f64.s64", dst, a);
            case F2D -> f.ins("cvt.f64.f32", dst, a);
            case D2F -> f.ins("cvt.rn.f32.f64", dst, a);
            case F2I -> toInteger(dst, a, "s32", "f32", Reg.B32);
            case F2L -> toInteger(dst, a, "s64", "f32", Reg.B64);
            case D2I -> toInteger(dst, a, "s32", "f64", Reg.B32);
            case D2L -> toInteger(dst, a, "s64", "f64", Reg.B64);
            case I2B -> f.ins("cvt.s32.s8", dst, a);
            case I2S -> f.ins("cvt.s32.s16", dst, a);
            case I2C -> f.ins("and.b32", dst, a, "65535");
        }
    }

    /** Java's f2i/f2l/d2i/d2l: truncate, saturate, NaN to 0 (the select makes NaN explicit on every GPU). */
    private void toInteger(String dst, String a, String to, String from, Reg cls) {
        String t = f.op(cls, "cvt.rzi.sat." + to + "." + from, a);
        String nan = f.op(Reg.PRED, "setp.nan." + from, a, a);
        f.ins("selp." + to, dst, "0", t, nan);
    }

    private void compare(Instr.Compare c) {
        String s = arith(c.kind().operandType());
        String a = inReg(c.a());
        String b = val(c.b());
        String dst = reg(c.dst());
        switch (c.kind()) {
            case LCMP, FCMPL, DCMPL -> {
                // greater -> 1, equal -> 0, otherwise (less or NaN) -> -1
                String gt = f.op(Reg.PRED, "setp.gt." + s, a, b);
                String eq = f.op(Reg.PRED, "setp.eq." + s, a, b);
                String t = f.op(Reg.B32, "selp.s32", "1", "-1", gt);
                f.ins("selp.s32", dst, "0", t, eq);
            }
            case FCMPG, DCMPG -> {
                // less -> -1, equal -> 0, otherwise (greater or NaN) -> 1
                String lt = f.op(Reg.PRED, "setp.lt." + s, a, b);
                String eq = f.op(Reg.PRED, "setp.eq." + s, a, b);
                String t = f.op(Reg.B32, "selp.s32", "-1", "1", lt);
                f.ins("selp.s32", dst, "0", t, eq);
            }
        }
    }

    /** The address operand of {@code a[index]}. */
    String address(ArrayRef a, Value index) {
        String base = arrayBase.get(a.id());
        int size = a.element().bytes();
        boolean wide = index.type() == Type.I64; // an off-heap array's long index
        if (index instanceof Const c) {
            long element = wide ? c.longValue() : c.intValue();
            if (Math.abs(element) <= Integer.MAX_VALUE / 8) {
                long off = element * size;
                return "[" + base + (off >= 0 ? "+" : "") + off + "]";
            }
        }
        String offset = wide ? f.op(Reg.B64, "mul.lo.s64", inReg(index), Integer.toString(size))
                : f.op(Reg.B64, "mul.wide.s32", inReg(index), Integer.toString(size));
        return "[" + f.op(Reg.B64, "add.s64", base, offset) + "]";
    }

    static String loadType(ElementType e) {
        return switch (e) {
            case BYTE -> "s8";
            case SHORT -> "s16";
            case CHAR -> "u16";
            case INT -> "b32";
            case LONG -> "b64";
            case FLOAT -> "f32";
            case DOUBLE -> "f64";
        };
    }

    static String storeType(ElementType e) {
        return switch (e) {
            case BYTE -> "b8";
            case SHORT, CHAR -> "b16";
            default -> loadType(e);
        };
    }


    private void load(Instr.Load l) {
        ArrayRef a = l.array();
        f.ins("ld." + arraySpace.get(a.id()) + "." + loadType(a.element()), reg(l.dst()), address(a, l.index()));
    }

    private void store(Instr.Store s) {
        ArrayRef a = s.array();
        if (a.space() == AddressSpace.CONSTANT) {
            throw new KernelCompilationException(ir.at(s.line()) + ": constant table " + a + " cannot be written");
        }
        f.ins("st." + arraySpace.get(a.id()) + "." + storeType(a.element()), address(a, s.index()), inReg(s.value()));
    }


    // ---------------------------------------------------------------- terminators

    private void terminator(Terminator t, int blockId) {
        int next = blockId + 1;
        switch (t) {
            case Terminator.Goto g -> {
                if (g.target() != next) f.ins("bra.uni", blockLabel(g.target()));
            }
            case Terminator.Branch b -> {
                String p = f.op(Reg.PRED, "setp." + cmp(b.op(), b.a().type()) + "." + arith(b.a().type()), inReg(b.a()), val(b.b()));
                if (b.ifTrue() == next) {
                    f.insIf(p, true, "bra", blockLabel(b.ifFalse()));
                } else {
                    f.insIf(p, false, "bra", blockLabel(b.ifTrue()));
                    if (b.ifFalse() != next) f.ins("bra.uni", blockLabel(b.ifFalse()));
                }
            }
            case Terminator.Switch s -> {
                String key = inReg(s.key());
                for (int k = 0; k < s.keys().size(); k++) {
                    String p = f.op(Reg.PRED, "setp.eq.s32", key, Integer.toString(s.keys().get(k)));
                    f.insIf(p, false, "bra", blockLabel(s.targets().get(k)));
                }
                if (s.defaultTarget() != next) f.ins("bra.uni", blockLabel(s.defaultTarget()));
            }
            case Terminator.Return r -> {
                if (ir.reductions().isEmpty()) f.ins("ret");
                else f.ins("bra.uni", PtxReductions.LABEL);
            }
        }
    }

    /** The PTX comparison for a branch condition; on floats the U forms are PTX's unordered forms. */
    private static String cmp(CmpOp op, Type t) {
        if (!t.isFloating()) {
            return switch (op) {
                case EQ -> "eq";
                case NE -> "ne";
                case LT, ULT -> "lt";
                case LE, ULE -> "le";
                case GT, UGT -> "gt";
                case GE, UGE -> "ge";
            };
        }
        return switch (op) {
            case EQ -> "eq";
            case NE -> "neu";
            case LT -> "lt";
            case LE -> "le";
            case GT -> "gt";
            case GE -> "ge";
            case ULT -> "ltu";
            case ULE -> "leu";
            case UGT -> "gtu";
            case UGE -> "geu";
        };
    }
}
