package io.kiln.spark;

import io.kiln.Device;
import io.kiln.Devices;
import io.kiln.kernels.tabular.DoubleColumns;
import io.kiln.kernels.tabular.Imputation;
import io.kiln.kernels.tabular.Preprocessor;
import io.kiln.kernels.tabular.Scaling;
import io.kiln.kernels.tabular.TableStatistics;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The tabular stages on {@code local[2]} against the single-machine library on the same data: a
 * table of 3 double columns (one with a mean 1000 times its spread), a float and an int column, with
 * nulls and NaNs, in 5 partitions. Reference: {@link Preprocessor} fitted on the whole table as one
 * batch and applied with {@code transform(cpu, DoubleColumns, ...)}.
 */
class TabularStagesTest {
    static final int ROWS = 12_007;
    static final String[] X = {"a", "b", "c"};
    static final String[] Y = {"a_out", "b_out", "c_out"};

    static SparkSession spark;
    static Dataset<Row> df;
    static double[][] columns;  // [column][row], NaN for null and NaN
    static int[] codes;         // the int column, -1 for null
    static final Device CPU = Devices.get("cpu");

    @BeforeAll
    static void start() {
        long seed = System.nanoTime();
        System.out.println("TabularStagesTest seed " + seed);
        Random rnd = new Random(seed);
        spark = SparkTests.session("TabularStagesTest");
        StructType schema = new StructType().add("id", DataTypes.IntegerType, false)
                .add("a", DataTypes.DoubleType, true).add("b", DataTypes.DoubleType, true).add("c", DataTypes.FloatType, true)
                .add("code", DataTypes.IntegerType, true).add("name", DataTypes.StringType, true);
        columns = new double[3][ROWS];
        codes = new int[ROWS];
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < ROWS; i++) {
            Double a = rnd.nextInt(20) == 0 ? null : rnd.nextGaussian() * 10 + 50;
            Double b = rnd.nextInt(30) == 0 ? Double.NaN : 1000 + rnd.nextGaussian();  // mean 1000 x the spread
            Float c = rnd.nextInt(25) == 0 ? null : (float) (rnd.nextDouble() * 4 - 2);
            if (i == 7) b = -0.0;
            if (i == 8) c = 0f;
            Integer code = rnd.nextInt(15) == 0 ? null : rnd.nextInt(6) - 1;  // -1 and 4 are outside a 4-category range
            columns[0][i] = a == null ? Double.NaN : a;
            columns[1][i] = b;
            columns[2][i] = c == null ? Double.NaN : c;
            codes[i] = code == null ? -1 : code;
            rows.add(RowFactory.create(i, a, b, c, code, "r" + i));
        }
        df = spark.createDataFrame(rows, schema).repartition(5).cache();
    }

    @AfterAll
    static void stop() {
        df.unpersist();  // the session stays for the next test class (SparkTests.session)
    }

    /** The table's three input columns as the library's one batch. */
    static DoubleColumns table() {
        return DoubleColumns.of(columns[0], columns[1], columns[2]);
    }

    /** The output columns of {@code out}, by id: {@code [column][id]}. */
    static double[][] outputs(Dataset<Row> out) {
        double[][] v = new double[Y.length][ROWS];
        for (Row r : out.select("id", Y).collectAsList()) {
            for (int c = 0; c < Y.length; c++) v[c][r.getInt(0)] = r.getDouble(1 + c);
        }
        return v;
    }

    static double[][] reference(Preprocessor p) {
        DoubleColumns in = table(), out = DoubleColumns.allocate(ROWS, 3);
        p.transform(CPU, in, out);
        return new double[][] {out.column(0), out.column(1), out.column(2)};
    }

    static void assertExact(double[][] expected, double[][] actual) {
        for (int c = 0; c < expected.length; c++) {
            for (int r = 0; r < ROWS; r++) {
                if (Double.doubleToLongBits(expected[c][r]) != Double.doubleToLongBits(actual[c][r])) {
                    throw new AssertionError("column " + c + " row " + r + ": expected " + expected[c][r] + ", got " + actual[c][r]);
                }
            }
        }
    }

    /** |actual - expected| <= bound * (1 + |expected|) for every value; NaN where expected is NaN. */
    static void assertClose(double[][] expected, double[][] actual, double bound) {
        for (int c = 0; c < expected.length; c++) {
            for (int r = 0; r < ROWS; r++) {
                double e = expected[c][r], a = actual[c][r];
                boolean ok = Double.isNaN(e) ? Double.isNaN(a) : Math.abs(a - e) <= bound * (1 + Math.abs(e));
                if (!ok) throw new AssertionError("column " + c + " row " + r + ": expected " + e + ", got " + a);
            }
        }
    }

    @Test
    void statisticsMatchOneMachineAndCountsAndExtremesAreExact() {
        KilnStandardScalerModel m = (KilnStandardScalerModel) new KilnStandardScaler().setInputCols(X).setOutputCols(Y).fit(df);
        TableStatistics spark = m.preprocessor().statistics();
        TableStatistics local = TableStatistics.compute(CPU, table());
        for (int c = 0; c < 3; c++) {
            var s = spark.column(c);
            var l = local.column(c);
            assertEquals(l.count(), s.count(), "count of column " + c);
            assertEquals(l.min(), s.min(), 0, "min of column " + c);
            assertEquals(l.max(), s.max(), 0, "max of column " + c);
            // the library's documented bounds against exact arithmetic, for two merge orders
            assertEquals(l.mean(), s.mean(), 2e-12 * Math.abs(l.mean()), "mean of column " + c);
            assertEquals(l.variance(), s.variance(), 2e-10 * (l.variance() + l.mean() * l.mean()), "variance of column " + c);
        }
    }

    @Test
    void standardScalerMatchesThePreprocessorRowForRow() {
        KilnStandardScalerModel m = (KilnStandardScalerModel) new KilnStandardScaler().setInputCols(X).setOutputCols(Y).fit(df);
        // the transform itself is bit for bit the library's, for the fitted state, whatever the batch size:
        assertExact(reference(m.preprocessor()), outputs(m.transform(df)));
        assertExact(reference(m.preprocessor()), outputs(m.setBatchRows(1000).transform(df)));
        // against a one-machine fit, within the statistics' rounding (merge order):
        Preprocessor local = Preprocessor.builder(3).scaling(Scaling.STANDARD).build().fit(CPU, table());
        assertClose(reference(local), outputs(m.transform(df)), 1e-9);
    }

    @Test
    void minMaxScalerEqualsTheOneMachineFitExactly() {
        KilnMinMaxScalerModel m = (KilnMinMaxScalerModel) new KilnMinMaxScaler().setInputCols(X).setOutputCols(Y).fit(df);
        Preprocessor local = Preprocessor.builder(3).scaling(Scaling.MIN_MAX).build().fit(CPU, table());
        assertExact(reference(local), outputs(m.transform(df)));
    }

    @Test
    void imputersMatchTheOneMachineFit() {
        KilnImputerModel median = (KilnImputerModel) new KilnImputer().setStrategy("median").setInputCols(X).setOutputCols(Y).fit(df);
        Preprocessor localMedian = Preprocessor.builder(3).imputation(Imputation.MEDIAN).build().fit(CPU, table());
        assertEquals(localMedian.toText().split("quantiles", 2)[1].replaceAll("column .*\n", ""),
                median.state().split("quantiles", 2)[1].replaceAll("column .*\n", ""), "exact quantiles");
        assertExact(reference(localMedian), outputs(median.transform(df)));

        KilnImputerModel constant = (KilnImputerModel) new KilnImputer().setStrategy("constant").setFillValue(-7.5)
                .setInputCols(X).setOutputCols(Y).fit(df);
        assertExact(reference(Preprocessor.builder(3).constant(-7.5).build().fit(CPU, table())), outputs(constant.transform(df)));

        KilnImputerModel mean = (KilnImputerModel) new KilnImputer().setInputCols(X).setOutputCols(Y).fit(df);
        double[][] out = outputs(mean.transform(df));
        Preprocessor localMean = Preprocessor.builder(3).imputation(Imputation.MEAN).build().fit(CPU, table());
        assertClose(reference(localMean), out, 1e-12);
        for (int c = 0; c < 3; c++) {
            for (int r = 0; r < ROWS; r++) {
                if (!Double.isNaN(columns[c][r])) assertEquals(columns[c][r], out[c][r], 0, "present values pass unchanged");
            }
        }
    }

    @Test
    void bucketizerAndOneHotMatchPlainJava() {
        double[][] edges = {{40, 50, 60}, {999, 1000, 1001}, {-1, 0, 0, 1}};
        KilnBucketizer b = new KilnBucketizer().setSplitsArray(edges);
        b.setInputCols(X).setOutputCols(Y);
        List<Row> rows = b.transform(df).select("id", Y).collectAsList();
        assertEquals(ROWS, rows.size());
        for (Row r : rows) {
            int id = r.getInt(0);
            for (int c = 0; c < 3; c++) {
                double x = columns[c][id];
                int expected = 0;
                for (double e : edges[c]) if (e <= x) expected++;
                if (Double.isNaN(x)) expected = edges[c].length + 1;
                assertEquals(expected, r.getInt(1 + c), "bucket of " + x + " (column " + c + ", id " + id + ")");
            }
        }
        KilnOneHotEncoder h = new KilnOneHotEncoder().setCategorySizes(4);
        h.setInputCols("code").setOutputCols("code_v");
        for (Row r : h.transform(df).select("id", "code_v").collectAsList()) {
            int code = codes[r.getInt(0)];
            double[] v = ((Vector) r.get(1)).toArray();
            assertEquals(4, v.length);
            for (int j = 0; j < 4; j++) assertEquals(j == code ? 1.0 : 0.0, v[j], "one-hot of code " + code);
        }
    }

    /** NumPy's linear-interpolation quantile of the non-NaN values of {@code x}, in plain Java. */
    static double numpyQuantile(double[] x, double q) {
        double[] v = java.util.Arrays.stream(x).filter(d -> !Double.isNaN(d)).sorted().toArray();
        double h = (v.length - 1) * q;
        int i = (int) Math.floor(h);
        return i + 1 < v.length ? v[i] + (h - i) * (v[i + 1] - v[i]) : v[i];
    }

    @Test
    void robustScalerEqualsTheOneMachineFitExactly() {
        KilnRobustScalerModel m = (KilnRobustScalerModel) new KilnRobustScaler().setInputCols(X).setOutputCols(Y).fit(df);
        Preprocessor local = Preprocessor.builder(3).scaling(Scaling.ROBUST).build().fit(CPU, table());
        // exact order statistics: the same center and scale to the bit, so the same rows to the bit
        assertEquals(java.util.Arrays.toString(local.center()), java.util.Arrays.toString(m.median()));
        assertEquals(java.util.Arrays.toString(local.scale()), java.util.Arrays.toString(m.range()));
        assertExact(reference(local), outputs(m.transform(df)));
        for (int c = 0; c < 3; c++) {
            double median = numpyQuantile(columns[c], 0.5);
            double iqr = numpyQuantile(columns[c], 0.75) - numpyQuantile(columns[c], 0.25);
            assertEquals(median, m.median()[c], 1e-12 * Math.abs(median), "median of column " + c + " against plain Java");
            assertEquals(iqr, m.range()[c], 1e-9 * Math.abs(median), "interquartile range of column " + c + " against plain Java");
        }
    }

    @Test
    void clipperEqualsTheLibraryAndPlainJava() {
        double lo = -1, hi = 999.8;  // clips some of b (about 1000) and of c ([-2, 2]), none of a (about 50)
        KilnClipper clip = new KilnClipper().setLower(lo).setUpper(hi);
        clip.setInputCols(X).setOutputCols(Y);
        double[][] out = outputs(clip.transform(df));
        assertExact(reference(Preprocessor.builder(3).clip(lo, hi).build()), out);
        int clipped = 0;
        for (int c = 0; c < 3; c++) {
            for (int r = 0; r < ROWS; r++) {
                double x = columns[c][r];
                double expected = Double.isNaN(x) ? Double.NaN : Math.min(Math.max(x, lo), hi);
                if (expected != x) clipped++;
                assertEquals(expected, out[c][r], 0, "clip of " + x + " (column " + c + ", row " + r + ")");
            }
        }
        assertTrue(clipped > ROWS / 10, "the bounds clip something: " + clipped);
        // no bounds: every value passes unchanged
        KilnClipper none = new KilnClipper();
        none.setInputCols(X).setOutputCols(Y);
        assertExact(new double[][] {columns[0], columns[1], columns[2]}, outputs(none.transform(df)));
        KilnClipper wrong = new KilnClipper().setLower(2).setUpper(1);
        wrong.setInputCols(X).setOutputCols(Y);
        var e = assertThrows(IllegalArgumentException.class, () -> wrong.transform(df));
        assertTrue(e.getMessage().contains("lower <= upper"), e.getMessage());
    }

    /** The rows of {@code out} by id, each value as its exact bits (doubles) or element list (vectors). */
    static List<List<Object>> exactRows(Dataset<Row> out) {
        List<List<Object>> rows = new ArrayList<>();
        for (Row r : out.orderBy("id").collectAsList()) {
            List<Object> v = new ArrayList<>();
            for (int i = 0; i < r.length(); i++) {
                Object x = r.get(i);
                if (x instanceof Double d) x = Double.doubleToRawLongBits(d);
                if (x instanceof Vector vec) x = java.util.Arrays.stream(vec.toArray()).mapToObj(Double::doubleToRawLongBits).toList();
                v.add(x);
            }
            rows.add(v);
        }
        return rows;
    }

    @Test
    void columnTransformersAndQuantileFitsGiveTheSameBitsOnBothPaths() {
        KilnBucketizer b = new KilnBucketizer().setSplitsArray(new double[][] {{40, 50, 60}, {999, 1000, 1001}, {-1, 0, 0, 1}});
        b.setInputCols(X).setOutputCols(Y).setBatchRows(3000);
        KilnOneHotEncoder h = new KilnOneHotEncoder().setCategorySizes(4);
        h.setInputCols("code").setOutputCols("code_v");
        KilnClipper clip = new KilnClipper().setLower(0).setUpper(999.9);
        clip.setInputCols(X).setOutputCols(Y);
        KilnRobustScaler robust = new KilnRobustScaler().setInputCols(X).setOutputCols(Y);
        assertTrue(InternalRows.available(df), "local[2] is classic Spark: the fast path is on");
        List<List<Object>> fastB = exactRows(b.transform(df)), fastH = exactRows(h.transform(df)),
                fastC = exactRows(clip.transform(df));
        String fastRobust = ((KilnRobustScalerModel) robust.fit(df)).state().replaceAll("column .*\n", "");
        System.setProperty(InternalRows.ROW_PATH, "true");
        try {
            assertTrue(!InternalRows.available(df));
            assertEquals(fastB, exactRows(b.transform(df)), "bucketizer");
            assertEquals(fastH, exactRows(h.transform(df)), "one-hot encoder");
            assertEquals(fastC, exactRows(clip.transform(df)), "clipper");
            // the quantiles come from distributed sorts on either path: exact, so equal
            assertEquals(fastRobust, ((KilnRobustScalerModel) robust.fit(df)).state().replaceAll("column .*\n", ""));
        } finally {
            System.clearProperty(InternalRows.ROW_PATH);
        }
        assertEquals(ROWS, fastB.size());
    }

    @Test
    void columnarInputGivesTheSameStatisticsAsInternalRows(@TempDir Path dir) {
        String path = dir.resolve("table.parquet").toString();
        df.write().parquet(path);
        Dataset<Row> parquet = spark.read().parquet(path);
        String[] parquetCols = {"a", "b", "c"};
        assertTrue(Columnar.batches(parquet.select("a", "b", "c")) != null, "a Parquet scan is read as columnar batches");
        Dataset<Row> cached = df.select("id", "a", "b", "c").cache();
        Dataset<Row> inputs = cached.select("a", "b", "c");
        assertTrue(Columnar.batches(inputs) != null, "a cached DataFrame of numbers is read as columnar batches: "
                + ((org.apache.spark.sql.classic.Dataset<?>) inputs).queryExecution().executedPlan());
        cached.unpersist();
        assertTrue(Columnar.batches(parquet.filter("id > 3").select("a")) == null, "a filter above the scan: internal rows");
        KilnStandardScaler scaler = new KilnStandardScaler().setInputCols(parquetCols).setOutputCols(Y).setBatchRows(1000);
        TableStatistics columnar = ((KilnStandardScalerModel) scaler.fit(parquet)).preprocessor().statistics();
        System.setProperty(Columnar.COLUMNAR, "false");
        TableStatistics rows;
        try {
            assertTrue(Columnar.batches(parquet.select("a", "b", "c")) == null, "-Dkiln.spark.columnar=false turns it off");
            rows = ((KilnStandardScalerModel) scaler.fit(parquet)).preprocessor().statistics();
        } finally {
            System.clearProperty(Columnar.COLUMNAR);
        }
        TableStatistics local = TableStatistics.compute(CPU, table());
        for (int c = 0; c < 3; c++) {
            var s = columnar.column(c);
            for (var other : List.of(rows.column(c), local.column(c))) {
                assertEquals(other.count(), s.count(), "count of column " + c);
                assertEquals(other.min(), s.min(), 0, "min of column " + c);
                assertEquals(other.max(), s.max(), 0, "max of column " + c);
                assertEquals(other.mean(), s.mean(), 2e-12 * Math.abs(other.mean()), "mean of column " + c);
                assertEquals(other.variance(), s.variance(), 2e-10 * (other.variance() + other.mean() * other.mean()),
                        "variance of column " + c);
            }
        }
        // a model fitted on columnar input transforms as the library does for its state, row for row
        KilnMinMaxScalerModel minMax = (KilnMinMaxScalerModel) new KilnMinMaxScaler().setInputCols(X).setOutputCols(Y).fit(parquet);
        assertExact(reference(Preprocessor.builder(3).scaling(Scaling.MIN_MAX).build().fit(CPU, table())), outputs(minMax.transform(parquet)));
    }

    @Test
    void rowPathAndInternalRowPathGiveTheSameBits() {
        KilnStandardScalerModel fast = (KilnStandardScalerModel) new KilnStandardScaler().setInputCols(X).setOutputCols(Y).fit(df);
        double[][] fastOut = outputs(fast.transform(df));
        assertTrue(InternalRows.available(df), "local[2] is classic Spark: the fast path is on");
        System.setProperty(InternalRows.ROW_PATH, "true");
        try {
            assertTrue(!InternalRows.available(df));
            KilnStandardScalerModel slow = (KilnStandardScalerModel) new KilnStandardScaler().setInputCols(X).setOutputCols(Y).fit(df);
            // treeAggregate merges partitions in the order their tasks end: the same up to the merge's rounding
            for (int c = 0; c < 3; c++) {
                var f = fast.preprocessor().statistics().column(c);
                var r = slow.preprocessor().statistics().column(c);
                assertEquals(f.count(), r.count());
                assertEquals(f.min(), r.min(), 0);
                assertEquals(f.max(), r.max(), 0);
                assertEquals(f.mean(), r.mean(), 2e-12 * Math.abs(f.mean()));
            }
            assertExact(fastOut, outputs(fast.transform(df)));  // the same model on the row path: the same bits
            // the other columns pass through unchanged on both paths
            System.clearProperty(InternalRows.ROW_PATH);
            List<Row> a = fast.transform(df).orderBy("id").select("id", "a", "b", "c", "code", "name").collectAsList();
            assertEquals(df.orderBy("id").collectAsList(), a);
        } finally {
            System.clearProperty(InternalRows.ROW_PATH);
        }
    }

    @Test
    void wrongColumnsAreRefusedWithClearMessages() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> new KilnStandardScaler().setInputCols("name").setOutputCols("n").fit(df));
        assertTrue(e.getMessage().contains("'name' is string, but it must be numeric"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new KilnMinMaxScaler().setInputCols("nope").setOutputCols("n").fit(df));
        assertTrue(e.getMessage().contains("'nope' does not exist"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new KilnMinMaxScaler().setInputCols("a", "b").setOutputCols("n").fit(df));
        assertTrue(e.getMessage().contains("one output per input"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new KilnMinMaxScaler().setInputCols("a").setOutputCols("b").fit(df));
        assertTrue(e.getMessage().contains("'b' already exists"), e.getMessage());
        KilnOneHotEncoder h = new KilnOneHotEncoder().setCategorySizes(3);
        h.setInputCols("a").setOutputCols("v");
        e = assertThrows(IllegalArgumentException.class, () -> h.transform(df));
        assertTrue(e.getMessage().contains("must be an integer type"), e.getMessage());
    }

    @Test
    void savedModelsAndPipelinesTransformTheSame(@TempDir Path dir) throws Exception {
        KilnStandardScalerModel m = (KilnStandardScalerModel) new KilnStandardScaler().setInputCols(X).setOutputCols(Y).fit(df);
        m.write().save(dir.resolve("model").toString());
        KilnStandardScalerModel loaded = KilnStandardScalerModel.load(dir.resolve("model").toString());
        assertEquals(m.uid(), loaded.uid());
        assertEquals(m.state(), loaded.state());
        assertExact(outputs(m.transform(df)), outputs(loaded.transform(df)));

        String[] imputed = {"a_i", "b_i", "c_i"};
        KilnBucketizer bucketize = new KilnBucketizer().setSplitsArray(new double[][] {{-1, 0, 1}});
        bucketize.setInputCols("a_out").setOutputCols("a_bucket");
        KilnOneHotEncoder hot = new KilnOneHotEncoder().setCategorySizes(5);
        hot.setInputCols("a_bucket").setOutputCols("a_hot");
        KilnClipper clip = new KilnClipper().setLower(-2).setUpper(2);
        clip.setInputCols("r_a", "r_b").setOutputCols("c_a", "c_b");
        Pipeline pipeline = new Pipeline().setStages(new PipelineStage[] {
                new KilnImputer().setStrategy("constant").setFillValue(1.5).setInputCols(X).setOutputCols(imputed),
                new KilnStandardScaler().setInputCols(imputed).setOutputCols(Y), bucketize, hot,
                new KilnRobustScaler().setInputCols("a", "b").setOutputCols("r_a", "r_b"), clip});
        pipeline.write().save(dir.resolve("pipeline").toString());
        Pipeline reloaded = Pipeline.load(dir.resolve("pipeline").toString());
        PipelineModel fitted = reloaded.fit(df);
        fitted.write().save(dir.resolve("pipeline-model").toString());
        PipelineModel again = PipelineModel.load(dir.resolve("pipeline-model").toString());
        List<Row> a = fitted.transform(df).orderBy("id").collectAsList();
        List<Row> b = again.transform(df).orderBy("id").collectAsList();
        assertEquals(ROWS, a.size());
        assertEquals(a, b);
        // and the pipeline did what its stages say: no missing value after the imputer
        assertTrue(a.stream().noneMatch(r -> Double.isNaN(r.<Double>getAs("a_out"))));
        assertTrue(a.stream().allMatch(r -> Double.isNaN(r.<Double>getAs("c_b")) || Math.abs(r.<Double>getAs("c_b")) <= 2),
                "robust-scaled then clipped to [-2, 2]");
        KilnClipper clipBack = (KilnClipper) again.stages()[5];
        assertEquals(-2.0, clipBack.getLower());
        assertEquals(2.0, clipBack.getUpper());
    }
}
