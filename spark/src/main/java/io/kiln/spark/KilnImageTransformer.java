package io.kiln.spark;

import io.kiln.Device;
import io.kiln.kernels.Image;
import io.kiln.kernels.ImagePipeline;
import io.kiln.kernels.ImagePresets;
import io.kiln.loader.BadSamplePolicy;
import io.kiln.loader.Decoder;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.UnsafeArrayData;
import org.apache.spark.sql.types.BinaryType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.LongAccumulator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * Encoded images to model-ready tensors: over a DataFrame from {@code spark.read.format("binaryFile")}
 * (its {@code content} column), each row's image is decoded with the loader's decoders (TurboJPEG
 * for JPEG when libturbojpeg is present, ImageIO otherwise: {@link Decoder}) and put through a preset
 * of {@link ImagePresets} on the task's device, {@code batchSize} images per launch; the output column
 * ({@code tensor}) is a non-null {@code array<float>} of {@code 3 x 224 x 224} values in CHW order,
 * equal to {@code ImagePresets.imagenetEval().apply(decoded, device)} for the same image.
 *
 * <p>A row that does not decode (corrupt, truncated, not an image, empty) follows
 * {@code onBadImage}, the loader's {@link BadSamplePolicy}: {@code skip} (the default) drops the row,
 * logs it at WARN (with its {@code path} when the DataFrame has one) and counts it in a Spark
 * {@link LongAccumulator} named {@value #SKIPPED}, which {@link #skipped()} returns after the
 * {@link #transform} whose rows it counts has been computed by an action; {@code fail} fails the task
 * (and so the job) naming the row. A null {@code content} counts as a bad image.
 *
 * <p>Presets: {@code imagenet-eval} (resize 256, centre crop 224, ImageNet mean/std) and
 * {@code imagenet-train} (random resized crop and flip, seeded per partition with
 * {@code seed + partitionId}: the same partitioning gives the same crops).
 */
public final class KilnImageTransformer extends Transformer implements DefaultParamsWritable {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(KilnImageTransformer.class);

    /** The name of the accumulator that counts skipped rows. */
    public static final String SKIPPED = "kiln.skippedImages";

    private final String uid;
    private final Param<String> inputCol;
    private final Param<String> outputCol;
    private final Param<String> preset;
    private final LongParam seed;
    private final Param<String> onBadImage;
    private final Param<String> decoder;
    private final Param<String> device;
    private final IntParam batchSize;
    private transient LongAccumulator skipped;

    /** A transformer with a random unique id and the defaults: content to tensor with imagenet-eval. */
    public KilnImageTransformer() {
        this(Identifiable.randomUID("kilnImageTransformer"));
    }

    /** A transformer with the given unique id (Spark's readers call this). */
    public KilnImageTransformer(String uid) {
        this.uid = uid;
        inputCol = new Param<>(this, "inputCol", "the binary column of encoded images");
        outputCol = new Param<>(this, "outputCol", "the array<float> column of C x H x W tensors");
        preset = new Param<>(this, "preset", "imagenet-eval or imagenet-train",
                ParamValidators.inArray(new String[] {"imagenet-eval", "imagenet-train"}));
        seed = new LongParam(this, "seed", "the seed of imagenet-train (plus the partition id)");
        onBadImage = new Param<>(this, "onBadImage", "skip (drop and count) or fail", ParamValidators.inArray(new String[] {"skip", "fail"}));
        decoder = new Param<>(this, "decoder", "auto, turbojpeg or imageio", ParamValidators.inArray(new String[] {"auto", "turbojpeg", "imageio"}));
        device = new Param<>(this, "device", "a Kiln device id (cpu, opencl:N, cuda:N) or 'auto'");
        batchSize = new IntParam(this, "batchSize", "images per launch", ParamValidators.gt(0));
        setDefault(inputCol, "content");
        setDefault(outputCol, "tensor");
        setDefault(preset, "imagenet-eval");
        setDefault(seed, (Object) 0L);
        setDefault(onBadImage, "skip");
        setDefault(decoder, "auto");
        setDefault(device, KilnExecutor.AUTO);
        setDefault(batchSize, (Object) 32);
    }

    @Override
    public String uid() {
        return uid;
    }

    /** The binary input column (default {@code content}). */
    public Param<String> inputCol() {
        return inputCol;
    }

    /** The tensor output column (default {@code tensor}). */
    public Param<String> outputCol() {
        return outputCol;
    }

    /** The preset (default {@code imagenet-eval}). */
    public Param<String> preset() {
        return preset;
    }

    /** The seed of {@code imagenet-train} (default 0). */
    public LongParam seed() {
        return seed;
    }

    /** What a bad row does: {@code skip} (default) or {@code fail}. */
    public Param<String> onBadImage() {
        return onBadImage;
    }

    /** The decoder: {@code auto} (default), {@code turbojpeg} or {@code imageio}. */
    public Param<String> decoder() {
        return decoder;
    }

    /** The Kiln device id, or {@value KilnExecutor#AUTO} (default). */
    public Param<String> device() {
        return device;
    }

    /** Images per launch (default 32). */
    public IntParam batchSize() {
        return batchSize;
    }

    /** Sets the binary input column. */
    public KilnImageTransformer setInputCol(String value) {
        set(inputCol, value);
        return this;
    }

    /** Sets the tensor output column. */
    public KilnImageTransformer setOutputCol(String value) {
        set(outputCol, value);
        return this;
    }

    /** Sets the preset: {@code imagenet-eval} or {@code imagenet-train}. */
    public KilnImageTransformer setPreset(String value) {
        set(preset, value);
        return this;
    }

    /** Sets the seed of {@code imagenet-train}. */
    public KilnImageTransformer setSeed(long value) {
        set(seed, (Object) value);
        return this;
    }

    /** Sets what a bad row does: {@code skip} or {@code fail}. */
    public KilnImageTransformer setOnBadImage(String value) {
        set(onBadImage, value);
        return this;
    }

    /** Sets the decoder: {@code auto}, {@code turbojpeg} or {@code imageio}. */
    public KilnImageTransformer setDecoder(String value) {
        set(decoder, value);
        return this;
    }

    /** Sets the device: a Kiln device id or {@value KilnExecutor#AUTO}. */
    public KilnImageTransformer setDevice(String value) {
        set(device, value);
        return this;
    }

    /** Sets the images per launch. */
    public KilnImageTransformer setBatchSize(int value) {
        set(batchSize, (Object) value);
        return this;
    }

    /**
     * The accumulator counting the rows the latest {@link #transform} skipped (its value is complete once
     * an action has computed that result; computing it twice counts twice), or {@code null} before
     * the first transform.
     */
    public LongAccumulator skipped() {
        return skipped;
    }

    @Override
    public StructType transformSchema(StructType schema) {
        String in = getOrDefault(inputCol), out = getOrDefault(outputCol);
        List<String> names = Arrays.asList(schema.fieldNames());
        if (!names.contains(in)) {
            throw new IllegalArgumentException("KilnImageTransformer: input column '" + in + "' does not exist; the columns are "
                    + names + " (spark.read.format(\"binaryFile\") gives 'content')");
        }
        if (!(schema.apply(in).dataType() instanceof BinaryType)) {
            throw new IllegalArgumentException("KilnImageTransformer: input column '" + in + "' is "
                    + schema.apply(in).dataType().simpleString() + "; it must be binary (encoded image bytes)");
        }
        if (names.contains(out)) {
            throw new IllegalArgumentException("KilnImageTransformer: output column '" + out + "' already exists; choose another name");
        }
        return Batches.appendColumns(schema, new String[] {out}, DataTypes.createArrayType(DataTypes.FloatType, false), false);
    }

    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        StructType out = transformSchema(dataset.schema());
        StructType schema = dataset.schema();
        int field = schema.fieldIndex(getOrDefault(inputCol));
        int pathField = Arrays.asList(schema.fieldNames()).indexOf("path");
        LongAccumulator counter = dataset.sparkSession().sparkContext().longAccumulator(SKIPPED);
        skipped = counter;
        String presetName = getOrDefault(preset), deviceId = getOrDefault(device);
        long baseSeed = (Long) getOrDefault(seed);
        BadSamplePolicy policy = BadSamplePolicy.valueOf(getOrDefault(onBadImage).toUpperCase(Locale.ROOT));
        Decoder use = Decoder.valueOf(getOrDefault(decoder).toUpperCase(Locale.ROOT));
        int batch = (Integer) getOrDefault(batchSize);
        if (InternalRows.available(dataset)) {
            JavaRDD<InternalRow> rows = InternalRows.rows(dataset).mapPartitions(it -> {
                Device d = KilnExecutor.get().deviceFor(deviceId);
                ImagePipeline pipeline = pipeline(presetName, baseSeed);
                // getBinary copies the bytes out of the row; the tensor goes in as Spark's own float array
                Rows<InternalRow> access = new Rows<>(r -> r.isNullAt(field) ? null : r.getBinary(field),
                        r -> pathField < 0 || r.isNullAt(pathField) ? null : r.getUTF8String(pathField).toString(),
                        (r, t) -> InternalRows.append(r, new Object[] {UnsafeArrayData.fromPrimitiveArray(t)}));
                return Batches.map(it, batch, InternalRows::next, b -> apply(b, access, use, policy, pipeline, d, counter));
            });
            return InternalRows.frame(dataset, rows, out);
        }
        return dataset.toDF().mapPartitions((MapPartitionsFunction<Row, Row>) rows -> {
            Device d = KilnExecutor.get().deviceFor(deviceId);
            ImagePipeline pipeline = pipeline(presetName, baseSeed);
            Rows<Row> access = new Rows<>(r -> r.isNullAt(field) ? null : (byte[]) r.get(field),
                    r -> pathField < 0 || r.isNullAt(pathField) ? null : r.get(pathField).toString(),
                    (r, t) -> Batches.append(r, (Object) t));
            return Batches.map(rows, batch, b -> apply(b, access, use, policy, pipeline, d, counter));
        }, Encoders.row(out));
    }

    /** The preset's pipeline for this task: the train preset is seeded with {@code seed + partitionId}. */
    private static ImagePipeline pipeline(String preset, long seed) {
        TaskContext task = TaskContext.get();
        return preset.equals("imagenet-train") ? ImagePresets.imagenetTrain(seed + (task == null ? 0 : task.partitionId()))
                : ImagePresets.imagenetEval();
    }

    /**
     * How the image rows of one row type are read and extended: the encoded bytes (null when
     * missing), the path (null when there is none) and the row with its tensor appended.
     */
    private record Rows<R>(Function<R, byte[]> content, Function<R, String> path, BiFunction<R, float[], R> append) {
    }

    private static <R> List<R> apply(List<R> batch, Rows<R> rows, Decoder decoder, BadSamplePolicy policy,
                                     ImagePipeline pipeline, Device device, LongAccumulator skipped) {
        List<R> kept = new ArrayList<>(batch.size());
        List<Image> images = new ArrayList<>(batch.size());
        for (R row : batch) {
            try {
                byte[] content = rows.content().apply(row);
                if (content == null) throw new IllegalArgumentException("the content is null");
                images.add(decoder.decode(content, pipeline.channels()));
                kept.add(row);
            } catch (IllegalArgumentException e) {
                String path = rows.path().apply(row);
                String what = path != null ? "image " + path : "an image row";
                if (policy == BadSamplePolicy.FAIL) {
                    throw new IllegalStateException("KilnImageTransformer: " + what + " does not decode: " + e.getMessage()
                            + " (onBadImage=fail; set it to skip to drop such rows)", e);
                }
                skipped.add(1);
                LOG.warn("KilnImageTransformer skips {}: {}", what, e.getMessage());
            }
        }
        List<R> result = new ArrayList<>(kept.size());
        if (images.isEmpty()) return result;
        float[] all = pipeline.applyBatch(images, device);
        int size = pipeline.channels() * pipeline.height() * pipeline.width();
        for (int i = 0; i < kept.size(); i++) {
            result.add(rows.append().apply(kept.get(i), Arrays.copyOfRange(all, i * size, (i + 1) * size)));
        }
        return result;
    }

    @Override
    public Transformer copy(ParamMap extra) {
        return defaultCopy(extra);
    }

    /** Spark ML's reader of a saved transformer. */
    public static MLReader<KilnImageTransformer> read() {
        return new DefaultParamsReader<>();
    }

    /** Loads a transformer saved with {@code write().save(path)}. */
    public static KilnImageTransformer load(String path) {
        return read().load(path);
    }
}
