package io.kiln.frontend;

import io.kiln.frontend.MethodTranslator.Range;

import java.lang.classfile.CodeElement;
import java.lang.classfile.Instruction;
import java.lang.classfile.Opcode;
import java.lang.classfile.TypeKind;
import java.lang.classfile.instruction.BranchInstruction;
import java.lang.classfile.instruction.ConstantInstruction;
import java.lang.classfile.instruction.ExceptionCatch;
import java.lang.classfile.instruction.IncrementInstruction;
import java.lang.classfile.instruction.LabelTarget;
import java.lang.classfile.instruction.LineNumber;
import java.lang.classfile.instruction.LoadInstruction;
import java.lang.classfile.instruction.LocalVariable;
import java.lang.classfile.instruction.LookupSwitchInstruction;
import java.lang.classfile.instruction.MonitorInstruction;
import java.lang.classfile.instruction.OperatorInstruction;
import java.lang.classfile.instruction.ReturnInstruction;
import java.lang.classfile.instruction.StoreInstruction;
import java.lang.classfile.instruction.SwitchCase;
import java.lang.classfile.instruction.TableSwitchInstruction;
import java.lang.classfile.instruction.ThrowInstruction;
import java.util.TreeSet;

/**
 * Facts about one method's bytecode gathered before it is translated: source lines, labels, local
 * variable names, basic-block leaders (the translator's {@link MethodTranslator.Range}s), and for the
 * kernel method the parts of each
 * {@code @Parallel} loop (its initialising store, its update, its header). It also refuses what no kernel
 * may contain at all: {@code synchronized} blocks and exception handlers.
 */
final class Prescan {
    private final MethodTranslator tr;

    /** The part of {@code tr}; it reads and updates that translator's state. */
    Prescan(MethodTranslator tr) {
        this.tr = tr;
    }

    /** Fills the translator's lines, labels, blocks and store counts, and for the kernel its parallel loops' parts. */
    void prescan() {
        int line = 0;
        for (int i = 0; i < tr.elems.size(); i++) {
            CodeElement e = tr.elems.get(i);
            if (e instanceof LineNumber ln) line = ln.line();
            tr.lineAt[i] = line;
            if (e instanceof LabelTarget lt) tr.labelIndex.put(lt.label(), i);
            if (e instanceof LocalVariable lv) tr.localVars.add(lv);
        }
        tr.lineAt[tr.elems.size()] = line;
        for (int i = 0; i < tr.elems.size(); i++) {
            if (tr.elems.get(i) instanceof MonitorInstruction) {
                tr.pos = i;
                throw tr.error("synchronized is not supported in kernels");
            }
        }
        for (CodeElement e : tr.elems) {
            if (e instanceof ExceptionCatch ec) {
                tr.pos = tr.labelIndex.getOrDefault(ec.tryStart(), 0);
                throw tr.error(tr.lineFrom(tr.pos), "exception handlers (try/catch/finally) are not supported in kernels");
            }
        }
        // leaders
        TreeSet<Integer> leaders = new TreeSet<>();
        leaders.add(0);
        for (int i = 0; i < tr.elems.size(); i++) {
            CodeElement e = tr.elems.get(i);
            switch (e) {
                case BranchInstruction br -> {
                    leaders.add(tr.labelIndex.get(br.target()));
                    leaders.add(i + 1);
                }
                case TableSwitchInstruction ts -> {
                    leaders.add(tr.labelIndex.get(ts.defaultTarget()));
                    for (SwitchCase c : ts.cases()) leaders.add(tr.labelIndex.get(c.target()));
                    leaders.add(i + 1);
                }
                case LookupSwitchInstruction ls -> {
                    leaders.add(tr.labelIndex.get(ls.defaultTarget()));
                    for (SwitchCase c : ls.cases()) leaders.add(tr.labelIndex.get(c.target()));
                    leaders.add(i + 1);
                }
                case ReturnInstruction r -> leaders.add(i + 1);
                case ThrowInstruction t -> leaders.add(i + 1);
                default -> {
                }
            }
        }
        if (tr.topLevel) {
            for (FrontEnd.ParallelVar pv : tr.parallelVars) {
                int start = tr.labelIndex.get(pv.startLabel);
                leaders.add(start);
                pv.startIndex = start;
                pv.endIndex = tr.labelIndex.get(pv.endLabel);
            }
        }
        leaders.tailSet(tr.elems.size()).clear(); // not removeIf(lambda): see FrontEnd.doCompile
        Range prev = null;
        for (int l : leaders) {
            Range r = new Range(l);
            if (prev != null) prev.end = l;
            tr.ranges.add(r);
            prev = r;
        }
        if (prev != null) prev.end = tr.elems.size();
        for (Range r : tr.ranges) {
            for (int i = r.start; i < r.end; i++) tr.rangeAt[i] = r;
        }
        if (tr.topLevel) findParallelLoopParts();
    }

