package io.kiln.conformance;

/** Static helpers in another class, called from {@link HelpersTest} kernels (inlined by Kiln). */
final class KernelMath {
    private KernelMath() {
    }

    static float lerp(float a, float b, float t) {
        return a + (b - a) * t;
    }

    static int clampIndex(int i, int n) {
        return i < 0 ? 0 : (i >= n ? n - 1 : i);
    }

    static float smoothstep(float e0, float e1, float x) {
        float t = clamp01((x - e0) / (e1 - e0));
        return t * t * (3f - 2f * t);
    }

    private static float clamp01(float v) {
        return Math.max(0f, Math.min(1f, v));
    }
}
