package io.kiln.conformance;

import io.kiln.Parallel;

import java.util.List;

import static io.kiln.conformance.Arg.in;
import static io.kiln.conformance.Arg.out;
import static io.kiln.conformance.Gens.BYTE;
import static io.kiln.conformance.Gens.DOUBLE;
import static io.kiln.conformance.Gens.FLOAT;
import static io.kiln.conformance.Gens.INT;
import static io.kiln.conformance.Gens.LONG;
import static io.kiln.conformance.KernelCase.k;

/** Per-work-item arrays of constant length: zero-initialised, indexed by data, passed to helpers. */
class PrivateArraysTest extends ConformanceSuite {

    static List<KernelCase> cases() {
        return List.of(
                k(PrivateArraysTest::floatWindow, in(FLOAT, s -> s.total() + 7), out(FLOAT)),
                k(PrivateArraysTest::nibbleHistogram, in(INT), out(INT)),
                k(PrivateArraysTest::zeroInitialised, in(INT), out(LONG)),
                k(PrivateArraysTest::sortingNetwork, in(DOUBLE, s -> s.total() * 5), out(DOUBLE, s -> s.total() * 5)),
                k(PrivateArraysTest::privateArrayToHelper, in(FLOAT), out(FLOAT)),
                k(PrivateArraysTest::narrowPrivateArrays, in(BYTE), out(INT)),
                k(PrivateArraysTest::reusedAcrossIterations, in(INT), out(INT)));
    }

    static void floatWindow(float[] a, float[] out) {
        for (@Parallel int i = 0; i < out.length; i++) {
            float[] w = new float[8];
            for (int j = 0; j < 8; j++) {
                w[j] = a[i + j];
            }
            float s = 0f;
            for (int j = 7; j >= 0; j--) {
                s = s * 0.5f + w[j];
            }
            out[i] = s;
        }
    }

    static void nibbleHistogram(int[] a, int[] out) {
        for (@Parallel int i = 0; i < a.length; i++) {
            int[] h = new int[16];
            int x = a[i];
            for (int j = 0; j < 8; j++) {
                h[(x >>> (4 * j)) & 15]++;
            }
            int best = 0;
            for (int j = 1; j < 16; j++) {
                if (h[j] > h[best]) best = j;
            }
            out[i] = best * 100 + h[best];
        }
    }

    static void zeroInitialised(int[] a, long[] out) {
        for (@Parallel int i = 0; i < a.length; i++) {
            long[] t = new long[6];
            t[(a[i] & 0x7fffffff) % 6] = a[i];
            long s = 0;
            for (int j = 0; j < 6; j++) {
                s = s * 31 + t[j];
            }
            out[i] = s;
        }
    }

    static void sortingNetwork(double[] a, double[] out) {
        for (@Parallel int i = 0; i < out.length / 5; i++) {
            double[] v = new double[5];
            for (int j = 0; j < 5; j++) {
                v[j] = a[i * 5 + j];
            }
            for (int p = 0; p < 5; p++) {
                for (int q = 0; q < 4 - p; q++) {
                    if (v[q] > v[q + 1]) {
                        double t = v[q];
                        v[q] = v[q + 1];
                        v[q + 1] = t;
                    }
                }
            }
            for (int j = 0; j < 5; j++) {
                out[i * 5 + j] = v[j];
            }
        }
    }

    static float sumOf(float[] v) {
        float s = 0f;
        for (int j = 0; j < v.length; j++) {
            s += v[j];
        }
        return s;
    }

    static void fillPowers(float[] v, float x) {
        float p = 1f;
        for (int j = 0; j < v.length; j++) {
            v[j] = p;
            p *= x;
        }
    }

    static void privateArrayToHelper(float[] a, float[] out) {
        for (@Parallel int i = 0; i < a.length; i++) {
            float[] v = new float[4];
            fillPowers(v, a[i]);
            out[i] = sumOf(v);
        }
    }

    static void narrowPrivateArrays(byte[] b, int[] out) {
        for (@Parallel int i = 0; i < b.length; i++) {
            byte[] t = new byte[4];
            short[] s = new short[3];
            t[0] = b[i];
            t[1] = (byte) (b[i] * 3);
            t[3] = (byte) 200;
            s[0] = (short) (b[i] * 1000);
            s[2] = (short) 70000;
            out[i] = t[0] + t[1] * 10 + t[2] * 100 + t[3] * 1000 + s[0] + s[1] + s[2];
        }
    }

    static void reusedAcrossIterations(int[] a, int[] out) {
        for (@Parallel int i = 0; i < a.length; i++) {
            int total = 0;
            for (int round = 0; round < 3; round++) {
                int[] t = new int[4];
                t[round] += a[i] + round;
                total += t[0] + t[1] * 2 + t[2] * 3 + t[3] * 4;
            }
            out[i] = total;
        }
    }
}
