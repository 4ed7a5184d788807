package io.kiln.ptx;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The parsed form of a PTX module in {@link PtxInterpreter}: types, operands, instructions and
 * functions with their registers and labels. Separate from the interpreter so that the parser's
 * output and the executor's input are one small vocabulary, read apart from both.
 */
final class PtxCode {
    private PtxCode() {
    }

    enum Ty {
        B8(1), S8(1), U8(1), B16(2), S16(2), U16(2), B32(4), S32(4), U32(4), F32(4), B64(8), S64(8), U64(8), F64(8), PRED(1);

        final int bytes;

        Ty(int bytes) {
            this.bytes = bytes;
        }

        boolean isFloat() {
            return this == F32 || this == F64;
        }

        boolean isSigned() {
            return this == S8 || this == S16 || this == S32 || this == S64;
        }

        boolean wide() {
            return bytes == 8;
        }

        static Ty of(String s) {
            return valueOf(s.toUpperCase(java.util.Locale.ROOT));
        }
    }

    /** An operand: a register slot, an immediate, a special register, a symbol, or an address. */
    record Opnd(int reg, long imm, String special, String symbol, boolean address) {
        static Opnd reg(int r) {
            return new Opnd(r, 0, null, null, false);
        }
    }

    static final class Insn {
        final String text;
        final String[] parts;     // opcode split at dots
        final Opnd[] ops;
        int guard = -1;
        boolean guardNegated;
        int target = -1;          // branch target index
        String callee;
        final Ty type;            // the last type suffix, or null
        final Ty from;            // cvt: the source type
        final Ty to;              // cvt: the destination type

        Insn(String text, String[] parts, Opnd[] ops) {
            this.text = text;
            this.parts = parts;
            this.ops = ops;
            this.type = parts.length > 1 ? tyOrNull(parts[parts.length - 1]) : null;
            this.from = parts[0].equals("cvt") ? type : null;
            this.to = parts[0].equals("cvt") ? tyOrNull(parts[parts.length - 2]) : null;
        }

        private static Ty tyOrNull(String s) {
            try {
                return Ty.of(s);
            } catch (IllegalArgumentException e) {
                return null;
            }
        }

        String op() {
            return parts[0];
        }

        Ty type() {
            return type;
        }

        boolean has(String modifier) {
            for (int i = 1; i < parts.length; i++) if (parts[i].equals(modifier)) return true;
            return false;
        }
    }

    static final class Function {
        final String name;
        final boolean entry;
        final Map<String, Integer> regs = new HashMap<>();
        final List<Ty> regTypes = new ArrayList<>();
        final List<String> params = new ArrayList<>();   // .param names (entry) or %arg registers (func)
        final Map<String, Integer> labels = new HashMap<>();
        final List<Insn> code = new ArrayList<>();
        final Map<String, int[]> locals = new HashMap<>();   // name -> {space (0 local, 1 shared), bytes}

        Function(String name, boolean entry) {
            this.name = name;
            this.entry = entry;
        }

        int reg(String name) {
            Integer r = regs.get(name);
            if (r == null) throw new IllegalStateException(this.name + ": undeclared register " + name);
            return r;
        }

        int declare(String name, Ty type) {
            Integer r = regs.get(name);
            if (r != null) throw new IllegalStateException(this.name + ": register " + name + " declared twice");
            regs.put(name, regTypes.size());
            regTypes.add(type);
            return regTypes.size() - 1;
        }
    }
}
