package io.kiln.ir;

import org.junit.jupiter.api.Test;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link Cfg} and {@link DefUse} on graphs with known answers, on random graphs against brute force, and on compiled kernels. */
class CfgTest {

    static Terminator branch(int t, int f) {
        return new Terminator.Branch(CmpOp.EQ, Const.ofInt(0), Const.ofInt(0), t, f, 0);
    }

    static Cfg graph(Terminator... terms) {
        List<Block> blocks = new ArrayList<>();
        for (int b = 0; b < terms.length; b++) blocks.add(new Block(b, List.of(), terms[b]));
        return Cfg.of(blocks);
    }

    static Set<String> names(Set<Var> vars) {
        return vars.stream().map(Var::name).collect(Collectors.toSet());
    }

    @Test
    void diamond() {
        Cfg g = graph(branch(1, 2), new Terminator.Goto(3, 0), new Terminator.Goto(3, 0), new Terminator.Return(0));
        assertEquals(List.of(1, 2), g.successors(0));
        assertEquals(List.of(1, 2), g.predecessors(3));
        assertEquals(0, g.reversePostOrder().get(0));
        assertEquals(3, g.reversePostOrder().get(3));
        for (int b = 1; b <= 3; b++) assertEquals(0, g.idom(b));
        assertEquals(Cfg.NONE, g.idom(0));
        assertFalse(g.dominates(1, 3));
        assertEquals(3, g.ipdom(0));
        assertEquals(3, g.ipdom(1));
        assertEquals(g.exit(), g.ipdom(3));
        assertTrue(g.postDominates(3, 0));
        assertFalse(g.postDominates(1, 0));
    }

    @Test
    void nestedLoopsUnreachableBlocksAndSeveralReturns() {
        // b0 -> b1 (outer header) -> b2 (inner header) -> b3 (inner body) -> b2; b2 -> b4 (outer latch) -> b1; b1 -> b5 return,
        // b3 may also return early through b6; b7 is unreachable and jumps into the inner loop
        Cfg g = graph(new Terminator.Goto(1, 0), branch(5, 2), branch(4, 3), branch(2, 6), new Terminator.Goto(1, 0),
                new Terminator.Return(0), new Terminator.Return(0), new Terminator.Goto(3, 0));
        assertEquals(0, g.idom(1));
        assertEquals(1, g.idom(2));
        assertEquals(2, g.idom(3));
        assertEquals(2, g.idom(4));
        assertEquals(1, g.idom(5));
        assertEquals(3, g.idom(6));
        assertFalse(g.isReachable(7));
        assertEquals(Cfg.NONE, g.idom(7));
        assertFalse(g.reversePostOrder().contains(7));
        assertEquals(7, g.reversePostOrder().size());
        assertEquals(List.of(2, 7), g.predecessors(3));
        assertTrue(g.dominates(1, 6));
        assertFalse(g.dominates(1, 7));
        // two returns: no block but the virtual exit post-dominates the inner loop's body
        assertEquals(g.exit(), g.ipdom(3));
        assertEquals(g.exit(), g.ipdom(2));
        assertEquals(1, g.ipdom(0));
    }

    @Test
    void endlessLoopHasNoPostDominator() {
        Cfg g = graph(branch(1, 2), new Terminator.Goto(1, 0), new Terminator.Return(0));
        assertEquals(Cfg.NONE, g.ipdom(1));
        assertEquals(2, g.ipdom(0)); // every path from b0 that returns goes through b2
        assertFalse(g.postDominates(2, 1));
    }

