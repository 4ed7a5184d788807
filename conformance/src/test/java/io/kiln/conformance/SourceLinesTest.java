package io.kiln.conformance;

import io.kiln.frontend.FrontEnd;
import io.kiln.ir.Block;
import io.kiln.ir.Cfg;
import io.kiln.ir.Instr;
import io.kiln.ir.IrParser;
import io.kiln.ir.IrPrinter;
import io.kiln.ir.KernelIR;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.classfile.Attributes;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassModel;
import java.lang.classfile.CodeElement;
import java.lang.classfile.CodeModel;
import java.lang.classfile.MethodModel;
import java.lang.classfile.Opcode;
import java.lang.classfile.instruction.ArrayLoadInstruction;
import java.lang.classfile.instruction.ArrayStoreInstruction;
import java.lang.classfile.instruction.InvokeInstruction;
import java.lang.classfile.instruction.LineNumber;
import java.lang.classfile.instruction.OperatorInstruction;
import java.lang.classfile.TypeKind;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every instruction and terminator of every conformance kernel's IR carries the source line javac
 * recorded for the bytecode it came from ({@link Instr#line()}), read here independently from the
 * class files' {@code LineNumberTable}s with {@code java.lang.classfile}, never from hard-coded numbers:
 * <ul>
 *   <li><b>Membership</b>, for every kernel, before the passes and after them: each line of a reachable
 *       block is positive and is a line of the kernel's source file that javac recorded for the kernel
 *       or for a method it calls in that file (code inlined from another file carries its call's line).</li>
 *   <li><b>Correspondence</b>, for every kernel whose calls into other files hold no array accesses:
 *       the front end's loads and stores have, as a multiset, exactly the lines of the {@code xaload}
 *       and {@code xastore} bytecodes of the kernel and its same-file callees, each as often as it is
 *       inlined; and its integer divisions' lines are those of the {@code idiv}, {@code irem},
 *       {@code ldiv}, {@code lrem} bytecodes. (Not {@code arraylength}: the front end folds the length
 *       of a private array or constant table to its constant.)</li>
 * </ul>
 */
class SourceLinesTest {
    private static final ClassFile CF = ClassFile.of();
    private final Map<String, ClassModel> classes = new HashMap<>();

    @Test
    void everyInstructionHasTheLineJavacRecorded() throws ReflectiveOperationException {
        List<KernelCase> cases = IrRoundTripTest.allCases();
        int correspondences = 0;
        for (KernelCase c : cases) {
            Method m = c.method();
            ClassModel cls = classModel(m.getDeclaringClass().getName().replace('.', '/'), m.getDeclaringClass().getClassLoader());
            String file = sourceFile(cls);
            MethodModel kernel = method(cls, m.getName(), descriptor(m));
            Expected want = new Expected();
            want.walk(cls, kernel, file, 0, m.getDeclaringClass().getClassLoader(), 0);
            List<String> dumps = new ArrayList<>();
            KernelIR after = FrontEnd.compile(m, dumps::add);
            String beforeText = dumps.getFirst();
            KernelIR before = IrParser.parse(beforeText.substring(beforeText.indexOf('\n') + 1));
            for (KernelIR ir : List.of(before, after)) {
                Cfg cfg = Cfg.of(ir.blocks());
                for (Block b : ir.blocks()) {
                    if (!cfg.isReachable(b.id())) continue;
                    for (Instr i : b.instrs()) {
                        int line = i.line();
                        assertTrue(line > 0 && want.lines.contains(line), () -> c + ": '" + IrPrinter.instr(i) + "' in b" + b.id()
                                + " has line " + line + "; " + file + " has lines " + new java.util.TreeSet<>(want.lines) + "\n" + IrPrinter.print(ir));
                    }
                    int line = b.terminator().line();
                    assertTrue(line > 0 && want.lines.contains(line), () -> c + ": the terminator of b" + b.id() + " has line " + line
                            + "\n" + IrPrinter.print(ir));
                }
            }
            if (want.opaque) continue;
            correspondences++;
            Map<String, TreeMap<Integer, Integer>> got = new TreeMap<>();
            for (String k : List.of("load", "store", "division")) got.put(k, new TreeMap<>());
            for (Block b : before.blocks()) {
                for (Instr i : b.instrs()) {
                    switch (i) {
                        case Instr.Load l -> count(got.get("load"), l.line());
                        case Instr.Store s -> count(got.get("store"), s.line());
                        case Instr.Binary x when !x.dst().type().isFloating()
                                && (x.op() == io.kiln.ir.BinOp.DIV || x.op() == io.kiln.ir.BinOp.REM) -> count(got.get("division"), x.line());
                        default -> {
                        }
                    }
                }
            }
            assertEquals(want.byKind, got, () -> c + ": lines of loads, stores, lengths and divisions (line -> count), "
                    + "bytecode versus IR before the passes\n" + beforeText);
        }
        System.out.printf("SourceLinesTest: %d kernels, %d with loads, stores and divisions matched one to one%n",
                cases.size(), correspondences);
        assertTrue(cases.size() > 100, "expected the whole conformance suite, found " + cases.size());
        assertTrue(correspondences > cases.size() / 2, "most kernels should be checked one to one, were " + correspondences);
    }

    private static void count(TreeMap<Integer, Integer> m, int line) {
        m.merge(line, 1, Integer::sum);
    }

    /** What the bytecode says: the kernel file's lines, and the lines of its array access and division bytecodes. */
    private final class Expected {
        final Set<Integer> lines = new HashSet<>();
        final Map<String, TreeMap<Integer, Integer>> byKind = new TreeMap<>();
        /** A call into another file reaches array accesses or divisions: the one-to-one check does not apply. */
        boolean opaque;

        Expected() {
            for (String k : List.of("load", "store", "division")) byKind.put(k, new TreeMap<>());
        }

        /**
         * Adds method {@code mm} of {@code cls}, inlined at kernel line {@code callLine} (0 for the kernel):
         * its own lines when it is in {@code file}, else {@code callLine} for everything it does.
         */
        void walk(ClassModel cls, MethodModel mm, String file, int callLine, ClassLoader loader, int depth) {
            CodeModel code = mm.code().orElse(null);
            if (code == null || depth > 12) return;
            boolean sameFile = file.equals(sourceFile(cls));
            int line = 0;
            for (CodeElement e : code.elementList()) {
                if (e instanceof LineNumber ln) {
                    line = ln.line();
                    if (sameFile) lines.add(line);
                    continue;
                }
                int at = sameFile ? line : callLine;
                switch (e) {
                    case ArrayLoadInstruction a when a.typeKind() != TypeKind.REFERENCE -> add("load", at, sameFile);
                    case ArrayStoreInstruction a when a.typeKind() != TypeKind.REFERENCE -> add("store", at, sameFile);
                    case OperatorInstruction o when o.opcode() == Opcode.IDIV || o.opcode() == Opcode.IREM
                            || o.opcode() == Opcode.LDIV || o.opcode() == Opcode.LREM -> add("division", at, sameFile);
                    case InvokeInstruction inv -> {
                        if (inv.opcode() != Opcode.INVOKESTATIC) {
                            // KernelContext and off-heap array methods become IR of their own: no correspondence
                            if (!inv.owner().asInternalName().startsWith("java/lang/")) opaque = true;
                            continue;
                        }
                        ClassModel target = classModel(inv.owner().asInternalName(), loader);
                        MethodModel callee = target == null ? null : method(target, inv.name().stringValue(), inv.type().stringValue());
                        if (callee == null) {
                            opaque = true;
                            continue;
                        }
                        if (!file.equals(sourceFile(target)) && touchesArraysOrDivides(callee)) {
                            // an intrinsic (StrictMath.sin) or a helper of another file: which, the bytecode does not say
                            opaque = true;
                            continue;
                        }
                        walk(target, callee, file, at, loader, depth + 1);
                    }
                    default -> {
                    }
                }
            }
        }

        private void add(String kind, int line, boolean sameFile) {
            if (!sameFile) {
                opaque = true;
                return;
            }
            count(byKind.get(kind), line);
        }
    }

    private static boolean touchesArraysOrDivides(MethodModel mm) {
        CodeModel code = mm.code().orElse(null);
        if (code == null) return true;
        for (CodeElement e : code.elementList()) {
            if (e instanceof ArrayLoadInstruction || e instanceof ArrayStoreInstruction || e instanceof InvokeInstruction) return true;
            if (e instanceof OperatorInstruction o && (o.opcode() == Opcode.ARRAYLENGTH || o.opcode() == Opcode.IDIV
                    || o.opcode() == Opcode.IREM || o.opcode() == Opcode.LDIV || o.opcode() == Opcode.LREM)) return true;
        }
        return false;
    }

    private ClassModel classModel(String internalName, ClassLoader loader) {
        if (classes.containsKey(internalName)) return classes.get(internalName);
        ClassModel model = null;
        String resource = internalName + ".class";
        try (InputStream in = loader != null && loader.getResource(resource) != null ? loader.getResourceAsStream(resource)
                : ClassLoader.getSystemResourceAsStream(resource)) {
            if (in != null) model = CF.parse(in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        classes.put(internalName, model);
        return model;
    }

    private static String sourceFile(ClassModel cls) {
        return cls.findAttribute(Attributes.sourceFile()).map(a -> a.sourceFile().stringValue()).orElse("?");
    }

    private static MethodModel method(ClassModel cls, String name, String desc) {
        for (MethodModel mm : cls.methods()) {
            if (mm.methodName().stringValue().equals(name) && mm.methodType().stringValue().equals(desc)) return mm;
        }
        return null;
    }

    private static String descriptor(Method m) {
        StringBuilder sb = new StringBuilder("(");
        for (Class<?> p : m.getParameterTypes()) sb.append(p.descriptorString());
        return sb.append(')').append(m.getReturnType().descriptorString()).toString();
    }
}
