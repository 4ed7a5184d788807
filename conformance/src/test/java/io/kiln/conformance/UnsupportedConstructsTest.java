package io.kiln.conformance;

import io.kiln.KernelCompilationException;
import io.kiln.KernelCompiler;
import io.kiln.Parallel;
import io.kiln.Target;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntUnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Each kernel below uses one construct Kiln refuses. Compiling it must throw
 * {@link KernelCompilationException} whose message starts with
 * {@code UnsupportedConstructsTest.<method> (UnsupportedConstructsTest.java:<line>): } and names the
 * construct. The expected line is the one carrying the {@code // @@<method>} marker (read from this
 * source file), so the test does not break when lines move; errors about the method as a whole
 * (parameters, return type, the synchronized modifier) may name any line of the method.
 */
class UnsupportedConstructsTest {

    static int counter;
    static final IntUnaryOperator INCREMENT = x -> x + 1;
    static final Holder HOLDER = new Holder();

    /** An object with an instance field. */
    static final class Holder {
        int value = 3;
    }

    // ---- the kernels ------------------------------------------------------------------------------
    // Keep each offending construct on the line with its marker.

    static void allocation(float[] a) {
        StringBuilder sb = new StringBuilder(); // @@allocation
        a[0] = sb.length();
    }

    static void nonConstantLength(float[] a, int n) {
        float[] t = new float[n]; // @@nonConstantLength
        a[0] = t.length;
    }

    static void throwing(float[] a) {
        if (a.length == 0) throw new IllegalStateException(); // @@throwing
        a[0] = 1f;
    }

    static void tryCatch(int[] a) {
        try { a[0] = a[1] / a[2]; } catch (ArithmeticException e) { a[0] = 0; } // @@tryCatch
    }

    static void synchronizedBlock(float[] a) {
        synchronized (a) { a[0] = 1f; } // @@synchronizedBlock
    }

    static synchronized void synchronizedMethod(float[] a) {
        a[0] = 1f;
    }

    static void virtualCall(float[] a) {
        float[] b = a.clone(); // @@virtualCall
        a[0] = b[1];
    }

    static void virtualCallOnContext(io.kiln.KernelContext ctx, int[] a) {
        int h = ctx.hashCode(); // @@virtualCallOnContext
        if (ctx.globalIdx() == 0) a[0] = h;
    }

    static void interfaceCall(int[] a) {
        a[0] = INCREMENT.applyAsInt(a[1]); // @@interfaceCall
    }

    static void stringConcatenation(int[] a) {
        a[0] = ("v" + a[1]).length(); // @@stringConcatenation
    }

    static void lambda(int[] a) {
        Runnable r = () -> { }; // @@lambda
        a[0] = 1;
    }

    static void recursion(int[] a, int depth) {
        if (depth > 0) {
            recursion(a, depth - 1); // @@recursion
        }
        a[0] = depth;
    }

    static void stringConstant(int[] a) {
        String s = "hello"; // @@stringConstant
        a[0] = s.length();
    }

    static void stringCall(int[] a) {
        a[0] = String.valueOf(a[1]).length(); // @@stringCall
    }

    static void textOfNumber(int[] a) {
        a[0] = Integer.toString(a[1], 16).length(); // @@textOfNumber
    }

    static void nonFinalStaticRead(int[] a) {
        a[0] = counter; // @@nonFinalStaticRead
    }

    static void staticWrite(int[] a) {
        counter = a[0]; // @@staticWrite
    }

    static void instanceField(int[] a) {
        a[0] = HOLDER.value; // @@instanceField
    }

    static void paramString(String s, int[] a) {
        a[0] = 1;
    }

    static void paramObject(Object o, int[] a) {
        a[0] = 1;
    }

    static void paramBooleanArray(boolean[] b, int[] a) {
        a[0] = 1;
    }

    static void paramFloat2D(float[][] m, int[] a) {
        a[0] = 1;
    }

    static int nonVoid(int[] a) {
        return a[0];
    }

    static void multiDimensional(float[] a) {
        float[][] m = new float[4][4]; // @@multiDimensional
        a[0] = m.length;
    }

    static void nullReference(float[] a) {
        float[] t = null; // @@nullReference
        if (a.length > 1) t = a;
        a[0] = t.length;
    }

    static void parallelVariableAssigned(float[] a) {
        for (@Parallel int i = 0; i < a.length; i++) { // @@parallelVariableAssigned
            a[i] = 1f;
            i += 2; // @@parallelVariableAssigned
        }
    }

    // ---- the test ---------------------------------------------------------------------------------

    /**
     * What compiling {@code method} must say.
     *
     * @param method      the kernel
     * @param methodLevel whether the error is about the method as a whole (any line of it will do)
     * @param phrases     text the message must contain
     */
    record Refusal(String method, boolean methodLevel, List<String> phrases) {
        @Override
        public String toString() {
            return method;
        }
    }

    static Refusal at(String method, String... phrases) {
        return new Refusal(method, false, List.of(phrases));
    }

    static Refusal anywhere(String method, String... phrases) {
        return new Refusal(method, true, List.of(phrases));
    }

