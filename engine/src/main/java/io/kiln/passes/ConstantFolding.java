package io.kiln.passes;

import io.kiln.ir.Block;
import io.kiln.ir.CmpOp;
import io.kiln.ir.Const;
import io.kiln.ir.Instr;
import io.kiln.ir.KernelIR;
import io.kiln.ir.MathFunction;
import io.kiln.ir.Param;
import io.kiln.ir.ParallelLoop;
import io.kiln.ir.Reduction;
import io.kiln.ir.Terminator;
import io.kiln.ir.Type;
import io.kiln.ir.Value;
import io.kiln.ir.Var;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Evaluates, with Java's semantics, every instruction and branch whose operands are all constants,
 * and propagates constants through variables that are assigned a constant exactly once.
 * <p><b>Why Kiln folds rather than leaving it to the device compiler.</b> A device compiler is free to
 * fold constant expressions itself, and PoCL was found doing so wrongly: {@code Math.rint} of
 * {@code -Infinity}, NaN, {@code 9.1e18} or {@code 3e38f} gave 0.0, and the result then behaved like an
 * undefined value ({@code r < 0 ? 1 : 2} stored neither). Folding here means every back end receives the
 * value the JVM computes, computed by the JVM.
 * <p><b>What is folded</b> (every result equals the JVM's bit for bit, NaN payloads aside):
 * <ul>
 *   <li>{@link Instr.Binary}, {@link Instr.Negate}, {@link Instr.Convert}, {@link Instr.Compare} and
 *       {@link Instr.Move} of constants, evaluated by the same Java operators. An integer {@code /} or
 *       {@code %} by a constant zero is <em>not</em> folded: Java throws there, so the instruction stays
 *       and the back end does what it does for a zero divisor that is only known at run time. A float
 *       operator with a NaN constant operand folds to NaN whatever the other operand is (Java: NaN op x is
 *       NaN); PoCL turned {@code Math.floor(Double.NaN + x)} into 0.0.</li>
 *   <li>{@link Instr.MathCall} of the functions Java specifies exactly ({@link MathFunction#exact()}:
 *       {@code sqrt, floor, ceil, rint, abs, fma}), by {@code StrictMath}, whose results for these
 *       functions are the only correct ones and equal {@code Math}'s. Transcendental functions are left
 *       alone: the kernel language allows them an ulp bound, and {@code Math.sin} on the JVM may differ
 *       from {@code StrictMath.sin}, so folding them would make a kernel differ from its own Java
 *       method where it did not before.</li>
 *   <li>{@link Terminator.Branch} with two constant operands becomes a {@code Goto}; {@link Terminator.Switch}
 *       on a constant key a {@code Goto} to its target. Blocks left unreachable stay (the verifier allows
 *       them) but no longer count as definitions.</li>
 * </ul>
 * <p><b>Propagation rule.</b> A variable is replaced by constant {@code c} in every operand when, among
 * the blocks reachable from the entry, its only definition is one {@code Move(v, c)} (or an instruction
 * that folds to one), and it is not a scalar parameter's variable (defined at entry), a parallel loop's
 * induction or start variable, or a reduction accumulator. This is sound without SSA because the IR
 * guarantees definite assignment: every path from the entry to a use passes through a definition, and
 * the only one assigns {@code c}. The defining {@code Move} stays; it is dead but harmless.
 * <p>The pass iterates to a fixed point; it returns its input unchanged when nothing folds.
 */
public final class ConstantFolding implements KernelPass {

    @Override
    public String name() {
        return "constant-folding";
    }

    @Override
    public KernelIR run(KernelIR ir) {
        List<Block> blocks = new ArrayList<>(ir.blocks());
        Set<Integer> pinned = pinnedVars(ir);
        Set<Integer> headers = new HashSet<>();
        for (ParallelLoop p : ir.parallelLoops()) headers.add(p.header());
        boolean changed = false;
        for (int round = 0; round < 10_000; round++) {
            Map<Integer, Const> known = singleConstantDefs(blocks, pinned);
            boolean any = false;
            for (int k = 0; k < blocks.size(); k++) {
                Block b = blocks.get(k);
                List<Instr> out = new ArrayList<>(b.instrs().size());
                boolean blockChanged = false;
                for (Instr in : b.instrs()) {
                    // unchanged means the same object: an instruction is rebuilt only when it uses a known
                    // variable (a Var then becomes a Const) or folds (into a Move, which fold never takes),
                    // so identity tells what equals() did, without linking every record's generated equals
                    // through ObjectMethods on a first build (about 1 ms per instruction kind)
                    Instr f = fold(usesKnown(io.kiln.ir.DefUse.uses(in), known) ? substitute(in, known) : in);
                    if (f != in) blockChanged = true;
                    // a divisor now known not to be zero needs no check (and the division it guarded may fold)
                    if (f instanceof Instr.CheckDivisor c && c.divisor() instanceof Const d && (d.type() == Type.I32 ? d.intValue() != 0 : d.longValue() != 0)) {
                        blockChanged = true;
                        continue;
                    }
                    out.add(f);
                }
                Terminator t = usesKnown(io.kiln.ir.DefUse.uses(b.terminator()), known) ? substitute(b.terminator(), known) : b.terminator();
                if (!headers.contains(k)) t = fold(t);
                if (t != b.terminator()) blockChanged = true;
                if (blockChanged) {
                    blocks.set(k, new Block(b.id(), out, t));
                    any = true;
                }
            }
            if (!any) break;
            changed = true;
        }
        if (!changed) return ir;
        return new KernelIR(ir.ownerClass(), ir.methodName(), ir.descriptor(), ir.kind(), ir.params(), ir.vars(), ir.arrays(),
                blocks, ir.parallelLoops(), ir.constants(), ir.reductions());
    }

    /** Variables whose identity matters beyond their definitions: never replaced by a constant. */
    private static Set<Integer> pinnedVars(KernelIR ir) {
        Set<Integer> pinned = new HashSet<>();
        for (Param p : ir.params()) {
            if (p instanceof Param.Scalar s) pinned.add(s.var().id());
        }
        for (ParallelLoop p : ir.parallelLoops()) {
            pinned.add(p.induction().id());
            pinned.add(p.start().id());
        }
        for (Reduction r : ir.reductions()) pinned.add(r.accumulator().id());
        return pinned;
    }

    /** Variables whose one definition in a reachable block is {@code Move(v, constant)}. */
    private static Map<Integer, Const> singleConstantDefs(List<Block> blocks, Set<Integer> pinned) {
        BitSet reachable = reachable(blocks);
        Map<Integer, Integer> defs = new HashMap<>();
        Map<Integer, Const> value = new HashMap<>();
        for (int k = reachable.nextSetBit(0); k >= 0; k = reachable.nextSetBit(k + 1)) {
            for (Instr in : blocks.get(k).instrs()) {
                Var d = io.kiln.ir.DefUse.def(in);
                if (d == null) continue;
                Integer before = defs.get(d.id()); // not merge(Integer::sum): a lambda costs ~1 ms on a first build
                defs.put(d.id(), before == null ? 1 : before + 1);
                if (in instanceof Instr.Move m && m.src() instanceof Const c) value.put(d.id(), c);
                else value.remove(d.id());
            }
        }
        Map<Integer, Const> known = new HashMap<>();
        for (Map.Entry<Integer, Const> e : value.entrySet()) {
            if (defs.get(e.getKey()) == 1 && !pinned.contains(e.getKey())) known.put(e.getKey(), e.getValue());
        }
        return known;
    }

    private static BitSet reachable(List<Block> blocks) {
        BitSet seen = new BitSet();
        ArrayDeque<Integer> work = new ArrayDeque<>();
        work.add(0);
        seen.set(0);
        while (!work.isEmpty()) {
            for (int s : blocks.get(work.poll()).terminator().successors()) {
                if (!seen.get(s)) {
                    seen.set(s);
                    work.add(s);
                }
            }
        }
        return seen;
    }

    // ---- substitution --------------------------------------------------------------------------

    private static boolean usesKnown(List<Value> uses, Map<Integer, Const> known) {
        for (Value v : uses) {
            if (v instanceof Var var && known.containsKey(var.id())) return true;
        }
        return false;
    }

    private static Value sub(Value v, Map<Integer, Const> known) {
        if (v instanceof Var var) {
            Const c = known.get(var.id());
            if (c != null) return c;
        }
        return v;
    }

    private static Instr substitute(Instr in, Map<Integer, Const> k) {
        if (k.isEmpty()) return in;
        return switch (in) {
            case Instr.Move m -> new Instr.Move(m.dst(), sub(m.src(), k), m.line());
            case Instr.Binary x -> new Instr.Binary(x.dst(), x.op(), sub(x.a(), k), sub(x.b(), k), x.line());
            case Instr.Negate x -> new Instr.Negate(x.dst(), sub(x.a(), k), x.line());
            case Instr.Convert x -> new Instr.Convert(x.dst(), x.op(), sub(x.a(), k), x.line());
            case Instr.Compare x -> new Instr.Compare(x.dst(), x.kind(), sub(x.a(), k), sub(x.b(), k), x.line());
            case Instr.Load x -> new Instr.Load(x.dst(), x.array(), sub(x.index(), k), x.line());
            case Instr.Store x -> new Instr.Store(x.array(), sub(x.index(), k), sub(x.value(), k), x.line());
            case Instr.MathCall x -> new Instr.MathCall(x.dst(), x.fn(), x.args().stream().map(a -> sub(a, k)).toList(), x.line());
            case Instr.BitCast x -> new Instr.BitCast(x.dst(), sub(x.a(), k), x.line());
            case Instr.Atomic x -> new Instr.Atomic(x.dst(), x.op(), x.array(), sub(x.index(), k), sub(x.operand(), k),
                    x.expected() == null ? null : sub(x.expected(), k), x.line());
            case Instr.ArrayLength x -> x;
            case Instr.WorkItem x -> x;
            case Instr.ParallelIndex x -> x;
            case Instr.ParallelStride x -> x;
            case Instr.Barrier x -> x;
            case Instr.ZeroArray x -> x;
            // the check keeps the index of the access it guards (the verifier's CHECK_INDEX rule)
            case Instr.CheckIndex x -> new Instr.CheckIndex(x.array(), sub(x.index(), k), x.line());
            // the check keeps the divisor of the division it guards (the verifier's CHECK_DIVISOR rule)
            case Instr.CheckDivisor x -> new Instr.CheckDivisor(sub(x.divisor(), k), x.line());
            case Instr.Print x -> x.withValues(x.values().stream().map(v -> sub(v, k)).toList());
        };
    }

    private static Terminator substitute(Terminator t, Map<Integer, Const> k) {
        if (k.isEmpty()) return t;
        return switch (t) {
            case Terminator.Branch b -> new Terminator.Branch(b.op(), sub(b.a(), k), sub(b.b(), k), b.ifTrue(), b.ifFalse(), b.line());
            case Terminator.Switch s -> new Terminator.Switch(sub(s.key(), k), s.keys(), s.targets(), s.defaultTarget(), s.line());
            case Terminator.Goto g -> g;
            case Terminator.Return r -> r;
        };
    }

    // ---- evaluation ----------------------------------------------------------------------------

    private static Instr fold(Instr in) {
        Const c = switch (in) {
            case Instr.Binary x when x.a() instanceof Const a && x.b() instanceof Const b -> binary(x.op(), a, b, x.dst().type());
            // NaN op x is NaN in Java for every float operator; PoCL was seen turning floor(NaN + x) into 0.0
            case Instr.Binary x when x.dst().type().isFloating() && (isNaN(x.a()) || isNaN(x.b())) -> nan(x.dst().type());
            case Instr.Negate x when x.a() instanceof Const a -> negate(a);
            case Instr.Convert x when x.a() instanceof Const a -> Evaluation.convert(x.op(), a);
            case Instr.Compare x when x.a() instanceof Const a && x.b() instanceof Const b -> Const.ofInt(Evaluation.compare(x.kind(), a, b));
            case Instr.MathCall x when x.fn().exact() && allConst(x.args()) ->
                    math(x.fn(), x.args().stream().map(v -> (Const) v).toList(), x.dst().type());
            default -> null;
        };
        return c == null ? in : new Instr.Move(dstOf(in), c, in.line()); // the folded instruction's line
    }

    /** Whether every value is a constant (a loop, not a stream with a lambda: ~1 ms on a first build). */
    private static boolean allConst(List<Value> values) {
        for (Value v : values) {
            if (!(v instanceof Const)) return false;
        }
        return true;
    }

    private static boolean isNaN(Value v) {
        return v instanceof Const c && (c.type() == Type.F32 ? Float.isNaN(c.floatValue()) : c.type() == Type.F64 && Double.isNaN(c.doubleValue()));
    }

    private static Const nan(Type t) {
        return t == Type.F32 ? Const.ofFloat(Float.NaN) : Const.ofDouble(Double.NaN);
    }

    private static Var dstOf(Instr in) {
        return io.kiln.ir.DefUse.def(in);
    }

    private static Terminator fold(Terminator t) {
        return switch (t) {
            case Terminator.Branch b when b.a() instanceof Const x && b.b() instanceof Const y ->
                    new Terminator.Goto(Evaluation.test(b.op(), x, y) ? b.ifTrue() : b.ifFalse(), b.line());
            case Terminator.Switch s when s.key() instanceof Const k -> {
                int target = s.defaultTarget();
                for (int i = 0; i < s.keys().size(); i++) {
                    if (s.keys().get(i) == k.intValue()) target = s.targets().get(i);
                }
                yield new Terminator.Goto(target, s.line());
            }
            default -> t;
        };
    }

    /** {@code a op b}, or {@code null} for an integer division or remainder by zero (Java throws). */
    private static Const binary(io.kiln.ir.BinOp op, Const a, Const b, Type type) {
        return switch (type) {
            case I32 -> {
                int x = a.intValue(), y = b.intValue();
                if ((op == io.kiln.ir.BinOp.DIV || op == io.kiln.ir.BinOp.REM) && y == 0) yield null;
                yield Const.ofInt(switch (op) {
                    case ADD -> x + y;
                    case SUB -> x - y;
                    case MUL -> x * y;
                    case DIV -> x / y;
                    case REM -> x % y;
                    case AND -> x & y;
                    case OR -> x | y;
                    case XOR -> x ^ y;
                    case SHL -> x << y;
                    case SHR -> x >> y;
                    case USHR -> x >>> y;
                });
            }
            case I64 -> {
                long x = a.longValue();
                if (op.isShift()) {
                    int s = b.intValue();
                    yield Const.ofLong(switch (op) {
                        case SHL -> x << s;
                        case SHR -> x >> s;
                        default -> x >>> s;
                    });
                }
                long y = b.longValue();
                if ((op == io.kiln.ir.BinOp.DIV || op == io.kiln.ir.BinOp.REM) && y == 0) yield null;
                yield Const.ofLong(switch (op) {
                    case ADD -> x + y;
                    case SUB -> x - y;
                    case MUL -> x * y;
                    case DIV -> x / y;
                    case REM -> x % y;
                    case AND -> x & y;
                    case OR -> x | y;
                    case XOR -> x ^ y;
                    default -> throw new IllegalStateException("shift handled above");
                });
            }
            case F32 -> {
                float x = a.floatValue(), y = b.floatValue();
                yield switch (op) {
                    case ADD -> Const.ofFloat(x + y);
                    case SUB -> Const.ofFloat(x - y);
                    case MUL -> Const.ofFloat(x * y);
                    case DIV -> Const.ofFloat(x / y);
                    case REM -> Const.ofFloat(x % y);
                    default -> null; // not a float operator; the verifier reports it
                };
            }
            case F64 -> {
                double x = a.doubleValue(), y = b.doubleValue();
                yield switch (op) {
                    case ADD -> Const.ofDouble(x + y);
                    case SUB -> Const.ofDouble(x - y);
                    case MUL -> Const.ofDouble(x * y);
                    case DIV -> Const.ofDouble(x / y);
                    case REM -> Const.ofDouble(x % y);
                    default -> null;
                };
            }
        };
    }

    private static Const negate(Const a) {
        return switch (a.type()) {
            case I32 -> Const.ofInt(-a.intValue());
            case I64 -> Const.ofLong(-a.longValue());
            case F32 -> Const.ofFloat(-a.floatValue());
            case F64 -> Const.ofDouble(-a.doubleValue());
        };
    }

    /** An exact math function of constants, in the type of its result ({@code dst}). */
    private static Const math(MathFunction fn, List<Const> args, Type type) {
        if (!args.stream().allMatch(c -> c.type() == type)) return null;
        return switch (type) {
            case F64 -> {
                double x = args.get(0).doubleValue();
                yield Const.ofDouble(switch (fn) {
                    case SQRT -> StrictMath.sqrt(x);
                    case FLOOR -> StrictMath.floor(x);
                    case CEIL -> StrictMath.ceil(x);
                    case RINT -> StrictMath.rint(x);
                    case ABS -> Math.abs(x);
                    case FMA -> Math.fma(x, args.get(1).doubleValue(), args.get(2).doubleValue());
                    case MIN -> Math.min(x, args.get(1).doubleValue());
                    case MAX -> Math.max(x, args.get(1).doubleValue());
                    default -> throw new IllegalStateException(fn + " is not exact");
                });
            }
            case F32 -> {
                float x = args.get(0).floatValue();
                yield switch (fn) {
                    case ABS -> Const.ofFloat(Math.abs(x));
                    case FMA -> Const.ofFloat(Math.fma(x, args.get(1).floatValue(), args.get(2).floatValue()));
                    // float sqrt/floor/ceil/rint: correctly rounded in float, which equals rounding the double result
                    case SQRT -> Const.ofFloat((float) StrictMath.sqrt(x));
                    case FLOOR -> Const.ofFloat((float) StrictMath.floor(x));
                    case CEIL -> Const.ofFloat((float) StrictMath.ceil(x));
                    case RINT -> Const.ofFloat((float) StrictMath.rint(x));
                    case MIN -> Const.ofFloat(Math.min(x, args.get(1).floatValue()));
                    case MAX -> Const.ofFloat(Math.max(x, args.get(1).floatValue()));
                    default -> throw new IllegalStateException(fn + " is not exact");
                };
            }
            case I32 -> switch (fn) {
                case ABS -> Const.ofInt(Math.abs(args.get(0).intValue()));
                case MIN -> Const.ofInt(Math.min(args.get(0).intValue(), args.get(1).intValue()));
                case MAX -> Const.ofInt(Math.max(args.get(0).intValue(), args.get(1).intValue()));
                default -> null;
            };
            case I64 -> switch (fn) {
                case ABS -> Const.ofLong(Math.abs(args.get(0).longValue()));
                case MIN -> Const.ofLong(Math.min(args.get(0).longValue(), args.get(1).longValue()));
                case MAX -> Const.ofLong(Math.max(args.get(0).longValue(), args.get(1).longValue()));
                default -> null;
            };
        };
    }
}
