package io.kiln.cpu;

import io.kiln.ir.KernelIR;

import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassModel;
import java.lang.classfile.CodeElement;
import java.lang.classfile.CodeModel;
import java.lang.classfile.Instruction;
import java.lang.classfile.Label;
import java.lang.classfile.MethodModel;
import java.lang.classfile.instruction.BranchInstruction;
import java.lang.classfile.instruction.ConstantInstruction;
import java.lang.classfile.instruction.FieldInstruction;
import java.lang.classfile.instruction.IncrementInstruction;
import java.lang.classfile.instruction.InvokeInstruction;
import java.lang.classfile.instruction.LabelTarget;
import java.lang.classfile.instruction.LoadInstruction;
import java.lang.classfile.instruction.LookupSwitchInstruction;
import java.lang.classfile.instruction.NewPrimitiveArrayInstruction;
import java.lang.classfile.instruction.StoreInstruction;
import java.lang.classfile.instruction.SwitchCase;
import java.lang.classfile.instruction.TableSwitchInstruction;
import java.lang.classfile.instruction.TypeCheckInstruction;
import java.lang.constant.DynamicConstantDesc;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/** A readable disassembly of a generated kernel class: what {@code emit(ir, Target.JVM)} returns. */
final class JvmListing {
    private JvmListing() {
    }

    static String of(KernelIR ir, JvmEmitter.Output out) {
        ClassModel model = ClassFile.of().parse(out.bytes());
        StringBuilder sb = new StringBuilder();
        sb.append("// Kiln cpu back end: JVM bytecode for ").append(ir.displayName()).append(" (").append(ir.kind()).append(")\n");
        sb.append("// hidden class ").append(out.className()).append(", ").append(out.bytes().length).append(" bytes");
        if (!out.classData().isEmpty()) {
            sb.append("; class data: ").append(out.classData().size()).append(" constant table(s)");
        }
        sb.append('\n');
        if (out.vectorLoop() != null) {
            sb.append("// vector loop: ").append(out.vectorLoop().describe()).append('\n');
        } else if (out.scalarReason() != null) {
            sb.append("// no vector loop: ").append(out.scalarReason()).append('\n');
        }
        for (MethodModel m : model.methods()) {
            String name = m.methodName().stringValue();
            sb.append('\n').append("// ").append(describe(name)).append('\n');
            sb.append("static void ").append(name).append("(Object[] args, long lo, long hi, int[] geometry, long[] partials)\n");
            Map<Integer, String> slots = out.slotNames().getOrDefault(name, Map.of());
            for (Map.Entry<Integer, String> e : slots.entrySet()) {
                sb.append("  //   local ").append(e.getKey()).append(": ").append(e.getValue()).append('\n');
            }
            CodeModel code = m.code().orElse(null);
            if (code == null) continue;
            Map<Label, Integer> labels = new HashMap<>();
            for (CodeElement el : code) {
                if (el instanceof LabelTarget lt) labels.putIfAbsent(lt.label(), labels.size());
            }
            for (CodeElement el : code) {
                switch (el) {
                    case LabelTarget lt -> sb.append(" L").append(labels.get(lt.label())).append(":\n");
                    case Instruction in -> sb.append("    ").append(instruction(in, labels, slots)).append('\n');
                    default -> {
                    }
                }
            }
        }
        return sb.toString();
    }

    private static String describe(String method) {
        return switch (method) {
            case "chunk" -> "runs iterations [lo, hi) of @Parallel loop 0 (hi = Long.MAX_VALUE: to the loop's end) and all inner iterations";
            case "strided" -> "runs iterations lo, lo + hi, lo + 2*hi, ... of @Parallel loop 0 (trip count unknown on the host)";
            case "items" -> "runs the work-items of the box geometry[0..5] (lo/hi per dimension); sizes in geometry[6..11]";
            case "groups" -> "runs the work-groups of the box geometry[0..5] (lo/hi group ids per dimension), each group's "
                    + "work-items one barrier region at a time; sizes in geometry[6..11]";
            case "single" -> "runs the kernel once";
            default -> method;
        };
    }

    private static String instruction(Instruction in, Map<Label, Integer> labels, Map<Integer, String> slots) {
        String op = in.opcode().name().toLowerCase(Locale.ROOT);
        return switch (in) {
            case LoadInstruction l -> pad(op.contains("_") ? op : op + " " + l.slot()) + comment(slots.get(l.slot()));
            case StoreInstruction s -> pad(op.contains("_") ? op : op + " " + s.slot()) + comment(slots.get(s.slot()));
            case IncrementInstruction i -> pad(op + " " + i.slot() + ", " + i.constant()) + comment(slots.get(i.slot()));
            case BranchInstruction b -> op + " L" + labels.get(b.target());
            case ConstantInstruction.IntrinsicConstantInstruction c -> op;
            case ConstantInstruction c -> op + " " + constant(c);
            case InvokeInstruction i -> op + " " + i.owner().asInternalName() + "." + i.name().stringValue()
                    + i.typeSymbol().descriptorString();
            case FieldInstruction f -> op + " " + f.owner().asInternalName() + "." + f.name().stringValue();
            case TypeCheckInstruction t -> op + " " + t.type().asInternalName();
            case NewPrimitiveArrayInstruction n -> op + " " + n.typeKind().name().toLowerCase(Locale.ROOT);
            case TableSwitchInstruction t -> {
                StringBuilder sb = new StringBuilder(op).append(" [");
                for (SwitchCase c : t.cases()) sb.append(c.caseValue()).append(": L").append(labels.get(c.target())).append(", ");
                yield sb.append("default: L").append(labels.get(t.defaultTarget())).append(']').toString();
            }
            case LookupSwitchInstruction t -> {
                StringBuilder sb = new StringBuilder(op).append(" [");
                for (SwitchCase c : t.cases()) sb.append(c.caseValue()).append(": L").append(labels.get(c.target())).append(", ");
                yield sb.append("default: L").append(labels.get(t.defaultTarget())).append(']').toString();
            }
            default -> op;
        };
    }

    private static String constant(ConstantInstruction c) {
        Object v = c.constantValue();
        if (v instanceof DynamicConstantDesc<?> d) {
            return "class data [" + d.bootstrapArgsList().get(0) + "] " + d.constantType().displayName();
        }
        if (v instanceof Float f) return f + "f";
        if (v instanceof Long l) return l + "L";
        if (v instanceof Double d) return d + "d";
        return String.valueOf(v);
    }

    private static String pad(String s) {
        return s.length() >= 16 ? s : s + " ".repeat(16 - s.length());
    }

    private static String comment(String name) {
        return name == null ? "" : "// " + name;
    }
}
