package io.kiln.frontend;

import io.kiln.ir.ArrayRef;
import io.kiln.ir.CompareKind;
import io.kiln.ir.Const;
import io.kiln.ir.Instr;
import io.kiln.ir.Type;
import io.kiln.ir.Value;

import java.util.List;

/**
 * The abstract values of the simulated operand stack: a primitive (an IR operand with what the
 * translator knows of it: a pending comparison, a constant)
 * or a statically known reference. They exist only while a method is translated.
 */
final class AbstractValues {
    private AbstractValues() {
    }

    /** An operand stack entry. */
    sealed interface Entry permits Prim, Ref {
    }

    /**
     * A primitive value. {@code cmp} is set for a pending three-way comparison whose int result has
     * not been materialised (a following {@code if} uses the comparison directly). How a value was
     * computed is not tracked here: a {@code @Reduce} update is recognised on the IR
     * ({@code io.kiln.passes.ReductionRecognition}).
     */
    record Prim(Value value, Type type, PendingCompare cmp, Const constant)
            implements Entry {
        static Prim of(Value v) {
            return new Prim(v, v.type(), null, v instanceof Const c ? c : null);
        }
    }

    /** A pending comparison of {@code a} and {@code b}. */
    record PendingCompare(CompareKind kind, Value a, Value b) {
    }

    /**
     * A reference: a statically known array, the kernel context, an object read from a static field
     * ({@code object} names it), or a part of a {@code System.out.printf} call ({@code print}).
     */
    record Ref(ArrayRef array, boolean context, String object, PrintPart print) implements Entry {
        Ref(ArrayRef array, boolean context) {
            this(array, context, null, null);
        }

        Ref(ArrayRef array, boolean context, String object) {
            this(array, context, object, null);
        }

        Ref(PrintPart print) {
            this(null, false, null, print);
        }

        // written out, as a record's would be: the generated equals links through ObjectMethods.bootstrap
        // on first use (1-4 ms interpreted on a first build), and merging stack states compares refs
        @Override
        public boolean equals(Object o) {
            return o instanceof Ref r && java.util.Objects.equals(array, r.array) && context == r.context
                    && java.util.Objects.equals(object, r.object) && java.util.Objects.equals(print, r.print);
        }

        @Override
        public int hashCode() {
            return java.util.Objects.hash(array, context, object, print);
        }

        String describe() {
            if (print != null) return print.describe();
            return object != null ? "the object in " + object : context ? "the KernelContext" : "array " + array.name();
        }
    }

    /**
     * What a {@code printf} call is built from on the operand stack, known while the kernel is compiled:
     * string constants, boxed primitives and the varargs array. They exist only between their creation
     * and the call ({@link Instr.Print}); any other use is refused.
     */
    sealed interface PrintPart {
        String describe();
    }

    /** A string constant ({@code ldc "..."}). */
    record Text(String value) implements PrintPart {
        public String describe() {
            return "the string constant \"" + (value.length() > 40 ? value.substring(0, 40) + "..." : value) + "\"";
        }
    }

    /** A primitive boxed by {@code Integer.valueOf} and friends, as printf's varargs box it. */
    record Boxed(Value value, io.kiln.ir.PrintKind kind) implements PrintPart {
        public String describe() {
            return "a boxed " + kind.name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** The {@code Object[]} of printf's varargs, {@code id} unique per allocation; unset slots are {@code null}. */
    record Varargs(int id, List<Ref> slots) implements PrintPart {
        public String describe() {
            return "an Object[" + slots.size() + "]";
        }
    }

    /** What {@code printf} returns (javac pops it). */
    record PrintResult() implements PrintPart {
        public String describe() {
            return "the PrintStream that printf returns";
        }
    }
}
