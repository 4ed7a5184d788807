package io.kiln.spark;

import io.kiln.Devices;
import io.kiln.kernels.tabular.DoubleColumns;
import io.kiln.kernels.tabular.Preprocessor;
import io.kiln.kernels.tabular.Scaling;
import org.apache.spark.ml.Estimator;
import org.apache.spark.ml.Model;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.param.Param;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The PySpark wrappers ({@code src/main/python/kiln_spark}) against the Java stages, without PySpark
 * (not installable here): the package compiles with {@code python3 -m py_compile}, and its source,
 * read as text, has one class per public Java stage with exactly the Java stage's parameter names,
 * the Java class it wraps and, for an estimator, the model class it makes. Whether the wrappers run
 * under PySpark is not tested here (docs/spark.md says so).
 */
class PySparkWrappersTest {
    static final Path SOURCE = Path.of("src/main/python/kiln_spark/__init__.py");
    /** PySpark's shared parameter mixins (pyspark.ml.param.shared) the wrappers use, and the parameter each declares. */
    static final Map<String, String> PYSPARK_MIXINS = Map.of("HasInputCols", "inputCols", "HasOutputCols", "outputCols",
            "HasInputCol", "inputCol", "HasOutputCol", "outputCol", "HasSeed", "seed");

    /** A Python class of the source: its bases, its own parameters and its class attributes. */
    record PyClass(String name, List<String> bases, Set<String> params, Map<String, String> attributes) {
    }

    static Map<String, PyClass> classes;

    @BeforeAll
    static void parse() throws Exception {
        assertTrue(Files.isRegularFile(SOURCE), "the wrappers exist at " + SOURCE.toAbsolutePath());
        classes = new LinkedHashMap<>();
        Pattern head = Pattern.compile("^class (\\w+)\\(([^)]*)\\):");
        Pattern param = Pattern.compile("^    (\\w+) = Param\\(Params\\._dummy\\(\\), \"(\\w+)\"");
        Pattern attribute = Pattern.compile("^    (_java_class|_model_class) = (?:_JAVA_PACKAGE \\+ \")?\\.?([\\w.]+)\"?$");
        PyClass current = null;
        for (String line : Files.readAllLines(SOURCE)) {
            Matcher m = head.matcher(line);
            if (m.find()) {
                List<String> bases = Arrays.stream(m.group(2).split(",")).map(String::strip).filter(b -> !b.isEmpty()).toList();
                current = new PyClass(m.group(1), bases, new TreeSet<>(), new LinkedHashMap<>());
                classes.put(current.name(), current);
                continue;
            }
            if (current == null) continue;
            m = param.matcher(line);
            if (m.find()) {
                assertEquals(m.group(1), m.group(2), "a Param's attribute and its name agree in " + current.name());
                current.params().add(m.group(2));
            }
            m = attribute.matcher(line);
            if (m.find()) current.attributes().put(m.group(1), m.group(2));
        }
    }

    /** The parameter names of {@code name}: its own, its bases' in the file, and PySpark's mixins'. */
    static Set<String> params(String name) {
        Set<String> out = new TreeSet<>();
        if (PYSPARK_MIXINS.containsKey(name)) out.add(PYSPARK_MIXINS.get(name));
        PyClass c = classes.get(name);
        if (c == null) return out;
        out.addAll(c.params());
        for (String base : c.bases()) out.addAll(params(base));
        return out;
    }

    /** {@code name} and its base classes in the file, transitively. */
    static Set<String> ancestors(String name) {
        Set<String> out = new TreeSet<>(Set.of(name));
        PyClass c = classes.get(name);
        if (c != null) for (String base : c.bases()) out.addAll(ancestors(base));
        return out;
    }

