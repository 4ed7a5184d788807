package io.kiln.ptx;

import io.kiln.KernelCompilationException;
import io.kiln.ir.Access;
import io.kiln.ir.ArrayRef;
import io.kiln.ir.AtomicOp;
import io.kiln.ir.ElementType;
import io.kiln.ir.IrBuilder;
import io.kiln.ir.KernelIR;
import io.kiln.ir.KernelKind;
import io.kiln.ir.Var;
import io.kiln.ir.WorkItemQuery;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the PTX emitter refuses names the kernel and the source line of the refused instruction, as the
 * OpenCL C emitter does ({@code io.kiln.openclc.OpenClEmitterMessagesTest}), and only the kernel where
 * the line is unknown.
 */
class PtxEmitterMessagesTest {

    /** An atomic add on a {@code short} array (PTX has no 16-bit atomics) at source line {@code line}. */
    private static KernelIR atomicOnShorts(int line) {
        IrBuilder b = new IrBuilder("demo.Kernels$Inner", "k", KernelKind.WORK_ITEM);
        b.context();
        ArrayRef h = b.array("h", ElementType.SHORT, Access.READ_WRITE);
        ArrayRef out = b.array("out", ElementType.INT, Access.WRITE);
        Var i = b.line(line + 1).workItem(WorkItemQuery.GLOBAL_ID, 0);
        Var old = b.line(line).atomic(AtomicOp.ADD, h, IrBuilder.i(0), IrBuilder.i(1), null);
        b.line(line + 2).store(out, i, old);
        b.ret();
        return b.buildUnverified();
    }

    @Test
    void anUnsupportedInstructionNamesItsLine() {
        KernelCompilationException e = assertThrows(KernelCompilationException.class, () -> PtxEmitter.emit(atomicOnShorts(33)));
        assertTrue(e.getMessage().startsWith("Kernels$Inner.k (Kernels.java:33): atomic add on short array"), e.getMessage());
        KernelCompilationException unknown = assertThrows(KernelCompilationException.class, () -> PtxEmitter.emit(atomicOnShorts(0)));
        assertTrue(unknown.getMessage().startsWith("Kernels$Inner.k: atomic add"), unknown.getMessage());
    }
}
