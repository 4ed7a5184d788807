"""PySpark wrappers of Kiln's Spark ML stages (the Java classes in ``io.kiln.spark``).

Each class here is a thin ``JavaEstimator``, ``JavaModel`` or ``JavaTransformer`` over the Java stage
of the same name: the Python object holds the parameters, the Java object does the work on the
executors. They are first-class PySpark ML stages: usable in a ``pyspark.ml.Pipeline``, saved and
loaded (``write().save(path)``, ``KilnStandardScaler.load(path)``), and a saved Java ``Pipeline``
loads in Python with these classes for its Kiln stages.

The Kiln jars must be on the driver's and the executors' class path (``spark.jars``), with
``--enable-native-access=ALL-UNNAMED`` in ``spark.driver.extraJavaOptions`` and
``spark.executor.extraJavaOptions``; see docs/spark.md.

Example::

    from kiln_spark import KilnImputer, KilnStandardScaler, KilnClipper
    from pyspark.ml import Pipeline
    pipeline = Pipeline(stages=[
        KilnImputer(strategy="median", inputCols=["age"], outputCols=["age_f"]),
        KilnStandardScaler(inputCols=["age_f"], outputCols=["age_s"]),
        KilnClipper(lower=-5.0, upper=5.0, inputCols=["age_s"], outputCols=["age_c"])])
    model = pipeline.fit(df)
"""

import sys

from pyspark import keyword_only
from pyspark.ml.param import Param, Params, TypeConverters
from pyspark.ml.param.shared import HasInputCol, HasInputCols, HasOutputCol, HasOutputCols, HasSeed
from pyspark.ml.util import JavaMLReadable, JavaMLReader, JavaMLWritable
from pyspark.ml.wrapper import JavaEstimator, JavaModel, JavaTransformer

__all__ = [
    "KilnStandardScaler", "KilnStandardScalerModel",
    "KilnMinMaxScaler", "KilnMinMaxScalerModel",
    "KilnRobustScaler", "KilnRobustScalerModel",
    "KilnImputer", "KilnImputerModel",
    "KilnBucketizer", "KilnOneHotEncoder", "KilnClipper",
    "KilnImageTransformer",
]

_JAVA_PACKAGE = "io.kiln.spark"

# PySpark finds the Python class of a loaded Java stage (a PipelineModel's stages) by importing the
# Java class's package as a Python module (JavaParams._from_java); this alias makes that import
# find this module.
sys.modules.setdefault(_JAVA_PACKAGE, sys.modules[__name__])


class _KilnReader(JavaMLReader):
    """Reads a saved stage with the Java class of the same name in io.kiln.spark."""

    @classmethod
    def _java_loader_class(cls, clazz):
        return _JAVA_PACKAGE + "." + clazz.__name__


class _KilnReadable(JavaMLReadable):
    """``load(path)`` and ``read()`` through the Java stage's reader."""

    @classmethod
    def read(cls):
        return _KilnReader(cls)


class _KilnColumnParams(HasInputCols, HasOutputCols):
    """The parameters every Kiln column stage shares (Java: KilnColumnParams)."""

    device = Param(Params._dummy(), "device",
                   "a Kiln device id (cpu, opencl:N, cuda:N) or 'auto': the GPU Spark gave the task, else cpu",
                   typeConverter=TypeConverters.toString)
    batchRows = Param(Params._dummy(), "batchRows", "rows of a partition per columnar batch (one kernel launch)",
                      typeConverter=TypeConverters.toInt)

    def __init__(self, *args):
        super().__init__(*args)
        self._setDefault(device="auto", batchRows=65536)

    def getDevice(self):
        """The device parameter's value."""
        return self.getOrDefault(self.device)

    def getBatchRows(self):
        """Rows per columnar batch."""
        return self.getOrDefault(self.batchRows)

    def setInputCols(self, value):
        """Sets the input columns."""
        return self._set(inputCols=value)

    def setOutputCols(self, value):
        """Sets the output columns, one per input."""
        return self._set(outputCols=value)

    def setDevice(self, value):
        """Sets the device: a Kiln device id or 'auto'."""
        return self._set(device=value)

    def setBatchRows(self, value):
        """Sets the rows per columnar batch."""
        return self._set(batchRows=value)


