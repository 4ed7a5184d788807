package io.kiln.ptx;

import java.util.ArrayList;
import java.util.List;

/**
 * The body of one PTX function ({@code .entry} or {@code .func}) under construction: typed virtual
 * registers numbered per class, labels, and instruction lines. The kernel emitter and the math
 * library both write through it, so every piece of generated PTX has the same shape.
 */
final class PtxFunction {

    /** Register classes; every PTX register this back end declares belongs to one. */
    enum Reg {
        B32(".b32", "%r"), B64(".b64", "%rd"), F32(".f32", "%f"), F64(".f64", "%fd"), PRED(".pred", "%p");

        final String decl;
        final String prefix;

        Reg(String decl, String prefix) {
            this.decl = decl;
            this.prefix = prefix;
        }
    }

    private final int[] next = new int[Reg.values().length];
    private final StringBuilder body = new StringBuilder();
    private final List<String> extraDecls = new ArrayList<>();
    private int labels;
    private final String labelPrefix;

    PtxFunction(String labelPrefix) {
        this.labelPrefix = labelPrefix;
    }

    /** A fresh register of class {@code c}. */
    String reg(Reg c) {
        return c.prefix + next[c.ordinal()]++;
    }

    /** A fresh label name (not yet placed). */
    String newLabel() {
        return "$" + labelPrefix + (labels++);
    }

    /** Places {@code label} before the next instruction. */
    void label(String label) {
        body.append(label).append(":\n");
    }

    /** One instruction, written as {@code opcode operand, operand, ...}. */
    void ins(String opcode, String... operands) {
        body.append('\t').append(opcode);
        if (operands.length > 0) {
            body.append(' ').append(String.join(", ", operands));
        }
        body.append(";\n");
    }

    /** One instruction executed only where predicate {@code pred} is true ({@code negate}: false). */
    void insIf(String pred, boolean negate, String opcode, String... operands) {
        body.append("\t@").append(negate ? "!" : "").append(pred).append(' ').append(opcode);
        if (operands.length > 0) {
            body.append(' ').append(String.join(", ", operands));
        }
        body.append(";\n");
    }

    /** A fresh register of class {@code c} assigned by {@code opcode dst, operands}. */
    String op(Reg c, String opcode, String... operands) {
        String dst = reg(c);
        String[] all = new String[operands.length + 1];
        all[0] = dst;
        System.arraycopy(operands, 0, all, 1, operands.length);
        ins(opcode, all);
        return dst;
    }

    /** A comment line in the body. */
    void comment(String text) {
        body.append("\t// ").append(text).append('\n');
    }

    /** A declaration placed after the register declarations ({@code .local}, {@code .shared}). */
    void declare(String declaration) {
        extraDecls.add(declaration);
    }

    /** The function body: register declarations, extra declarations, then the instructions. */
    String body() {
        StringBuilder sb = new StringBuilder();
        for (Reg c : Reg.values()) {
            if (next[c.ordinal()] > 0) {
                sb.append("\t.reg ").append(c.decl).append(' ').append(c.prefix).append('<').append(next[c.ordinal()]).append(">;\n");
            }
        }
        for (String d : extraDecls) {
            sb.append('\t').append(d).append(";\n");
        }
        sb.append(body);
        return sb.toString();
    }

    /** A PTX immediate for a float, exact to the bit. */
    static String f32(float v) {
        return String.format("0f%08X", Float.floatToRawIntBits(v));
    }

    /** A PTX immediate for a double, exact to the bit. */
    static String f64(double v) {
        return String.format("0d%016X", Double.doubleToRawLongBits(v));
    }
}
