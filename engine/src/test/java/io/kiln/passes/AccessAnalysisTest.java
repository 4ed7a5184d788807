package io.kiln.passes;

import io.kiln.KernelContext;
import io.kiln.Parallel;
import io.kiln.Reduce;
import io.kiln.frontend.FrontEnd;
import io.kiln.ir.Access;
import io.kiln.ir.AddressSpace;
import io.kiln.ir.ArrayRef;
import io.kiln.ir.AtomicOp;
import io.kiln.ir.Block;
import io.kiln.ir.Const;
import io.kiln.ir.ElementType;
import io.kiln.ir.Instr;
import io.kiln.ir.IrParser;
import io.kiln.ir.IrPrinter;
import io.kiln.ir.IrVerificationException;
import io.kiln.ir.IrVerifier;
import io.kiln.ir.KernelIR;
import io.kiln.ir.KernelKind;
import io.kiln.ir.Param;
import io.kiln.ir.Terminator;
import io.kiln.ir.Var;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * {@link AccessAnalysis}: golden IR before and after the pass, the front end's modes for a handful of
 * kernels, and random kernels against an independent tally of what each one does with its arrays.
 */
class AccessAnalysisTest {
    static final long SEED = Long.getLong("kiln.test.seed", System.nanoTime());

    static {
        System.out.println("[AccessAnalysisTest] seed " + SEED + " (reproduce with -Dkiln.test.seed=" + SEED + ")");
    }

    // ---- kernels: one per way of touching an array ------------------------------------------------

    static void copy(float[] x, float[] y) {
        for (@Parallel int i = 0; i < y.length; i++) y[i] = x[i];
    }

    static void inPlace(int[] a, float[] unused) {
        for (@Parallel int i = 0; i < a.length; i++) a[i] += 1;
    }

    static void lengthOnly(float[] x, int[] out) {
        out[0] = x.length;
    }

    static void histogram(KernelContext ctx, int[] in, int[] bins) {
        int i = ctx.globalIdx();
        if (i < in.length) ctx.atomicAdd(bins, in[i] & 7, 1);
    }

    static void sum(float[] x, @Reduce float[] total) {
        for (@Parallel int i = 0; i < x.length; i++) total[0] += x[i];
    }

    static KernelIR compile(String name) {
        for (Method m : AccessAnalysisTest.class.getDeclaredMethods()) {
            if (m.getName().equals(name)) return FrontEnd.compile(m);
        }
        throw new IllegalArgumentException(name);
    }

    /** The front end's access modes, which come from this pass, are what each kernel's Java code does. */
    @Test
    void frontEndModesAreWhatTheKernelsDo() {
        Map<String, List<Access>> expected = new LinkedHashMap<>();
        expected.put("copy", List.of(Access.READ, Access.WRITE));
        expected.put("inPlace", List.of(Access.READ_WRITE, Access.NONE));
        expected.put("lengthOnly", List.of(Access.NONE, Access.WRITE));
        expected.put("histogram", List.of(Access.READ, Access.READ_WRITE));
        expected.put("sum", List.of(Access.READ, Access.READ_WRITE));
        for (var e : expected.entrySet()) {
            KernelIR ir = compile(e.getKey());
            List<Access> modes = new ArrayList<>();
            for (Param.Array a : ir.arrayParams()) modes.add(a.access());
            assertEquals(e.getValue(), modes, e.getKey() + "\n" + IrPrinter.print(ir));
        }
    }

    /**
     * The pass restores the front end's modes from IR whose parameters all say NONE: the printed IR
     * before the pass (modes erased) and after it (the front end's text) for each kernel above.
     */
    @Test
    void goldenBeforeAndAfterForFrontEndKernels() {
        for (String name : List.of("copy", "inPlace", "lengthOnly", "histogram", "sum")) {
            String after = IrPrinter.print(compile(name));
            String header = after.substring(0, after.indexOf('\n'));
            String before = header.replaceAll(" (READ_WRITE|READ|WRITE|NONE)([,)])", " NONE$2") + after.substring(header.length());
            KernelIR parsed = IrParser.parse(before);
            if (parsed.arrayParams().stream().anyMatch(a -> a.access() != Access.NONE)) throw new AssertionError(before);
            KernelIR out = new AccessAnalysis().run(parsed);
            IrVerifier.verify(out);
            assertEquals(after, IrPrinter.print(out), name);
        }
    }