    private void findParallelLoopParts() {
        for (FrontEnd.ParallelVar pv : tr.parallelVars) {
            tr.pos = pv.startIndex;
            int store = -1;
            for (int i = pv.startIndex - 1; i >= 0; i--) {
                CodeElement e = tr.elems.get(i);
                if (e instanceof Instruction ins) {
                    if (ins instanceof StoreInstruction s && s.slot() == pv.slot
                            && (s.typeKind() == TypeKind.INT || s.typeKind() == TypeKind.LONG)) {
                        store = i;
                        pv.wide = s.typeKind() == TypeKind.LONG;
                    }
                    break;
                }
            }
            if (store < 0) {
                throw tr.error("a @Parallel loop must have the form for (@Parallel int " + pv.name + " = start; "
                        + pv.name + " < bound; " + pv.name + "++) (or @Parallel long)");
            }
            tr.initStoreAt.put(store, pv);
            int increments = 0;
            for (int i = pv.startIndex; i < pv.endIndex; i++) {
                CodeElement e = tr.elems.get(i);
                if (e instanceof IncrementInstruction inc && inc.slot() == pv.slot) {
                    tr.pos = i;
                    if (inc.constant() != 1) {
                        throw tr.error("@Parallel loop variable '" + pv.name + "' must count up by 1 (found += " + inc.constant() + ")");
                    }
                    tr.incrementAt.put(i, pv);
                    increments++;
                } else if (e instanceof StoreInstruction s && s.slot() == pv.slot && pv.wide && isLongIncrement(i, pv.slot)) {
                    // javac compiles i++ on a long as lload i; lconst_1; ladd; lstore i (there is no liinc)
                    tr.strideConstantAt.put(previousInstruction(previousInstruction(i)), pv);
                    increments++;
                } else if (e instanceof StoreInstruction s && s.slot() == pv.slot && pv.wide && longIncrement(i, pv.slot) != null) {
                    tr.pos = i;
                    throw tr.error("@Parallel loop variable '" + pv.name + "' must count up by 1 (found += " + longIncrement(i, pv.slot) + ")");
                } else if (e instanceof StoreInstruction s && s.slot() == pv.slot) {
                    tr.pos = i;
                    throw tr.error("@Parallel loop variable '" + pv.name + "' is assigned in the loop body; only the loop update "
                            + pv.name + "++ may change it");
                }
            }
            if (increments != 1) {
                tr.pos = pv.startIndex;
                throw tr.error("a @Parallel loop must update its variable once, with " + pv.name + "++");
            }
            int first = pv.startIndex;
            while (first < tr.elems.size() && !(tr.elems.get(first) instanceof Instruction)) first++;
            if (first >= pv.endIndex) throw tr.error("the @Parallel loop of '" + pv.name + "' has no loop test");
            tr.headerAt.put(tr.rangeAt[first].start, pv);
        }
    }

    /** The index of the last instruction before element {@code i}, or -1. */
    private int previousInstruction(int i) {
        for (int k = i - 1; k >= 0; k--) {
            if (tr.elems.get(k) instanceof Instruction) return k;
        }
        return -1;
    }

    /** Whether the store at {@code i} ends {@code lload slot; lconst_1; ladd; lstore slot}. */
    private boolean isLongIncrement(int i, int slot) {
        return Long.valueOf(1L).equals(longIncrement(i, slot));
    }

    /** The constant {@code k} when the store at {@code i} ends {@code lload slot; ldc k; ladd; lstore slot}, else null. */
    private Object longIncrement(int i, int slot) {
        int add = previousInstruction(i);
        int k = add < 0 ? -1 : previousInstruction(add);
        int load = k < 0 ? -1 : previousInstruction(k);
        boolean shape = load >= 0
                && tr.elems.get(add) instanceof OperatorInstruction op && op.opcode() == Opcode.LADD
                && tr.elems.get(k) instanceof ConstantInstruction
                && tr.elems.get(load) instanceof LoadInstruction ld && ld.slot() == slot && ld.typeKind() == TypeKind.LONG;
        return shape ? ((ConstantInstruction) tr.elems.get(k)).constantValue() : null;
    }
}
