package io.kiln.compiler;

import io.kiln.ir.KernelIR;

import java.lang.reflect.Method;

/** Compiles a static Java method's bytecode into the kernel IR. */
public final class FrontEnd {
    private FrontEnd() {
    }

    /** The IR of {@code method}. */
    public static KernelIR compile(Method method) {
        throw new UnsupportedOperationException("front end not written yet");
    }
}
