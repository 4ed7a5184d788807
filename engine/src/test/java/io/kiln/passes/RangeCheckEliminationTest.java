package io.kiln.passes;

import io.kiln.compiler.FrontEnd;
import io.kiln.ir.Block;
import io.kiln.ir.Instr;
import io.kiln.ir.IrPrinter;
import io.kiln.ir.KernelIR;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Method;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;

class RangeCheckEliminationTest {

    static KernelIR ir(String name) {
        Method m = Arrays.stream(BoundsKernels.class.getDeclaredMethods()).filter(x -> x.getName().equals(name)).findFirst().orElseThrow();
        return FrontEnd.compile(m);
    }

    static long checks(KernelIR ir) {
        return ir.blocks().stream().map(Block::instrs).flatMap(java.util.List::stream).filter(i -> i instanceof Instr.CheckIndex).count();
    }

    @Test
    void printSome() {
        for (String k : new String[] {"scale", "counted", "guarded", "privateConstant", "offHeapScale", "otherArray", "changedIndex", "fromNegative"}) {
            KernelIR ir = ir(k);
            System.out.println(IrPrinter.print(ir));
        }
    }
}