    /** Every public, concrete Spark ML stage of io.kiln.spark, from the compiled classes. */
    static List<Class<?>> javaStages() throws Exception {
        File dir = new File(KilnBucketizer.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toPath()
                .resolve("io/kiln/spark").toFile();
        List<Class<?>> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir.toPath())) {
            for (Path f : files.sorted().toList()) {
                String n = f.getFileName().toString();
                if (!n.endsWith(".class") || n.contains("$")) continue;
                Class<?> c = Class.forName("io.kiln.spark." + n.substring(0, n.length() - 6));
                if (PipelineStage.class.isAssignableFrom(c) && Modifier.isPublic(c.getModifiers())
                        && !Modifier.isAbstract(c.getModifiers())) {
                    out.add(c);
                }
            }
        }
        return out;
    }

    /** A default instance of the stage {@code type}; a model gets a valid fitted state. */
    static PipelineStage instance(Class<?> type) throws Exception {
        if (Model.class.isAssignableFrom(type)) {
            String state = Preprocessor.builder(1).scaling(Scaling.ROBUST).build()
                    .fit(Devices.get("cpu"), DoubleColumns.of(new double[] {1, 2, 4})).toText();
            return (PipelineStage) type.getConstructor(String.class, String.class).newInstance("test-uid", state);
        }
        return (PipelineStage) type.getConstructor().newInstance();
    }

    @Test
    void everyJavaStageHasAPythonClassWithTheSameParameters() throws Exception {
        List<Class<?>> stages = javaStages();
        assertTrue(stages.size() >= 12, "the Java stages were found: " + stages);
        for (Class<?> type : stages) {
            String name = type.getSimpleName();
            PyClass py = classes.get(name);
            assertTrue(py != null, "kiln_spark has no class " + name + " for the Java stage " + type.getName());
            Set<String> java = Arrays.stream(instance(type).params()).map(Param::name).collect(Collectors.toCollection(TreeSet::new));
            assertEquals(java, params(name), "the parameters of " + name + " (Java vs Python)");
            if (Estimator.class.isAssignableFrom(type)) {
                assertEquals(type.getName(), "io.kiln.spark." + py.attributes().get("_java_class"), name + "'s Java class");
                // KilnTabularEstimator<M, S>: M is the model class
                Type m = ((ParameterizedType) type.getGenericSuperclass()).getActualTypeArguments()[0];
                String model = ((Class<?>) m).getSimpleName();
                assertEquals(model, py.attributes().get("_model_class"), name + "'s model class");
                assertTrue(ancestors(name).contains("_KilnEstimator"), name + " is a JavaEstimator wrapper");
            } else if (Model.class.isAssignableFrom(type)) {
                assertTrue(ancestors(name).contains("_KilnModel"), name + " is a JavaModel wrapper");
            } else {
                assertEquals(type.getName(), "io.kiln.spark." + py.attributes().get("_java_class"), name + "'s Java class");
                assertTrue(ancestors(name).contains("_KilnTransformer"), name + " is a JavaTransformer wrapper");
            }
        }
        // and no Python stage without a Java one
        Set<String> javaNames = stages.stream().map(Class::getSimpleName).collect(Collectors.toSet());
        for (String py : classes.keySet()) {
            assertTrue(py.startsWith("_") || javaNames.contains(py), "the Python class " + py + " wraps no Java stage");
        }
        String source = Files.readString(SOURCE);
        for (String name : javaNames) assertTrue(source.contains("\"" + name + "\""), name + " is in __all__");
    }

    @Test
    void thePackageCompiles(@TempDir Path dir) throws Exception {
        String python = Stream.of("/usr/bin/python3", "/usr/local/bin/python3").filter(p -> new File(p).canExecute())
                .findFirst().orElse(null);
        Assumptions.assumeTrue(python != null, "python3 is not installed (/usr/bin/python3): the py_compile check is skipped");
        Process p = new ProcessBuilder(python, "-c",
                "import py_compile, sys; py_compile.compile(sys.argv[1], cfile=sys.argv[2], doraise=True)",
                SOURCE.toString(), dir.resolve("kiln_spark.pyc").toString()).redirectErrorStream(true).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "py_compile ended");
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.exitValue(), "py_compile of " + SOURCE + ": " + out);
        assertTrue(Files.size(dir.resolve("kiln_spark.pyc")) > 1000, "byte code written");
        assertFalse(Files.exists(SOURCE.resolveSibling("__pycache__")), "nothing written into the source folder");
    }
}
