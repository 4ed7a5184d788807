package io.kiln.spark;

import io.kiln.Device;
import io.kiln.kernels.tabular.DoubleColumns;
import io.kiln.kernels.tabular.Preprocessor;
import io.kiln.kernels.tabular.Quantiles;
import io.kiln.kernels.tabular.TableStatistics;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.vectorized.ColumnarBatch;
import scala.Tuple2;

import java.io.Serializable;
import java.util.Collections;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.IntFunction;

/**
 * The distributed fit of the tabular estimators. Each partition computes the {@link TableStatistics}
 * of its batches on its executor's device (the library's statistics kernel, batches merged in row
 * order); {@code treeAggregate} merges the partitions' statistics with {@link TableStatistics#merge},
 * the same pairwise Welford merge (Chan, Golub and LeVeque) that merges chunks and batches on one
 * machine. Statistics travel between JVMs in their exact text form ({@link TableStatistics#toText()}).
 * Exact quantiles (median imputation) need order statistics, which do not merge: they come from a
 * distributed sort of each column and NumPy's linear interpolation ({@link Quantiles#ofSorted}).
 */
final class StatisticsPass {
    private StatisticsPass() {
    }

    /** The quantiles a preprocessor's text form keeps per column when its settings need them. */
    static final double[] QUANTILES = {0.25, 0.5, 0.75};

    /**
     * How a partition's rows become column-major float64 batches: {@link Row}s or Spark's internal
     * rows (see {@link InternalRows}); null and NaN are missing.
     *
     * @param <R> the row type
     */
    interface Reader<R> extends Serializable {
        /** The number of columns read. */
        int columns();

        /** Up to {@code n} rows of {@code rows}, safe to keep. */
        List<R> next(Iterator<R> rows, int n);

        /** The batch's columns, column-major. */
        double[] columns(List<R> batch);
    }

    /** Reads fields {@code idx} of {@link Row}s. */
    record RowReader(int[] idx) implements Reader<Row> {
        @Override
        public int columns() {
            return idx.length;
        }

        @Override
        public List<Row> next(Iterator<Row> rows, int n) {
            return Batches.next(rows, n);
        }

        @Override
        public double[] columns(List<Row> batch) {
            return Batches.columns(batch, idx);
        }
    }

    /** Reads fields {@code idx}, of numeric {@code types}, of internal rows. */
    record InternalReader(int[] idx, DataType[] types) implements Reader<InternalRow> {
        @Override
        public int columns() {
            return idx.length;
        }

        @Override
        public List<InternalRow> next(Iterator<InternalRow> rows, int n) {
            return InternalRows.next(rows, n);
        }

        @Override
        public double[] columns(List<InternalRow> batch) {
            return InternalRows.columns(batch, idx, types);
        }
    }

    /** The merged statistics of the columns {@code reader} reads from {@code rows}. */
    static <R> TableStatistics statistics(JavaRDD<R> rows, Reader<R> reader, String device, int batchRows) {
        int k = reader.columns();
        return merged(rows.mapPartitions(it -> {
            Iterator<double[]> batches = new Iterator<>() {
                @Override
                public boolean hasNext() {
                    return it.hasNext();
                }

                @Override
                public double[] next() {
                    return reader.columns(reader.next(it, batchRows));
                }
            };
            return Collections.singletonList(partition(batches, k, device)).iterator();
        }), k);
    }

    /** The merged statistics of fields {@code idx} (of numeric {@code types}) of Spark's columnar {@code batches}. */
    static TableStatistics statistics(JavaRDD<ColumnarBatch> batches, int[] idx, DataType[] types, String device, int batchRows) {
        return merged(batches.mapPartitions(it -> Collections.singletonList(
                partition(Columnar.columns(it, idx, types, batchRows), idx.length, device)).iterator()), idx.length);
    }

    private static TableStatistics merged(JavaRDD<String> partitions, int k) {
        String empty = TableStatistics.empty(k).toText();
        return TableStatistics.parse(partitions.treeAggregate(empty, StatisticsPass::merge, StatisticsPass::merge));
    }

