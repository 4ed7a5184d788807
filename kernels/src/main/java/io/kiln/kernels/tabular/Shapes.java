package io.kiln.kernels.tabular;

/** Host-side checks of batch shapes, with messages that say what was wrong. */
final class Shapes {
    private Shapes() {
    }

    /** Checks {@code rows, columns >= 0}, that the batch fits in a Java array and, unless {@code length < 0}, its length. */
    static void check(int rows, int columns, int length, String what) {
        if (rows < 0 || columns < 0) {
            throw new IllegalArgumentException("a batch needs rows >= 0 and columns >= 0, got " + rows + " rows and "
                    + columns + " columns");
        }
        long size = (long) rows * columns;
        if (size > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(rows + " rows x " + columns + " columns = " + size
                    + " values do not fit in one Java array: split the batch by rows");
        }
        if (length >= 0 && length != size) {
            throw new IllegalArgumentException(what + " has " + length + " elements, but " + rows + " rows x " + columns
                    + " columns need " + size);
        }
    }

    /** Checks that a missing mask has one byte per value. */
    static void checkMask(byte[] missing, int rows, int columns) {
        if (missing == null) {
            throw new IllegalArgumentException("missing mask is null: pass one byte per value (nonzero = missing), "
                    + "or use the overload without a mask to treat only NaN as missing");
        }
        check(rows, columns, missing.length, "the missing mask");
    }

    /** Checks that a batch has the column count a fitted state expects. */
    static void checkColumns(int expected, int actual, String what) {
        if (expected != actual) {
            throw new IllegalArgumentException(what + " has " + actual + " columns, but was fitted on " + expected
                    + ": pass batches with the fitted column count");
        }
    }
}
