package io.kiln.kernels;

import io.kiln.KernelCompiler;
import io.kiln.Target;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every library kernel is accepted by Kiln's front end, with the parallel iteration space its
 * Javadoc promises and trip counts the host can evaluate (no device needed).
 */
class KernelsCompileTest {

    @ParameterizedTest(name = "{0}.{1}")
    @CsvSource(delimiter = ';', value = {
            "io.kiln.kernels.Blas; saxpy; len(arg2)",
            "io.kiln.kernels.Blas; sgemm; arg0 arg1",
            "io.kiln.kernels.ImageOps; resizeBilinearU8; arg6 arg5"})
    void compilesToALoopParallelKernel(String owner, String method, String trips) throws Exception {
        String ir = KernelCompiler.emit(Class.forName(owner), method, Target.IR);
        assertTrue(ir.contains("LOOP_PARALLEL"), () -> method + " must be a @Parallel loop kernel:\n" + ir);
        List<String> dims = ir.lines().filter(l -> l.trim().startsWith("parallel dim ")).toList();
        String[] expectedTrips = trips.split(" ");
        assertEquals(expectedTrips.length, dims.size(), () -> "parallel dimensions of " + method + ":\n" + ir);
        for (int d = 0; d < expectedTrips.length; d++) {
            String line = dims.get(d);
            String expected = expectedTrips[d];
            // The host expression names the loop bound's parameter, e.g. "trips (len(arg2) - 0)".
            String tripText = line.substring(line.indexOf(" trips ") + 7);
            assertTrue(java.util.regex.Pattern.compile("(^|[^\\w])" + java.util.regex.Pattern.quote(expected) + "($|[^\\w])")
                    .matcher(tripText).find(), () -> "dimension " + line + ": its trip count should use " + expected);
        }
    }
}
