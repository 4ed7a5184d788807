package io.kiln.ir;

/**
 * One dimension of a loop-parallel kernel's iteration space: a {@code for (@Parallel int i = start;
 * i < bound; i++)} loop. {@code io.kiln.passes.ParallelLoopRecognition} rewrites it into a strided loop,
 * {@code i = start + ParallelIndex(dim); ...; i += ParallelStride(dim)}, which is correct for any
 * launch size, so the host only needs {@link #tripCount} to choose a good one.
 * <p>Guarantees for back ends: {@code ParallelIndex(dim)} is evaluated once, where the loop is
 * entered (before the first test at {@code header}); {@code ParallelStride(dim)} once per iteration,
 * in the loop's update. The {@code header} block ends in a {@code Branch} that compares
 * {@code induction} with the bound (javac's form is {@code if (i >= bound) goto exit else body}).
 * Inner parallel loops are nested in the body of outer ones; a kernel has one parallel loop nest.
 *
 * @param dim       0 for the outermost parallel loop
 * @param induction the loop variable
 * @param start     a variable holding the loop's start value, assigned before the loop is entered
 *                  (the induction variable starts at {@code start + ParallelIndex(dim)})
 * @param header    the block that tests the loop condition
 * @param exit      the block the loop leaves to
 * @param tripCount the number of iterations as a host expression, or {@code null} when it depends on
 *                  values only known on the device (then the launch uses a default size per dimension)
 */
public record ParallelLoop(int dim, Var induction, Var start, int header, int exit, HostExpr tripCount) {}
