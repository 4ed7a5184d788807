#!/usr/bin/env bash
# gpu-check.sh: on a machine with an NVIDIA GPU, builds Kiln, runs the conformance suite and the
# library's on-device tests on cuda:0, then short runs of the library benchmarks on cuda:0, and prints a
# short report. Everything within GPU_CHECK_SECONDS (default 480 s = 8 minutes).
#
#   scripts/gpu-check.sh            # report on stdout, logs in target/gpu-check/
#
# It fails at once, saying why, when there is no NVIDIA driver or GPU. It needs a JDK 25 (found as
# ./kiln finds one) and Maven with the dependencies (run once online, or with a filled ~/.m2).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

BUDGET=${GPU_CHECK_SECONDS:-480}
START=$(date +%s)
OUT=target/gpu-check
mkdir -p "$OUT"
left() { echo $(( BUDGET - ($(date +%s) - START) )); }
fail() { echo "gpu-check: FAIL: $*"; exit 1; }
step() { echo "gpu-check: [$(( $(date +%s) - START ))s] $*"; }

# 1. A GPU and its driver.
command -v nvidia-smi >/dev/null 2>&1 \
    || fail "nvidia-smi not found: this check needs an NVIDIA GPU with its driver installed (it cannot run here)"
GPU=$(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1 | head -1)
[ -n "$GPU" ] && ! echo "$GPU" | grep -qiE "fail|error|no devices" \
    || fail "nvidia-smi finds no usable GPU: $GPU"
ldconfig -p 2>/dev/null | grep -q 'libcuda\.so\.1' \
    || fail "libcuda.so.1 (the CUDA driver library) is not installed: Kiln's CUDA back end loads it"
JDK=$(./kiln --java-home 2>/dev/null) || fail "no JDK 25 found (./kiln --java-home): install one or set KILN_JAVA_HOME"
step "GPU: $GPU; JDK: $JDK"

ARGLINE="--enable-native-access=ALL-UNNAMED -Xss8m --add-modules jdk.incubator.vector -Dkiln.devices=cuda:0"

# 2. Build (no tests).
step "building"
timeout "$(left)" mvn -B -q -DskipTests package -pl benchmarks,conformance -am > "$OUT/build.log" 2>&1 \
    || fail "the build failed or ran out of time, see $OUT/build.log"

# 3. Conformance suite and the library's on-device tests, on cuda:0 only (leave 150 s for benchmarks).
step "conformance suite and library tests on cuda:0"
timeout "$(( $(left) - 150 ))" mvn -B -pl conformance,kernels -am -Dsurefire.failIfNoSpecifiedTests=false \
    -Dtest='io/kiln/conformance/**/*Test,io/kiln/kernels/**/*OnDevicesTest' \
    -Dkiln.test.argLine="$ARGLINE" verify > "$OUT/tests.log" 2>&1
TESTS_RC=$?
grep -q 'devices: \[.*cuda:0' "$OUT/tests.log" \
    || fail "Kiln found no cuda:0 device (driver present, but the CUDA back end is unavailable): $(grep -m1 'unavailable back ends' "$OUT/tests.log")"

# 4. Library benchmarks on cuda:0, short runs.
step "benchmarks on cuda:0"
B=benchmarks/target/benchmarks.jar
timeout "$(( $(left) - 5 ))" "$JDK/bin/java" -jar "$B" 'SgemmBenchmark.kiln|GpuGemmBenchmark|SaxpyBenchmark.kiln$|ImageResizeBenchmark.kiln' \
    -p device=cuda:0 -f 1 -wi 1 -i 3 -w 1 -r 1 -rf csv -rff "$OUT/bench.csv" > "$OUT/bench.log" 2>&1
BENCH_RC=$?

# 5. Report.
echo
echo "=== gpu-check report ($(( $(date +%s) - START )) s) ==="
echo "GPU: $GPU"
awk -F'"' '/<testsuite /{ for (i = 1; i < NF; i++) { if ($i ~ /tests=$/) t += $(i+1); if ($i ~ /failures=$/) f += $(i+1);
    if ($i ~ /errors=$/) e += $(i+1); if ($i ~ /skipped=$/) s += $(i+1) } }
    END { printf "tests on cuda:0: %d run, %d failed, %d errors, %d skipped\n", t, f, e, s }' \
    conformance/target/surefire-reports/TEST-*.xml kernels/target/surefire-reports/TEST-*.xml 2>/dev/null
[ "$TESTS_RC" -eq 0 ] || echo "tests: FAILED (exit $TESTS_RC), see $OUT/tests.log"
if [ -s "$OUT/bench.csv" ]; then
    echo "benchmarks (ms/op on cuda:0):"
    sed 1d "$OUT/bench.csv" | awk -F, '{ gsub(/"/, ""); printf "  %-45s %-10s %10.3f +- %s\n", $1, $8 $9, $5, $6 }'
fi
[ "$BENCH_RC" -eq 0 ] || echo "benchmarks: FAILED or cut off (exit $BENCH_RC), see $OUT/bench.log"
if [ "$TESTS_RC" -eq 0 ] && [ "$BENCH_RC" -eq 0 ]; then echo "gpu-check: PASS"; else echo "gpu-check: FAIL"; exit 1; fi
