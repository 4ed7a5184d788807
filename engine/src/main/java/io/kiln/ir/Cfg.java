package io.kiln.ir;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The control-flow graph of a kernel's blocks, with the analyses passes and back ends share:
 * successors and predecessors, reverse post-order, dominators, post-dominators and liveness of
 * variables. Immutable; each analysis is computed once, post-dominators and liveness on first use.
 * <p>Blocks unreachable from the entry (block 0) are part of the graph (they have successors and
 * take part in liveness) but not of the reverse post-order, and they have no dominator.
 * Post-dominators are computed against a virtual exit node, {@link #exit()}, that every
 * {@link Terminator.Return} block jumps to; a block from which no return is reachable (an endless
 * loop) has no post-dominator.
 */
public final class Cfg {
    /** What {@link #idom} and {@link #ipdom} answer for a block without one. */
    public static final int NONE = -1;

    private final List<Block> blocks;
    private final List<List<Integer>> succs;
    private final List<List<Integer>> preds;
    private final List<Integer> rpo;
    private final int[] idom;
    private int[] ipdom;
    private BitSet[] liveIn;
    private BitSet[] liveOut;
    private Var[] varsById;

    private Cfg(List<Block> blocks) {
        this.blocks = List.copyOf(blocks);
        int n = blocks.size();
        if (n == 0) throw new IllegalArgumentException("a kernel needs at least one block (block 0 is the entry)");
        List<List<Integer>> s = new ArrayList<>();
        List<List<Integer>> p = new ArrayList<>();
        for (int b = 0; b < n; b++) p.add(new ArrayList<>());
        for (int b = 0; b < n; b++) {
            Block block = blocks.get(b);
            if (block.id() != b) {
                throw new IllegalArgumentException("block at index " + b + " has id b" + block.id() + "; block ids must equal their index");
            }
            List<Integer> out = new ArrayList<>();
            for (int t : block.terminator().successors()) {
                if (t < 0 || t >= n) {
                    throw new IllegalArgumentException("block b" + b + " jumps to b" + t + ", but the kernel has only " + n
                            + " blocks (b0..b" + (n - 1) + ")");
                }
                if (!out.contains(t)) out.add(t);
            }
            s.add(List.copyOf(out));
            for (int t : out) p.get(t).add(b);
        }
        this.succs = List.copyOf(s);
        List<List<Integer>> frozen = new ArrayList<>();
        for (List<Integer> l : p) frozen.add(List.copyOf(l));
        this.preds = List.copyOf(frozen);

        // forward: dominators from block 0
        this.rpo = reversePostOrder(n, 0, succs);
        this.idom = dominators(n, 0, rpo, preds);
    }

    /** Post-dominators, computed on first use (the verifier and most passes do not need them). */
    private synchronized int[] ipdoms() {
        if (ipdom != null) return ipdom;
        int n = blocks.size();
        // backward: post-dominators from a virtual exit (node n) that every Return block reaches
        List<List<Integer>> rsuccs = new ArrayList<>();
        List<List<Integer>> rpreds = new ArrayList<>();
        for (int b = 0; b <= n; b++) {
            rsuccs.add(new ArrayList<>());
            rpreds.add(new ArrayList<>());
        }
        for (int b = 0; b < n; b++) {
            List<Integer> out = new ArrayList<>(succs.get(b));
            if (blocks.get(b).terminator() instanceof Terminator.Return) out.add(n);
            for (int t : out) {
                rsuccs.get(t).add(b); // reversed edge t -> b
                rpreds.get(b).add(t);
            }
        }
        List<Integer> rrpo = reversePostOrder(n + 1, n, rsuccs);
        ipdom = dominators(n + 1, n, rrpo, rpreds);

        return ipdom;
    }

    /** Liveness by backward dataflow to a fixed point, computed on first use. */
    private synchronized void liveness() {
        if (liveIn != null) return;
        int n = blocks.size();
        // liveness
        int maxVar = -1;
        for (Block b : blocks) {
            for (Instr i : b.instrs()) {
                Var d = DefUse.def(i);
                if (d != null) maxVar = Math.max(maxVar, d.id());
                for (Var v : DefUse.varUses(i)) maxVar = Math.max(maxVar, v.id());
            }
            for (Var v : DefUse.varUses(b.terminator())) maxVar = Math.max(maxVar, v.id());
        }
        varsById = new Var[maxVar + 1];
        BitSet[] use = new BitSet[n];
        BitSet[] def = new BitSet[n];
        for (int b = 0; b < n; b++) {
            use[b] = new BitSet();
            def[b] = new BitSet();
            for (Instr i : blocks.get(b).instrs()) {
                for (Var v : DefUse.varUses(i)) {
                    varsById[v.id()] = v;
                    if (!def[b].get(v.id())) use[b].set(v.id());
                }
                Var d = DefUse.def(i);
                if (d != null) {
                    varsById[d.id()] = d;
                    def[b].set(d.id());
                }
            }
            for (Var v : DefUse.varUses(blocks.get(b).terminator())) {
                varsById[v.id()] = v;
                if (!def[b].get(v.id())) use[b].set(v.id());
            }
        }
        liveIn = new BitSet[n];
        liveOut = new BitSet[n];
        for (int b = 0; b < n; b++) {
            liveIn[b] = new BitSet();
            liveOut[b] = new BitSet();
        }
        boolean changed = true;
        while (changed) {
            changed = false;
            for (int b = n - 1; b >= 0; b--) {
                BitSet out = new BitSet();
                for (int t : succs.get(b)) out.or(liveIn[t]);
                BitSet in = (BitSet) out.clone();
                in.andNot(def[b]);
                in.or(use[b]);
                if (!in.equals(liveIn[b]) || !out.equals(liveOut[b])) {
                    liveIn[b] = in;
                    liveOut[b] = out;
                    changed = true;
                }
            }
        }
        }

    /** The graph of {@code ir}'s blocks. */
    public static Cfg of(KernelIR ir) {
        return new Cfg(ir.blocks());
    }

    /**
     * The graph of {@code blocks} (block 0 the entry).
     *
     * @throws IllegalArgumentException when a block's id is not its index or a terminator jumps to a missing block
     */
    public static Cfg of(List<Block> blocks) {
        return new Cfg(blocks);
    }

    /** Number of blocks. */
    public int size() {
        return blocks.size();
    }

    /** The virtual exit node of the post-dominator tree: {@link #size()}. */
    public int exit() {
        return blocks.size();
    }

    /** The distinct blocks {@code b} can jump to, in terminator order. */
    public List<Integer> successors(int b) {
        return succs.get(b);
    }

    /** The distinct blocks that can jump to {@code b}, in block order. */
    public List<Integer> predecessors(int b) {
        return preds.get(b);
    }

    /** The blocks reachable from the entry, in reverse post-order (the entry first; every block before its successors, back edges aside). */
    public List<Integer> reversePostOrder() {
        return rpo;
    }

    /** Whether {@code b} is reachable from the entry. */
    public boolean isReachable(int b) {
        return b == 0 || idom[b] != NONE;
    }

    /** The immediate dominator of {@code b}, or {@link #NONE} for the entry and unreachable blocks. */
    public int idom(int b) {
        return b == 0 ? NONE : idom[b];
    }

    /** Whether every path from the entry to {@code b} passes through {@code a} (a block dominates itself). */
    public boolean dominates(int a, int b) {
        if (!isReachable(b)) return false;
        for (int x = b; x != NONE; x = idom(x)) {
            if (x == a) return true;
        }
        return false;
    }

    /**
     * The immediate post-dominator of {@code b}: {@link #exit()} when no single block follows it on
     * every path to a return, {@link #NONE} when no return is reachable from {@code b}.
     */
    public int ipdom(int b) {
        return ipdoms()[b];
    }

    /** Whether every path from {@code b} to a return passes through {@code a} (a block post-dominates itself). */
    public boolean postDominates(int a, int b) {
        int[] ipdom = ipdoms();
        if (ipdom[b] == NONE) return false;
        for (int x = b; x != NONE && x != exit(); x = ipdom[x]) {
            if (x == a) return true;
        }
        return a == exit();
    }

    /** The variables live on entry to {@code b}: read on some path from its start before being assigned. */
    public Set<Var> liveIn(int b) {
        liveness();
        return vars(liveIn[b]);
    }

    /** The variables live at the end of {@code b}: live on entry to some successor. */
    public Set<Var> liveOut(int b) {
        liveness();
        return vars(liveOut[b]);
    }

    private Set<Var> vars(BitSet bits) {
        Set<Var> out = new LinkedHashSet<>();
        for (int i = bits.nextSetBit(0); i >= 0; i = bits.nextSetBit(i + 1)) out.add(varsById[i]);
        return Collections.unmodifiableSet(out);
    }

    /** Reverse post-order of the nodes reachable from {@code entry}, by an iterative depth-first search. */
    private static List<Integer> reversePostOrder(int n, int entry, List<List<Integer>> succs) {
        boolean[] seen = new boolean[n];
        int[] next = new int[n];
        int[] stack = new int[n];
        int sp = 0;
        List<Integer> post = new ArrayList<>();
        stack[sp++] = entry;
        seen[entry] = true;
        while (sp > 0) {
            int x = stack[sp - 1];
            List<Integer> out = succs.get(x);
            if (next[x] < out.size()) {
                int y = out.get(next[x]++);
                if (!seen[y]) {
                    seen[y] = true;
                    stack[sp++] = y;
                }
            } else {
                post.add(x);
                sp--;
            }
        }
        Collections.reverse(post);
        return List.copyOf(post);
    }

    /**
     * Immediate dominators by Cooper, Harvey and Kennedy, "A Simple, Fast Dominance Algorithm":
     * iterate {@code idom(b) = intersect(processed preds)} in reverse post-order to a fixed point.
     * Nodes outside {@code rpo} get {@link #NONE}; so does {@code entry}.
     */
    private static int[] dominators(int n, int entry, List<Integer> rpo, List<List<Integer>> preds) {
        int[] order = new int[n];
        Arrays.fill(order, -1);
        for (int k = 0; k < rpo.size(); k++) order[rpo.get(k)] = k;
        int[] dom = new int[n];
        Arrays.fill(dom, NONE);
        dom[entry] = entry;
        boolean changed = true;
        while (changed) {
            changed = false;
            for (int k = 1; k < rpo.size(); k++) {
                int b = rpo.get(k);
                int newIdom = NONE;
                for (int p : preds.get(b)) {
                    if (order[p] < 0 || dom[p] == NONE) continue;
                    newIdom = newIdom == NONE ? p : intersect(p, newIdom, dom, order);
                }
                if (dom[b] != newIdom) {
                    dom[b] = newIdom;
                    changed = true;
                }
            }
        }
        dom[entry] = NONE;
        return dom;
    }

    private static int intersect(int a, int b, int[] dom, int[] order) {
        while (a != b) {
            while (order[a] > order[b]) a = dom[a];
            while (order[b] > order[a]) b = dom[b];
        }
        return a;
    }
}
