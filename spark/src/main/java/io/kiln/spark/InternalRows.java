package io.kiln.spark;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.catalyst.expressions.JoinedRow;
import org.apache.spark.sql.types.ByteType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DecimalType;
import org.apache.spark.sql.types.DoubleType;
import org.apache.spark.sql.types.FloatType;
import org.apache.spark.sql.types.IntegerType;
import org.apache.spark.sql.types.LongType;
import org.apache.spark.sql.types.ShortType;
import org.apache.spark.sql.types.StructType;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * The fast path of the tabular stages: Spark's own rows ({@link InternalRow}, mostly {@code UnsafeRow})
 * instead of {@link Row} objects. Reading a double from an {@code UnsafeRow} is a memory load, where a
 * {@code Row} first boxes every field of every row, and the appended outputs are joined to the input
 * row without copying its fields, so a transform no longer pays Spark's row conversion both ways
 * (about 2x on a cheap transform, see docs/benchmarks.md). It uses Spark's classic (not Connect)
 * {@code Dataset} internals, {@code queryExecution().toRdd()} and
 * {@code SparkSession.internalCreateDataFrame}; where those are absent, or with
 * {@code -Dkiln.spark.rowPath=true} on the driver, the stages use {@code Row}s.
 */
final class InternalRows {
    private InternalRows() {
    }

    /** The system property that turns the fast path off. */
    static final String ROW_PATH = "kiln.spark.rowPath";

    /** Whether {@code dataset} can be read and written as internal rows. */
    static boolean available(Dataset<?> dataset) {
        return !Boolean.getBoolean(ROW_PATH) && dataset instanceof org.apache.spark.sql.classic.Dataset<?>
                && dataset.sparkSession() instanceof org.apache.spark.sql.classic.SparkSession;
    }

    /** The rows of {@code dataset} as Spark computes them. */
    static JavaRDD<InternalRow> rows(Dataset<?> dataset) {
        return ((org.apache.spark.sql.classic.Dataset<?>) dataset).queryExecution().toRdd().toJavaRDD();
    }

    /** A DataFrame of {@code rows}, which have {@code schema}. */
    static Dataset<Row> frame(Dataset<?> like, JavaRDD<InternalRow> rows, StructType schema) {
        return ((org.apache.spark.sql.classic.SparkSession) like.sparkSession()).internalCreateDataFrame(rows.rdd(), schema, false);
    }

    /** Up to {@code n} rows of {@code rows}, copied (Spark reuses the row object it hands out). */
    static List<InternalRow> next(Iterator<InternalRow> rows, int n) {
        List<InternalRow> batch = new ArrayList<>(Math.min(n, 4096));
        while (batch.size() < n && rows.hasNext()) batch.add(rows.next().copy());
        return batch;
    }

    /** Fields {@code fields} (numeric, of {@code types}) of {@code rows} as float64 columns, column-major; null is NaN. */
    static double[] columns(List<InternalRow> rows, int[] fields, DataType[] types) {
        int n = rows.size();
        double[] v = new double[n * fields.length];
        for (int c = 0; c < fields.length; c++) {
            int f = fields[c];
            DataType t = types[c];
            for (int r = 0; r < n; r++) v[c * n + r] = value(rows.get(r), f, t);
        }
        return v;
    }

    /** Field {@code f} (numeric, of type {@code t}) of {@code row} as a float64; null is NaN. */
    static double value(InternalRow row, int f, DataType t) {
        if (row.isNullAt(f)) return Double.NaN;
        if (t instanceof DoubleType) return row.getDouble(f);
        if (t instanceof FloatType) return row.getFloat(f);
        if (t instanceof IntegerType) return row.getInt(f);
        if (t instanceof LongType) return row.getLong(f);
        if (t instanceof ShortType) return row.getShort(f);
        if (t instanceof ByteType) return row.getByte(f);
        if (t instanceof DecimalType d) return row.getDecimal(f, d.precision(), d.scale()).toDouble();
        throw new IllegalArgumentException("column " + f + " is " + t.simpleString() + ", not a numeric type");
    }

    /** {@code row} followed by {@code extra} (internal values: Double, Integer, ...), without copying {@code row}. */
    static InternalRow append(InternalRow row, Object[] extra) {
        return new JoinedRow(row, new GenericInternalRow(extra.clone()));
    }

    /** The types of fields {@code fields} of {@code schema}. */
    static DataType[] types(StructType schema, int[] fields) {
        DataType[] t = new DataType[fields.length];
        for (int c = 0; c < fields.length; c++) t[c] = schema.fields()[fields[c]].dataType();
        return t;
    }
}
