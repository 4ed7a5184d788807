#!/usr/bin/env bash
# gpu-bundle.sh: packs what scripts/gpu-check.sh needs on a GPU machine that has neither a JDK, nor
# Maven, nor a network (the lent NVIDIA machines: an image with CUDA and Python only), into .gpu/
# (git-ignored), to travel with the working tree:
#
#   .gpu/jdk.tar.xz       a jlink'd JDK 25 runtime (the modules Kiln, its tests and JMH use; ~37 MB)
#   .gpu/lib/             every jar the conformance tests, the library's device tests and the
#                         benchmarks need (sibling modules' jars included; the peers' natives, OpenBLAS
#                         and OpenCV, left out: the GPU check runs no peer)
#   .gpu/test-classes/    the conformance, kernels and test-support test classes
#   .gpu/*.cp             class paths relative to .gpu/ (conformance, kernels, benchmarks)
#
# Run it here, before the device call, after any change to the code:
#   scripts/gpu-bundle.sh                  # then: run(command="bash scripts/gpu-check.sh", carry=[".gpu"])
# Needs a JDK 25 (found as ./kiln finds one) and Maven; it builds with -o first and online if that fails.
set -euo pipefail
cd "$(dirname "$0")/.."
B=.gpu
JDK=$(./kiln --java-home) || { echo "gpu-bundle: no JDK 25 found (./kiln --java-home)" >&2; exit 1; }
export JAVA_HOME="$JDK"
step() { echo "gpu-bundle: $*"; }

# 1. Build, and write each module's class path in the same reactor (so sibling modules resolve to the
#    jars just built, not to older installed ones).
goals=(-B -q -DskipTests package dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/gpu-bundle.cp
       -pl conformance,kernels,benchmarks -am)
step "building (mvn package dependency:build-classpath)"
mvn -o "${goals[@]}" >/dev/null 2>&1 || mvn "${goals[@]}"
console=org/junit/platform/junit-platform-console-standalone/1.11.4/junit-platform-console-standalone-1.11.4.jar
if [ ! -f "$HOME/.m2/repository/$console" ]; then
    step "fetching the JUnit console launcher"
    mvn -B -q dependency:get -Dartifact=org.junit.platform:junit-platform-console-standalone:1.11.4
fi

# 2. Jars and test classes, with class paths relative to .gpu/.
rm -rf "$B"
mkdir -p "$B/lib" "$B/test-classes"
relative_cp() { # module [extra entries...]: its class path, each jar copied into lib/
    local module=$1 out=()
    shift
    IFS=: read -r -a entries < "$module/target/gpu-bundle.cp" || true   # the file has no final newline
    for e in "${entries[@]}" "$@"; do
        case "$e" in
            # peers' natives (OpenBLAS/JavaCPP 60 MB, OpenCV 110 MB for every platform): the GPU check runs
            # neither peer, and the device tests it runs do not use OpenCV
            *-linux-x86_64.jar|*/opencv-*.jar) continue ;;
            */target/classes) e=$(ls "${e%/classes}"/kiln-*.jar | grep -v -e sources -e tests | head -1) ;;
        esac
        if [ -d "$e" ]; then
            local name
            name=$(echo "$e" | sed -E 's|.*/([^/]+)/target/test-classes|\1|')
            [ -d "$B/test-classes/$name" ] || cp -r "$e" "$B/test-classes/$name"
            out+=("test-classes/$name")
        else
            cp -n "$e" "$B/lib/"
            out+=("lib/$(basename "$e")")
        fi
    done
    (IFS=:; echo "${out[*]}")
}
step "collecting jars"
# a module's class path from dependency:build-classpath lists its dependencies, not the module itself
relative_cp conformance "$PWD/conformance/target/test-classes" "$HOME/.m2/repository/$console" > "$B/conformance.cp"
relative_cp kernels "$PWD/kernels/target/kiln-kernels-0.1.0-SNAPSHOT.jar" "$PWD/kernels/target/test-classes" \
    "$HOME/.m2/repository/$console" > "$B/kernels.cp"
echo "lib/kiln-benchmarks-0.1.0-SNAPSHOT.jar:$(relative_cp benchmarks)" > "$B/benchmarks.cp"
cp benchmarks/target/kiln-benchmarks-0.1.0-SNAPSHOT.jar "$B/lib/"

# 3. A JDK runtime small enough to travel (the working tree's limit is 64 MiB): only the modules used,
#    no debug attributes, native libraries stripped, packed with xz.
step "linking a JDK runtime"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$JDK/bin/jlink" --add-modules java.base,java.logging,java.desktop,java.management,jdk.management,java.compiler,jdk.compiler,jdk.incubator.vector,jdk.unsupported,java.xml,java.sql,java.naming,jdk.zipfs \
    --strip-java-debug-attributes --exclude-files='**/ct.sym' --no-header-files --no-man-pages --compress zip-9 \
    --output "$tmp/jdk" 2>&1 | grep -v 'incubator modules' || true
find "$tmp/jdk" -name '*.so' -exec strip --strip-unneeded {} + 2>/dev/null || true
"$tmp/jdk/bin/java" -version >/dev/null 2>&1 || { echo "gpu-bundle: the linked runtime does not start" >&2; exit 1; }
tar -C "$tmp" -cf - jdk | xz -T0 -9 > "$B/jdk.tar.xz"

total=$(du -sb "$B" | cut -f1)
tree=$(git ls-files -z | xargs -0 du -cb 2>/dev/null | tail -1 | cut -f1)
step "$B: $(( total / 1048576 )) MiB (JDK $(( $(stat -c %s "$B/jdk.tar.xz") / 1048576 )) MiB); with the tracked files $(( (total + tree) / 1048576 )) MiB of the 64 MiB a device call carries"
[ $(( total + tree )) -lt $(( 64 * 1048576 )) ] || { echo "gpu-bundle: too large to travel" >&2; exit 1; }