    static Stream<Refusal> refusals() {
        return Stream.of(
                at("allocation", "allocation of java.lang.StringBuilder is not supported in kernels"),
                at("nonConstantLength", "array allocation with a non-constant length is not supported in kernels"),
                at("throwing", "throwing exceptions is not supported in kernels"),
                at("tryCatch", "exception handlers (try/catch/finally) are not supported in kernels"),
                at("synchronizedBlock", "synchronized is not supported in kernels"),
                anywhere("synchronizedMethod", "synchronized is not supported in kernels"),
                at("virtualCall", "call to instance method", "is not supported in kernels"),
                at("virtualCallOnContext", "call to instance method", "is not supported in kernels"),
                at("interfaceCall", "interface call to", "is not supported in kernels"),
                at("stringConcatenation", "invokedynamic (string concatenation or lambda) is not supported in kernels"),
                at("lambda", "invokedynamic (string concatenation or lambda) is not supported in kernels"),
                at("recursion", "recursive call to", "is not supported in kernels"),
                at("stringConstant", "string constant", "is not supported in kernels"),
                at("stringCall", "call to java.lang.String.valueOf is not supported in kernels: it returns a String", "numbers and arrays only"),
                at("textOfNumber", "call to java.lang.Integer.toString is not supported in kernels: it returns a String"),
                at("nonFinalStaticRead", "read of non-final static field", "counter", "make the field static final if it is a constant"),
                at("staticWrite", "write to static field", "counter", "pass an array and write to it"),
                at("instanceField", "field access", "is not supported in kernels"),
                anywhere("paramString", "parameter", "is not supported"),
                anywhere("paramObject", "parameter", "is not supported"),
                anywhere("paramBooleanArray", "parameter", "is not supported"),
                anywhere("paramFloat2D", "parameter", "is not supported"),
                anywhere("nonVoid", "kernels must return void"),
                at("multiDimensional", "multi-dimensional arrays are not supported in kernels"),
                at("nullReference", "null references are not supported in kernels"),
                at("parallelVariableAssigned", "@Parallel"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refusals")
    void isRefusedWithItsLocation(Refusal r) throws IOException {
        KernelCompilationException e = assertThrows(KernelCompilationException.class,
                () -> KernelCompiler.emit(UnsupportedConstructsTest.class, r.method(), Target.IR),
                r.method() + " was compiled although it uses an unsupported construct");
        String message = e.getMessage();
        String simple = UnsupportedConstructsTest.class.getSimpleName();
        Matcher m = Pattern.compile("^" + Pattern.quote(simple + "." + r.method() + " (" + simple + ".java:") + "(\\d+)\\): ")
                .matcher(message);
        if (!m.find()) {
            fail("the message must start with '" + simple + "." + r.method() + " (" + simple + ".java:<line>): ' but was: " + message);
        }
        int line = Integer.parseInt(m.group(1));
        List<String> source = Files.readAllLines(sourceFile());
        if (r.methodLevel()) {
            int[] range = methodLines(source, r.method());
            assertTrue(line >= range[0] && line <= range[1], "line " + line + " is not inside " + r.method() + " (lines "
                    + range[0] + "-" + range[1] + "): " + message);
        } else {
            List<Integer> expected = markerLines(source, r.method());
            assertTrue(expected.contains(line), "expected line " + (expected.size() == 1 ? expected.get(0) : "one of " + expected)
                    + " (the offending statement) but the message says " + line + ": " + message);
        }
        for (String phrase : r.phrases()) {
            assertTrue(message.contains(phrase), "the message should contain '" + phrase + "' but was: " + message);
        }
    }

    private static Path sourceFile() {
        String relative = "src/test/java/" + UnsupportedConstructsTest.class.getName().replace('.', '/') + ".java";
        for (Path p : new Path[] {Path.of(relative), Path.of("conformance", relative)}) {
            if (Files.isRegularFile(p)) return p;
        }
        throw new IllegalStateException("cannot find " + relative + " from " + Path.of("").toAbsolutePath()
                + ": run the test from the conformance module (Maven does)");
    }

    /** 1-based numbers of the lines ending in {@code // @@<method>}. */
    private static List<Integer> markerLines(List<String> source, String method) {
        List<Integer> lines = new ArrayList<>();
        for (int i = 0; i < source.size(); i++) {
            if (source.get(i).stripTrailing().endsWith("// @@" + method)) lines.add(i + 1);
        }
        if (lines.isEmpty()) throw new IllegalStateException("no '// @@" + method + "' marker in the source");
        return lines;
    }

    /** 1-based first and last line of a kernel's declaration (up to its closing brace at 4 spaces). */
    private static int[] methodLines(List<String> source, String method) {
        Pattern decl = Pattern.compile("^    static .*\\b" + Pattern.quote(method) + "\\(");
        for (int i = 0; i < source.size(); i++) {
            if (decl.matcher(source.get(i)).find()) {
                for (int j = i + 1; j < source.size(); j++) {
                    if (source.get(j).equals("    }")) return new int[] {i + 1, j + 1};
                }
            }
        }
        throw new IllegalStateException("cannot find the declaration of " + method + " in the source");
    }
}
