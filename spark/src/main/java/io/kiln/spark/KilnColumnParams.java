package io.kiln.spark;

import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.param.Params;
import org.apache.spark.ml.param.StringArrayParam;

/**
 * The parameters every Kiln column stage shares, in Spark ML's naming: {@code inputCols},
 * {@code outputCols} (one output per input, appended to the rows), {@code device} (a Kiln device id,
 * or {@value KilnExecutor#AUTO} for the GPU Spark gave the task, else {@code cpu}) and
 * {@code batchRows} (rows of a partition gathered into one columnar batch per kernel launch). The
 * accessors and setters are implemented here once, over the stage's {@link #columnParams()}.
 *
 * @param <S> the stage's own type, which the setters return
 */
public interface KilnColumnParams<S extends KilnColumnParams<S>> extends Params {
    /** Rows per batch unless set: large enough that one launch is far more than 100 microseconds of work. */
    int DEFAULT_BATCH_ROWS = 65536;

    /** The parameter objects of this stage (made once per stage by {@link Holder}). */
    Holder columnParams();

    /** The input column names. */
    default StringArrayParam inputCols() {
        return columnParams().inputCols;
    }

    /** The output column names, one per input column. */
    default StringArrayParam outputCols() {
        return columnParams().outputCols;
    }

    /** The Kiln device id, or {@value KilnExecutor#AUTO} (the default). */
    default Param<String> device() {
        return columnParams().device;
    }

    /** Rows per columnar batch (default {@value #DEFAULT_BATCH_ROWS}). */
    default IntParam batchRows() {
        return columnParams().batchRows;
    }

    /** Sets the input columns. */
    default S setInputCols(String... cols) {
        set(inputCols(), cols);
        return self();
    }

    /** Sets the output columns, one per input. */
    default S setOutputCols(String... cols) {
        set(outputCols(), cols);
        return self();
    }

    /** Sets the device: a Kiln device id or {@value KilnExecutor#AUTO}. */
    default S setDevice(String device) {
        set(device(), device);
        return self();
    }

    /** Sets the rows per columnar batch. */
    default S setBatchRows(int rows) {
        set(batchRows(), (Object) rows);
        return self();
    }

    @SuppressWarnings("unchecked")
    private S self() {
        return (S) this;
    }

    /** The input column names. */
    default String[] getInputCols() {
        return getOrDefault(inputCols());
    }

    /** The output column names. */
    default String[] getOutputCols() {
        return getOrDefault(outputCols());
    }

    /** The device parameter's value. */
    default String getDevice() {
        return getOrDefault(device());
    }

    /** Rows per columnar batch. */
    default int getBatchRows() {
        return (Integer) getOrDefault(batchRows());
    }

    /** The four parameters of a stage, made for {@code owner} with their defaults set. */
    final class Holder implements java.io.Serializable {
        private static final long serialVersionUID = 1L;
        final StringArrayParam inputCols;
        final StringArrayParam outputCols;
        final Param<String> device;
        final IntParam batchRows;

        /** The parameters of {@code owner}, with their defaults set on it. */
        public Holder(Params owner) {
            inputCols = new StringArrayParam(owner, "inputCols", "input column names");
            outputCols = new StringArrayParam(owner, "outputCols", "output column names, one per input column");
            device = new Param<>(owner, "device", "a Kiln device id (cpu, opencl:N, cuda:N) or 'auto': the GPU Spark gave the"
                    + " task, else cpu");
            batchRows = new IntParam(owner, "batchRows", "rows of a partition per columnar batch (one kernel launch)",
                    ParamValidators.gt(0));
            owner.setDefault(device, KilnExecutor.AUTO);
            owner.setDefault(batchRows, (Object) DEFAULT_BATCH_ROWS);
        }
    }
}