class _KilnEstimator(JavaEstimator, _KilnColumnParams, _KilnReadable, JavaMLWritable):
    """A Kiln tabular estimator; subclasses name their Java class and model class."""

    _java_class = None
    _model_class = None

    def __init__(self, **kwargs):
        super().__init__()
        self._java_obj = self._new_java_obj(self._java_class, self.uid)
        self._set(**kwargs)

    def _create_model(self, java_model):
        return self._model_class(java_model)


class _KilnScaler(_KilnEstimator):
    """A scaler: the column parameters only."""

    @keyword_only
    def __init__(self, *, inputCols=None, outputCols=None, device="auto", batchRows=65536):
        super().__init__(**self._input_kwargs)

    @keyword_only
    def setParams(self, *, inputCols=None, outputCols=None, device="auto", batchRows=65536):
        """Sets the parameters given by keyword."""
        return self._set(**self._input_kwargs)


class _KilnModel(JavaModel, _KilnColumnParams, _KilnReadable, JavaMLWritable):
    """A fitted Kiln tabular model: the fitted state stays in the Java object."""

    def state(self):
        """The fitted preprocessor's text form (Java: state())."""
        return self._call_java("state")


class _KilnTransformer(JavaTransformer, _KilnReadable, JavaMLWritable):
    """A Kiln transformer; subclasses name their Java class and their own defaults (as the Java stage's)."""

    _java_class = None
    _defaults = {}

    def __init__(self, **kwargs):
        super().__init__()
        self._java_obj = self._new_java_obj(self._java_class, self.uid)
        self._setDefault(**self._defaults)
        self._set(**kwargs)


class KilnStandardScalerModel(_KilnModel):
    """Java: io.kiln.spark.KilnStandardScalerModel, (x - mean) / std."""


class KilnStandardScaler(_KilnScaler):
    """Java: io.kiln.spark.KilnStandardScaler, zero mean and unit population standard deviation."""

    _java_class = _JAVA_PACKAGE + ".KilnStandardScaler"
    _model_class = KilnStandardScalerModel


class KilnMinMaxScalerModel(_KilnModel):
    """Java: io.kiln.spark.KilnMinMaxScalerModel, (x - min) / (max - min)."""


class KilnMinMaxScaler(_KilnScaler):
    """Java: io.kiln.spark.KilnMinMaxScaler, to [0, 1]."""

    _java_class = _JAVA_PACKAGE + ".KilnMinMaxScaler"
    _model_class = KilnMinMaxScalerModel


class KilnRobustScalerModel(_KilnModel):
    """Java: io.kiln.spark.KilnRobustScalerModel, (x - median) / (q75 - q25)."""

    def median(self):
        """The median of each input column."""
        return list(self._call_java("median"))

    def range(self):
        """The interquartile range of each input column (1 where it is 0)."""
        return list(self._call_java("range"))


class KilnRobustScaler(_KilnScaler):
    """Java: io.kiln.spark.KilnRobustScaler, median and interquartile range from exact quantiles."""

    _java_class = _JAVA_PACKAGE + ".KilnRobustScaler"
    _model_class = KilnRobustScalerModel


class _KilnImputerParams(_KilnColumnParams):
    """The imputer's own parameters."""

    strategy = Param(Params._dummy(), "strategy", "what replaces a missing value: mean, median or constant (fillValue)",
                     typeConverter=TypeConverters.toString)
    fillValue = Param(Params._dummy(), "fillValue", "the value of the constant strategy",
                      typeConverter=TypeConverters.toFloat)

    def __init__(self, *args):
        super().__init__(*args)
        self._setDefault(strategy="mean", fillValue=0.0)

    def getStrategy(self):
        """The strategy's value."""
        return self.getOrDefault(self.strategy)

    def getFillValue(self):
        """The fill value's value."""
        return self.getOrDefault(self.fillValue)


