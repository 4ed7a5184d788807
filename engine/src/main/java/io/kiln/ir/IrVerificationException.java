package io.kiln.ir;

/**
 * A kernel's IR breaks a rule of {@link IrVerifier}: the IR is malformed, which is a bug in whatever
 * produced it (the front end, a pass, a hand-built test IR), never in the user's kernel. The message
 * names the kernel, the block and instruction index, the rule, and shows the printed IR with the
 * offending line marked.
 */
public final class IrVerificationException extends IllegalStateException {
    private final IrVerifier.Rule rule;
    private final int block;
    private final int index;

    IrVerificationException(String message, IrVerifier.Rule rule, int block, int index) {
        super(message);
        this.rule = rule;
        this.block = block;
        this.index = index;
    }

    /** The rule that was broken. */
    public IrVerifier.Rule rule() {
        return rule;
    }

    /** The block of the offending instruction, or -1 for a rule about the kernel's header (params, arrays, loops). */
    public int block() {
        return block;
    }

    /** The instruction's index in its block ({@code instrs().size()} for the terminator), or -1. */
    public int index() {
        return index;
    }
}
