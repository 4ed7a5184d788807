package io.kiln.spark;

import io.kiln.Device;
import io.kiln.Devices;
import io.kiln.kernels.ImagePresets;
import io.kiln.kernels.tabular.DoubleColumns;
import io.kiln.kernels.tabular.Preprocessor;
import io.kiln.kernels.tabular.Scaling;
import io.kiln.loader.Batch;
import io.kiln.loader.ImageLoader;
import io.kiln.loader.SampleImages;
import io.kiln.loader.SampleSource;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Throughput through Spark on {@code local[2]} against the same work without Spark, in one JVM: the
 * tabular pipeline (fit and apply a standard scaler on 4 double columns) in rows/s, and the image
 * pipeline (decode and imagenet-eval on sample JPEGs) in images/s, each the best of 3 runs after a
 * warm-up. Runs only with {@code -Dkiln.spark.bench=true} (it takes about a minute); see
 * docs/benchmarks.md ("Spark") for the command and results.
 */
class SparkBenchmark {
    static final int ROWS = Integer.getInteger("kiln.spark.bench.rows", 2_000_000);
    static final int IMAGES = Integer.getInteger("kiln.spark.bench.images", 200);
    static final int BATCH = 65536;

    @Test
    void throughput() {
        Assumptions.assumeTrue(Boolean.getBoolean("kiln.spark.bench"), "a benchmark: run it with -Dkiln.spark.bench=true");
        Device cpu = Devices.get("cpu");
        SparkSession spark = SparkTests.session("SparkBenchmark");
        try {
            Dataset<Row> df = spark.range(0, ROWS, 1, 4).selectExpr("id", "cast(id % 1009 as double) as a", "sqrt(id) as b",
                    "cast(id % 7 as double) * 1.5 as c", "sin(id) as d").cache();
            df.count();
            String[] in = {"a", "b", "c", "d"}, out = {"a_s", "b_s", "c_s", "d_s"};
            double[][] cols = new double[4][ROWS];  // a one-machine copy of the same table
            List<Row> all = df.select("id", "a", "b", "c", "d").collectAsList();
            for (Row r : all) {
                int i = (int) r.getLong(0);
                for (int c = 0; c < 4; c++) cols[c][i] = r.getDouble(1 + c);
            }
            double sparkBest = 0, plainBest = 0, fitBest = 0, applyBest = 0, sqlBest = 0, internalBest = 0, rowBest = 0;
            double columnarFitBest = 0, internalFitBest = 0;
            for (int run = 0; run < 4; run++) {
                long t0 = System.nanoTime();
                KilnStandardScalerModel m = (KilnStandardScalerModel) new KilnStandardScaler().setInputCols(in).setOutputCols(out).fit(df);
                long tFit = System.nanoTime();
                double s = m.transform(df).agg(functions.sum("a_s")).first().getDouble(0);
                long tEnd = System.nanoTime();
                double sparkRate = ROWS / ((tEnd - t0) / 1e9);
                // the same two passes in Spark SQL alone (codegen, no Kiln): what Spark itself costs here
                long tSql = System.nanoTime();
                Row st = df.agg(functions.avg("a"), functions.stddev_pop("a"), functions.avg("b"), functions.stddev_pop("b"),
                        functions.avg("c"), functions.stddev_pop("c"), functions.avg("d"), functions.stddev_pop("d")).first();
                df.select(functions.col("a").minus(st.getDouble(0)).divide(st.getDouble(1)).as("a_s"),
                        functions.col("b").minus(st.getDouble(2)).divide(st.getDouble(3)).as("b_s"),
                        functions.col("c").minus(st.getDouble(4)).divide(st.getDouble(5)).as("c_s"),
                        functions.col("d").minus(st.getDouble(6)).divide(st.getDouble(7)).as("d_s"))
                        .agg(functions.sum("a_s")).first();
                double sqlRate = ROWS / ((System.nanoTime() - tSql) / 1e9);
                // the transform alone on Spark's internal rows, then on Row objects (the fallback path)
                long tA = System.nanoTime();
                m.transform(df).agg(functions.sum("a_s")).first();
                long tB = System.nanoTime();
                System.setProperty(InternalRows.ROW_PATH, "true");
                try {
                    m.transform(df).agg(functions.sum("a_s")).first();
                } finally {
                    System.clearProperty(InternalRows.ROW_PATH);
                }
                long tC = System.nanoTime();
                // the fit alone on Spark's columnar batches (the cached table's), then on internal rows
                new KilnStandardScaler().setInputCols(in).setOutputCols(out).fit(df);
                long tD = System.nanoTime();
                System.setProperty(Columnar.COLUMNAR, "false");
                try {
                    new KilnStandardScaler().setInputCols(in).setOutputCols(out).fit(df);
                } finally {
                    System.clearProperty(Columnar.COLUMNAR);
                }
                long tE = System.nanoTime();
                if (run > 0) {
                    internalBest = Math.max(internalBest, ROWS / ((tB - tA) / 1e9));
                    rowBest = Math.max(rowBest, ROWS / ((tC - tB) / 1e9));
                    columnarFitBest = Math.max(columnarFitBest, ROWS / ((tD - tC) / 1e9));
                    internalFitBest = Math.max(internalFitBest, ROWS / ((tE - tD) / 1e9));
                    fitBest = Math.max(fitBest, ROWS / ((tFit - t0) / 1e9));
                    applyBest = Math.max(applyBest, ROWS / ((tEnd - tFit) / 1e9));
                    sqlBest = Math.max(sqlBest, sqlRate);
                }
                long t1 = System.nanoTime();
                Preprocessor p = Preprocessor.builder(4).scaling(Scaling.STANDARD).build();
                for (int at = 0; at < ROWS; at += BATCH) p.partialFit(cpu, batch(cols, at));
                double sum = 0;
                for (int at = 0; at < ROWS; at += BATCH) {
                    DoubleColumns b = batch(cols, at);
                    p.transform(cpu, b, b);
                    for (int r = 0; r < b.rows(); r++) sum += b.values()[r];
                }
                double plainRate = ROWS / ((System.nanoTime() - t1) / 1e9);
                assertEquals(sum, s, 1e-6 * ROWS, "the same scaled column");
                if (run > 0) {
                    sparkBest = Math.max(sparkBest, sparkRate);
                    plainBest = Math.max(plainBest, plainRate);
                }
            }
            System.out.printf("BENCH tabular (%d rows x 4 columns, fit + transform standard scaler): Spark local[2] %.0f rows/s,"
                    + " plain library on cpu %.0f rows/s, ratio %.2f%n", ROWS, sparkBest, plainBest, sparkBest / plainBest);
            System.out.printf("BENCH tabular parts: Spark fit %.0f rows/s, Spark transform %.0f rows/s; the same in Spark SQL"
                    + " without Kiln %.0f rows/s%n", fitBest, applyBest, sqlBest);
            System.out.printf("BENCH tabular transform alone: internal rows %.0f rows/s, Row objects %.0f rows/s, ratio %.2f%n",
                    internalBest, rowBest, internalBest / rowBest);
            System.out.printf("BENCH tabular fit alone: columnar batches %.0f rows/s, internal rows %.0f rows/s, ratio %.2f%n",
                    columnarFitBest, internalFitBest, columnarFitBest / internalFitBest);
            if (IMAGES == 0) return;

            Path dir = SampleImages.defaultDirectory().resolveSibling("spark-bench-samples");
            List<Path> files = SampleImages.ensure(dir, IMAGES);
            Dataset<Row> images = spark.read().format("binaryFile").option("pathGlobFilter", "*.jpg").load(dir.toString())
                    .repartition(4).cache();
            images.count();
            double sparkImg = 0, loaderImg = 0;
            for (int run = 0; run < 4; run++) {
                long t0 = System.nanoTime();
                long n = new KilnImageTransformer().transform(images).select(functions.expr("tensor[0]")).count();
                double sparkRate = n / ((System.nanoTime() - t0) / 1e9);
                long t1 = System.nanoTime();
                long m = 0;
                try (ImageLoader loader = ImageLoader.builder(SampleSource.paths(files)).pipeline(ImagePresets.imagenetEval())
                        .batchSize(32).device(cpu).build()) {
                    for (Batch b : loader) {
                        try (b) {
                            m += b.size();
                        }
                    }
                }
                double loaderRate = m / ((System.nanoTime() - t1) / 1e9);
                assertEquals(IMAGES, n);
                assertEquals(IMAGES, m);
                if (run > 0) {
                    sparkImg = Math.max(sparkImg, sparkRate);
                    loaderImg = Math.max(loaderImg, loaderRate);
                }
            }
            System.out.printf("BENCH images (%d sample JPEGs, imagenet-eval on cpu): Spark local[2] %.1f images/s,"
                    + " plain loader %.1f images/s, ratio %.2f%n", IMAGES, sparkImg, loaderImg, sparkImg / loaderImg);
        } finally {
            spark.stop();
        }
    }

    static DoubleColumns batch(double[][] cols, int at) {
        int n = Math.min(BATCH, cols[0].length - at);
        double[] v = new double[n * cols.length];
        for (int c = 0; c < cols.length; c++) System.arraycopy(cols[c], at, v, c * n, n);
        return DoubleColumns.wrap(v, n, cols.length);
    }
}
