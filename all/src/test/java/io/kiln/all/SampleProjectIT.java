package io.kiln.all;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The sample project of docs/getting-started.md, built with Maven against the artifacts this build made:
 * it imports {@code kiln-bom}, depends on {@code kiln-all} only, compiles a kernel of its own and runs it
 * on the {@code cpu} device, then the ImageNet preset.
 *
 * <p>Offline and without {@code mvn install}: the artifacts (parent pom, BOM, engine, cpu-fallback,
 * kernels, loader, all) are copied into a temporary local repository in Maven's layout, and every
 * other folder of {@code ~/.m2/repository} is linked into it, so the plugins and third-party jars are
 * found offline and the user's repository is not written to.
 */
class SampleProjectIT {
    private static final List<String[]> ARTIFACTS = List.of(
            new String[] {"kiln-parent", ".", "pom"}, new String[] {"kiln-bom", "bom", "pom"},
            new String[] {"kiln-engine", "engine", "jar"}, new String[] {"kiln-cpu-fallback", "cpu-fallback", "jar"},
            new String[] {"kiln-kernels", "kernels", "jar"}, new String[] {"kiln-loader", "loader", "jar"},
            new String[] {"kiln-all", "all", "jar"});

    private static String run(List<String> cmd, Path dir, Map<String, String> env) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true);
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), "timed out: " + cmd);
        assertEquals(0, p.exitValue(), () -> String.join(" ", cmd) + " failed:\n" + out);
        return out;
    }

    private static boolean onPath(String tool) {
        for (String d : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            if (Files.isExecutable(Path.of(d, tool))) return true;
        }
        return false;
    }

    @Test
    void sampleProjectBuildsAgainstTheArtifactsAndRunsOnCpu(@TempDir Path tmp) throws Exception {
        Assumptions.assumeTrue(onPath("mvn"), "mvn is not on the PATH: install Maven 3.8+ to build the sample project");
        Path root = Path.of(System.getProperty("kiln.root")).toRealPath();
        String version = System.getProperty("kiln.version");
        Path userRepo = Path.of(System.getProperty("user.home"), ".m2", "repository");
        Assumptions.assumeTrue(Files.isDirectory(userRepo), "no " + userRepo + " to take Maven's plugins from offline");

        Path repo = Files.createDirectories(tmp.resolve("repo"));
        linkAllBut(userRepo, repo, "io");
        if (Files.isDirectory(userRepo.resolve("io"))) linkAllBut(userRepo.resolve("io"), Files.createDirectories(repo.resolve("io")), "kiln");
        for (String[] a : ARTIFACTS) {
            Path dir = Files.createDirectories(repo.resolve("io/kiln/" + a[0] + "/" + version));
            String base = a[0] + "-" + version;
            Files.copy(root.resolve(a[1]).resolve("pom.xml"), dir.resolve(base + ".pom"), StandardCopyOption.REPLACE_EXISTING);
            if (a[2].equals("jar")) {
                Path jar = root.resolve(a[1]).resolve("target").resolve(base + ".jar");
                assertTrue(Files.isRegularFile(jar), jar + " is missing: run this test in 'mvn verify' after packaging");
                Files.copy(jar, dir.resolve(base + ".jar"), StandardCopyOption.REPLACE_EXISTING);
            }
        }

        Path project = tmp.resolve("sample-project");
        copyTree(root.resolve("all/src/test/resources/sample-project"), project);
        String javaHome = System.getProperty("java.home");
        Map<String, String> env = Map.of("JAVA_HOME", javaHome, "MAVEN_OPTS", "--sun-misc-unsafe-memory-access=allow");
        run(List.of("mvn", "-o", "-B", "-q", "-Dstyle.color=never", "-Dmaven.repo.local=" + repo, "-Dkiln.version=" + version,
                "package", "dependency:build-classpath", "-Dmdep.outputFile=cp.txt"), project, env);
        String cp = Files.readString(project.resolve("cp.txt")).strip();
        assertTrue(cp.contains("kiln-cpu-fallback-" + version + ".jar"), "kiln-all brings the cpu back end: " + cp);
        assertTrue(cp.contains("kiln-loader-" + version + ".jar"), cp);
        List<String> command = new ArrayList<>(List.of(Path.of(javaHome, "bin", "java").toString(), "--enable-native-access=ALL-UNNAMED",
                "-cp", project.resolve("target/classes") + java.io.File.pathSeparator + cp, "com.example.Main"));
        String out = run(command, project, Map.of());
        assertTrue(out.contains("sample: y[0] = 2.0, tensor of 150528 floats on cpu"), out);
    }

    private static void linkAllBut(Path from, Path to, String except) throws IOException {
        try (Stream<Path> s = Files.list(from)) {
            for (Path p : s.toList()) {
                if (p.getFileName().toString().equals(except)) continue;
                Files.createSymbolicLink(to.resolve(p.getFileName().toString()), p);
            }
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : s.toList()) {
                Path t = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(t);
                else Files.copy(p, t);
            }
        }
    }
}
