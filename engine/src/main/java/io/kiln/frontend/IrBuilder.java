package io.kiln.frontend;

import io.kiln.ir.AddressSpace;
import io.kiln.ir.ArrayRef;
import io.kiln.ir.Block;
import io.kiln.ir.ElementType;
import io.kiln.ir.Instr;
import io.kiln.ir.KernelKind;
import io.kiln.ir.Storage;
import io.kiln.ir.Terminator;
import io.kiln.ir.Type;
import io.kiln.ir.Var;

import java.util.ArrayList;
import java.util.List;

/**
 * The front end's view of {@link io.kiln.ir.IrBuilder}: variables and arrays are allocated and named
 * by the public builder (one naming rule for front end and hand-built IR), while blocks stay mutable
 * records the translator fills and terminates with block numbers as it walks the bytecode.
 */
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

    /** Allocation and names only: FrontEnd assembles the KernelIR itself, so the kernel's names here are unused. */
    private final io.kiln.ir.IrBuilder ir = new io.kiln.ir.IrBuilder("", "", KernelKind.SINGLE);
    final List<Var> vars = ir.vars();
    final List<ArrayRef> arrays = ir.arrays();
    final List<List<Long>> constants = ir.constants();
    final List<BlockBuilder> blocks = new ArrayList<>();

    Var newVar(Type type, String name) {
        return ir.var(type, name);
    }

    ArrayRef newArray(ElementType element, AddressSpace space, int length, int paramIndex, String name, List<Long> contents) {
        return newArray(element, space, length, paramIndex, name, contents, Storage.HEAP);
    }

    /** As above, with the parameter's storage ({@link Storage#OFF_HEAP} for {@code FloatArray} and friends). */
    ArrayRef newArray(ElementType element, AddressSpace space, int length, int paramIndex, String name, List<Long> contents,
                      Storage storage) {
        return ir.arrayRef(element, space, length, paramIndex, name, contents, storage);
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
            out.add(new Block(b.id, b.instrs, b.terminator == null ? new Terminator.Return(0) : b.terminator));
        }
        return out;
    }
}
