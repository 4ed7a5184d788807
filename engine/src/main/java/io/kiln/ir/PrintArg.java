package io.kiln.ir;

/**
 * One argument of an {@link Instr.Print}, in the order the format string consumes them: its Java type
 * and, for a string constant, the string itself. Every argument but a string constant takes the next
 * value of the instruction's {@link Instr.Print#values()}; a string constant is known when the kernel
 * is compiled and never reaches the device.
 *
 * @param kind the argument's Java type, as boxed by {@code printf}'s varargs
 * @param text the constant for {@link PrintKind#STRING}, else {@code null}
 */
public record PrintArg(PrintKind kind, String text) {

    public PrintArg {
        if ((kind == PrintKind.STRING) != (text != null)) {
            throw new IllegalArgumentException("a STRING argument carries its text, other kinds carry none: " + kind + " " + text);
        }
    }

    /** An argument of primitive type {@code kind}. */
    public static PrintArg of(PrintKind kind) {
        return new PrintArg(kind, null);
    }

    /** A string constant argument. */
    public static PrintArg text(String text) {
        return new PrintArg(PrintKind.STRING, text);
    }
}
