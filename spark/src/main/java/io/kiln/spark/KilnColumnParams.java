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
 * {@code batchRows} (rows of a partition gathered into one columnar batch per kernel launch).
 */
public interface KilnColumnParams extends Params {
    /** Rows per batch unless set: large enough that one launch is far more than 100 microseconds of work. */
    int DEFAULT_BATCH_ROWS = 65536;

    /** The input column names. */
    StringArrayParam inputCols();

    /** The output column names, one per input column. */
    StringArrayParam outputCols();

    /** The Kiln device id, or {@value KilnExecutor#AUTO} (the default). */
    Param<String> device();

    /** Rows per columnar batch (default {@value #DEFAULT_BATCH_ROWS}). */
    IntParam batchRows();

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

        Holder(Params owner) {
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
