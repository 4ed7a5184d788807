package io.kiln.ir;

/**
 * A typed, mutable virtual register. The IR is not in SSA form: a variable may be assigned in
 * several blocks, which maps directly onto C locals, PTX registers and JVM local slots.
 *
 * @param id   index into {@link KernelIR#vars()}
 * @param type the value type
 * @param name a readable name for printed code (derived from the Java local where known)
 */
public record Var(int id, Type type, String name) implements Value {
    @Override
    public String toString() {
        return "%" + name;
    }
}
