package io.kiln.openclc;

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
 * What the OpenCL C emitter refuses names the kernel and the source line of the refused instruction
 * ({@code io.kiln.ir.Instr#line()}, through {@link KernelIR#at(int)}), and only the kernel where the
 * line is unknown.
 */
class OpenClEmitterMessagesTest {

    /** {@code atomicAdd} on a private array at source line {@code line} of {@code demo.Kernels$Inner.k}. */
    private static KernelIR atomicOnPrivate(int line) {
        IrBuilder b = new IrBuilder("demo.Kernels$Inner", "k", KernelKind.WORK_ITEM);
        b.context();
        ArrayRef out = b.array("out", ElementType.INT, Access.WRITE);
        ArrayRef p = b.privateArray("p", ElementType.INT, 4);
        Var i = b.line(line + 1).workItem(WorkItemQuery.GLOBAL_ID, 0);
        Var old = b.line(line).atomic(AtomicOp.ADD, p, IrBuilder.i(0), IrBuilder.i(1), null);
        b.line(line + 2).store(out, i, old);
        b.ret();
        return b.buildUnverified();
    }

    @Test
    void anUnsupportedInstructionNamesItsLine() {
        KernelCompilationException e = assertThrows(KernelCompilationException.class, () -> OpenClEmitter.emit(atomicOnPrivate(21)));
        assertTrue(e.getMessage().startsWith("Kernels$Inner.k (Kernels.java:21): atomic ADD on the private array p"), e.getMessage());
        KernelCompilationException unknown = assertThrows(KernelCompilationException.class, () -> OpenClEmitter.emit(atomicOnPrivate(0)));
        assertTrue(unknown.getMessage().startsWith("Kernels$Inner.k: atomic ADD"), unknown.getMessage());
    }
}
