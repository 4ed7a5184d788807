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

    Var newVar(Type type, String name) {
        String clean = name.replaceAll("[^A-Za-z0-9_]", "_");
        int n = nameCounts.merge(clean, 1, Integer::sum);
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
        String clean = name.replaceAll("[^A-Za-z0-9_]", "_");
        int n = arrayNameCounts.merge(clean, 1, Integer::sum);
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
