package io.kiln.ir;

/**
 * A statically known array. Every array a kernel touches resolves at compile time to one of these:
 * a parameter, a private array of constant length, a local-memory array, or a constant table.
 * Array references are never data in the IR, which keeps every back end free of pointer analysis.
 *
 * @param id         index into {@link KernelIR#arrays()}
 * @param element    element type
 * @param space      address space
 * @param length     the constant length, or -1 for parameters (their length is passed at launch)
 * @param paramIndex the kernel parameter index for {@link AddressSpace#GLOBAL} arrays, else -1
 * @param name       a readable name
 */
public record ArrayRef(int id, ElementType element, AddressSpace space, int length, int paramIndex, String name) {
    /** Whether this array is a kernel parameter. */
    public boolean isParameter() {
        return paramIndex >= 0;
    }

    @Override
    public String toString() {
        return "@" + name;
    }
}
