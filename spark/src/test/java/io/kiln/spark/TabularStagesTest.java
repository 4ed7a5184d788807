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
        Pipeline pipeline = new Pipeline().setStages(new PipelineStage[] {
                new KilnImputer().setStrategy("constant").setFillValue(1.5).setInputCols(X).setOutputCols(imputed),
                new KilnStandardScaler().setInputCols(imputed).setOutputCols(Y), bucketize, hot});
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
    }
}
