package io.kiln.spark;

import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The stages on real separate executor JVMs: Spark's {@code local-cluster[2,1,1024]} mode, whose
 * in-process workers launch each executor as its own {@code java} process. Spark builds that command
 * from a Spark distribution's {@code jars/} folder; without one ({@code SPARK_HOME}) the test makes
 * one from its own class path (links to the jars Maven resolved), and passes Kiln's class folders and
 * the JVM options (add-opens, native access) to the executors. Runs only with
 * {@code -Dkiln.spark.cluster=true}: it starts three JVMs and takes about a minute.
 */
class LocalClusterTest {
    @Test
    void stagesRunOnTwoSeparateExecutorJvmsAndGiveTheLocalResult() throws IOException {
        Assumptions.assumeTrue(Boolean.getBoolean("kiln.spark.cluster"),
                "starts two executor JVMs (about a minute): run it with -Dkiln.spark.cluster=true");
        List<String> jars = new ArrayList<>(), folders = new ArrayList<>();
        for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
            if (e.endsWith(".jar")) jars.add(e);
            else if (new File(e).isDirectory()) folders.add(e);
        }
        Path home = Path.of("target", "spark-home").toAbsolutePath();
        Path jarDir = home.resolve("jars");
        Files.createDirectories(jarDir);
        // the launcher finds the Scala version of a Spark build from this folder (or SPARK_SCALA_VERSION)
        Files.createDirectories(home.resolve("launcher/target/scala-2.13"));
        for (String j : jars) {
            Path link = jarDir.resolve(Path.of(j).getFileName());
            if (!Files.exists(link, java.nio.file.LinkOption.NOFOLLOW_LINKS)) Files.createSymbolicLink(link, Path.of(j));
        }
        String sparkHome = System.getenv("SPARK_HOME") != null ? System.getenv("SPARK_HOME") : home.toString();
        System.setProperty("spark.test.home", sparkHome);
        System.setProperty("spark.testing", "true");
        System.out.println("LocalClusterTest: SPARK_HOME " + sparkHome);
        String opts = String.join(" ", java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> a.startsWith("--add-opens") || a.startsWith("--enable-native-access") || a.startsWith("--add-modules")
                        || a.startsWith("-Dio.netty") || a.startsWith("-XX:+IgnoreUnrecognizedVMOptions")).toList());
        SparkTests.stopRunning();  // a local[2] session of another test class would be reused otherwise
        SparkSession spark = SparkSession.builder().master("local-cluster[2,1,1024]").appName("LocalClusterTest")
                .config("spark.ui.enabled", "false")
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.executor.extraClassPath", String.join(File.pathSeparator, folders))
                .config("spark.executor.extraJavaOptions", opts)
                .getOrCreate();
        try {
            Dataset<Row> df = spark.range(0, 40_000, 1, 6).selectExpr("id", "cast(id % 101 as double) * 0.25 as x",
                    "case when id % 13 = 0 then null else sqrt(id) end as y");
            // which JVMs ran the partitions
            Set<Long> pids = new TreeSet<>(df.mapPartitions((MapPartitionsFunction<Row, Long>) it ->
                    Collections.singletonList(ProcessHandle.current().pid()).iterator(), Encoders.LONG()).collectAsList());
            System.out.println("LocalClusterTest: driver pid " + ProcessHandle.current().pid() + ", executor pids " + pids);
            assertEquals(2, pids.size(), "two executor JVMs");
            assertFalse(pids.contains(ProcessHandle.current().pid()), "executors are not the driver's JVM");

            KilnImputerModel imp = (KilnImputerModel) new KilnImputer().setStrategy("median").setInputCols("x", "y")
                    .setOutputCols("x_i", "y_i").fit(df);
            KilnMinMaxScalerModel mm = (KilnMinMaxScalerModel) new KilnMinMaxScaler().setInputCols("x_i", "y_i")
                    .setOutputCols("x_s", "y_s").fit(imp.transform(df));
            List<Row> cluster = mm.transform(imp.transform(df)).orderBy("id").select("id", "x_s", "y_s").collectAsList();
            double sum = cluster.stream().mapToDouble(r -> r.getDouble(1) + r.getDouble(2)).sum();
            long executors = mm.transform(imp.transform(df)).agg(functions.count("id")).first().getLong(0);
            assertEquals(40_000, executors);
            // the same on the driver alone, through the library
            io.kiln.kernels.tabular.Preprocessor pi = imp.preprocessor(), pm = mm.preprocessor();
            double[] x = new double[40_000], y = new double[40_000];
            for (int i = 0; i < x.length; i++) {
                x[i] = (i % 101) * 0.25;
                y[i] = i % 13 == 0 ? Double.NaN : Math.sqrt(i);
            }
            var cpu = io.kiln.Devices.get("cpu");
            var batch = io.kiln.kernels.tabular.DoubleColumns.of(x, y);
            assertEquals(io.kiln.kernels.tabular.Preprocessor.builder(2).imputation(io.kiln.kernels.tabular.Imputation.MEDIAN)
                    .build().fit(cpu, batch).toText().replaceAll("mean \\S+ m2 \\S+ ", ""), pi.toText().replaceAll("mean \\S+ m2 \\S+ ", ""),
                    "median and extremes as on one machine");
            pi.transform(cpu, batch, batch);
            pm.transform(cpu, batch, batch);
            double expected = 0;
            for (int i = 0; i < x.length; i++) {
                assertEquals(batch.get(i, 0), cluster.get(i).getDouble(1), 0, "x_s of row " + i);
                assertEquals(batch.get(i, 1), cluster.get(i).getDouble(2), 0, "y_s of row " + i);
                expected += batch.get(i, 0) + batch.get(i, 1);
            }
            assertEquals(expected, sum, Math.abs(expected) * 1e-12);
            assertTrue(sum > 0);
        } finally {
            spark.stop();
            SparkSession.clearActiveSession();
            SparkSession.clearDefaultSession();
            System.clearProperty("spark.testing");
        }
    }
}
