#!/usr/bin/env bash
# Cold start of every kernel of the CPU suite: one fresh JVM per (kernel, device), printing the
# first (compile included), second and tenth run of a new plan against its steady state.
# Build first: mvn -B -DskipTests package -pl benchmarks -am. Usage: benchmarks/cold-start.sh [DEVICE...]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
java_bin="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java"
jar=benchmarks/target/benchmarks.jar
[ -f "$jar" ] || { echo "cold-start: $jar is missing; build it with: mvn -B -DskipTests package -pl benchmarks -am" >&2; exit 1; }
devices=("$@")
[ "${#devices[@]}" -gt 0 ] || devices=(cpu opencl:0)
kernels=(SAXPY STENCIL_5_POINT STENCIL_5X5 CONV2D_7X7 MANDELBROT BLACK_SCHOLES NBODY HASH64 BILINEAR SGEMM_NAIVE
         HISTOGRAM_ATOMIC REDUCE_SUM TRANSPOSE_TILED)
for d in "${devices[@]}"; do
    for k in "${kernels[@]}"; do
        "$java_bin" --enable-native-access=ALL-UNNAMED -Xss8m -Xmx4g -cp "$jar" io.kiln.benchmarks.suite.ColdStart "$k" "$d"
    done
done
