package io.kiln.ir;

import java.util.List;

/**
 * A basic block: straight-line instructions and one terminator.
 *
 * @param id         index into {@link KernelIR#blocks()}; block 0 is the entry
 * @param instrs     the instructions
 * @param terminator how the block ends
 */
public record Block(int id, List<Instr> instrs, Terminator terminator) {
    public Block {
        instrs = List.copyOf(instrs);
    }
}
