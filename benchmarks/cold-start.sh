#!/usr/bin/env bash
# Cold start of every kernel of the CPU suite: one fresh JVM per (kernel, device), printing the
# first (compile included), second and tenth run of a new plan against its steady state.
# Build first: mvn -B -DskipTests package -pl benchmarks -am.
# Usage: benchmarks/cold-start.sh [--aot] [DEVICE...]
#   --aot: first a training run (ColdStart train, every kernel) writes a JDK ahead-of-time cache
#          (-XX:AOTCacheOutput, JDK 24+), then every measured JVM starts with -XX:AOTCache, as an
#          application shipped with its cache would (docs/cpu-backend.md, "Early runs").
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
java_bin="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java"
jar=benchmarks/target/benchmarks.jar
[ -f "$jar" ] || { echo "cold-start: $jar is missing; build it with: mvn -B -DskipTests package -pl benchmarks -am" >&2; exit 1; }
# As getting-started.md says to run an application: native access, and the Vector API for the cpu
# back end's vector loops (resolving the incubator module is part of the cold start measured).
opts=(--enable-native-access=ALL-UNNAMED --add-modules jdk.incubator.vector -Xss8m -Xmx4g)
aot=""
if [ "${1:-}" = "--aot" ]; then
    shift
    aot="$(mktemp -d)/suite.aot"
    trap 'rm -rf "$(dirname "$aot")"' EXIT
fi
devices=("$@")
[ "${#devices[@]}" -gt 0 ] || devices=(cpu opencl:0)
kernels=(SAXPY STENCIL_5_POINT STENCIL_5X5 CONV2D_7X7 MANDELBROT BLACK_SCHOLES NBODY HASH64 BILINEAR SGEMM_NAIVE
         HISTOGRAM_ATOMIC REDUCE_SUM TRANSPOSE_TILED)
for d in "${devices[@]}"; do
    run_opts=("${opts[@]}")
    if [ -n "$aot" ]; then
        # One cache per device: the training run loads what that device's runs load.
        rm -f "$aot"
        "$java_bin" -XX:AOTCacheOutput="$aot" "${opts[@]}" -cp "$jar" io.kiln.benchmarks.suite.ColdStart train "$d" 2>&1 \
            | grep -v '^\[' || true
        [ -f "$aot" ] || { echo "cold-start: the training run wrote no cache $aot" >&2; exit 1; }
        run_opts+=(-XX:AOTCache="$aot")
    fi
    for k in "${kernels[@]}"; do
        "$java_bin" "${run_opts[@]}" -cp "$jar" io.kiln.benchmarks.suite.ColdStart "$k" "$d"
    done
done
