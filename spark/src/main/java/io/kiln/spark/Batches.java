package io.kiln.spark;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * Rows of a partition in columnar batches, and the schema checks of the column stages. A partition is
 * read lazily, {@code batchRows} rows at a time, so a stage holds one batch of a partition, not the
 * whole partition.
 */
final class Batches {
    private Batches() {
    }

    /**
     * The rows {@code process} makes of each batch of up to {@code batchRows} rows of {@code rows}, in
     * order, computed one batch at a time as the result is iterated.
     */
    static Iterator<Row> map(Iterator<Row> rows, int batchRows, Function<List<Row>, List<Row>> process) {
        return map(rows, batchRows, Batches::next, process);
    }

    /** {@link #map(Iterator, int, Function)} for any row type, with {@code take} cutting the batches. */
    static <R> Iterator<R> map(Iterator<R> rows, int batchRows, BiFunction<Iterator<R>, Integer, List<R>> take,
                               Function<List<R>, List<R>> process) {
        return new Iterator<>() {
            private Iterator<R> out = Collections.emptyIterator();

            @Override
            public boolean hasNext() {
                while (!out.hasNext()) {
                    if (!rows.hasNext()) return false;
                    out = process.apply(take.apply(rows, batchRows)).iterator();
                }
                return true;
            }

            @Override
            public R next() {
                if (!hasNext()) throw new NoSuchElementException();
                return out.next();
            }
        };
    }

    /** Up to {@code n} rows taken from {@code rows}. */
    static List<Row> next(Iterator<Row> rows, int n) {
        List<Row> batch = new ArrayList<>(Math.min(n, 4096));
        while (batch.size() < n && rows.hasNext()) batch.add(rows.next());
        return batch;
    }

    /** Fields {@code fields} of {@code rows} as float64 columns, column-major; null is NaN (missing). */
    static double[] columns(List<Row> rows, int[] fields) {
        int n = rows.size();
        double[] v = new double[n * fields.length];
        for (int c = 0; c < fields.length; c++) {
            int f = fields[c];
            for (int r = 0; r < n; r++) {
                Object x = rows.get(r).get(f);
                v[c * n + r] = x == null ? Double.NaN : ((Number) x).doubleValue();
            }
        }
        return v;
    }

    /**
     * Each row of {@code batch} with its {@code k} values of the column-major {@code values}
     * ({@code n} rows) appended by {@code append}.
     */
    static <R> List<R> appendAll(List<R> batch, double[] values, int n, int k, BiFunction<R, Object[], R> append) {
        Object[][] v = new Object[k][n];
        for (int c = 0; c < k; c++) {
            for (int r = 0; r < n; r++) v[c][r] = values[c * n + r];
        }
        return appendAll(batch, v, append);
    }

    /** Each row of {@code batch} with its values {@code values[c][r]}, one per column {@code c}, appended by {@code append}. */
    static <R> List<R> appendAll(List<R> batch, Object[][] values, BiFunction<R, Object[], R> append) {
        List<R> rows = new ArrayList<>(batch.size());
        Object[] extra = new Object[values.length];
        for (int r = 0; r < batch.size(); r++) {
            for (int c = 0; c < values.length; c++) extra[c] = values[c][r];
            rows.add(append.apply(batch.get(r), extra));
        }
        return rows;
    }

    /** {@code row} with {@code extra} values appended. */
    static Row append(Row row, Object... extra) {
        Object[] v = new Object[row.length() + extra.length];
        for (int i = 0; i < row.length(); i++) v[i] = row.get(i);
        System.arraycopy(extra, 0, v, row.length(), extra.length);
        return RowFactory.create(v);
    }

    /**
     * Checks a stage's columns against {@code schema}: every input exists and has a type {@code accepts}
     * takes, there is one output per input, and no output exists yet. Returns the inputs' field indices.
     *
     * @throws IllegalArgumentException saying which column is wrong and what to do
     */
    static int[] checkColumns(String stage, StructType schema, String[] inputs, String[] outputs, boolean integersOnly) {
        if (inputs == null || inputs.length == 0) {
            throw new IllegalArgumentException(stage + ": set inputCols to the columns to transform (none set)");
        }
        if (outputs == null || outputs.length != inputs.length) {
            throw new IllegalArgumentException(stage + ": outputCols must name one output per input column; inputCols "
                    + Arrays.toString(inputs) + ", outputCols " + (outputs == null ? "not set" : Arrays.toString(outputs)));
        }
        List<String> names = Arrays.asList(schema.fieldNames());
        int[] idx = new int[inputs.length];
        for (int c = 0; c < inputs.length; c++) {
            int i = names.indexOf(inputs[c]);
            if (i < 0) {
                throw new IllegalArgumentException(stage + ": input column '" + inputs[c] + "' does not exist; the columns are "
                        + names);
            }
            DataType t = schema.fields()[i].dataType();
            boolean ok = integersOnly
                    ? t.equals(DataTypes.IntegerType) || t.equals(DataTypes.LongType) || t.equals(DataTypes.ShortType)
                    || t.equals(DataTypes.ByteType)
                    : t instanceof NumericType;
            if (!ok) {
                throw new IllegalArgumentException(stage + ": input column '" + inputs[c] + "' is " + t.simpleString()
                        + ", but it must be " + (integersOnly ? "an integer type (category codes)" : "numeric")
                        + "; cast it first, e.g. col(\"" + inputs[c] + "\").cast(\"" + (integersOnly ? "int" : "double") + "\")");
            }
            idx[c] = i;
        }
        for (String o : outputs) {
            if (names.contains(o)) {
                throw new IllegalArgumentException(stage + ": output column '" + o + "' already exists; choose another name");
            }
        }
        if (Arrays.stream(outputs).distinct().count() != outputs.length) {
            throw new IllegalArgumentException(stage + ": outputCols " + Arrays.toString(outputs) + " repeat a name");
        }
        return idx;
    }

    /** {@code schema} with one column of {@code type} per output appended. */
    static StructType appendColumns(StructType schema, String[] outputs, DataType type, boolean nullable) {
        StructField[] f = Arrays.copyOf(schema.fields(), schema.fields().length + outputs.length);
        for (int c = 0; c < outputs.length; c++) {
            f[schema.fields().length + c] = DataTypes.createStructField(outputs[c], type, nullable);
        }
        return new StructType(f);
    }
}
