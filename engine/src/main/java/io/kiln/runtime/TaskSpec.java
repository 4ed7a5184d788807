package io.kiln.runtime;

import io.kiln.KernelCompilationException;

import java.lang.invoke.SerializedLambda;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;

/**
 * One task of a graph: its id, the kernel method and the arguments bound to it.
 *
 * @param id     the task id
 * @param method the static kernel method
 * @param args   the arguments, in parameter order
 */
public record TaskSpec(String id, Method method, Object[] args) {

    /** Resolves a {@link io.kiln.KernelMethod} reference to its static method. */
    public static TaskSpec of(String id, Object kernelReference, Object[] args) {
        return new TaskSpec(id, resolve(kernelReference), args.clone());
    }

    /** The static method a serializable method reference points to. */
    public static Method resolve(Object kernelReference) {
        SerializedLambda lambda = serializedForm(kernelReference);
        if (lambda.getImplMethodKind() != java.lang.invoke.MethodHandleInfo.REF_invokeStatic) {
            throw new IllegalArgumentException("the kernel must be a static method: " + lambda.getImplClass().replace('/', '.')
                    + "." + lambda.getImplMethodName() + " is not static");
        }
        if (lambda.getCapturedArgCount() != 0 || lambda.getImplMethodName().startsWith("lambda$")) {
            throw new IllegalArgumentException("the kernel must be a method reference such as Kernels::saxpy, not a lambda expression ("
                    + lambda.getImplClass().replace('/', '.') + "." + lambda.getImplMethodName() + ")");
        }
        String className = lambda.getImplClass().replace('/', '.');
        try {
            Class<?> owner = Class.forName(className, false, kernelReference.getClass().getClassLoader());
            for (Method m : owner.getDeclaredMethods()) {
                if (m.getName().equals(lambda.getImplMethodName())
                        && descriptor(m).equals(lambda.getImplMethodSignature())
                        && Modifier.isStatic(m.getModifiers())) {
                    return m;
                }
            }
        } catch (ClassNotFoundException e) {
            throw new KernelCompilationException("cannot load the kernel's class " + className, e);
        }
        throw new KernelCompilationException("cannot find kernel method " + className + "." + lambda.getImplMethodName()
                + lambda.getImplMethodSignature());
    }

    /**
     * The serialized form of a method reference, which names its target method: from the lambda's
     * private {@code writeReplace} where Kiln may call it (kernels on the class path, or in a package
     * open to Kiln), else through Java serialization, which may call it in any module, so that kernels
     * in named modules need not open their packages to Kiln.
     * <p>Why not always serialization: in a fresh JVM, setting up the first {@code ObjectOutputStream}
     * took 12-13 ms of a plan's first run, the reflective call well under one.
     */
    private static SerializedLambda serializedForm(Object kernelReference) {
        if (!(kernelReference instanceof java.io.Serializable)) {
            throw new IllegalArgumentException("cannot read the kernel reference " + kernelReference.getClass().getName()
                    + ": pass a method reference to a static method, such as Kernels::saxpy");
        }
        SerializedLambda direct = writeReplaced(kernelReference);
        return direct != null ? direct : serialized(kernelReference);
    }

    /** The lambda's {@code writeReplace()} result, or null where it is absent or Kiln may not call it. */
    private static SerializedLambda writeReplaced(Object kernelReference) {
        try {
            Method m = kernelReference.getClass().getDeclaredMethod("writeReplace");
            if (!m.trySetAccessible()) return null;
            return m.invoke(kernelReference) instanceof SerializedLambda l ? l : null;
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;       // serialization below says what is wrong, if anything is
        }
    }

    private static SerializedLambda serialized(Object kernelReference) {
        final class Capture extends java.io.ObjectOutputStream {
            SerializedLambda captured;

            Capture() throws java.io.IOException {
                super(java.io.OutputStream.nullOutputStream());
                enableReplaceObject(true);
            }

            @Override
            protected Object replaceObject(Object obj) {
                if (obj instanceof SerializedLambda l && captured == null) captured = l;
                return obj;
            }
        }
        try (Capture out = new Capture()) {
            out.writeObject(kernelReference);
            if (out.captured != null) return out.captured;
        } catch (java.io.IOException | RuntimeException e) {
            throw new IllegalArgumentException("cannot read the kernel reference " + kernelReference.getClass().getName()
                    + ": pass a method reference to a static method, such as Kernels::saxpy (" + e + ")", e);
        }
        throw new IllegalArgumentException("cannot read the kernel reference " + kernelReference.getClass().getName()
                + ": pass a method reference to a static method, such as Kernels::saxpy");
    }

    /** The JVM descriptor of a method. */
    public static String descriptor(Method m) {
        StringBuilder sb = new StringBuilder("(");
        for (Class<?> p : m.getParameterTypes()) {
            sb.append(p.descriptorString());
        }
        return sb.append(')').append(m.getReturnType().descriptorString()).toString();
    }
}
