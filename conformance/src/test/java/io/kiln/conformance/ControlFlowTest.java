package io.kiln.conformance;

import io.kiln.Parallel;

import java.util.List;

import static io.kiln.conformance.Arg.in;
import static io.kiln.conformance.Arg.inout;
import static io.kiln.conformance.Arg.n;
import static io.kiln.conformance.Arg.out;
import static io.kiln.conformance.Gens.DOUBLE;
import static io.kiln.conformance.Gens.FLOAT;
import static io.kiln.conformance.Gens.INT;
import static io.kiln.conformance.Gens.INT_SMALL;
import static io.kiln.conformance.Gens.LONG;
import static io.kiln.conformance.KernelCase.k;

/** Branches, switches, short-circuit logic and serial loops inside parallel ones. */
class ControlFlowTest extends ConformanceSuite {

    static final Gen<int[]> SMALL_POSITIVE = Gens.intRange(0, 1000);

    static List<KernelCase> cases() {
        return List.of(
                k(ControlFlowTest::ifElse, in(INT), out(INT)),
                k(ControlFlowTest::nestedIfs, in(INT), in(INT), out(INT)),
                k(ControlFlowTest::tableSwitch, in(INT_SMALL), out(INT)),
                k(ControlFlowTest::lookupSwitch, in(INT), out(INT)),
                k(ControlFlowTest::switchFallThrough, in(INT_SMALL), out(INT)),
                k(ControlFlowTest::switchExpressionOnLong, in(LONG), out(INT)),
                k(ControlFlowTest::ternaries, in(INT), in(INT), out(INT)),
                k(ControlFlowTest::shortCircuit, in(INT), in(INT), out(INT)),
                k(ControlFlowTest::floatBranchesWithNaN, in(FLOAT), in(FLOAT), out(INT)),
                k(ControlFlowTest::doubleBranchesWithNaN, in(DOUBLE), in(DOUBLE), out(INT)),
                k(ControlFlowTest::forBreakContinue, in(INT), out(INT)),
                k(ControlFlowTest::whileGcd, in(SMALL_POSITIVE), in(SMALL_POSITIVE), out(INT)),
                k(ControlFlowTest::doWhileDigits, in(INT), out(INT)),
                k(ControlFlowTest::labelledBreakAndContinue, in(INT), out(INT)),
                k(ControlFlowTest::nonIntLoopCounters, in(INT), out(LONG), out(DOUBLE)),
                k(ControlFlowTest::collatzBounded, in(SMALL_POSITIVE), out(INT)),
                k(ControlFlowTest::continueInParallelLoop, in(INT), inout(INT)),
                k(ControlFlowTest::serialPrefixSum, inout(INT), n()),
                k(ControlFlowTest::earlyReturnSerial, in(INT), out(INT), n()));
    }

    static void ifElse(int[] a, int[] out) {
        for (@Parallel int i = 0; i < a.length; i++) {
            int x = a[i];
            int r;
            if (x > 100) {
                r = x - 100;
            } else if (x < -100) {
                r = x + 100;
            } else {
                r = x * 2;
            }
            out[i] = r;
        }
    }

    static void nestedIfs(int[] a, int[] b, int[] out) {
        for (@Parallel int i = 0; i < a.length; i++) {
            int x = a[i];
            int y = b[i];
            int r = 0;
            if (x > 0) {
                if (y > 0) {
                    r = 1;
                    if (x > y) r += 10;
                } else {
                    r = 2;
                }
            } else {
                if (y == 0) {
                    r = 3;
                } else if (y < x) {
                    r = 4;
                } else {
                    if ((x & 1) == 0) r = 5;
                    else r = 6;
                }
            }
            out[i] = r;
        }
    }

    static void tableSwitch(int[] a, int[] out) {
        for (@Parallel int i = 0; i < a.length; i++) {
            int r;
            switch (a[i] & 7) {
                case 0: r = 11; break;
                case 1: r = -3; break;
                case 2: r = a[i] * 2; break;
                case 3: r = 1000; break;
                case 4: r = a[i] >> 1; break;
                case 5: r = 7; break;
                case 6: r = ~a[i]; break;
                default: r = 0; break;
            }
            out[i] = r;
        }
    }

    static void lookupSwitch(int[] a, int[] out) {
        for (@Parallel int i = 0; i < a.length; i++) {
            int r;
            switch (a[i]) {
                case Integer.MIN_VALUE: r = 1; break;
                case -1000: r = 2; break;
                case -1: r = 3; break;
                case 0: r = 4; break;
                case 7: r = 5; break;
                case 1 << 20: r = 6; break;
                case Integer.MAX_VALUE: r = 7; break;
                default: r = a[i] % 5; break;
            }
            out[i] = r;
        }
    }

    static void switchFallThrough(int[] a, int[] out) {
        for (@Parallel int i = 0; i < a.length; i++) {
            int r = 0;
            switch (a[i] % 6) {
                case -5:
                case 5:
                    r += 1;
                case 4:
                    r += 10;
                case -2:
                case 2:
                    r += 100;
                    break;
                case 3:
                    r = -1;
                default:
                    r -= 5;
            }
            out[i] = r;
        }
    }

    static void switchExpressionOnLong(long[] a, int[] out) {
        for (@Parallel int i = 0; i < a.length; i++) {
            int key = (int) (a[i] >>> 61);
            out[i] = switch (key) {
                case 0, 1 -> 10;
                case 2 -> (int) a[i];
                case 3 -> {
                    int t = (int) (a[i] >> 32);
                    yield t * 3;
                }
                case 7 -> -1;
                default -> key;
            };
        }
    }

