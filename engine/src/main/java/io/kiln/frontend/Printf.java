package io.kiln.frontend;

import io.kiln.frontend.AbstractValues.Boxed;
import io.kiln.frontend.AbstractValues.Entry;
import io.kiln.frontend.AbstractValues.Prim;
import io.kiln.frontend.AbstractValues.PrintResult;
import io.kiln.frontend.AbstractValues.Ref;
import io.kiln.frontend.AbstractValues.Text;
import io.kiln.frontend.AbstractValues.Varargs;
import io.kiln.ir.Const;
import io.kiln.ir.Instr;
import io.kiln.ir.Type;
import io.kiln.ir.Value;
import io.kiln.ir.Var;

import java.lang.constant.MethodTypeDesc;
import java.util.ArrayList;
import java.util.List;

/**
 * Translates {@code System.out.printf}, {@code print} and {@code println} into one {@link io.kiln.ir.Instr.Print}:
 * the constant format, the boxed arguments of the varargs array, and the key values that place the
 * printing work-item in Java's order.
 */
final class Printf {
    private final MethodTranslator tr;

    /** The part of {@code tr}; it reads and updates that translator's state. */
    Printf(MethodTranslator tr) {
        this.tr = tr;
    }

    /** {@code anewarray Object} of a constant length: the varargs array of a printf call. */
    void varargs() {
        Prim len = tr.popPrim();
        if (len.constant() == null) throw tr.error("an Object[] of a non-constant length is not supported in kernels");
        int n = len.constant().intValue();
        if (n < 0 || n > 255) throw tr.error("an Object[" + n + "] is not supported in kernels (printf takes up to 255 arguments)");
        tr.push(new Ref(new Varargs(tr.session.printArrays++, java.util.Arrays.asList(new Ref[n]))));
    }

    /** {@code aastore} into printf's varargs: a boxed primitive or a string constant at a constant index. */
    void varargsStore() {
        Entry value = tr.popEntry();
        Prim idx = tr.popPrim();
        Entry target = tr.popEntry();
        if (!(target instanceof Ref t && t.print() instanceof Varargs va)) {
            throw tr.error("arrays of references (such as float[][]) are not supported in kernels");
        }
        if (!(value instanceof Ref v && (v.print() instanceof Text || v.print() instanceof Boxed))) {
            String what = value instanceof Ref r ? r.describe() : "a primitive";
            throw tr.error("printf arguments must be primitives (int, long, float, double, boolean, char, byte, short) or string constants, not "
                    + what);
        }
        // javac fills the varargs in order; the index is a constant that a block boundary before the store (an
        // argument such as k > 4, compiled to branches) turns into a stack variable, so the next free slot is taken
        List<Ref> slots = new ArrayList<>(va.slots());
        int at = slots.indexOf(null);
        if (at < 0 || idx.constant() != null && idx.constant().intValue() != at) {
            throw tr.error("printf's varargs array is written out of order (element " + (idx.constant() == null ? "?" : idx.constant().intValue())
                    + "); pass the arguments in the call");
        }
        slots.set(at, v);
        Ref updated = new Ref(new Varargs(va.id(), java.util.Collections.unmodifiableList(slots)));
        // the array is one object: every copy of it on the stack (javac's dup) sees the store
        for (int k = 0; k < tr.stack.size(); k++) {
            if (tr.stack.get(k) instanceof Ref r && r.print() instanceof Varargs other && other.id() == va.id()) tr.stack.set(k, updated);
        }
    }

    /** {@code Integer.valueOf(i)} and friends: printf's varargs boxing. The value is copied, as the box would hold it. */
    void box(io.kiln.ir.PrintKind kind) {
        Prim p = tr.popPrim();
        Value v = p.value();
        if (!(v instanceof Const)) {
            Var t = tr.temp(v.type());
            tr.emit(new Instr.Move(t, v, tr.line()));
            v = t;
        }
        tr.push(new Ref(new Boxed(v, kind)));
    }