class KilnImputerModel(_KilnModel):
    """Java: io.kiln.spark.KilnImputerModel, a missing value becomes the column's fill."""

    def fill(self):
        """The fill value of each input column."""
        return list(self._call_java("fill"))


class KilnImputer(_KilnEstimator, _KilnImputerParams):
    """Java: io.kiln.spark.KilnImputer, missing values to the mean, exact median or a constant."""

    _java_class = _JAVA_PACKAGE + ".KilnImputer"
    _model_class = KilnImputerModel

    @keyword_only
    def __init__(self, *, inputCols=None, outputCols=None, device="auto", batchRows=65536, strategy="mean",
                 fillValue=0.0):
        super().__init__(**self._input_kwargs)

    @keyword_only
    def setParams(self, *, inputCols=None, outputCols=None, device="auto", batchRows=65536, strategy="mean",
                  fillValue=0.0):
        """Sets the parameters given by keyword."""
        return self._set(**self._input_kwargs)

    def setStrategy(self, value):
        """Sets the strategy: mean, median or constant."""
        return self._set(strategy=value)

    def setFillValue(self, value):
        """Sets the fill value of the constant strategy."""
        return self._set(fillValue=value)


class KilnBucketizer(_KilnTransformer, _KilnColumnParams):
    """Java: io.kiln.spark.KilnBucketizer, bucket = number of edges <= x; missing gets len(edges) + 1."""

    _java_class = _JAVA_PACKAGE + ".KilnBucketizer"

    splitsArray = Param(Params._dummy(), "splitsArray", "ascending, NaN-free bucket edges, one array per input column",
                        typeConverter=TypeConverters.toListListFloat)

    @keyword_only
    def __init__(self, *, inputCols=None, outputCols=None, device="auto", batchRows=65536, splitsArray=None):
        super().__init__(**self._input_kwargs)

    @keyword_only
    def setParams(self, *, inputCols=None, outputCols=None, device="auto", batchRows=65536, splitsArray=None):
        """Sets the parameters given by keyword."""
        return self._set(**self._input_kwargs)

    def getSplitsArray(self):
        """The edges, one list per input column."""
        return self.getOrDefault(self.splitsArray)

    def setSplitsArray(self, value):
        """Sets the edges, one ascending list per input column."""
        return self._set(splitsArray=value)


class KilnOneHotEncoder(_KilnTransformer, _KilnColumnParams):
    """Java: io.kiln.spark.KilnOneHotEncoder, integer codes to dense vectors; unknown codes give zeros."""

    _java_class = _JAVA_PACKAGE + ".KilnOneHotEncoder"

    categorySizes = Param(Params._dummy(), "categorySizes", "the number of categories of each input column (codes 0..k-1)",
                          typeConverter=TypeConverters.toListInt)

    @keyword_only
    def __init__(self, *, inputCols=None, outputCols=None, device="auto", batchRows=65536, categorySizes=None):
        super().__init__(**self._input_kwargs)

    @keyword_only
    def setParams(self, *, inputCols=None, outputCols=None, device="auto", batchRows=65536, categorySizes=None):
        """Sets the parameters given by keyword."""
        return self._set(**self._input_kwargs)

    def getCategorySizes(self):
        """The number of categories per input column."""
        return self.getOrDefault(self.categorySizes)

    def setCategorySizes(self, value):
        """Sets the number of categories of each input column."""
        return self._set(categorySizes=value)


