package io.kiln.cpu;

import io.kiln.cpu.JvmEmitter.Mode;
import io.kiln.ir.KernelIR;
import io.kiln.ir.Value;
import io.kiln.ir.Var;

import java.lang.classfile.CodeBuilder;

/**
 * What the writers of one method share: the {@link MethodWriter} whose slots and labels they use, and
 * its kernel, analysis, mode and code builder under short names, so the moved code reads as before.
 */
abstract class MethodPart {
    final MethodWriter w;
    final KernelIR ir;
    final KernelAnalysis an;
    final Mode mode;
    final CodeBuilder cb;

    MethodPart(MethodWriter w) {
        this.w = w;
        this.ir = w.ir;
        this.an = w.an;
        this.mode = w.mode;
        this.cb = w.cb;
    }

    /** Pushes {@code v}: its local slot, or the constant. */
    final void load(Value v) {
        w.load(v);
    }

    /** Stores the top of the stack into {@code v}'s slot. */
    final void store(Var v) {
        w.store(v);
    }
}