    /**
     * A call on a {@code PrintStream}: {@code System.out.printf} / {@code format} with a constant format,
     * and {@code System.out.print} / {@code println} of one primitive or string constant (or none), all
     * becoming one {@link Instr.Print}.
     */
    void printCall(String name, String desc) {
        boolean printf = (name.equals("printf") || name.equals("format")) && desc.equals("(Ljava/lang/String;[Ljava/lang/Object;)Ljava/io/PrintStream;");
        boolean println = name.equals("println") || name.equals("print");
        if (!printf && !println) {
            throw tr.error("call to PrintStream." + name + " is not supported in kernels (System.out.printf(format, args...),"
                    + " System.out.println(x) and System.out.print(x) are)");
        }
        String format;
        List<Ref> args;
        boolean returnsStream = printf;
        if (printf) {
            Entry a = tr.popEntry();
            Entry f = tr.popEntry();
            if (!(f instanceof Ref fr && fr.print() instanceof Text text)) {
                throw tr.error("the format of System.out.printf must be a string constant in kernels (it is decoded on the host)");
            }
            if (!(a instanceof Ref ar && ar.print() instanceof Varargs va)) {
                throw tr.error("the arguments of System.out.printf must be written out in the call in kernels (not an array)");
            }
            format = text.value();
            args = va.slots();
        } else {
            MethodTypeDesc mt = MethodTypeDesc.ofDescriptor(desc);
            if (mt.parameterCount() > 1 || !mt.returnType().descriptorString().equals("V")) {
                throw tr.error("call to PrintStream." + name + desc + " is not supported in kernels");
            }
            args = new ArrayList<>();
            if (mt.parameterCount() == 1) {
                String pd = mt.parameterType(0).descriptorString();
                if (pd.equals("Ljava/lang/String;")) {
                    Entry e = tr.popEntry();
                    if (!(e instanceof Ref r && r.print() instanceof Text)) {
                        throw tr.error("System.out." + name + " of a String needs a string constant in kernels");
                    }
                    args.add((Ref) e);
                } else if (pd.length() == 1) {
                    io.kiln.ir.PrintKind k = switch (pd.charAt(0)) {
                        case 'Z' -> io.kiln.ir.PrintKind.BOOLEAN;
                        case 'C' -> io.kiln.ir.PrintKind.CHAR;
                        case 'I' -> io.kiln.ir.PrintKind.INT;
                        case 'J' -> io.kiln.ir.PrintKind.LONG;
                        case 'F' -> io.kiln.ir.PrintKind.FLOAT;
                        case 'D' -> io.kiln.ir.PrintKind.DOUBLE;
                        default -> throw tr.error("call to PrintStream." + name + desc + " is not supported in kernels");
                    };
                    box(k);
                    args.add((Ref) tr.popEntry());
                } else {
                    throw tr.error("System.out." + name + " of an object is not supported in kernels (print primitives or string constants)");
                }
            }
            // print(x) prints String.valueOf(x), which is what %s makes of the boxed x
            format = (args.isEmpty() ? "" : "%s") + (name.equals("println") ? "%n" : "");
        }
        Entry receiver = tr.popEntry();
        if (!(receiver instanceof Ref rr && "java.lang.System.out".equals(rr.object()))) {
            String what = receiver instanceof Ref rr ? rr.describe() : "a value";
            throw tr.error("PrintStream." + name + " on " + what + " is not supported in kernels: only System.out prints (after the launch)");
        }
        List<io.kiln.ir.PrintArg> printArgs = new ArrayList<>();
        List<Value> values = new ArrayList<>(printKeys());
        int keys = values.size();
        List<Object> sample = new ArrayList<>();
        for (int k = 0; k < args.size(); k++) {
            Ref r = args.get(k);
            if (r == null) throw tr.error("printf argument " + k + " is not set");
            if (r.print() instanceof Text t) {
                printArgs.add(io.kiln.ir.PrintArg.text(t.value()));
                sample.add(t.value());
            } else {
                Boxed bx = (Boxed) r.print();
                printArgs.add(io.kiln.ir.PrintArg.of(bx.kind()));
                values.add(bx.value());
                sample.add(bx.kind().box(0));
            }
        }
        try {
            // the host formats each record with String.format: a format that cannot take these argument types fails now
            String.format(format, sample.toArray());
        } catch (java.util.IllegalFormatException e) {
            throw tr.error("the printf format \"" + format + "\" does not fit its arguments " + printArgs.stream().map(a -> a.kind().name()
                    .toLowerCase(java.util.Locale.ROOT)).toList() + ": " + e);
        }
        tr.emit(new Instr.Print(tr.session.printSites++, format, values, keys, printArgs, tr.line()));
        if (returnsStream) tr.push(new Ref(new PrintResult()));
    }

    /**
     * The values that place a printing work-item in Java's order: the {@code @Parallel} loop variables
     * (the call must be inside the innermost loop, where each iteration prints what the Java loop's
     * iteration prints), the global ids z, y, x of a work-item kernel, or none for a single kernel.
     */
    private List<Value> printKeys() {
        List<FrontEnd.ParallelVar> pvs = tr.parallelVarsOfKernel();
        if (!pvs.isEmpty()) {
            boolean inner;
            if (tr.topLevel) {
                FrontEnd.ParallelVar innermost = pvs.get(pvs.size() - 1);
                inner = tr.pos >= innermost.startIndex && tr.pos < innermost.endIndex;
            } else {
                inner = tr.session.callInInnermostLoop;
            }
            if (!inner || pvs.stream().anyMatch(pv -> pv.induction == null)) {
                throw tr.error("System.out.printf outside the innermost @Parallel loop is not supported: there every work-item would"
                        + " print it; move it into the loop body (or print from a KernelContext kernel)");
            }
            List<Value> keys = new ArrayList<>();
            for (FrontEnd.ParallelVar pv : pvs) keys.add(pv.induction);
            return keys;
        }
        if (!tr.session.workItemKernel) return List.of();
        List<Value> keys = new ArrayList<>();
        for (int d = 2; d >= 0; d--) {
            Var id = tr.temp(Type.I32);
            tr.emit(new Instr.WorkItem(id, io.kiln.ir.WorkItemQuery.GLOBAL_ID, d, tr.line()));
            keys.add(id);
        }
        return keys;
    }
}
