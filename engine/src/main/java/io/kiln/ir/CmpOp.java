package io.kiln.ir;

/**
 * Branch conditions. On floating-point operands {@code EQ LT LE GT GE} are IEEE ordered comparisons
 * (false when either side is NaN), {@code NE} is true when either side is NaN, and the {@code U}
 * forms are "unordered or ...": true when either side is NaN. Integer operands use only the first six.
 */
public enum CmpOp {
    EQ("=="), NE("!="), LT("<"), LE("<="), GT(">"), GE(">="),
    ULT("<"), ULE("<="), UGT(">"), UGE(">=");

    private final String symbol;

    CmpOp(String symbol) {
        this.symbol = symbol;
    }

    /** The C/Java operator of the ordered form. */
    public String symbol() {
        return symbol;
    }

    /** Whether this is an unordered-or form. */
    public boolean isUnordered() {
        return ordinal() >= ULT.ordinal();
    }

    /**
     * The condition that is true exactly when this one is false, NaN included:
     * {@code !(a < b)} is {@code UGE} on floats, {@code GE} on integers.
     */
    public CmpOp negate(boolean floating) {
        return switch (this) {
            case EQ -> NE;
            case NE -> EQ;
            case LT -> floating ? UGE : GE;
            case LE -> floating ? UGT : GT;
            case GT -> floating ? ULE : LE;
            case GE -> floating ? ULT : LT;
            case ULT -> GE;
            case ULE -> GT;
            case UGT -> LE;
            case UGE -> LT;
        };
    }

    /** The ordered comparison whose negation this unordered form is ({@code ULT} is {@code !(a >= b)}). */
    public CmpOp orderedComplement() {
        return switch (this) {
            case ULT -> GE;
            case ULE -> GT;
            case UGT -> LE;
            case UGE -> LT;
            default -> throw new IllegalStateException(this + " is not an unordered form");
        };
    }

    /** Java's {@code if<cond>} on an int compared with the given value. */
    public boolean test(long cmp) {
        return switch (this) {
            case EQ -> cmp == 0;
            case NE -> cmp != 0;
            case LT, ULT -> cmp < 0;
            case LE, ULE -> cmp <= 0;
            case GT, UGT -> cmp > 0;
            case GE, UGE -> cmp >= 0;
        };
    }
}
