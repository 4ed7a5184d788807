package io.kiln.frontend;

import io.kiln.FloatArray;
import io.kiln.IntArray;
import io.kiln.KernelCompilationException;
import io.kiln.ir.Access;
import io.kiln.ir.ArrayRef;
import io.kiln.ir.Block;
import io.kiln.ir.ElementType;
import io.kiln.ir.Instr;
import io.kiln.ir.IrPrinter;
import io.kiln.ir.KernelIR;
import io.kiln.ir.Param;
import io.kiln.ir.ParallelLoop;
import io.kiln.ir.ReduceOp;
import io.kiln.ir.Storage;
import io.kiln.ir.Type;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The front end on off-heap array parameters: IR shape, access analysis, @Parallel long, and every refusal. */
class OffHeapFrontEndTest {

    static Method method(String name) {
        return Arrays.stream(OffHeapKernels.class.getDeclaredMethods()).filter(m -> m.getName().equals(name)).findFirst().orElseThrow();
    }

    static KernelIR ir(String name) {
        return FrontEnd.compile(method(name));
    }

    static Stream<Instr> instrs(KernelIR ir) {
        return ir.blocks().stream().map(Block::instrs).flatMap(List::stream);
    }

    static Map<String, String> signature(KernelIR ir) {
        Map<String, String> out = new LinkedHashMap<>();
        for (Param.Array a : ir.arrayParams()) out.put(a.name(), a.array().storage() + " " + a.array().element() + " " + a.access());
        return out;
    }

    @Test
    void saxpyGoldenIr() {
        // The loop bound proves y[i] in range, so only the x.get(i) keeps its bounds check.
        String expected = """
                kernel OffHeapKernels.saxpy LOOP_PARALLEL(float %a, FloatArray @x READ, FloatArray @y READ_WRITE)
                  parallel dim 0: %i header b1 exit b2 trips (len(arg2) - 0)
                b0:
                  %i_start = 0L
                  %t = parallel_index 0
                  %i = add.I64 %i_start, %t
                  goto b1
                b1:
                  %t_2 = length.I64 @y
                  if %i GE %t_2 goto b2 else b3
                b2:
                  return
                b3:
                  check @x[%i]
                  %t_3 = load @x[%i]
                  %t_4 = mul.F32 %a, %t_3
                  %t_5 = load @y[%i]
                  %t_6 = add.F32 %t_4, %t_5
                  store @y[%i] = %t_6
                  %t_7 = parallel_stride 0
                  %t_8 = add.I64 %i, %t_7
                  %i = %t_8
                  goto b1
                """;
        // without source lines: LineNumberTableTest checks them
        assertEquals(expected, IrPrinter.printWithoutLines(ir("saxpy")));
    }

    @Test
    void offHeapParametersAreGlobalOffHeapArrayRefs() {
        KernelIR ir = ir("allTypes");
        Map<String, ElementType> want = Map.of("b", ElementType.BYTE, "s", ElementType.SHORT, "in", ElementType.INT,
                "l", ElementType.LONG, "d", ElementType.DOUBLE, "out", ElementType.LONG);
        for (Param.Array a : ir.arrayParams()) {
            ArrayRef r = a.array();
            assertEquals(Storage.OFF_HEAP, r.storage(), a.name());
            assertTrue(r.isOffHeap() && r.isParameter(), a.name());
            assertEquals(Type.I64, r.lengthType(), a.name());
            assertEquals(want.get(a.name()), r.element(), a.name());
            assertEquals(-1, r.length(), a.name());
        }
        // every off-heap access is indexed by the long loop variable or long arithmetic on it
        instrs(ir).forEach(i -> {
            if (i instanceof Instr.Load l) assertEquals(Type.I64, l.index().type(), IrPrinter.instr(i));
            if (i instanceof Instr.Store s) assertEquals(Type.I64, s.index().type(), IrPrinter.instr(i));
        });
    }

