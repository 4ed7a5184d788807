# Writes erf-gelu-mpmath.txt, the independent reference of ElementwiseTest: erf, erfc and the two GELU
# forms at 60 significant digits with mpmath, each rounded once to a double. Run: python3 erf-gelu-mpmath.py
import mpmath, random, struct
mpmath.mp.dps = 60
random.seed(20261201)
def f32(x): return struct.unpack('f', struct.pack('f', x))[0]
out = ["# erf and erfc (x, erf(x), erfc(x)) and GELU (x float, gelu_erf, gelu_tanh), computed with mpmath at 60 digits",
       "# by erf-gelu-mpmath.py; every value is a double in hex (rounded once from the 60-digit value)"]
xs = [0.0, 1e-300, 5e-324, 1e-10, 0.1, 0.5, 1.0, 1.4999999999, 1.5, 2.0, 3.0, 5.9, 6.0]
xs += [random.uniform(-6, 6) for _ in range(500)]
xs += [random.uniform(1, 27) for _ in range(100)]
xs += [10 ** random.uniform(-300, 0) * random.choice([-1, 1]) for _ in range(100)]
for x in xs:
    m = mpmath.mpf(x)
    out.append("erf %s %s %s" % (float(x).hex(), float(mpmath.erf(m)).hex(), float(mpmath.erfc(m)).hex()))
gs = [0.0, -0.0, 1.0, -1.0, 3.0, -3.0, -5.0, -8.0, -10.0, -12.0, -20.0, 20.0, 1e-30, -1e-30, 1e-45]
gs += [random.uniform(-12, 12) for _ in range(800)]
gs += [random.uniform(-1, 1) * 10 ** random.uniform(-38, 2) for _ in range(200)]
for g in gs:
    x = f32(g); m = mpmath.mpf(x)
    ge = 0.5 * m * mpmath.erfc(-m / mpmath.sqrt(2))
    u = mpmath.sqrt(2 / mpmath.pi) * (m + mpmath.mpf('0.044715') * m ** 3)
    gt = m / (1 + mpmath.exp(-2 * u))          # = 0.5 x (1 + tanh u), without the cancellation
    out.append("gelu %s %s %s" % (float(x).hex(), float(ge).hex(), float(gt).hex()))
open("erf-gelu-mpmath.txt", "w").write("\n".join(out) + "\n")
