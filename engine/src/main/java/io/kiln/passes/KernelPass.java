package io.kiln.passes;

import io.kiln.ir.KernelIR;

/**
 * One transformation of a kernel's IR, run by a {@link Pipeline} between the front end and the back
 * ends. A pass takes a verified {@link KernelIR} and returns one that still keeps every rule of
 * {@link io.kiln.ir.IrVerifier} (the pipeline checks this after each pass) and computes exactly what
 * the input computed with Java's semantics: a pass may remove work, never change a result, an
 * exception Java would throw, or a store Java would make.
 * <p>Passes are stateless: {@link #run} may be called for many kernels, from several threads.
 */
public interface KernelPass {

    /** A short name for dumps and messages ({@code constant-folding}). */
    String name();

    /**
     * Transforms {@code ir}. Returns {@code ir} itself when there is nothing to change, so that a
     * caller can tell cheaply that the pass did nothing.
     */
    KernelIR run(KernelIR ir);
}
