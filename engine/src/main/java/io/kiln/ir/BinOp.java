package io.kiln.ir;

/** Binary operators, with Java semantics for the operand type. */
public enum BinOp {
    ADD("+"), SUB("-"), MUL("*"), DIV("/"), REM("%"),
    AND("&"), OR("|"), XOR("^"), SHL("<<"), SHR(">>"), USHR(">>>");

    private final String symbol;

    BinOp(String symbol) {
        this.symbol = symbol;
    }

    /** The Java operator. */
    public String symbol() {
        return symbol;
    }

    /** Whether the operator is a shift (its count operand is {@link Type#I32}). */
    public boolean isShift() {
        return this == SHL || this == SHR || this == USHR;
    }
}
