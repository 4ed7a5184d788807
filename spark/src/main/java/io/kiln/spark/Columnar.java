package io.kiln.spark;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.execution.ColumnarToRowExec;
import org.apache.spark.sql.execution.InputAdapter;
import org.apache.spark.sql.execution.SparkPlan;
import org.apache.spark.sql.execution.WholeStageCodegenExec;
import org.apache.spark.sql.execution.adaptive.AdaptiveSparkPlanExec;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DoubleType;
import org.apache.spark.sql.vectorized.ColumnVector;
import org.apache.spark.sql.vectorized.ColumnarBatch;

import java.util.Arrays;
import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * Spark's columnar input, for the statistics pass of the tabular estimators: when a dataset is
 * exactly a columnar scan (Parquet or ORC through the vectorised reader, a cached DataFrame of
 * primitive columns), Spark's plan is {@code ColumnarToRow} over that scan, and the scan's
 * {@link ColumnarBatch}es can be read directly: a column's values are an array load each, and no row
 * is built or copied, where the internal-row path has Spark convert every batch to
 * {@code UnsafeRow}s and then copies each row. Any other plan (a filter, a join, an expression above
 * the scan) returns {@code null} and the stages read internal rows. Off with
 * {@code -Dkiln.spark.columnar=false} on the driver. See docs/spark.md for what it measured.
 */
final class Columnar {
    private Columnar() {
    }

    /** The system property that turns the columnar path off. */
    static final String COLUMNAR = "kiln.spark.columnar";

    /**
     * The scan's batches when {@code dataset}'s whole plan is a columnar scan (under the row conversion,
     * whole-stage codegen and adaptive execution that wrap it) whose columns are the dataset's, in
     * order; else {@code null}.
     */
    static JavaRDD<ColumnarBatch> batches(Dataset<?> dataset) {
        if (!"true".equals(System.getProperty(COLUMNAR, "true")) || !InternalRows.available(dataset)) return null;
        SparkPlan plan = ((org.apache.spark.sql.classic.Dataset<?>) dataset).queryExecution().executedPlan();
        // adaptive execution wraps the plan (a leaf scan has no stage for it to adapt), whole-stage
        // codegen wraps the row conversion: under them, the scan
        if (plan instanceof AdaptiveSparkPlanExec a) plan = a.executedPlan();
        if (plan instanceof WholeStageCodegenExec w) plan = w.child();
        if (plan instanceof ColumnarToRowExec toRows) plan = toRows.child();
        if (plan instanceof InputAdapter a) plan = a.child();
        boolean scan = plan.children().isEmpty() && plan.supportsColumnar()
                && Arrays.equals(plan.schema().fieldNames(), dataset.schema().fieldNames());
        return scan ? plan.executeColumnar().toJavaRDD() : null;
    }

    /**
     * The rows of {@code batches} as column-major float64 batches of up to {@code rows} rows each
     * (columns {@code fields}, of numeric {@code types}; null is NaN; a batch of {@code n} rows has
     * {@code n * fields.length} values), cut as the internal-row path cuts them: every {@code rows} rows
     * of the partition.
     */
    static Iterator<double[]> columns(Iterator<ColumnarBatch> batches, int[] fields, DataType[] types, int rows) {
        return new Iterator<>() {
            private ColumnarBatch current;
            private int at;  // the next row of current

            @Override
            public boolean hasNext() {
                while (current == null || at >= current.numRows()) {
                    if (!batches.hasNext()) return false;
                    current = batches.next();  // the reader may reuse it: values are copied out below
                    at = 0;
                }
                return true;
            }

            @Override
            public double[] next() {
                if (!hasNext()) throw new NoSuchElementException();
                double[][] out = new double[fields.length][rows];
                int n = 0;
                while (n < rows && hasNext()) {
                    int take = Math.min(rows - n, current.numRows() - at);
                    for (int c = 0; c < fields.length; c++) read(current, fields[c], types[c], at, take, out[c], n);
                    at += take;
                    n += take;
                }
                double[] v = new double[n * fields.length];
                for (int c = 0; c < fields.length; c++) System.arraycopy(out[c], 0, v, c * n, n);
                return v;
            }
        };
    }

    /** Rows {@code from} to {@code from + n - 1} of column {@code f} of {@code batch} into {@code out} at {@code to}. */
    private static void read(ColumnarBatch batch, int f, DataType t, int from, int n, double[] out, int to) {
        ColumnVector v = batch.column(f);
        if (t instanceof DoubleType && !v.hasNull()) {
            for (int i = 0; i < n; i++) out[to + i] = v.getDouble(from + i);  // the common case: one load per value
            return;
        }
        // any other numeric type, or nulls: the batch's row view reads the vector (getRow only moves the row index)
        for (int i = 0; i < n; i++) out[to + i] = InternalRows.value(batch.getRow(from + i), f, t);
    }
}
