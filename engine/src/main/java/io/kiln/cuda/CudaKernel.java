package io.kiln.cuda;

import io.kiln.ir.KernelIR;
import io.kiln.ptx.KernelSignature;
import io.kiln.spi.CompiledKernel;

import java.lang.foreign.MemorySegment;

/** A kernel loaded into a CUDA context: its module, its entry function and its parameter layout. */
final class CudaKernel implements CompiledKernel {
    private final CudaDevice device;
    private final KernelIR ir;
    private final String ptx;
    private final KernelSignature signature;
    private MemorySegment module;
    private final MemorySegment function;

    CudaKernel(CudaDevice device, KernelIR ir, String ptx, MemorySegment module, MemorySegment function) {
        this.device = device;
        this.ir = ir;
        this.ptx = ptx;
        this.module = module;
        this.function = function;
        this.signature = KernelSignature.of(ir);
    }

    @Override
    public KernelIR ir() {
        return ir;
    }

    @Override
    public String source() {
        return ptx;
    }

    KernelSignature signature() {
        return signature;
    }

    MemorySegment function() {
        return function;
    }

    CudaDevice device() {
        return device;
    }

    @Override
    public synchronized void close() {
        if (module == null) return;
        device.makeCurrent();
        device.driver().unloadModule(module);
        module = null;
    }
}
