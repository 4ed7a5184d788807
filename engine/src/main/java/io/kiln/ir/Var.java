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
    // equals and hashCode written out, as a record's would be: the generated ones link through
    // ObjectMethods.bootstrap the first time they run (about 1-4 ms interpreted, on every first build;
    // docs/cpu-backend.md, "Early runs"), and Var is a hash key of most passes
    @Override
    public boolean equals(Object o) {
        return o instanceof Var v && id == v.id && type == v.type && java.util.Objects.equals(name, v.name);
    }

    @Override
    public int hashCode() {
        return (31 * id + java.util.Objects.hashCode(type)) * 31 + java.util.Objects.hashCode(name);
    }

    @Override
    public String toString() {
        return "%" + name;
    }
}