    /** A hand-written kernel, golden before and after, with an unreachable store that still counts. */
    @Test
    void goldenHandWrittenKernel() {
        String before = """
                kernel Golden.modes SINGLE(int[] @r NONE, int[] @w NONE, int[] @rw NONE, int[] @len NONE, int[] @dead NONE)
                b0:
                  %n = length @len
                  %x = load @r[0]
                  store @w[0] = %x
                  %y = load @rw[%n]
                  store @rw[1] = %y
                  return
                b1:
                  store @dead[0] = 1
                  return
                """;
        String after = before.replace("@r NONE", "@r READ").replace("@w NONE", "@w WRITE").replace("@rw NONE", "@rw READ_WRITE")
                .replace("@dead NONE", "@dead WRITE");
        KernelIR in = IrParser.parse(before);
        // the IR before the pass breaks the verifier's ACCESS rule: a store to a parameter declared NONE
        IrVerificationException e = assertThrows(IrVerificationException.class, () -> IrVerifier.verify(in));
        assertEquals(IrVerifier.Rule.ACCESS, e.rule());
        KernelIR out = new AccessAnalysis().run(in);
        IrVerifier.verify(out);
        assertEquals(after, IrPrinter.print(out));
        assertSame(out, new AccessAnalysis().run(out), "a second run changes nothing and returns its input");
    }

    /**
     * Random straight-line kernels of loads, stores and atomics over five int arrays, against a tally
     * kept while generating them (an independent statement of the rule: read if loaded or atomically
     * updated, written if stored or atomically updated).
     */
    @Test
    void randomKernelsMatchAnIndependentTally() {
        Random rnd = new Random(SEED);
        for (int round = 0; round < 200; round++) {
            int arrays = 5;
            List<ArrayRef> refs = new ArrayList<>();
            List<Param> params = new ArrayList<>();
            for (int k = 0; k < arrays; k++) {
                ArrayRef a = new ArrayRef(k, ElementType.INT, AddressSpace.GLOBAL, -1, k, "a" + k);
                refs.add(a);
                params.add(new Param.Array(k, "a" + k, a, Access.NONE));
            }
            boolean[] read = new boolean[arrays];
            boolean[] written = new boolean[arrays];
            List<Var> vars = new ArrayList<>();
            List<Instr> instrs = new ArrayList<>();
            int n = rnd.nextInt(8);
            for (int k = 0; k < n; k++) {
                int a = rnd.nextInt(arrays);
                Var v = new Var(vars.size(), io.kiln.ir.Type.I32, "v" + vars.size());
                switch (rnd.nextInt(4)) {
                    case 0 -> {
                        instrs.add(new Instr.Load(v, refs.get(a), Const.ofInt(0), 0));
                        vars.add(v);
                        read[a] = true;
                    }
                    case 1 -> {
                        instrs.add(new Instr.Store(refs.get(a), Const.ofInt(0), Const.ofInt(k), 0));
                        written[a] = true;
                    }
                    case 2 -> {
                        instrs.add(new Instr.Atomic(v, AtomicOp.ADD, refs.get(a), Const.ofInt(0), Const.ofInt(1), null, 0));
                        vars.add(v);
                        read[a] = true;
                        written[a] = true;
                    }
                    default -> {
                        instrs.add(new Instr.ArrayLength(v, refs.get(a), 0));
                        vars.add(v);
                    }
                }
            }
            List<List<Long>> constants = new ArrayList<>();
            for (int k = 0; k < arrays; k++) constants.add(List.of());
            KernelIR ir = new KernelIR("T", "k" + round, "([I[I[I[I[I)V", KernelKind.SINGLE, params, vars, refs,
                    List.of(new Block(0, instrs, new Terminator.Return(0))), List.of(), constants);
            KernelIR out = new AccessAnalysis().run(ir);
            IrVerifier.verify(out);
            boolean any = false;
            for (int k = 0; k < arrays; k++) {
                Access want = read[k] && written[k] ? Access.READ_WRITE : read[k] ? Access.READ : written[k] ? Access.WRITE : Access.NONE;
                assertEquals(want, out.arrayParams().get(k).access(), "seed " + SEED + " round " + round + " a" + k + "\n" + IrPrinter.print(ir));
                any |= want != Access.NONE;
            }
            if (any) assertNotSame(ir, out, "changed modes give a new IR");
            else assertSame(ir, out, "nothing to change returns the input");
        }
    }
}