    @Test
    void badTargetsAreRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> graph(new Terminator.Goto(4, 0)));
        assertTrue(e.getMessage().contains("block b0 jumps to b4, but the kernel has only 1 blocks"), e.getMessage());
    }

    @Test
    void livenessOfALoop() {
        KernelIR ir = IrParser.parse(IrParserTest.golden("saxpy.ir"));
        Cfg g = Cfg.of(ir);
        assertEquals(Set.of("a", "i"), names(g.liveIn(1)));       // %n is defined in b1 before its use
        assertEquals(Set.of("a", "i"), names(g.liveOut(3)));
        assertEquals(Set.of("a", "i"), names(g.liveIn(3)));
        assertEquals(Set.of(), names(g.liveIn(2)));
        assertEquals(Set.of("a"), names(g.liveIn(0)));
        assertEquals(Set.of("a", "i"), names(g.liveOut(0)));
    }

    @Test
    void defUseOfEveryInstruction() {
        Var x = new Var(0, Type.I32, "x");
        Var y = new Var(1, Type.I32, "y");
        ArrayRef a = new ArrayRef(0, ElementType.INT, AddressSpace.GLOBAL, -1, 0, "a");
        Instr cas = new Instr.Atomic(x, AtomicOp.COMPARE_AND_SET, a, y, Const.ofInt(1), y, 0);
        assertEquals(x, DefUse.def(cas));
        assertEquals(List.of(y, Const.ofInt(1), y), DefUse.uses(cas));
        assertEquals(List.of(y, y), DefUse.varUses(cas));
        assertEquals(a, DefUse.array(cas));
        assertEquals(Access.READ_WRITE, DefUse.access(cas));
        Instr store = new Instr.Store(a, x, y, 0);
        assertEquals(null, DefUse.def(store));
        assertEquals(List.of(x, y), DefUse.uses(store));
        assertEquals(Access.WRITE, DefUse.access(store));
        assertEquals(Access.NONE, DefUse.access(new Instr.ArrayLength(x, a, 0)));
        assertEquals(List.of(), DefUse.uses(new Instr.Barrier(0)));
        assertEquals(List.of(x), DefUse.varUses(new Terminator.Switch(x, List.of(1), List.of(0), 0, 0)));
    }

    /** Random graphs: dominators and post-dominators against their definition, by removing a block and searching. */
    @Test
    void randomGraphsMatchBruteForce() {
        long seed = System.nanoTime();
        System.out.println("CfgTest.randomGraphsMatchBruteForce seed " + seed);
        Random rnd = new Random(seed);
        for (int trial = 0; trial < 300; trial++) {
            int n = 1 + rnd.nextInt(trial < 20 ? 3 : 12);
            Terminator[] t = new Terminator[n];
            for (int b = 0; b < n; b++) {
                t[b] = switch (rnd.nextInt(4)) {
                    case 0 -> new Terminator.Return(0);
                    case 1 -> new Terminator.Goto(rnd.nextInt(n), 0);
                    case 2 -> branch(rnd.nextInt(n), rnd.nextInt(n));
                    default -> new Terminator.Switch(Const.ofInt(0), List.of(1, 2), List.of(rnd.nextInt(n), rnd.nextInt(n)), rnd.nextInt(n), 0);
                };
            }
            Cfg g = graph(t);
            String where = "seed " + seed + " trial " + trial + " " + List.of(t);
            for (int b = 0; b < n; b++) {
                boolean reach = reaches(t, 0, b, -1, false);
                assertEquals(reach, g.isReachable(b), where);
                assertEquals(reach, g.reversePostOrder().contains(b), where);
                boolean toExit = reaches(t, b, -2, -1, true);
                for (int a = 0; a < n; a++) {
                    boolean dom = reach && (a == b || !reaches(t, 0, b, a, false));
                    assertEquals(dom, g.dominates(a, b), where + " dom " + a + " " + b);
                    boolean pdom = toExit && (a == b || !reaches(t, b, -2, a, true));
                    assertEquals(pdom, g.postDominates(a, b), where + " pdom " + a + " " + b);
                }
                if (reach && b != 0) {
                    int d = g.idom(b);
                    assertTrue(d != b && g.dominates(d, b), where);
                    for (int a = 0; a < n; a++) if (a != b && g.dominates(a, b)) assertTrue(g.dominates(a, d), where);
                }
            }
        }
    }

    /** Whether {@code to} (or, for {@code -2}, a return) is reachable from {@code from} without passing {@code avoid}. */
    private static boolean reaches(Terminator[] t, int from, int to, int avoid, boolean toReturn) {
        boolean[] seen = new boolean[t.length];
        List<Integer> work = new ArrayList<>();
        if (from == avoid) return false;
        work.add(from);
        seen[from] = true;
        while (!work.isEmpty()) {
            int x = work.remove(work.size() - 1);
            if (x == to || toReturn && t[x] instanceof Terminator.Return) return true;
            for (int y : t[x].successors()) {
                if (y != avoid && !seen[y]) {
                    seen[y] = true;
                    work.add(y);
                }
            }
        }
        return false;
    }

    @Test
    void compiledKernelsHaveConsistentGraphs() throws Exception {
        for (Method m : io.kiln.frontend.SampleKernels.class.getDeclaredMethods()) {
            if (!java.lang.reflect.Modifier.isStatic(m.getModifiers()) || m.isSynthetic()) continue;
            KernelIR ir;
            try {
                ir = io.kiln.frontend.FrontEnd.compile(m);
            } catch (io.kiln.KernelCompilationException notAKernel) {
                continue; // helpers that SampleKernels keeps for inlining
            }
            Cfg g = Cfg.of(ir);
            for (int b = 0; b < g.size(); b++) {
                for (int s : g.successors(b)) assertTrue(g.predecessors(s).contains(b), m.getName());
                // nothing is live into the entry but the scalar parameters (definite assignment)
            }
            Set<Var> params = ir.params().stream().filter(p -> p instanceof Param.Scalar).map(p -> ((Param.Scalar) p).var()).collect(Collectors.toSet());
            assertTrue(params.containsAll(g.liveIn(0)), m.getName() + ": " + g.liveIn(0));
            for (ParallelLoop p : ir.parallelLoops()) {
                assertTrue(g.dominates(p.header(), p.exit()), m.getName());
                assertTrue(g.liveIn(p.header()).contains(p.induction()), m.getName());
            }
        }
    }
}
