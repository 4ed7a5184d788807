package io.kiln.ptx;


import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code ptxas -arch=sm_75} over PTX text, once per distinct text in this JVM: the interpreter device
 * and {@link PtxasTest} assemble the same modules, so the second asks for a result already known.
 */
public final class Ptxas {
    private Ptxas() {
    }

    /** The architecture the CUDA back end targets. */
    public static final String ARCH = "sm_75";

    /** The outcome: whether ptxas ran at all (it is absent without the CUDA toolkit), its exit status and output. */
    public record Outcome(boolean ran, int exitCode, String output) {
        /** Accepted without a warning. */
        public boolean clean() {
            return ran && exitCode == 0 && output.isBlank();
        }
    }

    private static final ConcurrentHashMap<String, Outcome> DONE = new ConcurrentHashMap<>();

    /** Whether ptxas is on the PATH. */
    public static boolean available() {
        return PtxAssembler.find() != null;
    }

    /** Why the ptxas checks are skipped here. */
    public static String absentReason() {
        return "ptxas is not on the PATH (install the CUDA toolkit to check every conformance kernel's PTX offline)";
    }

    /** Assembles {@code ptx}, or reports {@code ran == false} when ptxas is absent. */
    public static Outcome assemble(String ptx) {
        if (!available()) return new Outcome(false, -1, absentReason());
        return DONE.computeIfAbsent(ptx, p -> {
            PtxAssembler.Result r = PtxAssembler.assemble(p, ARCH);
            return new Outcome(true, r.exitCode(), r.output());
        });
    }
}
