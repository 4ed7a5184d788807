package io.kiln.spark;

import org.apache.spark.ml.param.Params;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWriter;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

import java.util.List;
import java.util.function.BiFunction;

/**
 * Saving and loading a fitted stage as Spark ML does: {@code path/metadata} holds the class, uid and
 * parameters (Spark's {@code DefaultParamsWriter} JSON), {@code path/data} one Parquet row with the
 * fitted state's text. A {@code Pipeline} or {@code PipelineModel} saves its Kiln stages this way and
 * finds them again by class name ({@code read()} on the stage's class).
 */
final class Persistence {
    private Persistence() {
    }

    private static final StructType DATA = new StructType().add("state", DataTypes.StringType, false);

    /** Writes a stage's metadata and its state. */
    static final class Writer extends MLWriter {
        private final Params stage;
        private final String state;

        Writer(Params stage, String state) {
            this.stage = stage;
            this.state = state;
        }

        @Override
        public void saveImpl(String path) {
            DefaultParamsWriter.saveMetadata(stage, path, sparkSession());
            List<Row> rows = List.of(RowFactory.create(state));
            sparkSession().createDataFrame(rows, DATA).repartition(1).write().parquet(path + "/data");
        }
    }

    /**
     * Reads a stage written by {@link Writer}: {@code make} builds it from its uid and state, then the
     * saved parameters are set on it.
     *
     * @param <T> the stage type
     */
    static final class Reader<T extends Params> extends MLReader<T> {
        private final Class<T> type;
        private final BiFunction<String, String, T> make;

        Reader(Class<T> type, BiFunction<String, String, T> make) {
            this.type = type;
            this.make = make;
        }

        @Override
        public T load(String path) {
            DefaultParamsReader.Metadata metadata = DefaultParamsReader.loadMetadata(path, sparkSession(), type.getName());
            Row row = sparkSession().read().parquet(path + "/data").first();
            T stage = make.apply(metadata.uid(), row.getString(0));
            metadata.getAndSetParams(stage, scala.Option.empty());
            return stage;
        }
    }
}
