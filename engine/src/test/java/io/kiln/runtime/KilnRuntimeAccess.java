package io.kiln.runtime;

import io.kiln.KilnRuntime;

/** Wraps an engine context as a {@link KilnRuntime} for tests (the factory is package-private in io.kiln). */
final class KilnRuntimeAccess {
    private KilnRuntimeAccess() {
    }

    static KilnRuntime of(RuntimeContext context) {
        try {
            var m = KilnRuntime.class.getDeclaredMethod("of", RuntimeContext.class);
            m.setAccessible(true);
            return (KilnRuntime) m.invoke(null, context);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }
}
