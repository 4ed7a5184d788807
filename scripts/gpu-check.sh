#!/usr/bin/env bash
# gpu-check.sh: on a machine with an NVIDIA GPU, runs the conformance suite and the library's
# on-device tests on cuda:0, then short runs of the library benchmarks on cuda:0, and prints a short
# report. Everything within GPU_CHECK_SECONDS (default 480 s = 8 minutes).
#
#   scripts/gpu-check.sh            # report on stdout, logs in target/gpu-check/ (and in $OUT when set)
#
# Two ways to get Kiln there:
#   - with a bundle (.gpu/, made here by scripts/gpu-bundle.sh and carried along): a linked JDK, the
#     jars and the test classes; no JDK, Maven or network needed on the GPU machine. This is how the
#     lent GPU machines (CUDA and Python only, no network) run it:
#         run(command="bash scripts/gpu-check.sh", carry=[".gpu"], timeout_s=540)
#   - without one: builds with Maven (needs a JDK 25 found as ./kiln finds one, and a filled ~/.m2).
# It fails at once, saying why, when there is no NVIDIA driver or GPU.
#
# GPU_CHECK_DEVICE=cpu (or opencl:0) rehearses the whole check on that device instead, without a GPU:
# run it after scripts/gpu-bundle.sh to know the script works before spending GPU time.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

BUDGET=${GPU_CHECK_SECONDS:-480}
DEVICE=${GPU_CHECK_DEVICE:-cuda:0}
START=$(date +%s)
LOGS=target/gpu-check
rm -rf "$LOGS"
mkdir -p "$LOGS"
left() { echo $(( BUDGET - ($(date +%s) - START) )); }
report_files() { [ -n "${OUT:-}" ] && [ -d "${OUT:-}" ] && cp "$LOGS"/*.log "$LOGS"/*.csv "$OUT"/ 2>/dev/null; true; }
fail() { echo "gpu-check: FAIL: $*"; report_files; exit 1; }
step() { echo "gpu-check: [$(( $(date +%s) - START ))s] $*"; }

# 1. A GPU and its driver (not for a rehearsal).
if [[ "$DEVICE" == cuda:* ]]; then
    command -v nvidia-smi >/dev/null 2>&1 \
        || fail "nvidia-smi not found: this check needs an NVIDIA GPU with its driver installed (it cannot run here; GPU_CHECK_DEVICE=cpu rehearses it)"
    GPU=$(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1 | head -1)
    [ -n "$GPU" ] && ! echo "$GPU" | grep -qiE "fail|error|no devices" \
        || fail "nvidia-smi finds no usable GPU: $GPU"
    ldconfig -p 2>/dev/null | grep -q 'libcuda\.so\.1' \
        || fail "libcuda.so.1 (the CUDA driver library) is not installed: Kiln's CUDA back end loads it"
else
    GPU="none (rehearsal on $DEVICE)"
fi

# 2. Kiln: the bundle, or a Maven build.
ARGS=(--enable-native-access=ALL-UNNAMED -Xss8m --add-modules jdk.incubator.vector -Dkiln.verifyEachPass=true "-Dkiln.devices=$DEVICE")
if [ -f .gpu/jdk.tar.xz ]; then
    JDK=/tmp/kiln-gpu-jdk
    if [ ! -x "$JDK/jdk/bin/java" ]; then
        # tar needs the xz program for -J; Python's lzma module does without it
        rm -rf "$JDK" && mkdir -p "$JDK"
        tar -C "$JDK" -xJf .gpu/jdk.tar.xz 2>/dev/null \
            || python3 -c "import sys, tarfile; tarfile.open(sys.argv[1]).extractall(sys.argv[2])" .gpu/jdk.tar.xz "$JDK" \
            || fail "unpacking .gpu/jdk.tar.xz failed"
    fi
    JAVA="$JDK/jdk/bin/java"
    MODE=bundle
    step "GPU: $GPU; bundle .gpu/ ($("$JAVA" -version 2>&1 | head -1))"
else
    JDK=$(./kiln --java-home 2>/dev/null) \
        || fail "no .gpu/ bundle and no JDK 25 (./kiln --java-home): make the bundle with scripts/gpu-bundle.sh and carry .gpu"
    JAVA="$JDK/bin/java"
    MODE=maven
    step "GPU: $GPU; JDK: $JDK; building"
    timeout "$(left)" mvn -B -q -DskipTests package -pl benchmarks,conformance -am > "$LOGS/build.log" 2>&1 \
        || fail "the build failed or ran out of time, see $LOGS/build.log"
fi

# 3. Conformance suite and the library's on-device tests, on $DEVICE only (leave 150 s for benchmarks).
step "conformance suite and library tests on $DEVICE"
if [ "$MODE" = bundle ]; then
    # one JVM per module, from its folder, as surefire runs them (some tests read files beside them)
    tests() { # module package class-name-pattern
        (cd "$1" && timeout "$(( $(left) - 150 ))" "$JAVA" "${ARGS[@]}" -cp "$(sed "s|\([^:]*\)|../.gpu/\1|g" "../.gpu/$1.cp")" \
            org.junit.platform.console.ConsoleLauncher execute --disable-banner --details=summary --details-theme=ascii \
            --select-package "$2" --include-classname "$3" --reports-dir "../$LOGS/reports-$1")
    }
    { tests conformance io.kiln.conformance '.*Test'; C_RC=$?; tests kernels io.kiln.kernels '.*OnDevicesTest'; K_RC=$?; } \
        > "$LOGS/tests.log" 2>&1
    TESTS_RC=$(( C_RC != 0 || K_RC != 0 ))
    REPORTS=("$LOGS"/reports-*/TEST-*.xml)
