package io.kiln.ir;

import java.util.List;

/**
 * A compiled kernel in the typed, control-flow-graph IR that every back end consumes.
 *
 * @param ownerClass    binary name of the class declaring the kernel method
 * @param methodName    the kernel method's name
 * @param descriptor    the JVM method descriptor
 * @param kind          how the iteration space is defined
 * @param params        the Java parameters, in order
 * @param vars          every virtual register, indexed by {@link Var#id()}
 * @param arrays        every array the kernel touches, indexed by {@link ArrayRef#id()}
 * @param blocks        the basic blocks; block 0 is the entry
 * @param parallelLoops for {@link KernelKind#LOOP_PARALLEL}, one entry per dimension, outermost first
 * @param constants     for {@link AddressSpace#CONSTANT} arrays, their contents as raw bits, by array id
 *                      (empty lists for other arrays)
 * @param reductions    the {@code @Reduce} parameters of a loop-parallel kernel (usually empty)
 */
public record KernelIR(String ownerClass, String methodName, String descriptor, KernelKind kind,
                       List<Param> params, List<Var> vars, List<ArrayRef> arrays, List<Block> blocks,
                       List<ParallelLoop> parallelLoops, List<List<Long>> constants, List<Reduction> reductions) {

    public KernelIR {
        params = List.copyOf(params);
        vars = List.copyOf(vars);
        arrays = List.copyOf(arrays);
        blocks = List.copyOf(blocks);
        parallelLoops = List.copyOf(parallelLoops);
        constants = List.copyOf(constants);
        reductions = List.copyOf(reductions);
    }

    /** A kernel without reductions. */
    public KernelIR(String ownerClass, String methodName, String descriptor, KernelKind kind,
                    List<Param> params, List<Var> vars, List<ArrayRef> arrays, List<Block> blocks,
                    List<ParallelLoop> parallelLoops, List<List<Long>> constants) {
        this(ownerClass, methodName, descriptor, kind, params, vars, arrays, blocks, parallelLoops, constants, List.of());
    }

    /** Whether the kernel uses barriers, local memory or atomics (work-group features). */
    public boolean usesWorkGroupFeatures() {
        for (ArrayRef a : arrays) {
            if (a.space() == AddressSpace.LOCAL) return true;
        }
        for (Block b : blocks) {
            for (Instr i : b.instrs()) {
                if (i instanceof Instr.Barrier || i instanceof Instr.Atomic) return true;
            }
        }
        return false;
    }

    /** Whether the kernel has a barrier: then its work-groups must be whole and every work-item must reach each barrier. */
    public boolean hasBarriers() {
        for (Block b : blocks) {
            for (Instr i : b.instrs()) {
                if (i instanceof Instr.Barrier) return true;
            }
        }
        return false;
    }

    /** Number of dimensions of the iteration space (1 for work-item and single kernels' default). */
    public int dimensions() {
        return kind == KernelKind.LOOP_PARALLEL ? parallelLoops.size() : 1;
    }

    /** A readable name for messages: {@code Owner.method}. */
    public String displayName() {
        String simple = ownerClass.substring(ownerClass.lastIndexOf('.') + 1);
        return simple + "." + methodName;
    }

    /**
     * Where source line {@code line} of this kernel is, for messages about one instruction
     * ({@link Instr#line()}): {@code Owner.method (Owner.java:12)}, or {@code Owner.method} for line 0
     * (unknown). The file is the one javac names the owner's outermost class after, which is the kernel
     * file's name unless the class file says otherwise (the front end's own messages read its
     * {@code SourceFile} attribute).
     */
    public String at(int line) {
        if (line <= 0) return displayName();
        String simple = ownerClass.substring(ownerClass.lastIndexOf('.') + 1);
        int nested = simple.indexOf('$');
        return displayName() + " (" + (nested > 0 ? simple.substring(0, nested) : simple) + ".java:" + line + ")";
    }

    /** The array parameters, in order. */
    public List<Param.Array> arrayParams() {
        // a loop, not a stream: called on a kernel's first build, where each lambda costs about 1 ms
        List<Param.Array> out = new java.util.ArrayList<>();
        for (Param p : params) {
            if (p instanceof Param.Array a) out.add(a);
        }
        return java.util.Collections.unmodifiableList(out);
    }

    /** A C-like identifier unique to this kernel, for generated code. */
    public String symbolName() {
        // IrBuilder.clean: replaceAll("[^A-Za-z0-9_]", "_") as a loop, so the first compile of a program does
        // not load java.util.regex (about 29 classes); IrBuilderNamesTest checks it against the regex.
        return IrBuilder.clean(ownerClass + "__" + methodName);
    }
}
