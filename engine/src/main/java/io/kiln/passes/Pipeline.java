package io.kiln.passes;

import io.kiln.ir.IrPrinter;
import io.kiln.ir.IrVerifier;
import io.kiln.ir.KernelIR;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * An ordered list of {@link KernelPass}es run on every kernel the front end produces. The
 * {@link IrVerifier} checks what the passes produce, so that a pass that breaks the IR's contract is
 * reported as Kiln's bug instead of surfacing later as wrong code in some back end: once, after the
 * last pass, by default, or after every pass, naming the pass that broke it, with
 * {@code -Dkiln.verifyEachPass=true} (which the build's test suites set) or {@link #verifyingEachPass}.
 * Once is the default because a build runs mostly interpreted: the verifier cost 2-3 ms per run on a
 * first build, 13-15 ms of a saxpy build's 170 (docs/cpu-backend.md, "Early runs").
 * <p>The IR after each pass can be dumped for debugging: {@link #dumpingTo(Consumer)}, or for the
 * {@link #standard()} pipeline the system property {@code -Dkiln.dumpIr=true} (printed to
 * {@code System.err}) or {@code -Dkiln.dumpIr=Owner.method} to dump only kernels whose
 * {@link KernelIR#displayName()} contains that text. {@code -Dkiln.constantFolding=false} leaves
 * {@link ConstantFolding} out of the standard pipeline (to tell a folding bug from a device compiler's).
 */
public final class Pipeline {
    /** The default of {@link #verifiesEachPass()}: {@code -Dkiln.verifyEachPass=true}, set by the test suites. */
    private static final boolean VERIFY_EACH_PASS = Boolean.getBoolean("kiln.verifyEachPass");

    private final List<KernelPass> passes;
    private final Consumer<String> dump;
    private final boolean eachPass;

    private Pipeline(List<KernelPass> passes, Consumer<String> dump, boolean eachPass) {
        this.passes = List.copyOf(passes);
        this.dump = dump;
        this.eachPass = eachPass;
    }

    private Pipeline(List<KernelPass> passes, Consumer<String> dump) {
        this(passes, dump, VERIFY_EACH_PASS);
    }

    /** A pipeline of {@code passes}, in order, without dumps. */
    public static Pipeline of(KernelPass... passes) {
        return new Pipeline(List.of(passes), null);
    }

    /** A pipeline of {@code passes}, in order, without dumps. */
    public static Pipeline of(List<KernelPass> passes) {
        return new Pipeline(passes, null);
    }

    /**
     * Whether {@link #run} verifies the IR after every pass (naming the pass that broke it) rather than
     * once, after the last; the default is {@code -Dkiln.verifyEachPass=true}, which the test suites set.
     */
    public boolean verifiesEachPass() {
        return eachPass;
    }

    /** This pipeline, verifying after every pass ({@code true}) or once, after the last ({@code false}). */
    public Pipeline verifyingEachPass(boolean each) {
        return new Pipeline(passes, dump, each);
    }

    /**
     * The pipeline the front end runs on every kernel: {@link PrivateArrayZeroing} (a lowering every
     * back end needs, so never left out), then {@link ConstantFolding} (so that later passes and the
     * device compilers never see an all-constant expression; see its Javadoc for why the device
     * compilers must not be trusted with those). Honours {@code -Dkiln.dumpIr}.
     */
    public static Pipeline standard() {
        List<KernelPass> list = new ArrayList<>();
        list.add(new PrivateArrayZeroing());
        // -Dkiln.constantFolding=false: a debugging aid, to tell a folding bug from a device compiler's
        if (!"false".equals(System.getProperty("kiln.constantFolding"))) list.add(new ConstantFolding());
        Pipeline p = new Pipeline(list, null);
        String prop = System.getProperty("kiln.dumpIr");
        if (prop == null || prop.isEmpty() || prop.equals("false")) return p;
        return p.dumpingTo(System.err::println, prop.equals("true") ? "" : prop);
    }

    /** This pipeline with {@code pass} added at the end. */
    public Pipeline then(KernelPass pass) {
        List<KernelPass> list = new ArrayList<>(passes);
        list.add(Objects.requireNonNull(pass, "pass"));
        return new Pipeline(list, dump, eachPass);
    }

    /** This pipeline with {@code pass} added at the start. */
    public Pipeline first(KernelPass pass) {
        List<KernelPass> list = new ArrayList<>();
        list.add(Objects.requireNonNull(pass, "pass"));
        list.addAll(passes);
        return new Pipeline(list, dump, eachPass);
    }

    /** This pipeline, sending the printed IR before the first pass and after each pass to {@code sink}. */
    public Pipeline dumpingTo(Consumer<String> sink) {
        return new Pipeline(passes, Objects.requireNonNull(sink, "sink"), eachPass);
    }

    private Pipeline dumpingTo(Consumer<String> sink, String filter) {
        return new Pipeline(passes, text -> {
            if (filter.isEmpty() || text.contains(filter)) sink.accept(text);
        }, eachPass);
    }

    /** The passes, in order. */
    public List<KernelPass> passes() {
        return passes;
    }

    /**
     * Runs every pass in order on {@code ir} and verifies the result: after each pass that changed the IR
     * when {@link #verifiesEachPass()} (then {@code ir} must already verify), else once, the last pass's
     * output (which covers {@code ir} too when no pass changed it).
     *
     * @throws IllegalStateException when the IR breaks a rule of the IR: naming the pass when verifying
     *                               after each, else naming the passes run
     */
    public KernelIR run(KernelIR ir) {
        if (dump != null) dump.accept("== " + ir.displayName() + " before passes ==\n" + IrPrinter.print(ir));
        KernelIR in = ir;
        for (KernelPass pass : passes) {
            KernelIR out = pass.run(ir);
            if (out == null) throw new IllegalStateException("pass " + pass.name() + " returned null for " + ir.displayName());
            if (eachPass && out != ir) {
                try {
                    IrVerifier.verify(out);
                } catch (IllegalStateException e) {
                    throw new IllegalStateException("pass " + pass.name() + " produced invalid IR for " + ir.displayName()
                            + " (a bug in the pass, not in the kernel): " + e.getMessage(), e);
                }
            }
            if (dump != null) {
                dump.accept("== " + ir.displayName() + " after " + pass.name() + (out == ir ? " (unchanged)" : "") + " ==\n"
                        + IrPrinter.print(out));
            }
            ir = out;
        }
        if (!eachPass) {
            try {
                IrVerifier.verify(ir);
            } catch (IllegalStateException e) {
                List<String> names = new ArrayList<>();
                for (KernelPass pass : passes) names.add(pass.name());
                throw new IllegalStateException("invalid IR for " + in.displayName() + " after the front end and the passes " + names
                        + " (a bug in Kiln, not in the kernel; -Dkiln.verifyEachPass=true names the pass): " + e.getMessage(), e);
            }
        }
        return ir;
    }
}