    @Test
    void intIndicesStayWidenedAndLengthsAreLong() {
        KernelIR ir = ir("mixed");
        assertEquals(Map.of("a", "HEAP FLOAT READ", "b", "OFF_HEAP FLOAT READ", "c", "HEAP FLOAT WRITE", "d", "OFF_HEAP DOUBLE READ_WRITE"),
                signature(ir));
        instrs(ir).forEach(i -> {
            if (i instanceof Instr.Load l) {
                assertEquals(l.array().isOffHeap() ? Type.I64 : Type.I32, l.index().type(), IrPrinter.instr(i));
            }
            if (i instanceof Instr.Store s) {
                assertEquals(s.array().isOffHeap() ? Type.I64 : Type.I32, s.index().type(), IrPrinter.instr(i));
            }
            if (i instanceof Instr.ArrayLength l) assertEquals(l.array().lengthType(), l.dst().type());
        });
        assertTrue(instrs(ir).anyMatch(i -> i instanceof Instr.ArrayLength l && l.dst().type() == Type.I64));
        // the only l2i is the one the source wrote, (int) b.length(): indices are never narrowed
        assertEquals(1, instrs(ir).filter(i -> i instanceof Instr.Convert c && c.op() == io.kiln.ir.Conversion.L2I).count());
    }

    @Test
    void accessAnalysisPerOffHeapParameter() {
        assertEquals(Map.of("x", "OFF_HEAP FLOAT READ", "y", "OFF_HEAP FLOAT READ_WRITE"), signature(ir("saxpy")));
        assertEquals(Map.of("x", "OFF_HEAP FLOAT READ", "y", "OFF_HEAP FLOAT WRITE"), signature(ir("helpers")));
        assertEquals("OFF_HEAP LONG WRITE", signature(ir("allTypes")).get("out"));
        assertEquals("OFF_HEAP LONG READ", signature(ir("allTypes")).get("l"));
        assertEquals("OFF_HEAP BYTE READ_WRITE", signature(ir("allTypes")).get("b"));
        Map<String, String> at = signature(ir("atomics"));
        assertEquals("OFF_HEAP INT READ", at.get("data"));
        assertEquals("OFF_HEAP INT READ_WRITE", at.get("bins"));
        assertEquals("OFF_HEAP DOUBLE READ_WRITE", at.get("dmin"));
        assertEquals(Map.of("x", "HEAP INT READ", "total", "OFF_HEAP INT READ_WRITE"), signature(ir("sumInts")));
    }

    @Test
    void parallelLongLoopsHaveI64InductionIndexAndStride() {
        for (String k : List.of("saxpy", "allTypes", "transpose", "sum")) {
            KernelIR ir = ir(k);
            for (ParallelLoop p : ir.parallelLoops()) {
                assertEquals(Type.I64, p.induction().type(), k);
                assertEquals(Type.I64, p.start().type(), k);
            }
            assertTrue(instrs(ir).filter(i -> i instanceof Instr.ParallelIndex).allMatch(i -> ((Instr.ParallelIndex) i).dst().type() == Type.I64), k);
            assertTrue(instrs(ir).filter(i -> i instanceof Instr.ParallelStride).allMatch(i -> ((Instr.ParallelStride) i).dst().type() == Type.I64), k);
            assertEquals(ir.parallelLoops().size(), instrs(ir).filter(i -> i instanceof Instr.ParallelStride).count(), k);
        }
        // int loops keep I32 everything
        for (String k : List.of("saxpyInt", "mixed", "max")) {
            ParallelLoop p = ir(k).parallelLoops().getFirst();
            assertEquals(Type.I32, p.induction().type(), k);
            assertTrue(instrs(ir(k)).filter(i -> i instanceof Instr.ParallelIndex).allMatch(i -> ((Instr.ParallelIndex) i).dst().type() == Type.I32), k);
        }
    }