    static void ternaries(int[] a, int[] b, int[] out) {
        for (@Parallel int i = 0; i < a.length; i++) {
            int x = a[i];
            int y = b[i];
            out[i] = x > y ? (x > 0 ? x : -x) : (y < 0 ? y * 3 : (x == y ? 0 : y - x));
        }
    }

    static void shortCircuit(int[] a, int[] b, int[] out) {
        for (@Parallel int i = 0; i < a.length; i++) {
            int x = a[i];
            int y = b[i];
            int count = 0;
            if (x > 0 && (count += 1) > 0 && y > 0) count += 10;
            if (x < 0 || (count += 100) > 0 || y < 0) count += 1000;
            if ((x & 1) == 0 && y % 3 == 0 || x == y) count += 10000;
            boolean p = x > y & (count++ > 5) | y == 0;
            out[i] = p ? count : -count;
        }
    }

    static void floatBranchesWithNaN(float[] a, float[] b, int[] out) {
        for (@Parallel int i = 0; i < a.length; i++) {
            float x = a[i];
            float y = b[i];
            int r = 0;
            if (x < y) r |= 1;
            if (!(x < y)) r |= 2;
            if (x > y) r |= 4;
            if (!(x > y)) r |= 8;
            if (x <= y) r |= 16;
            if (!(x <= y)) r |= 32;
            if (x >= y) r |= 64;
            if (!(x >= y)) r |= 128;
            if (x == y) r |= 256;
            if (x != y) r |= 512;
            while (x < y && r < 100000) {
                r += 1024;
                x += Math.abs(y - x) + 1f;
            }
            out[i] = r;
        }
    }

    static void doubleBranchesWithNaN(double[] a, double[] b, int[] out) {
        for (@Parallel int i = 0; i < a.length; i++) {
            double x = a[i];
            double y = b[i];
            int r = 0;
            if (x < y) r |= 1;
            if (!(x < y)) r |= 2;
            if (x > y) r |= 4;
            if (!(x > y)) r |= 8;
            if (x <= y) r |= 16;
            if (!(x <= y)) r |= 32;
            if (x >= y) r |= 64;
            if (!(x >= y)) r |= 128;
            if (x == y) r |= 256;
            if (x != y) r |= 512;
            r |= (x < 0.0 ? 1 : 0) << 10;
            r |= (x != x ? 1 : 0) << 11;
            out[i] = r;
        }
    }

    static void forBreakContinue(int[] a, int[] out) {
        for (@Parallel int i = 0; i < a.length; i++) {
            int x = a[i];
            int acc = 0;
            for (int j = 0; j < 32; j++) {
                if (((x >>> j) & 1) == 0) continue;
                acc += j;
                if (acc > 100) break;
            }
            out[i] = acc;
        }
    }

    static void whileGcd(int[] a, int[] b, int[] out) {
        for (@Parallel int i = 0; i < a.length; i++) {
            int x = a[i];
            int y = b[i];
            while (y != 0) {
                int t = x % y;
                x = y;
                y = t;
            }
            out[i] = x;
        }
    }

    static void doWhileDigits(int[] a, int[] out) {
        for (@Parallel int i = 0; i < a.length; i++) {
            long v = Math.abs((long) a[i]);
            int digits = 0;
            int sum = 0;
            do {
                sum += (int) (v % 10);
                v /= 10;
                digits++;
            } while (v != 0);
            out[i] = digits * 1000 + sum;
        }
    }

    static void labelledBreakAndContinue(int[] a, int[] out) {
        for (@Parallel int i = 0; i < a.length; i++) {
            int x = a[i];
            int found = -1;
            int skipped = 0;
            outer:
            for (int p = 0; p < 8; p++) {
                for (int q = 0; q < 8; q++) {
                    if (q > p) continue outer;
                    if (((x >>> (p * 4)) & 0xf) == q + 8) {
                        found = p * 8 + q;
                        break outer;
                    }
                    skipped++;
                }
            }
            out[i] = found * 1000 + skipped;
        }
    }

    static void nonIntLoopCounters(int[] a, long[] lOut, double[] dOut) {
        for (@Parallel int i = 0; i < a.length; i++) {
            long s = 0;
            for (long j = a[i] & 15; j < 40L; j += 3) {
                s += j * j;
            }
            double d = 0;
            for (double x = -1.0; x < 1.0; x += 0.375) {
                d += x * a[i];
            }
            byte count = 0;
            for (short k = 0; k < 300; k += 7) {
                count++;
            }
            lOut[i] = s + count;
            dOut[i] = d;
        }
    }

    static void collatzBounded(int[] a, int[] out) {
        for (@Parallel int i = 0; i < a.length; i++) {
            long v = a[i] + 1;
            int steps = 0;
            while (v != 1 && steps < 500) {
                v = (v & 1) == 0 ? v / 2 : 3 * v + 1;
                steps++;
            }
            out[i] = steps;
        }
    }

    static void continueInParallelLoop(int[] a, int[] out) {
        for (@Parallel int i = 0; i < a.length; i++) {
            if (a[i] < 0) continue;
            out[i] = a[i] / 3;
        }
    }

    static void serialPrefixSum(int[] a, int n) {
        for (int i = 1; i < n; i++) {
            a[i] += a[i - 1];
        }
    }

    static void earlyReturnSerial(int[] a, int[] out, int n) {
        int sum = 0;
        for (int i = 0; i < n; i++) {
            if (a[i] == 7) {
                out[0] = -i;
                return;
            }
            sum += a[i];
            if (i < out.length) out[i] = sum;
        }
        if (n > 0) out[0] = sum;
    }
}