class KilnClipper(_KilnTransformer, _KilnColumnParams):
    """Java: io.kiln.spark.KilnClipper, values clipped to [lower, upper]."""

    _java_class = _JAVA_PACKAGE + ".KilnClipper"
    _defaults = {"lower": float("-inf"), "upper": float("inf")}

    lower = Param(Params._dummy(), "lower", "the lower bound (-Infinity: none)", typeConverter=TypeConverters.toFloat)
    upper = Param(Params._dummy(), "upper", "the upper bound (+Infinity: none)", typeConverter=TypeConverters.toFloat)

    @keyword_only
    def __init__(self, *, inputCols=None, outputCols=None, device="auto", batchRows=65536, lower=float("-inf"),
                 upper=float("inf")):
        super().__init__(**self._input_kwargs)

    @keyword_only
    def setParams(self, *, inputCols=None, outputCols=None, device="auto", batchRows=65536, lower=float("-inf"),
                  upper=float("inf")):
        """Sets the parameters given by keyword."""
        return self._set(**self._input_kwargs)

    def getLower(self):
        """The lower bound."""
        return self.getOrDefault(self.lower)

    def getUpper(self):
        """The upper bound."""
        return self.getOrDefault(self.upper)

    def setLower(self, value):
        """Sets the lower bound."""
        return self._set(lower=value)

    def setUpper(self, value):
        """Sets the upper bound."""
        return self._set(upper=value)


class KilnImageTransformer(_KilnTransformer, HasInputCol, HasOutputCol, HasSeed):
    """Java: io.kiln.spark.KilnImageTransformer, encoded images (binaryFile's content) to 3 x 224 x 224 tensors."""

    _java_class = _JAVA_PACKAGE + ".KilnImageTransformer"
    _defaults = {"inputCol": "content", "outputCol": "tensor", "preset": "imagenet-eval", "seed": 0, "onBadImage": "skip",
                 "decoder": "auto", "device": "auto", "batchSize": 32}

    preset = Param(Params._dummy(), "preset", "imagenet-eval or imagenet-train", typeConverter=TypeConverters.toString)
    onBadImage = Param(Params._dummy(), "onBadImage", "skip (drop and count) or fail", typeConverter=TypeConverters.toString)
    decoder = Param(Params._dummy(), "decoder", "auto, turbojpeg or imageio", typeConverter=TypeConverters.toString)
    device = Param(Params._dummy(), "device", "a Kiln device id (cpu, opencl:N, cuda:N) or 'auto'",
                   typeConverter=TypeConverters.toString)
    batchSize = Param(Params._dummy(), "batchSize", "images per launch", typeConverter=TypeConverters.toInt)

    @keyword_only
    def __init__(self, *, inputCol="content", outputCol="tensor", preset="imagenet-eval", seed=0, onBadImage="skip",
                 decoder="auto", device="auto", batchSize=32):
        super().__init__(**self._input_kwargs)

    @keyword_only
    def setParams(self, *, inputCol="content", outputCol="tensor", preset="imagenet-eval", seed=0, onBadImage="skip",
                  decoder="auto", device="auto", batchSize=32):
        """Sets the parameters given by keyword."""
        return self._set(**self._input_kwargs)

    def skipped(self):
        """The number of rows the latest transform skipped, once an action has computed it (None before)."""
        acc = self._call_java("skipped")
        return None if acc is None else acc.value()

    def setInputCol(self, value):
        """Sets the binary input column."""
        return self._set(inputCol=value)

    def setOutputCol(self, value):
        """Sets the tensor output column."""
        return self._set(outputCol=value)

    def setPreset(self, value):
        """Sets the preset: imagenet-eval or imagenet-train."""
        return self._set(preset=value)

    def setSeed(self, value):
        """Sets the seed of imagenet-train."""
        return self._set(seed=value)

    def setOnBadImage(self, value):
        """Sets what a bad row does: skip or fail."""
        return self._set(onBadImage=value)

    def setDecoder(self, value):
        """Sets the decoder: auto, turbojpeg or imageio."""
        return self._set(decoder=value)

    def setDevice(self, value):
        """Sets the device: a Kiln device id or 'auto'."""
        return self._set(device=value)

    def setBatchSize(self, value):
        """Sets the images per launch."""
        return self._set(batchSize=value)