    @Test
    void tripCountsReadOffHeapLengthsOnTheHost() {
        try (FloatArray x = FloatArray.allocate(1234); FloatArray y = FloatArray.allocate(1237)) {
            assertEquals(1237, ir("saxpy").parallelLoops().getFirst().tripCount().evaluate(new Object[] {2f, x, y}));
            assertEquals(1234, ir("sum").parallelLoops().getFirst().tripCount().evaluate(new Object[] {x, y}));
            // (int) b.length(): low 32 bits, as Java's l2i
            assertEquals(1234, ir("mixed").parallelLoops().getFirst().tripCount().evaluate(new Object[] {new float[3], x, new float[3], null}));
            assertEquals(55, ir("saxpyInt").parallelLoops().getFirst().tripCount().evaluate(new Object[] {55, 1f, x, y}));
        }
        // a long scalar bound and a start of 1
        assertEquals(99, ir("allTypes").parallelLoops().getFirst().tripCount().evaluate(new Object[] {100L, null, null, null, null, null, null}));
        List<ParallelLoop> t = ir("transpose").parallelLoops();
        Object[] args = {(1L << 33) + 5, 7L, null, null};
        assertEquals((1L << 33) + 5, t.get(0).tripCount().evaluate(args), "long trip counts beyond 2^31 are exact");
        assertEquals(7, t.get(1).tripCount().evaluate(args));
        // a length returned by an inlined helper is one too: ParallelLoopRecognition traces single assignments
        try (FloatArray x = FloatArray.allocate(12); FloatArray y = FloatArray.allocate(31)) {
            assertEquals(31, ir("helpers").parallelLoops().getFirst().tripCount().evaluate(new Object[] {x, y}));
        }
    }

    @Test
    void reduceOnOffHeapParameters() {
        KernelIR sum = ir("sum");
        assertEquals(1, sum.reductions().size());
        assertEquals(ReduceOp.ADD, sum.reductions().getFirst().op());
        assertTrue(sum.reductions().getFirst().array().isOffHeap());
        assertEquals(Type.F32, sum.reductions().getFirst().accumulator().type());
        // the update reads and writes only the accumulator: no load or store of total remains
        ArrayRef total = sum.reductions().getFirst().array();
        assertTrue(instrs(sum).noneMatch(i -> i instanceof Instr.Load l && l.array() == total || i instanceof Instr.Store s && s.array() == total));
        assertEquals(ReduceOp.MAX, ir("max").reductions().getFirst().op());
        assertEquals(ReduceOp.ADD, ir("sumInts").reductions().getFirst().op());
    }

    @Test
    void atomicsOnOffHeapArraysCompileToAtomicWithLongIndices() {
        List<Instr.Atomic> atomics = instrs(ir("atomics")).filter(i -> i instanceof Instr.Atomic).map(i -> (Instr.Atomic) i).toList();
        assertEquals(4, atomics.size());
        for (Instr.Atomic a : atomics) {
            assertTrue(a.array().isOffHeap(), a.toString());
            assertEquals(Type.I64, a.index().type(), a.toString());
            assertEquals(a.array().element().valueType(), a.dst().type());
        }
        assertEquals(List.of("ADD", "MAX", "ADD", "MIN"), atomics.stream().map(a -> a.op().name()).toList());
    }

