package io.kiln.compiler;

import io.kiln.ir.AddressSpace;
import io.kiln.ir.ArrayRef;
import io.kiln.ir.Block;
import io.kiln.ir.ElementType;
import io.kiln.ir.Instr;
import io.kiln.ir.Storage;
import io.kiln.ir.Terminator;
import io.kiln.ir.Type;
import io.kiln.ir.Var;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Mutable construction state of one kernel: variables, arrays and blocks under construction. */
final class IrBuilder {
    /** A block being filled; its terminator is set exactly once. */
    static final class BlockBuilder {
        final int id;
        final List<Instr> instrs = new ArrayList<>();
        Terminator terminator;

        BlockBuilder(int id) {
            this.id = id;
        }
    }

    final List<Var> vars = new ArrayList<>();
    final List<ArrayRef> arrays = new ArrayList<>();
    final List<List<Long>> constants = new ArrayList<>();
    final List<BlockBuilder> blocks = new ArrayList<>();
    private final Map<String, Integer> nameCounts = new HashMap<>();
    /** Arrays (@name) have names of their own, apart from variables (%name): array {@code t} stays {@code t} beside variable {@code t}. */
    private final Map<String, Integer> arrayNameCounts = new HashMap<>();

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

    /** Counts one more use of {@code name} and returns the count (a loop, not merge with a lambda). */
    private static int count(Map<String, Integer> counts, String name) {
        Integer before = counts.get(name);
        int n = before == null ? 1 : before + 1;
        counts.put(name, n);
        return n;
    }

    Var newVar(Type type, String name) {
        String clean = clean(name);
        int n = count(nameCounts, clean);
        Var v = new Var(vars.size(), type, n == 1 ? clean : clean + "_" + n);
        vars.add(v);
        return v;
    }

    ArrayRef newArray(ElementType element, AddressSpace space, int length, int paramIndex, String name, List<Long> contents) {
        return newArray(element, space, length, paramIndex, name, contents, Storage.HEAP);
    }

    /** As above, with the parameter's storage ({@link Storage#OFF_HEAP} for {@code FloatArray} and friends). */
    ArrayRef newArray(ElementType element, AddressSpace space, int length, int paramIndex, String name, List<Long> contents,
                      Storage storage) {
        String clean = clean(name);
        int n = count(arrayNameCounts, clean);
        ArrayRef a = new ArrayRef(arrays.size(), element, space, length, paramIndex, n == 1 ? clean : clean + "_" + n, storage);
        arrays.add(a);
        constants.add(contents == null ? List.of() : List.copyOf(contents));
        return a;
    }

    BlockBuilder newBlock() {
        BlockBuilder b = new BlockBuilder(blocks.size());
        blocks.add(b);
        return b;
    }

    /** The finished blocks; unterminated blocks (unreachable) get a {@code Return}. */
    List<Block> finish() {
        List<Block> out = new ArrayList<>();
        for (BlockBuilder b : blocks) {
            out.add(new Block(b.id, b.instrs, b.terminator == null ? new Terminator.Return() : b.terminator));
        }
        return out;
    }
}