else
    timeout "$(( $(left) - 150 ))" mvn -B -pl conformance,kernels -am -Dsurefire.failIfNoSpecifiedTests=false \
        -Dtest='io/kiln/conformance/**/*Test,io/kiln/kernels/**/*OnDevicesTest' \
        -Dkiln.test.argLine="${ARGS[*]}" verify > "$LOGS/tests.log" 2>&1
    TESTS_RC=$?
    REPORTS=(conformance/target/surefire-reports/TEST-*.xml kernels/target/surefire-reports/TEST-*.xml)
fi
grep -q "devices: \[.*$DEVICE" "$LOGS/tests.log" \
    || fail "Kiln found no $DEVICE device: $(grep -m1 -i 'unavailable back ends\|no Kiln device' "$LOGS/tests.log")"

# 4. Library benchmarks on $DEVICE, short runs (no peers: OpenBLAS and OpenCV are not in the bundle).
step "benchmarks on $DEVICE"
if [ "$MODE" = bundle ]; then
    BENCH_CP=$(sed "s|\([^:]*\)|.gpu/\1|g" .gpu/benchmarks.cp)
else
    BENCH_CP=benchmarks/target/benchmarks.jar
fi
# GpuGemmBenchmark measures the GPU-style tiled sgemm, which the cpu device does not choose
PICK='SgemmBenchmark.kiln|SaxpyBenchmark.kiln'
[ "$DEVICE" = cpu ] || PICK="$PICK|GpuGemmBenchmark"
timeout "$(( $(left) - 5 ))" "$JAVA" -cp "$BENCH_CP" org.openjdk.jmh.Main "$PICK" \
    -p device="$DEVICE" -f 1 -wi 1 -i 3 -w 1 -r 1 -jvmArgsAppend "--add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED" \
    -rf csv -rff "$LOGS/bench.csv" > "$LOGS/bench.log" 2>&1
BENCH_RC=$?

# 5. Report.
{
echo
echo "=== gpu-check report ($(( $(date +%s) - START )) s, $MODE) ==="
echo "GPU: $GPU"
awk -F'"' '/<testsuite /{ for (i = 1; i < NF; i++) { if ($i ~ /tests=$/) t += $(i+1); if ($i ~ /failures=$/) f += $(i+1);
    if ($i ~ /errors=$/) e += $(i+1); if ($i ~ /skipped=$/) s += $(i+1) } }
    END { printf "tests on '"$DEVICE"': %d run, %d failed, %d errors, %d skipped\n", t, f, e, s }' "${REPORTS[@]}" 2>/dev/null
[ "$TESTS_RC" -eq 0 ] || { echo "tests: FAILED, see $LOGS/tests.log; first failures:"; grep -m8 -E '✘|MethodSource|=> ' "$LOGS/tests.log"; }
if [ -s "$LOGS/bench.csv" ]; then
    echo "benchmarks (ms/op on $DEVICE):"
    # columns: benchmark, mode, threads, samples, score, error, unit, then one per parameter
    sed 1d "$LOGS/bench.csv" | awk -F, '{ gsub(/"/, ""); p = ""; for (i = 8; i <= NF; i++) if ($i != "") p = p " " $i;
        sub(/^io\.kiln\.benchmarks\./, "", $1); printf "  %-40s %-22s %10.3f +- %.3f\n", $1, p, $5, $6 }'
fi
[ "$BENCH_RC" -eq 0 ] || echo "benchmarks: FAILED or cut off (exit $BENCH_RC), see $LOGS/bench.log"
} | tee "$LOGS/report.log"
report_files
if [ "$TESTS_RC" -eq 0 ] && [ "$BENCH_RC" -eq 0 ]; then echo "gpu-check: PASS"; else echo "gpu-check: FAIL"; exit 1; fi