    /** One partition's statistics, batch by batch (column-major, {@code k} columns) on the task's device, in text form. */
    private static String partition(Iterator<double[]> batches, int k, String deviceId) {
        Device device = KilnExecutor.get().deviceFor(deviceId);
        TableStatistics s = TableStatistics.empty(k);
        while (batches.hasNext()) {
            double[] v = batches.next();
            s = s.merge(TableStatistics.compute(device, DoubleColumns.wrap(v, v.length / k, k)));
        }
        return s.toText();
    }

    private static String merge(String a, String b) {
        return TableStatistics.parse(a).merge(TableStatistics.parse(b)).toText();
    }

    /**
     * The exact {@link #QUANTILES} of one column ({@code column}: its values, NaN where missing) over
     * its {@code count} non-missing values, as {@link Quantiles#of(double[], double...)} gives on all of them: the values
     * are sorted across the cluster (Java's double order, as {@code Arrays.sort}), only the two order
     * statistics around each quantile are fetched, and they are interpolated as NumPy does.
     */
    static double[] quantiles(JavaRDD<Double> column, long count) {
        if (count == 0) return new double[] {Double.NaN, Double.NaN, Double.NaN};
        long[][] around = new long[QUANTILES.length][];
        double[] g = new double[QUANTILES.length];
        Set<Long> wanted = new HashSet<>();
        for (int j = 0; j < QUANTILES.length; j++) {
            // Quantiles.ofSorted's index arithmetic: h = (n - 1) q, i = floor(h), g = h - i
            double h = (count - 1) * QUANTILES[j];
            long i = h >= count - 1 ? count - 1 : (long) Math.floor(h);
            g[j] = h >= count - 1 ? 0 : h - i;
            around[j] = new long[] {i, Math.min(i + 1, count - 1)};
            wanted.add(around[j][0]);
            wanted.add(around[j][1]);
        }
        JavaRDD<Double> values = column.filter(x -> x == x);
        JavaPairRDD<Long, Double> picked = values.sortBy(x -> x, true, Math.max(1, values.getNumPartitions()))
                .zipWithIndex().filter(t -> wanted.contains(t._2())).mapToPair(t -> new Tuple2<>(t._2(), t._1()));
        Map<Long, Double> at = picked.collectAsMap();
        double[] out = new double[QUANTILES.length];
        for (int j = 0; j < QUANTILES.length; j++) {
            // the two order statistics and g: the same interpolation as over all values
            out[j] = Quantiles.ofSorted(new double[] {at.get(around[j][0]), at.get(around[j][1])}, 2, g[j]);
        }
        return out;
    }

    /**
     * The text form of a preprocessor with {@code settings}, fitted to {@code statistics} (and
     * {@code quantiles} per column, or {@code null} when the settings need none): the form
     * {@link Preprocessor#toText()} writes, so {@link Preprocessor#parse} restores it.
     */
    static String preprocessorText(Preprocessor.Builder settings, TableStatistics statistics, double[][] quantiles) {
        String[] unfitted = settings.build().toText().split("\n");
        String[] stats = statistics.toText().split("\n");
        StringBuilder sb = new StringBuilder();
        // header, imputation, constant, scaling, clip, columns: the settings lines of the unfitted form
        for (int i = 0; i < 6; i++) sb.append(unfitted[i]).append('\n');
        for (int c = 0; c < statistics.columns(); c++) {
            sb.append(stats[2 + c]).append('\n');
            if (quantiles != null) {
                sb.append("quantiles ").append(c);
                for (double q : quantiles[c]) sb.append(' ').append(q);
                sb.append('\n');
            }
        }
        String text = sb.toString();
        Preprocessor.parse(text);  // refuses a text that is not in the library's form
        return text;
    }

    /** Whether a preprocessor with {@code settings} keeps quantiles (median imputation, robust scaling). */
    static boolean needsQuantiles(Preprocessor.Builder settings) {
        String text = settings.build().toText();
        return text.contains("\nimputation MEDIAN\n") || text.contains("\nscaling ROBUST\n");
    }

    /** Every column's quantiles, one distributed sort per column; {@code column} gives column {@code c}'s values. */
    static double[][] allQuantiles(IntFunction<JavaRDD<Double>> column, TableStatistics statistics) {
        double[][] out = new double[statistics.columns()][];
        for (int c = 0; c < out.length; c++) out[c] = quantiles(column.apply(c), statistics.column(c).count());
        return out;
    }
}