    @Test
    void kernelContextAtomicsOnOffHeapArraysAreAtomicInPlainJava() throws Exception {
        // run as plain Java from 8 threads: VarHandle atomics must not lose an update
        io.kiln.KernelContext ctx = new io.kiln.KernelContext();
        try (IntArray bins = IntArray.allocate(3); io.kiln.LongArray total = io.kiln.LongArray.allocate(1);
             FloatArray fsum = FloatArray.allocate(1); io.kiln.DoubleArray dmax = io.kiln.DoubleArray.allocate(1)) {
            dmax.set(0, Double.NEGATIVE_INFINITY);
            Thread[] ts = new Thread[8];
            for (int t = 0; t < ts.length; t++) {
                int id = t;
                ts[t] = new Thread(() -> {
                    for (int k = 0; k < 20_000; k++) {
                        ctx.atomicAdd(bins, k % 3, 1);
                        ctx.atomicAdd(total, 0, k);
                        ctx.atomicAdd(fsum, 0, 1f);
                        ctx.atomicMax(dmax, 0, id * 1000.0 + k % 7);
                    }
                });
                ts[t].start();
            }
            for (Thread t : ts) t.join();
            assertEquals(8 * 20_000, bins.get(0) + bins.get(1) + bins.get(2));
            assertEquals(8L * (20_000L * 19_999 / 2), total.get(0));
            assertEquals(160_000f, fsum.get(0));
            assertEquals(7006.0, dmax.get(0));
        }
        try (FloatArray f = FloatArray.of(-0f, 1f, Float.NaN); IntArray i = IntArray.of(5, Integer.MIN_VALUE)) {
            assertEquals(-0f, ctx.atomicMax(f, 0, 0f)); // Math.max(-0.0, +0.0) is +0.0
            assertEquals(0f, f.get(0));
            assertEquals(1f, ctx.atomicMin(f, 1, Float.NaN));
            assertTrue(Float.isNaN(f.get(1)), "NaN wins, as in Math.min");
            assertEquals(5, ctx.atomicCompareAndSet(i, 0, 4, 9));
            assertEquals(5, i.get(0), "no store when the expected value differs");
            assertEquals(5, ctx.atomicCompareAndSet(i, 0, 5, 9));
            assertEquals(9, i.get(0));
            assertEquals(Integer.MIN_VALUE, ctx.atomicExchange(i, 1, 3));
            assertEquals(Float.NaN, ctx.atomicCompareAndSet(f, 2, Float.NaN, 2f), "float compare-and-set compares bits");
            assertEquals(2f, f.get(2));
            IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class, () -> ctx.atomicAdd(i, 2, 1));
            assertTrue(e.getMessage().contains("index 2") && e.getMessage().contains("length 2"), e.getMessage());
        }
    }

    /** Every refused construct, with its message: class, method and line first, then what and what to do. */
    @Test
    void refusalsNameClassMethodLineAndConstruct() {
        Map<String, String> expected = new LinkedHashMap<>();
        String only = "is not supported in kernels: in a kernel an off-heap array offers only get(index), set(index, value) and length()";
        expected.put("badFill", "call to FloatArray.fill " + only);
        expected.put("badSegment", "call to FloatArray.segment " + only);
        expected.put("badCopy", "call to FloatArray.copyFrom " + only);
        expected.put("badClose", "call to IntArray.close " + only);
        expected.put("badToString", "call to FloatArray.toString " + only);
        expected.put("badNullCheck", "null references are not supported in kernels (comparing references with ifnull)");
        expected.put("badField", "write to static field io.kiln.frontend.OffHeapKernels.stash is not supported in kernels");
        expected.put("badArrayOfThem", "arrays of objects (io.kiln.FloatArray[]) are not supported in kernels");
        expected.put("badAsObject", "call to instance method java.lang.Object.hashCode is not supported in kernels");
        expected.put("badBaseType", "parameter 0 (x) of type io.kiln.OffHeapArray is not supported (declare the concrete type: FloatArray");
        expected.put("badIntLoopLongBound", "an int variable needs an int bound: write i < (int) x.length(), or use @Parallel long");
        expected.put("badSelect", "an expression selects between array y and array x depending on control flow");
        expected.put("badStoreOutsideLoop", "a store to x outside the @Parallel loop would run once per work-item");
        expected.put("badReduceIndex", "@Reduce array 'total' may only be accessed at index 0 (total.get(0), total.set(0, ...))");
        expected.put("badReduceType", "@Reduce parameter 'total' must be int[], long[], float[] or double[] (or IntArray, LongArray, FloatArray, DoubleArray)");
        expected.put("badLongLoopStep", "@Parallel loop variable 'i' must count up by 1 (found += 2)");
        long bad = Arrays.stream(OffHeapKernels.class.getDeclaredMethods()).filter(m -> m.getName().startsWith("bad")).count();
        assertEquals(bad, expected.size(), "every bad kernel has an expected message");
        for (Map.Entry<String, String> e : expected.entrySet()) {
            KernelCompilationException ex = assertThrows(KernelCompilationException.class, () -> ir(e.getKey()), e.getKey());
            String msg = ex.getMessage();
            assertTrue(msg.matches("OffHeapKernels\\." + e.getKey() + " \\(OffHeapKernels\\.java:\\d+\\): .*"), msg);
            assertTrue(msg.contains(e.getValue()), () -> e.getKey() + ": " + msg);
        }
    }
}
