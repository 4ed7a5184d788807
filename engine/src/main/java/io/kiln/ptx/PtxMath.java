package io.kiln.ptx;

import io.kiln.KernelCompilationException;
import io.kiln.ptx.PtxFunction.Reg;
import io.kiln.ir.KernelIR;
import io.kiln.ir.MathFunction;
import io.kiln.ir.Type;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Java's math functions in PTX. Correctly rounded functions map onto single instructions
 * ({@code sqrt.rn}, {@code cvt.rmi}, {@code fma.rn}, ...). The others are {@code .func}
 * subroutines written here in double precision with error-free transformations
 * ({@link PtxMathLib}); no {@code .approx} instruction is used anywhere. A kernel's module contains
 * only the routines and tables it calls.
 */
final class PtxMath {
    /** Routine definitions by name, in an order where each follows the routines it calls. */
    private final Map<String, String> definitions = new LinkedHashMap<>();
    /** Module-scope constant tables by name. */
    private final Map<String, String> tables = new LinkedHashMap<>();

    /** Emits {@code dst = fn(args)} for operands of type {@code t}. */
    void call(PtxFunction f, MathFunction fn, Type t, String dst, String[] args, KernelIR ir) {
        if ((fn == MathFunction.MIN || fn == MathFunction.MAX) && args.length == 2) {
            String r = minMax(f, fn == MathFunction.MIN, t, args[0], args[1]);
            f.ins("mov." + (t.isFloating() ? (t == Type.F32 ? "f32" : "f64") : (t == Type.I64 ? "b64" : "b32")), dst, r);
            return;
        }
        if (!t.isFloating()) {
            throw new KernelCompilationException(ir.displayName() + ": Math." + fn.javaName() + " on " + t + " is not a math call");
        }
        if (args.length != fn.arity()) {
            throw new KernelCompilationException(ir.displayName() + ": Math." + fn.javaName() + " takes " + fn.arity()
                    + " arguments, the IR gives " + args.length);
        }
        String s = t == Type.F32 ? "f32" : "f64";
        switch (fn) {
            case SQRT -> f.ins("sqrt.rn." + s, dst, args[0]);
            case FLOOR -> f.ins("cvt.rmi." + s + "." + s, dst, args[0]);
            case CEIL -> f.ins("cvt.rpi." + s + "." + s, dst, args[0]);
            case RINT -> f.ins("cvt.rni." + s + "." + s, dst, args[0]);
            case FMA -> f.ins("fma.rn." + s, dst, args[0], args[1], args[2]);
            case ABS -> {
                // clear the sign bit: Math.abs exactly, NaN payloads included
                Reg bits = t == Type.F32 ? Reg.B32 : Reg.B64;
                String b = t == Type.F32 ? "b32" : "b64";
                String raw = f.op(bits, "mov." + b, args[0]);
                String cleared = f.op(bits, "and." + b, raw, t == Type.F32 ? "0x7FFFFFFF" : "0x7FFFFFFFFFFFFFFF");
                f.ins("mov." + b, dst, cleared);
            }
            default -> {
                String name = routine(fn, t, ir);
                f.ins("call (" + dst + "), " + name + ", (" + String.join(", ", args) + ")");
            }
        }
    }

    /**
     * {@code Math.min(a, b)} or {@code Math.max(a, b)} of registers of type {@code t} (all four types),
     * as {@link io.kiln.lowering.JavaMinMax#ptx} lowers it; returns the result's register.
     */
    static String minMax(PtxFunction f, boolean min, Type t, String a, String b) {
        return io.kiln.lowering.JavaMinMax.ptx((reg, opcode, operands) -> f.op(Reg.valueOf(reg.toUpperCase(java.util.Locale.ROOT)), opcode, operands),
                min, t, a, b);
    }

    /** Emits {@code dst = a % b} for floating-point operands (C's {@code fmod}, exact). */
    void fmod(PtxFunction f, Type t, String dst, String a, String b) {
        String name = require("__kiln_fmod_" + (t == Type.F32 ? "f32" : "f64"), t, 2, t == Type.F32
                ? m -> m.ret(m.toF32(m.call(require("__kiln_fmod_f64", Type.F64, 2, PtxBitMath::fmod), m.toF64(m.arg(0)), m.toF64(m.arg(1)))))
                : PtxBitMath::fmod);
        f.ins("call (" + dst + "), " + name + ", (" + a + ", " + b + ")");
    }

    private String routine(MathFunction fn, Type t, KernelIR ir) {
        String base = "__kiln_" + fn.javaName();
        Consumer<PtxMathLib> body = PtxMathLib.body(fn);
        if (body == null) {
            throw new KernelCompilationException(ir.displayName() + ": Math." + fn.javaName() + " is not yet supported on PTX");
        }
        if (t == Type.F64) {
            return require(base + "_f64", Type.F64, fn.arity(), body);
        }
        // float: the same algorithm evaluated in double with polynomials sized for float, rounded once to float
        String f32Core = require(base + "_f32core", Type.F64, fn.arity(), m -> {
            m.floatPrecision = true;
            body.accept(m);
        });
        return require(base + "_f32", Type.F32, fn.arity(), m -> {
            String[] wide = new String[fn.arity()];
            for (int i = 0; i < wide.length; i++) wide[i] = m.toF64(m.arg(i));
            m.ret(m.toF32(m.call(f32Core, wide)));
        });
    }

    /** Defines routine {@code name} (once) with {@code arity} operands of type {@code t}; returns the name. */
    String require(String name, Type t, int arity, Consumer<PtxMathLib> body) {
        if (definitions.containsKey(name)) return name;
        definitions.put(name, null); // reserve: guards against recursion
        PtxMathLib m = new PtxMathLib(this, t, arity);
        body.accept(m);
        String s = t == Type.F32 ? ".f32" : ".f64";
        StringBuilder sb = new StringBuilder();
        sb.append(".func (.reg ").append(s).append(" %res) ").append(name).append('(');
        for (int i = 0; i < arity; i++) {
            sb.append(i > 0 ? ", " : "").append(".reg ").append(s).append(" %arg").append(i);
        }
        sb.append(")\n{\n").append(m.f.body()).append("}\n\n");
        definitions.remove(name);
        definitions.put(name, sb.toString());
        return name;
    }

    /** Defines a module-scope table (once). */
    void table(String name, java.util.function.Supplier<String> definition) {
        tables.computeIfAbsent(name, k -> definition.get());
    }

    /** Every routine and table the kernel uses, ready to precede its entry. */
    String definitions() {
        StringBuilder sb = new StringBuilder();
        for (String d : tables.values()) sb.append(d);
        for (String d : definitions.values()) sb.append(d);
        return sb.toString();
    }
}
